"""What a command, a dialog step or a button handler gets to work with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from core import outbox
from core.messages import Incoming, Reply
from services import audit
from services.actors import Actor
from services.clock import Clock, local
from services.config import Settings
from services.errors import UserError
from storage.models import Member

if TYPE_CHECKING:
    from core.registry import Registry


@dataclass
class Ctx:
    session: Session
    incoming: Incoming
    actor: Actor | None
    clock: Clock
    settings: Settings
    registry: Registry
    # Set by the router after the step so handlers can tell a new dialog started.
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def now(self) -> datetime:
        return self.clock.now()

    @property
    def tz(self) -> str:
        return self.actor.timezone if self.actor else self.settings.timezone

    @property
    def today(self) -> date:
        """Today in the actor's team time zone, not the server's."""
        return local(self.now, self.tz).date()

    def team_member(self, refusal: str) -> Member:
        """The speaker as a work-team member, or a polite refusal saying why not."""
        if self.actor is None or not self.actor.in_team:
            raise UserError(refusal)
        member = self.session.get(Member, self.actor.id)
        assert member is not None
        return member

    def notify(self, key: str, reply: Reply, *, member_id: int | None = None,
               villager_id: int | None = None, chat: tuple[str, str] | None = None) -> bool:
        """Queue a message to someone else through the outbox (same transaction)."""
        platform, chat_id = chat if chat else (None, None)
        return outbox.enqueue(self.session, key=key, reply=reply, now=self.now,
                              member_id=member_id, villager_id=villager_id,
                              platform=platform, chat_id=chat_id)

    def begin(self, dialog_name: str, args: str = "") -> list[Reply]:
        """Start a dialog from any command, button or text handler."""
        from core import state

        dialog = self.registry.dialogs[dialog_name]
        turn = dialog.start(self, args)
        state.save(self.session, None, self.incoming.platform, self.incoming.user_id,
                   dialog.name, turn.state, self.now)
        return turn.replies

    def audit(self, action: str, subject: str | None = None, **detail: Any) -> None:
        who = self.actor.key if self.actor else f"{self.incoming.platform}:{self.incoming.user_id}"
        audit.record(self.session, who, action, self.now, subject=subject, **detail)

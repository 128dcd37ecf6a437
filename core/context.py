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
from services.errors import PermissionDenied, UserError
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
    # The identity exists but its person was deactivated (actor is then None).
    deactivated: bool = False
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

    def require_actor(self) -> Actor:
        """The registered, active person speaking, or a clear refusal (never an assert)."""
        if self.actor is None:
            raise UserError("core.deactivated" if self.deactivated else "core.not_registered")
        return self.actor

    def require_member(self) -> Member:
        """The speaker as an active Member row (staff, not a villager), or a refusal."""
        actor = self.require_actor()
        member = self.session.get(Member, actor.id) if actor.kind == "member" else None
        if member is None or not member.active:
            raise UserError("core.deactivated" if member is not None else "core.not_registered")
        return member

    def team_member(self, refusal: str) -> Member:
        """The speaker as a work-team member, or a refusal (audited) saying why not."""
        if self.actor is None or not self.actor.in_team:
            raise PermissionDenied(refusal)
        return self.require_member()

    def notify(self, key: str, reply: Reply, *, member_id: int | None = None,
               villager_id: int | None = None, chat: tuple[str, str] | None = None) -> bool:
        """Queue a message to someone else through the outbox (same transaction)."""
        platform, chat_id = chat if chat else (None, None)
        return outbox.enqueue(self.session, key=key, reply=reply, now=self.now,
                              member_id=member_id, villager_id=villager_id,
                              platform=platform, chat_id=chat_id)

    def begin_fresh(self, dialog_name: str, args: str, label: str, *,
                    restart: bool = False) -> list[Reply]:
        """Start a dialog from a button, unless the user is in the middle of another one:
        the one way a button opens a dialog (approve-with-reason, 销假, edit...). With
        `restart`, a press that would open the very dialog already open starts it over."""
        from core import state

        open_row = state.peek(self.session, self.incoming.platform, self.incoming.user_id)
        if open_row is not None and restart and open_row.dialog == dialog_name:
            self.session.delete(open_row)
            self.session.flush()
            open_row = None
        if open_row is not None:
            known = self.registry.dialogs.get(open_row.dialog)
            raise UserError("core.dialog_open_button", label=label,
                            title=known.title if known else open_row.dialog)
        return self.begin(dialog_name, args)

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

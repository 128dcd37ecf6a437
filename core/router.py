"""From an Incoming to Replies inside the caller's transaction: every routing rule in one place.

Order of business: resolve who is talking, then a button, a command, the open dialog, or
free text. A refusal (UserError) undoes the step but keeps its audit row: `route` raises
`Refused`, the caller (core.inbox) rolls back and asks `refuse` for the reply and the
audit row in a new transaction. Any other exception propagates, so the caller rolls the
whole transaction back and decides whether to retry.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.orm import Session

from core import callbacks, state
from core import text as T
from core.context import Ctx
from core.messages import Incoming, Reply
from core.registry import Command, Registry, Replies
from services import actors
from services.clock import Clock
from services.config import Settings
from services.errors import PermissionDenied, UserError
from services.roles import ROLE_LABELS, Role
from storage.models import DialogState

log = logging.getLogger(__name__)


class Refused(Exception):
    """A step refused with a UserError; see Router.route."""

    def __init__(self, error: UserError) -> None:
        super().__init__(type(error).__name__)
        self.error = error


@dataclass
class Outcome:
    replies: Replies
    role: Role | None = None
    registered: bool = False
    duplicate: bool = False
    extras: dict[str, object] = field(default_factory=dict)


class Router:
    def __init__(self, registry: Registry, clock: Clock, settings: Settings) -> None:
        self.registry, self.clock, self.settings = registry, clock, settings

    def route(self, session: Session, msg: Incoming) -> Outcome:
        """Handle one update in `session` (the caller commits or rolls back).

        A refusal raises `Refused`: the caller rolls the whole transaction back, which
        undoes whatever the step wrote before it refused, and records the refusal in a
        new one (`refuse`). Refusals are rare, so every other update is spared the
        SAVEPOINT and RELEASE a nested transaction around each step would cost."""
        ctx, who = self._context(session, msg)
        try:
            replies = self._dispatch(ctx, who.dialog_id if who.dialog_known else state.UNKNOWN)
        except UserError as exc:
            raise Refused(exc) from exc
        return self._outcome(ctx, replies)

    def refuse(self, session: Session, msg: Incoming, error: UserError) -> Outcome:
        """The reply to a refused step, and its audit row when it was a permission."""
        ctx, _ = self._context(session, msg)
        if isinstance(error, PermissionDenied):
            ctx.audit("refused", detail=error.code, callback=self._audited(msg.callback))
        return self._outcome(ctx, [Reply(str(error))])

    def _context(self, session: Session, msg: Incoming) -> tuple[Ctx, actors.Who]:
        who = actors.resolve_status(session, msg.platform, msg.user_id, self.clock.now(),
                                    self.settings.timezone)
        return Ctx(session, msg, who.actor, self.clock, self.settings, self.registry,
                   deactivated=who.deactivated), who

    @staticmethod
    def _outcome(ctx: Ctx, replies: Replies) -> Outcome:
        role = ctx.actor.role if ctx.actor else None
        actor_now = ctx.extras.get("actor")
        if actor_now is not None:  # registration just happened
            role = actor_now.role  # type: ignore[attr-defined]
        return Outcome(replies, role, role is not None, extras=ctx.extras)

    # -- dispatch -----------------------------------------------------------------
    def _dispatch(self, ctx: Ctx, dialog_id: int | None = state.UNKNOWN) -> Replies:
        msg = ctx.incoming
        if msg.text is not None and len(msg.text) > self.settings.max_text_chars:
            return [Reply(T.TOO_LONG.format(n=len(msg.text), limit=self.settings.max_text_chars))]
        state_row = self._dialog_row(ctx, dialog_id)
        if state_row is not None and ctx.actor is None \
                and not self.registry.dialogs[state_row.dialog].allow_unregistered:
            # deactivated (or unbound) in the middle of a dialog: end it, say why
            ctx.session.delete(state_row)
            ctx.audit("dialog.dropped", detail="actor gone", dialog=state_row.dialog)
            return [Reply(T.DEACTIVATED if ctx.deactivated else T.NOT_REGISTERED)]
        if msg.callback is not None:
            return self._on_button(ctx, state_row)
        cmd = msg.command
        if cmd is None and msg.text:
            if state_row is None:
                cmd = self._alias(msg.text)
            elif self.registry.aliases.get(msg.text.strip()) == "cancel":
                # 「取消」 typed in a dialog ends it: where there are no slash commands it is
                # the only way out, and no answer to any step is the word 取消 alone
                cmd = ("cancel", "")
        if cmd is not None:
            return self._on_command(ctx, state_row, *cmd)
        if state_row is not None:
            if not (msg.text and msg.text.strip()) and not msg.location and not msg.photos \
                    and not msg.document and not msg.voice:
                return [Reply(T.NEED_TEXT if msg.other_kind else T.EMPTY)]
            return self._step(ctx, state_row)
        if ctx.deactivated:
            return [Reply(T.DEACTIVATED)]
        for _, fn in self.registry.text_handlers:
            replies = fn(ctx, (msg.text or "").strip())
            if replies is not None:
                return replies
        if ctx.actor is None:
            return [Reply(T.NOT_REGISTERED)]
        if msg.text is not None and not msg.text.strip():
            return [Reply(T.EMPTY)]
        if msg.other_kind or msg.photos or msg.document:
            return [Reply(T.ONLY_TEXT)]
        return [Reply(T.NOT_UNDERSTOOD)]

    def _alias(self, text: str) -> tuple[str, str] | None:
        """A command typed as its Chinese name, alone or followed by a space and its
        arguments ('请假', '提问 低保怎么申请'): how commands are given where a platform
        has no slash commands, and handy everywhere."""
        head, _, rest = text.strip().partition(" ")
        name = self.registry.aliases.get(head) or self.registry.aliases.get(text.strip())
        if name is None:
            return None
        return (name, rest.strip()) if self.registry.aliases.get(head) else (name, "")

    def _on_command(self, ctx: Ctx, state_row: DialogState | None, name: str, args: str) -> Replies:
        if name == "cancel":
            if state_row is None:
                return [Reply(T.NO_DIALOG)]
            title = self._title(state_row.dialog)
            ctx.session.delete(state_row)
            return [Reply(T.CANCELLED.format(title=title))]
        cmd = self.registry.commands.get(name)
        if cmd is None:
            return [Reply(T.UNKNOWN_COMMAND.format(name=name))]
        self._authorise(ctx, cmd)
        if cmd.dialog:
            if state_row is not None:
                return [Reply(T.DIALOG_OPEN.format(title=self._title(state_row.dialog), name=name))]
            return ctx.begin(cmd.dialog, args)
        if cmd.run is None:
            return [Reply(T.NOT_UNDERSTOOD)]
        return cmd.run(ctx, args)

    def _authorise(self, ctx: Ctx, cmd: Command) -> None:
        """Every command is checked here on the actor's role; refusals are audited."""
        if ctx.actor is None:
            if cmd.allow_unregistered:
                return
            raise PermissionDenied("core.deactivated" if ctx.deactivated else "core.not_registered")
        if ctx.actor.role not in cmd.roles:
            who = "、".join(ROLE_LABELS[r] for r in sorted(cmd.roles, key=list(Role).index))
            raise PermissionDenied("core.only_for", name=cmd.name, who=who)

    def _on_button(self, ctx: Ctx, state_row: DialogState | None) -> Replies:
        data = ctx.incoming.callback or ""
        if ctx.deactivated:
            ctx.audit("button.deactivated", callback=self._audited(data))
            return [Reply(T.DEACTIVATED)]
        try:
            prefix, payload = callbacks.split(data)
            if prefix == callbacks.DialogButton.prefix:
                pressed = callbacks.DialogButton.unpack(payload)
                if state_row is None or state_row.dialog != pressed.dialog:
                    return [Reply(T.STALE_BUTTON)]
                return self._step(ctx, state_row)
            handler = self.registry.callbacks.get(prefix)
            if handler is None:
                raise callbacks.CallbackError(f"unknown prefix {prefix[:16]!r}")
            value = handler.spec.unpack(payload)
        except callbacks.CallbackError as exc:
            ctx.audit("button.malformed", detail=str(exc)[:120], callback=self._audited(data))
            return [Reply(T.STALE_BUTTON)]
        if ctx.actor is None:
            ctx.audit("button.unregistered", callback=self._audited(data))
            return [Reply(T.NOT_REGISTERED)]
        return handler.fn(ctx, value)

    def _audited(self, callback: str | None) -> str | None:
        """What the audit trail keeps of a pressed button's data: all of it, so a forgery
        can be traced to the object it aimed at, except for kinds marked private (a
        complaint's buttons), whose object beside the presser's account could tie an
        anonymous complainant to a ticket; of those, and of unknown kinds, the prefix."""
        if not callback:
            return None
        prefix = callback.partition(":")[0]
        handler = self.registry.callbacks.get(prefix)
        if handler is None or handler.spec.private:
            return prefix[:16]
        return callback[:64]

    # -- dialog state ---------------------------------------------------------------
    def _dialog_row(self, ctx: Ctx, dialog_id: int | None = state.UNKNOWN) -> DialogState | None:
        return state.load(ctx.session, ctx.incoming.platform, ctx.incoming.user_id, ctx.now,
                          set(self.registry.dialogs),
                          timedelta(hours=self.settings.dialog_timeout_hours), dialog_id)

    def _step(self, ctx: Ctx, row: DialogState) -> Replies:
        dialog = self.registry.dialogs[row.dialog]
        turn = dialog.step(ctx, dict(row.state), ctx.incoming)
        state.save(ctx.session, row, ctx.incoming.platform, ctx.incoming.user_id, dialog.name,
                   turn.state, ctx.now)
        return turn.replies

    def _title(self, dialog_name: str) -> str:
        d = self.registry.dialogs.get(dialog_name)
        return d.title if d and d.title else dialog_name

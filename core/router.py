"""From an Incoming to Replies: one transaction per update, every rule in one place.

Order of business: drop a redelivered update, resolve who is talking, then a button,
a command, the open dialog, or free text. Any failure rolls the whole step back and
the user gets a polite reply saying nothing was saved, never a stack trace.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from core import state
from core.context import Ctx
from core.messages import Incoming, Reply
from core.registry import Command, Registry, Replies
from services import actors
from services.clock import Clock
from services.config import Settings
from services.errors import PermissionDenied, UserError
from services.roles import ROLE_LABELS, Role
from storage.db import Database, DatabaseBusy
from storage.models import DialogState, ProcessedUpdate

log = logging.getLogger(__name__)

BUSY = "系统有点忙，刚才的消息没有保存。请稍等几秒再发一次。"
BROKEN = "抱歉，处理时出了点问题，刚才的操作没有保存。请再试一次；如果一直这样，请联系管理员。"
NOT_REGISTERED = ("您还没有注册。请发送管理员给您的注册码，例如：/start ABCD2345 。\n"
                  "村民请发送村里公布的村民码（以 V 开头）。")
STALE_BUTTON = "这个按钮已经失效了（对应的操作已结束或已过期）。发送 /help 查看可用的命令。"
EMPTY = "您发送的内容是空的。请输入文字，或发送 /help 查看可用的命令。"
NEED_TEXT = "这一步需要文字回复，我看不懂贴纸或语音。请直接输入文字；放弃请发送 /cancel 。"


@dataclass
class Outcome:
    replies: Replies
    role: Role | None = None
    registered: bool = False
    duplicate: bool = False
    extras: dict[str, object] = field(default_factory=dict)


class Router:
    def __init__(self, db: Database, registry: Registry, clock: Clock, settings: Settings) -> None:
        self.db, self.registry, self.clock, self.settings = db, registry, clock, settings

    def handle(self, msg: Incoming) -> Outcome:
        try:
            with self.db.session() as s:
                if msg.update_id is not None and not self._first_time(s, msg):
                    return Outcome([], duplicate=True)
                actor = actors.resolve(s, msg.platform, msg.user_id, self.clock.now(),
                                       self.settings.timezone)
                ctx = Ctx(s, msg, actor, self.clock, self.settings, self.registry)
                replies = self._guarded(ctx)
                role = ctx.actor.role if ctx.actor else None
                actor_now = ctx.extras.get("actor")
                if actor_now is not None:  # registration just happened
                    role = actor_now.role  # type: ignore[attr-defined]
                return Outcome(replies, role, role is not None, extras=ctx.extras)
        except DatabaseBusy:
            log.warning("database busy for update %s", msg.update_id)
            return Outcome([Reply(BUSY)])
        except Exception:
            log.exception("failed to handle update %s", msg.update_id)
            return Outcome([Reply(BROKEN)])

    def _first_time(self, s, msg: Incoming) -> bool:  # type: ignore[no-untyped-def]
        try:
            with s.begin_nested():
                s.add(ProcessedUpdate(platform=msg.platform, update_id=msg.update_id,
                                      processed_at=self.clock.now()))
        except IntegrityError:
            return False
        return True

    def _guarded(self, ctx: Ctx) -> Replies:
        """Run the step in a savepoint: a refusal undoes the step but keeps the audit row."""
        try:
            with ctx.session.begin_nested():
                return self._dispatch(ctx)
        except PermissionDenied as exc:
            ctx.audit("refused", detail=str(exc), callback=ctx.incoming.callback,
                      text=(ctx.incoming.text or "")[:200])
            return [Reply(str(exc))]
        except UserError as exc:
            return [Reply(str(exc))]

    # -- dispatch -----------------------------------------------------------------
    def _dispatch(self, ctx: Ctx) -> Replies:
        msg = ctx.incoming
        if msg.text is not None and len(msg.text) > self.settings.max_text_chars:
            return [Reply(f"消息太长了（{len(msg.text)}字），最多{self.settings.max_text_chars}字。"
                          "请分成几条发送。")]
        state_row = self._dialog_row(ctx)
        if msg.callback is not None:
            return self._on_button(ctx, state_row)
        cmd = msg.command
        if cmd is None and state_row is None and msg.text:
            alias = self.registry.aliases.get(msg.text.strip())
            if alias:
                cmd = (alias, "")
        if cmd is not None:
            return self._on_command(ctx, state_row, *cmd)
        if state_row is not None:
            if not (msg.text and msg.text.strip()) and not msg.location and not msg.photos \
                    and not msg.document:
                return [Reply(NEED_TEXT if msg.other_kind else EMPTY)]
            return self._step(ctx, state_row)
        for _, fn in self.registry.text_handlers:
            replies = fn(ctx, (msg.text or "").strip())
            if replies is not None:
                return replies
        if ctx.actor is None:
            return [Reply(NOT_REGISTERED)]
        if msg.text is not None and not msg.text.strip():
            return [Reply(EMPTY)]
        if msg.other_kind or msg.photos or msg.document:
            return [Reply("我暂时只能看懂文字消息。发送 /help 查看您可以做的事。")]
        return [Reply("我没有看懂这条消息。发送 /help 查看您可以使用的命令。")]

    def _on_command(self, ctx: Ctx, state_row: DialogState | None, name: str, args: str) -> Replies:
        if name == "cancel":
            if state_row is None:
                return [Reply("现在没有进行中的操作。发送 /help 查看可用的命令。")]
            title = self._title(state_row.dialog)
            ctx.session.delete(state_row)
            return [Reply(f"已取消「{title}」，填写的内容没有保存。需要时可以重新开始。")]
        cmd = self.registry.commands.get(name)
        if cmd is None:
            return [Reply(f"没有 /{name} 这个命令。发送 /help 查看您可以使用的命令。")]
        self._authorise(ctx, cmd)
        if cmd.dialog:
            if state_row is not None:
                title = self._title(state_row.dialog)
                return [Reply(f"您还有未完成的「{title}」。请先回复完成它，或发送 /cancel 放弃后"
                              f"再发送 /{name} 。")]
            return ctx.begin(cmd.dialog, args)
        assert cmd.run is not None
        return cmd.run(ctx, args)

    def _authorise(self, ctx: Ctx, cmd: Command) -> None:
        if ctx.actor is None:
            if cmd.allow_unregistered:
                return
            raise UserError(NOT_REGISTERED)
        if ctx.actor.role not in cmd.roles:
            who = "、".join(ROLE_LABELS[r] for r in sorted(cmd.roles, key=list(Role).index))
            raise UserError(f"/{cmd.name} 只对{who}开放。发送 /help 查看您可以使用的命令。")

    def _on_button(self, ctx: Ctx, state_row: DialogState | None) -> Replies:
        data = ctx.incoming.callback or ""
        prefix, _, payload = data.partition(":")
        if prefix == "d":
            name, _, _ = payload.partition(":")
            if state_row is None or state_row.dialog != name:
                return [Reply(STALE_BUTTON)]
            return self._step(ctx, state_row)
        fn = self.registry.callbacks.get(prefix)
        if fn is None:
            ctx.audit("button.unknown", callback=data[:64])
            return [Reply(STALE_BUTTON)]
        if ctx.actor is None:
            ctx.audit("button.unregistered", callback=data[:64])
            return [Reply(NOT_REGISTERED)]
        return fn(ctx, payload)

    # -- dialog state ---------------------------------------------------------------
    def _dialog_row(self, ctx: Ctx) -> DialogState | None:
        return state.load(ctx.session, ctx.incoming.platform, ctx.incoming.user_id, ctx.now,
                          set(self.registry.dialogs),
                          timedelta(hours=self.settings.dialog_timeout_hours))

    def _step(self, ctx: Ctx, row: DialogState) -> Replies:
        dialog = self.registry.dialogs[row.dialog]
        turn = dialog.step(ctx, dict(row.state), ctx.incoming)
        state.save(ctx.session, row, ctx.incoming.platform, ctx.incoming.user_id, dialog.name,
                   turn.state, ctx.now)
        return turn.replies

    def _title(self, dialog_name: str) -> str:
        d = self.registry.dialogs.get(dialog_name)
        return d.title if d and d.title else dialog_name

    def prune(self, keep_days: int = 7) -> None:
        """Forget processed update ids older than Telegram could ever resend."""
        with self.db.session() as s:
            s.execute(delete(ProcessedUpdate).where(
                ProcessedUpdate.processed_at < self.clock.now() - timedelta(days=keep_days)))

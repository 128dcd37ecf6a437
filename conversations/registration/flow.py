"""Registration: `/start CODE` binds a platform account to a team role or a village."""

from __future__ import annotations

import re
from typing import Any

from core.context import Ctx
from core.messages import Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from services import invites
from services.errors import UserError
from services.roles import ROLE_LABELS, Role
from services.text import clean_name
from storage.models import Team, Village

CODE_RE = re.compile(r"^[A-Za-z0-9]{8,9}$")

WELCOME = ("欢迎使用驻村助手！\n"
           "驻村工作队成员：请发送管理员给您的注册码，例如 /start ABCD2345 。\n"
           "村民：请发送村里公布的村民码（以 V 开头），注册后可以反映问题、查看办理进度。")


class RegistrationDialog(Dialog):
    name = "register"
    title = "注册"
    allow_unregistered = True

    def start(self, ctx: Ctx, args: str) -> Turn:
        code = args.strip()
        invite = invites.check_code(ctx.session, code, ctx.now)
        role = Role(invite.role)
        where = self._where(ctx, invite.team_id, invite.village_id)
        state: dict[str, Any] = {"code": invite.code}
        if invite.name:
            state.update(stage="confirm", name=invite.name)
            return Turn.stay(state, Reply(
                f"注册码有效：{where}{ROLE_LABELS[role]}「{invite.name}」。是您本人吗？",
                buttons_row(("是我，确认注册", self.button("yes")), ("不是", self.button("no")))))
        state["stage"] = "name"
        ask = "请问怎么称呼您？请回复您的姓名。" if role == Role.VILLAGER else "请回复您的真实姓名（例如：张三）。"
        return Turn.stay(state, Reply(f"注册码有效：{where}{ROLE_LABELS[role]}。\n{ask}"))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        if state["stage"] == "confirm":
            if msg.callback == self.button("no"):
                return Turn.done(Reply("好的，没有注册。请向管理员核对注册码。"))
            if msg.callback != self.button("yes"):
                return Turn.stay(state, Reply("请点击「是我，确认注册」或「不是」；也可以发送 /cancel 放弃。"))
            return self._finish(ctx, state["code"], state["name"])
        try:
            name = clean_name(msg.text or "")
        except UserError as exc:
            return Turn.stay(state, Reply(str(exc)))
        return self._finish(ctx, state["code"], name)

    def _finish(self, ctx: Ctx, code: str, name: str) -> Turn:
        msg = ctx.incoming
        reg = invites.redeem(
            ctx.session, code=code, platform=msg.platform, external_id=msg.user_id,
            chat_id=msg.chat_id, name=name, now=ctx.now, username=msg.username,
            display_name=msg.display_name, default_tz=ctx.settings.timezone)
        ctx.extras["actor"] = reg.actor
        where = reg.team_name or reg.village_name or ""
        return Turn.done(Reply(
            f"注册成功！{name}，您是{where}的{ROLE_LABELS[reg.actor.role]}。\n"
            "发送 /help 查看您可以做的事，发送 /me 查看您的信息。"))

    @staticmethod
    def _where(ctx: Ctx, team_id: int | None, village_id: int | None) -> str:
        if team_id:
            team = ctx.session.get(Team, team_id)
            return f"{team.name} · " if team else ""
        if village_id:
            village = ctx.session.get(Village, village_id)
            return f"{village.full_name} · " if village else ""
        return ""


DIALOG = RegistrationDialog()


def start_command(ctx: Ctx, args: str) -> Replies:
    """`/start` alone explains; `/start CODE` (also a Telegram deep link) registers."""
    if ctx.actor is not None:
        return [Reply(f"您已经注册为{ROLE_LABELS[ctx.actor.role]}「{ctx.actor.name}」。"
                      "发送 /help 查看您可以做的事。")]
    if not args:
        return [Reply(WELCOME)]
    if not CODE_RE.match(args):
        return [Reply("注册码格式不对：应为8位字母和数字（村民码以 V 开头），例如 ABCD2345。"
                      "请核对后重新发送。")]
    return ctx.begin(DIALOG.name, args)


def code_typed_alone(ctx: Ctx, text: str) -> Replies | None:
    """An unregistered user who pastes just the code gets the same as /start CODE."""
    if ctx.actor is None and CODE_RE.match(text or ""):
        return ctx.begin(DIALOG.name, text)
    return None


def register(reg: Registry) -> None:
    reg.dialog(DIALOG)
    reg.command(Command("start", "开始 / 用注册码注册", frozenset(Role), run=start_command,
                        allow_unregistered=True, guest_only_menu=True, order=0))
    reg.text(10, code_typed_alone)

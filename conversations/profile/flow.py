"""Who am I and what can I do: /me, /help, and /cancel's menu entry."""

from __future__ import annotations

from sqlalchemy import select

from core.context import Ctx
from core.messages import Reply
from core.registry import Command, Registry, Replies
from services.roles import EVERYONE, ROLE_LABELS, Role
from storage.models import Identity, Member, Team, Villager

PLATFORM_LABELS = {"telegram": "Telegram", "console": "控制台"}


def help_command(ctx: Ctx, args: str) -> Replies:
    role = ctx.actor.role if ctx.actor else None
    cmds = ctx.registry.menu_for(role)
    lines = [f"/{c.name} — {c.description}" for c in cmds]
    if role is None:
        head = "您还没有注册。可以使用："
        tail = "请先发送注册码注册，例如 /start ABCD2345 。"
    elif role == Role.VILLAGER:
        # Villagers are not staff: say plainly what the bot is for them.
        head = "您是村民，可以使用："
        tail = ("在这里可以向县里的监督员反映驻村工作队和村里的问题（可以匿名），并随时查看办理进度。"
                "也可以直接说「反映问题」；填写中途想退出，发送 /cancel 就行。\n"
                "想问惠民政策，直接把问题发给我，例如：低保怎么申请？")
    else:
        head = f"您是{ROLE_LABELS[role]}，可以使用："
        tail = "在任何一步发送 /cancel 都可以退出当前操作。"
    return [Reply("\n".join([head, *lines, "", tail]))]


def me_command(ctx: Ctx, args: str) -> Replies:
    a = ctx.actor
    assert a is not None
    lines = [f"姓名：{a.name}", f"身份：{ROLE_LABELS[a.role]}"]
    if a.kind == "member":
        m = ctx.session.get(Member, a.id)
        assert m is not None
        if m.team_id:
            team = ctx.session.get(Team, m.team_id)
            assert team is not None
            lines += [f"工作队：{team.name}", f"驻村：{team.village.full_name}"]
        if m.term_start or m.term_end:
            lines.append(f"任期：{m.term_start or '未设'} 至 {m.term_end or '未设'}")
    else:
        v = ctx.session.get(Villager, a.id)
        assert v is not None
        lines.append(f"所在村：{v.village.full_name}")
    col = Identity.member_id if a.kind == "member" else Identity.villager_id
    idents = ctx.session.scalars(select(Identity).where(col == a.id)).all()
    lines.append("已绑定：" + "、".join(PLATFORM_LABELS.get(i.platform, i.platform) for i in idents))
    lines.append("发送 /help 查看您可以做的事。")
    return [Reply("\n".join(lines))]


def register(reg: Registry) -> None:
    reg.command(Command("help", "查看可用的命令", EVERYONE, run=help_command,
                        allow_unregistered=True, aliases=("帮助", "菜单"), order=1))
    reg.command(Command("me", "查看我的身份和工作队", EVERYONE, run=me_command,
                        aliases=("我是谁",), order=2))
    # Handled by the router before lookup; registered so menus list it.
    reg.command(Command("cancel", "退出当前操作", EVERYONE, run=None, allow_unregistered=True,
                        order=99))

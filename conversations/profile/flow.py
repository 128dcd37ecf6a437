"""Who am I and what can I do: /me, /help, and /cancel's menu entry."""

from __future__ import annotations

from sqlalchemy import select

from core.context import Ctx
from core.messages import Reply
from core.registry import Command, Registry, Replies
from services.roles import EVERYONE, ROLE_LABELS, Role
from storage.models import Identity, Team, Villager

from . import text as T


def help_command(ctx: Ctx, args: str) -> Replies:
    role = ctx.actor.role if ctx.actor else None
    cmds = ctx.registry.menu_for(role)
    lines = [T.MENU_LINE.format(name=c.name, description=c.description) for c in cmds]
    if role is None:
        head, tail = T.HELP_GUEST_HEAD, T.HELP_GUEST_TAIL
    elif role == Role.VILLAGER:
        # Villagers are not staff: say plainly what the bot is for them.
        head, tail = T.HELP_VILLAGER_HEAD, T.HELP_VILLAGER_TAIL
    else:
        head, tail = T.HELP_STAFF_HEAD.format(role=ROLE_LABELS[role]), T.HELP_STAFF_TAIL
    return [Reply("\n".join([head, *lines, "", tail]))]


def me_command(ctx: Ctx, args: str) -> Replies:
    a = ctx.require_actor()
    lines = [T.ME_NAME.format(name=a.name), T.ME_ROLE.format(role=ROLE_LABELS[a.role])]
    if a.kind == "member":
        m = ctx.require_member()
        team = ctx.session.get(Team, m.team_id) if m.team_id else None
        if team is not None:
            lines += [T.ME_TEAM.format(team=team.name),
                      T.ME_VILLAGE.format(village=team.village.full_name)]
        if m.term_start or m.term_end:
            lines.append(T.ME_TERM.format(start=m.term_start or T.TERM_UNSET,
                                          end=m.term_end or T.TERM_UNSET))
        col = Identity.member_id
    else:
        v = ctx.session.get(Villager, a.id)
        if v is not None:
            lines.append(T.ME_HOME_VILLAGE.format(village=v.village.full_name))
        col = Identity.villager_id
    idents = ctx.session.scalars(select(Identity).where(col == a.id)).all()
    lines.append(T.ME_BOUND.format(platforms=T.platforms([i.platform for i in idents])))
    lines.append(T.ME_TAIL)
    return [Reply("\n".join(lines))]


def register(reg: Registry) -> None:
    reg.command(Command("help", T.HELP_DESCRIPTION, EVERYONE, run=help_command,
                        allow_unregistered=True, aliases=T.HELP_ALIASES, order=1))
    reg.command(Command("me", T.ME_DESCRIPTION, EVERYONE, run=me_command,
                        aliases=T.ME_ALIASES, order=2))
    # Handled by the router before lookup; registered so menus list it.
    reg.command(Command("cancel", T.CANCEL_DESCRIPTION, EVERYONE, run=None,
                        aliases=T.CANCEL_ALIASES, allow_unregistered=True, order=99))

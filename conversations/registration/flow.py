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

from . import text as T

CODE_RE = re.compile(r"^[A-Za-z0-9]{8,9}$")


class RegistrationDialog(Dialog):
    name = "register"
    title = T.TITLE
    allow_unregistered = True

    def start(self, ctx: Ctx, args: str) -> Turn:
        code = args.strip()
        invite = invites.check_code(ctx.session, code, ctx.now)
        role = ROLE_LABELS[Role(invite.role)]
        where = self._where(ctx, invite.team_id, invite.village_id)
        state: dict[str, Any] = {"code": invite.code}
        if invite.name:
            state.update(stage="confirm", name=invite.name)
            return Turn.stay(state, Reply(
                T.CONFIRM.format(where=where, role=role, name=invite.name),
                buttons_row((T.YES, self.button("yes")), (T.NO, self.button("no")))))
        state["stage"] = "name"
        ask = T.ASK_VILLAGER_NAME if invite.role == Role.VILLAGER else T.ASK_MEMBER_NAME
        return Turn.stay(state, Reply(T.ASK_NAME.format(where=where, role=role, ask=ask)))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        if state["stage"] == "confirm":
            if msg.callback == self.button("no"):
                return Turn.done(Reply(T.NOT_ME))
            if msg.callback != self.button("yes"):
                return Turn.stay(state, Reply(T.PRESS_YES_OR_NO))
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
        return Turn.done(Reply(T.DONE.format(name=name, where=where,
                                             role=ROLE_LABELS[reg.actor.role])))

    @staticmethod
    def _where(ctx: Ctx, team_id: int | None, village_id: int | None) -> str:
        if team_id:
            team = ctx.session.get(Team, team_id)
            return T.WHERE.format(place=team.name) if team else ""
        if village_id:
            village = ctx.session.get(Village, village_id)
            return T.WHERE.format(place=village.full_name) if village else ""
        return ""


DIALOG = RegistrationDialog()


def start_command(ctx: Ctx, args: str) -> Replies:
    """`/start` alone explains; `/start CODE` (also a Telegram deep link) registers."""
    if ctx.actor is not None:
        return [Reply(T.ALREADY.format(role=ROLE_LABELS[ctx.actor.role], name=ctx.actor.name))]
    if not args:
        return [Reply(T.WELCOME)]
    if not CODE_RE.match(args):
        return [Reply(T.BAD_FORMAT)]
    return ctx.begin(DIALOG.name, args)


def code_typed_alone(ctx: Ctx, text: str) -> Replies | None:
    """An unregistered user who pastes just the code gets the same as /start CODE."""
    if ctx.actor is None and CODE_RE.match(text or ""):
        return ctx.begin(DIALOG.name, text)
    return None


def register(reg: Registry) -> None:
    reg.dialog(DIALOG)
    reg.command(Command("start", T.START_DESCRIPTION, frozenset(Role), run=start_command,
                        aliases=T.START_ALIASES, allow_unregistered=True, guest_only_menu=True,
                        order=0))
    reg.text(10, code_typed_alone)

"""/web (工作台): a single-use sign-in link to the county workspace, delivered like any
reply (through the outbox). Rules in services/weblogin.py, words in text.py."""

from __future__ import annotations

from core.context import Ctx
from core.messages import Reply
from core.registry import Command, Registry, Replies
from services import weblogin

from . import text as T


def web_command(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    url = weblogin.issue_link(ctx.session, actor, ctx.now, ctx.settings)
    ctx.audit("web.link", f"member:{actor.id}")
    return [Reply(T.LINK.format(minutes=ctx.settings.web_link_minutes, url=url))]


def register(reg: Registry) -> None:
    reg.command(Command("web", T.WEB_DESCRIPTION, weblogin.WEB_ROLES, run=web_command,
                        aliases=T.WEB_ALIASES, order=90))

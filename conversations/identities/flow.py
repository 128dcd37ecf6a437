"""/link (绑定) and /receive (接收平台): one person reachable on several platforms."""

from __future__ import annotations

from conversations.profile.text import PLATFORM_LABELS
from core import outbox
from core.context import Ctx
from core.messages import Reply
from core.registry import Command, Registry, Replies
from services import links
from services.errors import UserError
from services.roles import EVERYONE

from . import text as T


def link_command(ctx: Ctx, args: str) -> Replies:
    """Alone: a code for the person (registered) or how binding works (guest).
    With a code, on a guest account: bind it to the person who asked for the code."""
    msg = ctx.incoming
    if not args:
        if ctx.actor is None:
            return [Reply(T.GUEST_HOW)]
        link = links.issue(ctx.session, ctx.actor, ctx.now)
        return [Reply(T.CODE.format(code=link.code, minutes=int(links.VALID.total_seconds() // 60)))]
    if ctx.actor is not None:
        return [Reply(T.ALREADY_HERE.format(name=ctx.actor.name))]
    bound = links.redeem(ctx.session, code=args, platform=msg.platform, external_id=msg.user_id,
                         chat_id=msg.chat_id, now=ctx.now, username=msg.username,
                         display_name=msg.display_name, private=msg.is_private)
    label = PLATFORM_LABELS.get(msg.platform, msg.platform)
    outbox.enqueue(ctx.session, key=f"link:{bound.identity.id}:notice",
                   reply=Reply(T.BOUND_NOTICE.format(platform=label)), now=ctx.now,
                   platform=bound.issuer.platform, chat_id=bound.issuer.chat_id)
    who = ctx.session.get(_model(bound.person_kind), bound.person_id)
    return [Reply(T.BOUND.format(platform=label, name=who.name if who else ""))]


def _model(kind: str):  # type: ignore[no-untyped-def]
    from storage.models import Member, Villager

    return Member if kind == "member" else Villager


def _platform(word: str) -> str | None:
    """'钉钉' / 'dingtalk' / 'Telegram' -> the platform; '自动' -> None."""
    w = word.strip().lower()
    if w in T.AUTO_WORDS:
        return None
    for platform, label in PLATFORM_LABELS.items():
        if w in (platform, label.lower()):
            return platform
    raise UserError("identities.unknown_platform")


def receive_command(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    if args.strip():
        platform = _platform(args)
        links.choose(ctx.session, actor, platform, ctx.now)
        if platform is None:
            return [Reply(T.RECEIVE_AUTO)]
        return [Reply(T.RECEIVE_CHOSEN.format(platform=PLATFORM_LABELS.get(platform, platform)))]
    mine = links.accounts(ctx.session, actor)
    last = max(mine, key=lambda i: (i.last_seen_at, -i.id), default=None)
    chosen = next((i for i in mine if i.preferred), None)
    lines = [T.RECEIVE_HEAD]
    for i in mine:
        mark = T.MARK_CHOSEN if i is chosen else (T.MARK_LAST if i is last and chosen is None else "")
        lines.append(T.RECEIVE_LINE.format(platform=PLATFORM_LABELS.get(i.platform, i.platform),
                                           mark=mark))
    if chosen is None:
        lines.append(T.RECEIVE_NOW_LAST)
    lines.append(T.RECEIVE_TAIL)
    return [Reply("\n".join(lines))]


def register(reg: Registry) -> None:
    reg.command(Command("link", T.LINK_DESCRIPTION, EVERYONE, run=link_command,
                        aliases=T.LINK_ALIASES, allow_unregistered=True, order=95))
    reg.command(Command("receive", T.RECEIVE_DESCRIPTION, EVERYONE, run=receive_command,
                        aliases=T.RECEIVE_ALIASES, order=96))

"""Policy questions in chat: /ask, plain text in a private chat, the answer buttons, /reload.

Text outside a dialog reaches this handler last (priority 60): registration codes (10),
villagers' complaints (40, statements only), locations (45) and long work reports (50,
statements only) are taken first; every other private text of a registered user is a
question. The rule lives in services/text_intent.py and docs/knowledge.md.

Importing this module does not build the index (start-up stays fast); services.knowledge
builds it on the first question or from the start-up tick in a background thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy.orm import Session

from conversations.complaints.buttons import offer_button as complaint_button
from core.callbacks import CallbackData, CallbackError
from core.context import Ctx
from core.messages import Button, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from services import knowledge as svc
from services.config import Settings
from services.roles import EVERYONE, Role
from storage.models import KbQuestion

from . import text as T

if TYPE_CHECKING:
    from knowledge import Entry


@dataclass(frozen=True)
class QuestionButton(CallbackData, prefix="kb"):
    """On a logged question: 没解决 (n), 都不是 (x), 转给管理员 (f)."""

    action: Literal["n", "x", "f"]
    question_id: int


@dataclass(frozen=True)
class ChoiceButton(CallbackData, prefix="kc"):
    """One of the questions offered for a near tie (its index in the logged choices)."""

    question_id: int
    index: int


@dataclass(frozen=True)
class LinkButton(CallbackData, prefix="kl"):
    """[加为问法：…] on a question forwarded to an administrator: the question becomes a
    phrasing of that entry (as `admin kb-link`), in one tap."""

    question_id: int
    entry_id: str


class AskDialog(Dialog):
    """`/ask 问题` answers at once; `/ask` alone asks for the question in one step."""

    name = "ask"
    title = T.ASK_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        if args.strip():
            return Turn.done(*answer(ctx, args.strip()))
        return Turn.stay({}, Reply(T.ASK_PROMPT))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        text = (msg.text or "").strip()
        if not text:
            return Turn.stay(state, Reply(T.NEED_QUESTION))
        return Turn.done(*answer(ctx, text))


def answer(ctx: Ctx, text: str) -> Replies:
    """Ask the base, log the question, and turn the verdict into a reply with buttons."""
    actor = ctx.require_actor()
    q, verdict = svc.ask(ctx.session, actor, text, ctx.now, match_chars=ctx.settings.kb_match_chars)
    if verdict.kind == "answer" and verdict.best is not None:
        return [answer_reply(q, verdict.best.entry)]
    if verdict.kind == "choose":
        rows = [[Button(m.entry.question, ChoiceButton(q.id, i).pack())]
                for i, m in enumerate(verdict.matches)]
        rows.append([Button(T.BTN_NONE_OF_THESE, QuestionButton("x", q.id).pack())])
        return [Reply(T.DID_YOU_MEAN, buttons=rows)]
    return [Reply(T.NOT_FOUND, buttons=_forward_buttons(ctx, q))]


def answer_reply(q: KbQuestion, entry: Entry) -> Reply:
    return Reply(T.ANSWER.format(question=entry.question, answer=entry.answer, basis=entry.basis),
                 buttons=buttons_row((T.BTN_NOT_SOLVED, QuestionButton("n", q.id).pack())))


def _forward_buttons(ctx: Ctx, q: KbQuestion) -> list[list[Button]]:
    row = [Button(T.BTN_FORWARD, QuestionButton("f", q.id).pack())]
    if ctx.actor is not None and ctx.actor.role == Role.VILLAGER:
        # A villager's "question" may really be a complaint: offer that road too.
        row.append(complaint_button())
    return [row]


# The services still take the id as the text it used to be in the data; the router has
# already parsed it into a bounded int.
def on_choice(ctx: Ctx, pressed: ChoiceButton) -> Replies:
    q, entry = svc.choose(ctx.session, ctx.require_actor(), str(pressed.question_id),
                          str(pressed.index))
    return [answer_reply(q, entry)]


def on_question_button(ctx: Ctx, pressed: QuestionButton) -> Replies:
    if pressed.action == "f":
        return forward(ctx, pressed.question_id)
    q = svc.mark_unresolved(ctx.session, ctx.require_actor(), str(pressed.question_id))
    return [Reply(T.UNRESOLVED, buttons=_forward_buttons(ctx, q))]


def forward(ctx: Ctx, question_id: int) -> Replies:
    q, admins, first = svc.forward(ctx.session, ctx.require_actor(), str(question_id))
    if not first:
        return [Reply(T.ALREADY_FORWARDED)]
    if not admins:
        return [Reply(T.NO_ADMIN)]
    text = T.FORWARD_TO_ADMIN.format(id=q.id, asker=svc.asker_label(ctx.session, q),
                                     question=svc.for_display(q.text))
    buttons = _link_buttons(ctx, q)
    for m in admins:
        ctx.notify(f"kb:{q.id}:fwd:m{m.id}", Reply(text, buttons=buttons), member_id=m.id)
    ctx.audit("kb.forward", subject=f"kb_question:{q.id}")
    return [Reply(T.FORWARDED.format(names="、".join(m.name for m in admins)))]


def _link_buttons(ctx: Ctx, q: KbQuestion) -> list[list[Button]]:
    """One button per entry the question most likely belongs to (ids too long for a
    button's data are left to `admin kb-link`)."""
    rows = []
    for e in svc.link_suggestions(ctx.session, q):
        try:
            data = LinkButton(q.id, e.id).pack()
        except (ValueError, CallbackError):
            continue
        rows.append([Button(T.BTN_LINK.format(question=e.question[:T.LINK_LABEL_CHARS]), data)])
    return rows


def on_link(ctx: Ctx, pressed: LinkButton) -> Replies:
    r = svc.link_by_button(ctx.session, ctx.require_actor(), str(pressed.question_id),
                           pressed.entry_id, ctx.now)
    ctx.audit("kb.link", subject=f"kb_question:{r.question.id}", entry=r.entry.id)
    return [Reply(T.LINKED.format(id=r.question.id, entry=r.entry.question) if r.added
                  else T.LINKED_ALREADY.format(id=r.question.id, entry=r.entry.question))]


def free_text(ctx: Ctx, text: str) -> Replies | None:
    """Everything the earlier handlers left: a question, or small talk that gets a short
    "I can help with…" reply (the classifier is knowledge/routing.py)."""
    msg = ctx.incoming
    if ctx.actor is None or not msg.is_private or not msg.text or not text:
        return None
    hint = svc.help_hint(text, ctx.actor.role, ctx.registry.menu_for(ctx.actor.role))
    if hint is not None:  # greetings, thanks, "我要请假": what the bot can do, not the base
        return [Reply(T.help_hint(hint))]
    return answer(ctx, text)


def reload_command(ctx: Ctx, args: str) -> Replies:
    n = svc.reload_now(ctx.session, ctx.now)
    ctx.audit("kb.reload", entries=n)
    return [Reply(T.RELOADED.format(n=n))]


def refresh_tick(session: Session, now: datetime, settings: Settings) -> None:
    """Warm the index at bot start (background thread) and follow imports afterwards."""
    svc.warm_up(session)


DIALOG = AskDialog()


def register(reg: Registry) -> None:
    reg.dialog(DIALOG)
    reg.command(Command("ask", T.CMD_ASK, EVERYONE, dialog=DIALOG.name, aliases=T.ALIAS_ASK,
                        order=5))
    reg.command(Command("reload", T.CMD_RELOAD, frozenset({Role.ADMIN}), run=reload_command,
                        aliases=T.ALIAS_RELOAD, order=90))
    reg.callback(QuestionButton, on_question_button)
    reg.callback(ChoiceButton, on_choice)
    reg.callback(LinkButton, on_link)
    reg.text(60, free_text)
    reg.tick("knowledge.refresh", refresh_tick)

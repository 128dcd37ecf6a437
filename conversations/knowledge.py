"""Policy questions in chat: /ask, plain text in a private chat, the answer buttons, /reload.

Text outside a dialog reaches this handler last (priority 60): registration codes (10),
villagers' complaints (40, statements only), locations (45) and long work reports (50,
accounts of work only) are taken first; the rest is a question, or small talk that gets a
short "I can help with…" reply. The classifier is knowledge/routing.py (docs/knowledge.md).

Importing this module does not build the index (start-up stays fast); services.knowledge
builds it on the first question or from the start-up tick in a background thread.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from conversations.complaint_handling import PREFIX as COMPLAINT_PREFIX
from conversations.context import Ctx
from conversations.messages import Button, Incoming, Reply, buttons_row
from conversations.registry import Command, Dialog, Registry, Replies, Turn
from services import knowledge as svc
from services.config import Settings
from services.errors import PermissionDenied
from services.roles import EVERYONE, Role
from storage.models import KbQuestion

if TYPE_CHECKING:
    from knowledge import Entry

PREFIX = "kb"
ASK_PROMPT = ("请问您想了解什么政策？直接输入问题就行，例如：驻村干部每月补助多少？\n"
              "放弃请发送 /cancel 。")
EXAMPLE = "例如：/ask 驻村干部每月补助多少"


class AskDialog(Dialog):
    """`/ask 问题` answers at once; `/ask` alone asks for the question in one step."""

    name = "ask"
    title = "政策问答"

    def start(self, ctx: Ctx, args: str) -> Turn:
        if args.strip():
            return Turn.done(*answer(ctx, args.strip()))
        return Turn.stay({}, Reply(ASK_PROMPT))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        text = (msg.text or "").strip()
        if not text:
            return Turn.stay(state, Reply("请用文字输入您的问题；不问了请发送 /cancel 。"))
        return Turn.done(*answer(ctx, text))


def answer(ctx: Ctx, text: str) -> Replies:
    """Ask the base, log the question, and turn the verdict into a reply with buttons."""
    assert ctx.actor is not None
    q, verdict = svc.ask(ctx.session, ctx.actor, text, ctx.now,
                         match_chars=ctx.settings.kb_match_chars)
    if verdict.kind == "answer" and verdict.best is not None:
        return [answer_reply(q, verdict.best.entry)]
    if verdict.kind == "choose":
        rows = [[Button(m.entry.question, f"{PREFIX}:c:{q.id}:{i}")]
                for i, m in enumerate(verdict.matches)]
        rows.append([Button("都不是", f"{PREFIX}:x:{q.id}")])
        return [Reply("您是不是想问：", buttons=rows)]
    return [Reply("抱歉，知识库里暂时没有找到这个问题的答案。\n"
                  "可以换个说法再问（写上政策名称会更准），或点「转给管理员」，管理员会答复您。",
                  buttons=_forward_buttons(ctx, q))]


def answer_reply(q: KbQuestion, entry: Entry) -> Reply:
    return Reply(f"【{entry.question}】\n{entry.answer}\n依据：{entry.basis}\n\n"
                 "没有解决您的问题？请点「没解决」，我会记下来请管理员补充。",
                 buttons=buttons_row(("没解决", f"{PREFIX}:n:{q.id}")))


def _forward_buttons(ctx: Ctx, q: KbQuestion) -> list[list[Button]]:
    row = [Button("转给管理员", f"{PREFIX}:f:{q.id}")]
    if ctx.actor is not None and ctx.actor.role == Role.VILLAGER:
        # A villager's "question" may really be a complaint: offer that road too.
        row.append(Button("我要反映问题", f"{COMPLAINT_PREFIX}:new"))
    return [row]


def on_button(ctx: Ctx, payload: str) -> Replies:
    """kb:c:<q>:<i> chose an offer · kb:n:<q> 没解决 · kb:x:<q> 都不是 · kb:f:<q> 转给管理员."""
    assert ctx.actor is not None
    action, _, rest = payload.partition(":")
    if action == "c":
        qid, _, index = rest.partition(":")
        q, entry = svc.choose(ctx.session, ctx.actor, qid, index)
        return [answer_reply(q, entry)]
    if action in ("n", "x"):
        q = svc.mark_unresolved(ctx.session, ctx.actor, rest)
        return [Reply("抱歉没能帮上忙，已经记下来了，管理员会补充这方面的解答。\n"
                      "想尽快得到答复请点「转给管理员」；也可以换个说法再问一次。",
                      buttons=_forward_buttons(ctx, q))]
    if action == "f":
        return forward(ctx, rest)
    raise PermissionDenied(f"这个按钮无效。想问问题请发送 /ask 加上问题，{EXAMPLE}")


def forward(ctx: Ctx, raw_id: str) -> Replies:
    assert ctx.actor is not None
    q, admins, first = svc.forward(ctx.session, ctx.actor, raw_id)
    if not first:
        return [Reply("这个问题已经转给管理员了，请耐心等待答复。")]
    if not admins:
        return [Reply("暂时没有可以转交的管理员，您的问题已经记录，管理员上线后会看到。")]
    text = (f"【政策提问转交】编号 {q.id}\n提问人：{svc.asker_label(ctx.session, q)}\n"
            f"问题：{svc.for_display(q.text)}\n"
            "知识库没能回答。请联系提问人答复；需要补充到知识库时，"
            "用 admin kb-import 导入新条目（见 docs/knowledge.md）。")
    for m in admins:
        ctx.notify(f"kb:{q.id}:fwd:m{m.id}", Reply(text), member_id=m.id)
    ctx.audit("kb.forward", subject=f"kb_question:{q.id}")
    names = "、".join(m.name for m in admins)
    return [Reply(f"已转给管理员（{names}），管理员会尽快答复您。")]


def free_text(ctx: Ctx, text: str) -> Replies | None:
    """Everything the earlier handlers left: a registered user's private text is a question."""
    msg = ctx.incoming
    if ctx.actor is None or not msg.is_private or not msg.text or not text:
        return None
    hint = svc.help_reply(text, ctx.actor.role, ctx.registry.menu_for(ctx.actor.role))
    if hint is not None:  # greetings, thanks, "我要请假": what the bot can do, not the base
        return [Reply(hint)]
    return answer(ctx, text)


def reload_command(ctx: Ctx, args: str) -> Replies:
    n = svc.reload_now(ctx.session, ctx.now)
    ctx.audit("kb.reload", entries=n)
    return [Reply(f"知识库已重新加载，共 {n} 条。其他运行中的机器人进程会在下一次有人提问时自动更新。")]


def refresh_tick(session: Session, now: datetime, settings: Settings) -> None:
    """Warm the index at bot start (background thread) and follow imports afterwards."""
    svc.warm_up(session)


DIALOG = AskDialog()


def register(reg: Registry) -> None:
    reg.dialog(DIALOG)
    reg.command(Command("ask", f"政策问答，{EXAMPLE}", EVERYONE, dialog=DIALOG.name,
                        aliases=("提问", "问问题"), order=5))
    reg.command(Command("reload", "重新加载政策知识库（导入新条目后）", frozenset({Role.ADMIN}),
                        run=reload_command, order=90))
    reg.callback(PREFIX, on_button)
    reg.text(60, free_text)
    reg.tick("knowledge.refresh", refresh_tick)

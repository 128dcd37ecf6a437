"""Every word of policy questions in chat (/ask, free-text questions, the answer buttons,
/reload) and the error templates services/knowledge.py raises as knowledge.* codes.

Commands are written /ask; channels without slash commands show their Chinese names.
"""

from __future__ import annotations

from core.words import errors

EXAMPLE = "例如：/ask 驻村干部每月补助多少"

ERRORS = errors("knowledge", {
    "reserved_filename": "文件名不能以「{prefix}」开头（这个前缀留给 admin kb-link）。请改个文件名再导入。",
    "question_not_found": "找不到问题编号 {ref}。用 admin kb-unanswered 查看编号。",
    "entry_not_found": "没有 id 为「{ref}」的条目。条目 id 见 admin kb-stats 或 knowledge/data/*.yaml。",
    "admins_link": "只有管理员可以把问题加到知识库。",
    "bad_link": "这个按钮无效。",
    "not_yours": "这个按钮是给提问的人用的，您不能替别人操作。想问问题请发送 /ask 加上您的问题。",
    "bad_choice": f"这个按钮无效。请重新提问，{EXAMPLE}",
    "gone": f"这条问答已经更新或删除了。请重新提问，{EXAMPLE}",
    "unknown_ids": "找不到这些问题编号：{ids}。用 admin kb-unanswered 查看编号。",
})

# -- command menu and dialog ---------------------------------------------------------------
CMD_ASK = f"政策问答，{EXAMPLE}"
CMD_RELOAD = "重新加载政策知识库（导入新条目后）"
ALIAS_ASK = ("提问", "问问题")
ALIAS_RELOAD = ("重新加载知识库",)
ASK_TITLE = "政策问答"
ASK_PROMPT = ("请问您想了解什么政策？直接输入问题就行，例如：驻村干部每月补助多少？\n"
              "放弃请发送 /cancel 。")
NEED_QUESTION = "请用文字输入您的问题；不问了请发送 /cancel 。"

# -- answers ------------------------------------------------------------------------------------
ANSWER = ("【{question}】\n{answer}\n依据：{basis}\n\n"
          "没有解决您的问题？请点「没解决」，我会记下来请管理员补充。")
DID_YOU_MEAN = "您是不是想问："
NOT_FOUND = ("抱歉，知识库里暂时没有找到这个问题的答案。\n"
             "可以换个说法再问（写上政策名称会更准），或点「转给管理员」，管理员会答复您。")
UNRESOLVED = ("抱歉没能帮上忙，已经记下来了，管理员会补充这方面的解答。\n"
              "想尽快得到答复请点「转给管理员」；也可以换个说法再问一次。")
BTN_NOT_SOLVED = "没解决"
BTN_NONE_OF_THESE = "都不是"
BTN_FORWARD = "转给管理员"
BTN_COMPLAIN = "我要反映问题"

# -- forwarding to the administrators ---------------------------------------------------------
ALREADY_FORWARDED = "这个问题已经转给管理员了，请耐心等待答复。"
NO_ADMIN = "暂时没有可以转交的管理员，您的问题已经记录，管理员上线后会看到。"
FORWARDED = "已转给管理员（{names}），管理员会尽快答复您。"
FORWARD_TO_ADMIN = ("【政策提问转交】编号 {id}\n提问人：{asker}\n问题：{question}\n"
                    "知识库没能回答。请联系提问人答复。已有条目能回答的，点下面的条目把这句话"
                    "加为它的问法；需要新条目时，用 admin kb-import 导入（见 docs/knowledge.md）。")
BTN_LINK = "加为问法：{question}"
LINK_LABEL_CHARS = 18
LINKED = "已把问题 {id} 加为「{entry}」的问法，以后这样问会直接回答。"
LINKED_ALREADY = "「{entry}」已有这个问法；问题 {id} 已标记为处理过。"

# -- /reload ------------------------------------------------------------------------------------
RELOADED = "知识库已重新加载，共 {n} 条。其他运行中的机器人进程会在下一次有人提问时自动更新。"


HELP_LEAD = {
    "villager": ("我可以帮您：\n· 问惠民政策：直接把问题发给我，例如「低保怎么申请」「医保有补贴不」\n"
                 "· 向监督员反映驻村工作队或村里的问题（可以匿名），并查看办理进度"),
    "team": ("我可以帮您：\n· 政策问答：直接把问题发给我，知识库会回答，例如「驻村干部每月补助多少」\n"
             "· 写今天的工作日志（把做了什么直接发给我也行）、请假销假、到村签到"),
    "staff": "我可以帮您：\n· 政策问答：直接把问题发给我，知识库会回答，例如「投诉多久要办结」",
}
HELP_ALL = "发送 /help 查看全部命令。"


def help_hint(hint) -> str:  # type: ignore[no-untyped-def]
    """The short "I can help with…" reply: what the bot does for this person, and the
    commands that fit what they wrote first."""
    lines = [f"/{c.name} — {c.description}" for c in hint.commands]
    return "\n".join([HELP_LEAD[hint.audience], "", *lines, HELP_ALL])

"""Every word of projects and funds: /projects, /project, /newproject, starting, progress
and milestones, spending, fund uses, completion, the villagers' notices, the 项目资金
sheets and the handover lines, and the error templates of services/projects.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from conversations.council.text import money
from core.words import errors

if TYPE_CHECKING:
    from storage.models import CouncilItem, CouncilMeeting, Project, ProjectEntry

ERRORS = errors("projects", {
    "gone": "没有编号为 {project_id} 的项目。发送 /projects 查看。",
    "owner_only": "只有项目负责人和本队的组长、第一书记可以办理这个项目。",
    "bad_title": "请给项目起一个 {limit} 字以内的名称，例如：村东组道路硬化。",
    "need_source": "请写资金来源，例如：财政衔接资金、帮扶单位资金、村集体经济收入。",
    "bad_amount": "金额不对。请写大于 0 的金额，例如：12万、85000元。",
    "no_decision": ("「{title}」还没有经村民议事会通过，不能开工。项目要先列入议事会议程，"
                    "讨论通过后才能开工（/council）。"),
    "already_started": "「{title}」已经开工了。",
    "not_started": "「{title}」还没有开工，开工后才能记进展和支出。",
    "finished": "「{title}」已经完工了。",
    "empty_entry": "内容是空的。请写一句话，或发照片、语音。",
    "spend_needs_purpose": "请写明用途，例如：3500元 购买水泥20吨。",
    "over_budget": ("「{title}」经议事会批准的资金是 {budget:,}元，已支出 {used:,}元，还剩 {left:,}元。"
                    "超出部分要先申请追加资金，经议事会通过后再支出。"),
    "funds_need_approval": "「{title}」还没有经议事会通过，先等项目本身通过再申请追加资金。",
})

CMD_PROJECTS = "项目与资金：进展、支出、公示"
ALIAS_PROJECTS = ("项目", "项目资金")
CMD_PROJECT = "查看一个项目：/project 编号"
ALIAS_PROJECT = ("项目详情",)
CMD_NEWPROJECT = "申报项目（经议事会通过后开工）"
ALIAS_NEWPROJECT = ("新建项目", "申报项目")
NEW_TITLE = "申报项目"
ENTRY_TITLE = "记录项目情况"

STATUS_LABELS = {"proposed": "待议事会讨论", "approved": "议事会已通过，待开工", "rejected": "议事会未通过",
                 "active": "实施中", "done": "已完工"}
ENTRY_LABELS = {"start": "开工", "progress": "进展", "milestone": "节点（已公示）", "spend": "支出",
                "fund": "申请追加资金", "done": "完工"}
FUND_LABELS = {"waiting": "待议事会讨论", "approved": "议事会已通过", "rejected": "议事会未通过"}
LIST_SEP = "、"


def media_note(media: list[dict[str, str]] | None) -> str:
    photos = sum(1 for m in media or [] if m.get("kind") == "photo")
    voices = sum(1 for m in media or [] if m.get("kind") == "voice")
    parts = ([f"📷{photos}"] if photos else []) + ([f"🎙{voices}"] if voices else [])
    return f"（{' '.join(parts)}）" if parts else ""


def list_line(p: Project, spent: int) -> str:
    if p.status in ("proposed", "rejected"):
        money_line = f"申请 {money(p.amount_fen)}"
    else:
        money_line = f"批准 {money(p.budget_fen)}，已支出 {money(spent)}"
    return f"#{p.id} {p.title} — {STATUS_LABELS[p.status]}\n   资金来源：{p.fund_source}；{money_line}"


def decision_line(item: CouncilItem, meeting: CouncilMeeting, when: str) -> str:
    from conversations.council.text import DECISION_LABELS, KIND_LABELS, votes

    return (f"议事会决定：{when} {KIND_LABELS.get(meeting.kind, meeting.kind)} "
            f"{DECISION_LABELS.get(item.decision or '', '')}{votes(item)}")


def entry_line(e: ProjectEntry, day: str) -> str:
    label = ENTRY_LABELS.get(e.kind, e.kind)
    amount = f" {money(e.amount_fen)}" if e.amount_fen else ""
    status = f"（{FUND_LABELS[e.status]}）" if e.kind == "fund" and e.status in FUND_LABELS else ""
    text = f"：{e.text}" if e.text else ""
    return f"· {day} {label}{amount}{status}{text}{media_note(e.media)}"


# -- /projects -----------------------------------------------------------------------------
HEAD = "🏗 {village} 项目与资金"
HEAD_PUBLIC = "🏗 {village} 项目与资金（公示）"
EMPTY = "还没有项目。发送 /newproject 申报，经议事会通过后开工。"
PUBLIC_EMPTY = "村里暂时没有公示的项目。"
FOOT = "发送 /project 编号 查看详情和资金明细。"
BTN_NEW = "申报项目"
BTN_VIEW = "#{id} {title}"

# -- /project ------------------------------------------------------------------------------
DETAIL = ("项目 #{id} {title}\n状态：{status}\n资金来源：{source}\n申请金额：{amount}\n"
          "批准资金：{budget}　已支出：{spent}　结余：{left}")
NO_DECISION = "议事会决定：还没有（通过后才能开工）"
ENTRIES_HEAD = "记录："
NO_ENTRIES = "还没有记录。"
BTN_START = "开工"
BTN_PROGRESS = "记进展"
BTN_SPEND = "记支出"
BTN_FUND = "追加资金"
BTN_DONE = "完工"
BTN_MEDIA = "📷 附件（{n}）"
NO_MEDIA = "这个项目没有照片或语音。"
MEDIA = "项目 #{id} 的照片和语音（{n}）："

# -- /newproject -----------------------------------------------------------------------------
ASK_TITLE = "项目叫什么？例如：村东组道路硬化。（放弃请发 /cancel）"
ASK_SOURCE = "资金来源？点按钮，或直接写。"
ASK_AMOUNT = "申请多少钱？例如：12万、85000元。"
BAD_AMOUNT = "看不懂金额「{text}」。例如：12万、12.5万元、85000元。"
CONFIRM_NEW = ("请确认：\n项目：{title}\n资金来源：{source}\n申请金额：{amount}\n"
               "提交后列入村民议事会待议事项，议事会通过后才能开工。")
BTN_SUBMIT, BTN_CANCEL = "提交", "取消"
PICK = "请点「提交」或「取消」。"
ADDED = "✅ 已申报项目 #{id}「{title}」，列入议事会待议事项。议程会自动带上：/council"
NOT_ADDED = "好的，没有申报。"

# -- entries ------------------------------------------------------------------------------------
ASK_ENTRY = {
    "progress": "「{title}」的进展：请写一句话（可附照片、语音）。",
    "spend": "「{title}」的支出：请写金额和用途，例如：3500元 购买水泥20吨（可附发票照片）。",
    "fund": "「{title}」追加资金：请写金额和用途，例如：2万 增加排水沟。经议事会通过后才能支出。",
    "done": "「{title}」完工：请写完工和验收情况（可附验收照片）。",
}
ASK_PUBLISH = "要把这条进展作为项目节点向村民公示吗？"
BTN_SAVE, BTN_SAVE_PUBLISH = "只保存", "保存并公示"
BAD_SPEND = "请在开头写金额，例如：3500元 购买水泥20吨。"
SAVED = {
    "progress": "✅ 已记下「{title}」的进展。",
    "milestone": "✅ 已记下「{title}」的节点，并向本村 {villagers} 位已注册的村民公示。",
    "spend": "✅ 已记支出 {amount}。「{title}」批准 {budget}，已支出 {spent}，结余 {left}。",
    "fund": "✅ 已申请追加 {amount}，列入议事会待议事项，通过后资金才能使用。",
    "done": "✅ 「{title}」已完工，并向本村 {villagers} 位已注册的村民公示。",
    "start": "✅ 「{title}」已开工。进展、支出和节点请在 /project {id} 记录。",
}

# -- villagers' notices ---------------------------------------------------------------------------
def milestone_notice(p: Project, text: str) -> str:
    return f"📢 项目进展公示：{p.title}\n{text}\n资金来源：{p.fund_source}；批准 {money(p.budget_fen)}。"


def done_notice(p: Project, text: str, spent: int) -> str:
    body = f"\n{text}" if text else ""
    return (f"📢 项目完工公示：{p.title}{body}\n资金来源：{p.fund_source}；批准 {money(p.budget_fen)}，"
            f"实际支出 {money(spent)}。有疑问可以向村委会或驻村工作队询问。")


# -- handover -------------------------------------------------------------------------------------
def handover_line(p: Project) -> str:
    return f"#{p.id} {p.title}（{STATUS_LABELS[p.status]}，{money(p.budget_fen or p.amount_fen)}）"


HANDOVER_TITLE = "项目"

# -- sheets ---------------------------------------------------------------------------------------
SHEET = "项目资金"
SHEET_HEADERS = ["工作队", "编号", "项目", "资金来源", "申请金额（元）", "批准资金（元）", "状态",
                 "议事会决定", "负责人", "累计支出（元）", "本月支出（元）", "结余（元）", "开工", "完工"]
SHEET_WIDTHS = [18, 6, 30, 16, 14, 14, 14, 24, 10, 14, 14, 12, 12, 12]
LEDGER = "项目资金明细"
LEDGER_HEADERS = ["工作队", "项目", "日期", "类别", "金额（元）", "说明", "状态", "记录人", "照片数", "语音数"]
LEDGER_WIDTHS = [18, 30, 17, 12, 12, 40, 14, 10, 7, 7]

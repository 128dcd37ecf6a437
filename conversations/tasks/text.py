"""Every word of the livelihood task list (民生任务表): /tasks, /task, /newtask, /progress,
closing with evidence and the leader's check (对账销号), the monthly progress reminder,
the villagers' notices, the digest line, the 民生任务 sheet and its handover lines, and
the error templates of services/tasks.py."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from core.words import errors

if TYPE_CHECKING:
    from storage.models import LivelihoodTask, Member, TaskUpdate

ERRORS = errors("tasks", {
    "gone": "没有编号为 {task_id} 的民生任务。发送 /tasks 查看任务表。",
    "owner_only": "只有这项任务的责任人和本队的组长、第一书记可以办理。",
    "not_open": "任务 #{task_id} 已经销号或撤销了。发送 /tasks 查看任务表。",
    "already_checking": "任务 #{task_id} 已经申请销号，正在等组长核实。",
    "checkers_only": "只有本队的组长和第一书记可以核实销号。",
    "not_own_check": "自己负责的任务不能自己核实销号，请本队另一位组长或第一书记核实。",
    "not_checking": "任务 #{task_id} 现在不在待核实状态。",
    "need_evidence": "请附上完成的证据：现场照片，或一句说明。",
    "need_reason": "请写一句退回的理由，责任人会看到。",
    "empty_progress": "进展是空的。请写一句话，或发照片、语音。",
    "bad_problem": "请用一句话（{limit}字以内）写清要解决的问题，例如：村东组道路坑洼，雨天无法通行。",
    "owner_not_in_team": "{name}不是本工作队的成员，不能做责任人。",
    "already_waiting": "任务 #{task_id} 已经在议事会待议事项里了。",
})

CMD_TASKS = "民生任务表：任务、进展、销号"
ALIAS_TASKS = ("民生任务", "任务表", "民生任务表")
CMD_TASK = "查看一项民生任务：/task 编号"
ALIAS_TASK = ("任务详情",)
CMD_NEWTASK = "新增民生任务"
ALIAS_NEWTASK = ("新增任务",)
CMD_PROGRESS = "填报任务进展：/progress 编号 内容"
ALIAS_PROGRESS = ("进展", "填报进展")
NEW_TITLE = "新增民生任务"
PROGRESS_TITLE = "填报任务进展"
DONE_TITLE = "申请销号"
BACK_TITLE = "退回任务"

CATEGORY_LABELS = {"travel": "出行", "water": "吃水", "health": "看病", "school": "上学", "other": "其他"}
STATUS_LABELS = {"open": "进行中", "checking": "待核实销号", "closed": "已销号", "dropped": "已撤销"}
COUNCIL_LABELS = {"waiting": "议事会待议", "approved": "议事会已通过", "rejected": "议事会未通过"}
LIST_SEP = "、"


def month_label(d: date) -> str:
    return f"{d.year}年{d.month}月"


def media_note(media: list[dict[str, str]] | None) -> str:
    photos = sum(1 for m in media or [] if m.get("kind") == "photo")
    voices = sum(1 for m in media or [] if m.get("kind") == "voice")
    parts = ([f"📷{photos}"] if photos else []) + ([f"🎙{voices}"] if voices else [])
    return f"（{' '.join(parts)}）" if parts else ""


def short(text: str, limit: int = 30) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[:limit] + "…"


def task_head(t: LivelihoodTask) -> str:
    return f"#{t.id}【{CATEGORY_LABELS.get(t.category, t.category)}】{t.problem}"


def list_line(t: LivelihoodTask, owner: str, last: TaskUpdate | None, month: date) -> str:
    """One line of /tasks for the team."""
    state = STATUS_LABELS[t.status] if t.status != "open" else f"计划 {month_label(t.due_month)}"
    late = "（已逾期）" if t.status == "open" and t.due_month < month else ""
    council = f"，{COUNCIL_LABELS[t.council]}" if t.council in COUNCIL_LABELS else ""
    progress = f"\n   {last.month.month}月进展：{short(last.text, 40) or media_note(last.media)}" if last else \
        "\n   还没有填报进展"
    return f"{task_head(t)}\n   责任人 {owner}，{state}{late}{council}{progress}"


def public_line(n: int, t: LivelihoodTask, owner: str, last: TaskUpdate | None) -> str:
    """One line of the public list, as on the village notice board."""
    state = "待核实" if t.status == "checking" else f"计划{month_label(t.due_month)}完成"
    progress = f"；{last.month.month}月进展：{short(last.text, 40)}" if last and last.text else ""
    cat = CATEGORY_LABELS.get(t.category, t.category)
    return f"{n}. 【{cat}】{t.problem}（责任人：{owner}，{state}）{progress}"


# -- /tasks -----------------------------------------------------------------------------
TEAM_HEAD = "📋 {village} 民生任务表（未销号 {n} 项）"
PUBLIC_HEAD = "📋 {village} 民生任务表（公示）"
EMPTY = "任务表还是空的。发送 /newtask 添加要解决的问题（出行、吃水、看病、上学……）。"
PUBLIC_EMPTY = "村里的民生任务表暂时没有未完成的事项。"
CLOSED_HEAD = "【最近销号】"
CLOSED_LINE = "✅ {problem}（{day}销号）"
TEAM_FOOT = "发送 /task 编号 查看详情；填报进展直接发：进展 编号 内容（可附照片、语音）。"
PUBLIC_FOOT = "对任务有意见或新的问题，可以发送 /complain 反映。"
BTN_NEW = "新增任务"
BTN_PROGRESS = "进展#{id}"
BTN_CHECK = "核实#{id}"
BTN_VIEW = "详情#{id}"

# -- /task ------------------------------------------------------------------------------
DETAIL = ("民生任务 {head}\n责任人：{owner}　计划完成：{due}\n状态：{status}{council}")
DETAIL_DONE = "完成情况：{note}{media}"
DETAIL_RETURNED = "上次退回理由：{note}"
DETAIL_CLOSED = "销号：{day}，{checker}核实"
UPDATES_HEAD = "进展："
UPDATE_LINE = "· {month}：{text}{media}"
NO_UPDATES = "还没有填报进展。"
BTN_ADD_PROGRESS = "填写进展"
BTN_DONE = "申请销号"
BTN_OK = "核实销号"
BTN_BACK = "退回"
BTN_COUNCIL = "提交议事会"
BTN_MEDIA = "📷 附件（{n}）"
NO_MEDIA = "这项任务没有照片或语音。"
MEDIA = "任务 #{id} 的照片和语音（{n}）："

# -- /newtask ---------------------------------------------------------------------------
ASK_PROBLEM = ("要解决什么问题？请用一句话写清楚，例如：村东组道路坑洼，雨天无法通行。\n"
               "（放弃请发 /cancel）")
ASK_OWNER = "谁负责？"
BTN_ME = "我负责"
BAD_OWNER = "请点按钮选择责任人。"
ASK_DUE = "计划哪个月完成？例如：2027年3月、3月、下月、三个月内。"
BTN_THIS, BTN_NEXT, BTN_THREE = "本月", "下月", "三个月内"
DUE_WORDS = {"this": "本月", "next": "下月", "three": "三个月内"}
BAD_DUE = "看不懂「{text}」。请写以后的某个月，例如：2027年3月、3月、下月、三个月内。"
CONFIRM_NEW = "请确认：\n【{cat}】{problem}\n责任人：{owner}\n计划完成：{due}"
BTN_ADD, BTN_ADD_COUNCIL, BTN_CANCEL = "添加", "添加并提交议事会", "取消"
PICK = "请点按钮：添加、添加并提交议事会，或取消。"
ADDED = "✅ 已添加民生任务 #{id}。每月 22 日会提醒责任人填报进展；完成后点「申请销号」附上证据。"
ADDED_COUNCIL = "\n已列入议事会待议事项，下次议事会会讨论。"
NOT_ADDED = "好的，没有添加。"
NEW_OWNER_NOTICE = "📋 您被指定为民生任务 #{id} 的责任人：{problem}（计划 {due}）。发送 /task {id} 查看。"

# -- progress ---------------------------------------------------------------------------
ASK_PROGRESS = ("任务 {head}\n请用一条消息写本月进展（可以是文字、照片或语音，照片可带说明）。")
PROGRESS_SAVED = "✅ 已记下任务 #{id} 的{month}月进展。"
PROGRESS_WHICH = "您负责的任务有好几项，请写编号，例如：进展 {id} 路基已经铺完。\n{lines}"
PROGRESS_NONE = "您现在没有要填报进展的民生任务。发送 /tasks 查看任务表。"

# -- closing ------------------------------------------------------------------------------
ASK_EVIDENCE = ("任务 {head}\n请发完成的证据：现场照片（可带说明），或一句说明，例如：路面已硬化，"
                "村民已正常通行。")
DONE_SAVED = "✅ 已申请销号，等组长或第一书记核实（对账销号）。"
CHECK_CARD = "📋 民生任务申请销号，请核实：\n{head}\n责任人：{owner}\n完成情况：{note}{media}"
CHECKED = "✅ 已核实销号：{head}。已向本村村民公示。"
CHECKED_OWNER = "✅ 您负责的民生任务 {head} 已由{checker}核实销号。辛苦了！"
CLOSED_PUBLIC = "📢 民生任务销号公示：【{cat}】{problem} 已解决（责任人：{owner}，{checker}核实）。"
ASK_BACK_REASON = "请写退回的理由（责任人会看到），例如：还缺现场照片。"
SENT_BACK = "已退回任务 #{id}，已告诉责任人。"
SENT_BACK_OWNER = "↩️ 民生任务 {head} 的销号申请被退回：{note}\n补充后可以再次申请销号：/task {id}"
TO_COUNCIL = "✅ 任务 #{id} 已列入议事会待议事项，下次议事会的议程会自动带上。"

# -- the monthly reminder ------------------------------------------------------------------
def progress_reminder(name: str, month: int, tasks: list[LivelihoodTask]) -> str:
    lines = "\n".join(f"#{t.id} {short(t.problem)}（计划 {month_label(t.due_month)}）" for t in tasks)
    first = tasks[0].id
    return (f"📋 民生任务进展 · {month}月\n{name}，您负责的 {len(tasks)} 项民生任务本月还没有填报进展：\n"
            f"{lines}\n点下面的按钮写一条进展（可附照片、语音），或直接发送：进展 {first} 本月……")


# -- digest ------------------------------------------------------------------------------------
def digest_line(c: dict[str, int]) -> str:
    parts = [f"未销号 {c['open']} 项"]
    if c["checking"]:
        parts.append(f"待核实 {c['checking']} 项")
    if c["overdue"]:
        parts.append(f"逾期 {c['overdue']} 项")
    return "【民生任务】" + "，".join(parts) + "（/tasks）"


# -- handover ---------------------------------------------------------------------------------
def handover_line(t: LivelihoodTask) -> str:
    return f"#{t.id} {short(t.problem, 40)}（{STATUS_LABELS[t.status]}，计划 {month_label(t.due_month)}）"


HANDOVER_TITLE = "民生任务"

# -- sheet ------------------------------------------------------------------------------------
SHEET = "民生任务"
SHEET_HEADERS = ["工作队", "编号", "类别", "问题", "责任人", "计划完成", "状态", "议事会", "本月进展",
                 "最近进展", "完成情况", "证据数", "销号日期", "核实人"]
SHEET_WIDTHS = [18, 6, 6, 40, 10, 10, 10, 10, 40, 40, 30, 6, 12, 10]


def owner_name(m: Member | None) -> str:
    return m.name if m is not None else ""

LATE = "\n（系统刚恢复，这条提醒晚了约{hours}小时，请谅解。）"

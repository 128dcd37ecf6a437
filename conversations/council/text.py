"""Every word of the villager council (村民议事会): /council, calling a meeting, moving the
dates, recording decisions, the notices the tick sends, the 议事会决定 sheet, and the
error templates of services/council.py and of services/teamscope.py (who may see a
team's public work: shared by the council, the task list and projects). Also `money`,
how every amount of #15 is written."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from conversations.reminders.text import schedule, when
from core.words import errors
from reminders.spec import Recurrence

if TYPE_CHECKING:
    from services.council import AgendaEntry
    from storage.models import CouncilItem, CouncilMeeting, EventSeries

ERRORS = errors("council", {
    # services/teamscope.py: whose public work one may see or do
    "not_your_team": "这是别的村（工作队）的公开事项，您不能查看或办理。",
    "team_members_only": "只有本工作队的成员可以办理。发送 /help 查看您可以做的事。",
    "managers_only": "只有本队的组长和第一书记可以办理议事会事项和核实销号。",
    "no_team_here": "您所在的村还没有驻村工作队。",
    "team_not_found": "找不到工作队「{ref}」。",
    "which_team": "请写明工作队，例如：/council {example}\n可选：{names}",
    # services/council.py
    "meeting_gone": "这次会议不存在了。发送 /council 查看议事会。",
    "series_gone": "这个会议安排不存在了。发送 /council 查看。",
    "bad_kind": "请选择会议：村民代表会议或村民会议。",
    "when_past": "这个时间已经过去了（或以后不会再有）。请写一个以后的时间。",
    "meeting_exists": "那个时间已经有一次同样的会议了。请换一个时间。",
    "already_recorded": "这次会议的决定已经记录过了。发送 /council 查看。",
    "not_held_yet": "会议还没有开，开完后再记录决定。",
    "decisions_missing": "还有 {n} 项没有记录结果，每一项都要写明通过、不通过或暂缓。",
    "bad_decision": "结果只能是通过、不通过或暂缓。",
})

CMD_COUNCIL = "村民议事会：会议、议程和决定"
ALIAS_COUNCIL = ("议事会", "村民议事会")
RECORD_TITLE = "记录议事会决定"
CALL_TITLE = "加开议事会"
TIME_TITLE = "修改议事会时间"

KIND_LABELS = {"representative": "村民代表会议", "villager": "村民会议"}
DECISION_LABELS = {"approved": "通过", "rejected": "不通过", "deferred": "暂缓"}
SUBJECT_LABELS = {"project": "项目", "fund": "资金使用", "task": "民生任务"}
LIST_SEP = "、"


# -- amounts ---------------------------------------------------------------------------
def money(fen: int | None) -> str:
    """12000000 -> '12万元', 12500000 -> '12.5万元', 350000 -> '3,500元',
    123456 -> '1,234.56元': how every amount of the council, projects and funds reads."""
    if fen is None:
        return ""
    yuan = Decimal(fen).scaleb(-2)
    if yuan >= 10000 and fen % 100 == 0 and (yuan / 100) == (yuan / 100).to_integral_value():
        wan = (yuan / 10000).normalize()
        return f"{wan:f}万元"
    whole = yuan == yuan.to_integral_value()
    return f"{int(yuan):,}元" if whole else f"{yuan:,.2f}元"


# -- agenda lines ----------------------------------------------------------------------
def subject_line(kind: str, title: str, amount_fen: int | None, info: str | None) -> str:
    """One agenda item: "项目：村道硬化（财政衔接资金，12万元）"."""
    label = SUBJECT_LABELS.get(kind, kind)
    if kind == "project":
        extra = "，".join(x for x in (info, money(amount_fen)) if x)
        return f"{label}：{title}（{extra}）" if extra else f"{label}：{title}"
    if kind == "fund":
        return f"{label}：{info or ''}追加{money(amount_fen)}（{title}）"
    if kind == "task":
        return f"{label}：{title}" + (f"（责任人 {info}）" if info else "")
    return f"{label}：{title}"


def entry_line(e: AgendaEntry) -> str:
    return subject_line(e.kind, e.title, e.amount_fen, e.info)


def item_line(i: CouncilItem) -> str:
    return subject_line(i.subject_kind, i.title, i.amount_fen, i.info)


def vote_counts(v: list[int] | tuple[int, ...] | None) -> str:
    return "" if not v else f"（赞成{v[0]} 反对{v[1]} 弃权{v[2]}）"


def votes(i: CouncilItem) -> str:
    if i.votes_for is None:
        return ""
    return vote_counts((i.votes_for, i.votes_against or 0, i.votes_abstain or 0))


def draft_line(n: int, line: str, decision: str, v: list[int] | None) -> str:
    """A decision as the recorder reads it back before confirming."""
    return f"{n}. {line} — {DECISION_LABELS[decision]}{vote_counts(v)}"


def decision_line(n: int, i: CouncilItem) -> str:
    return f"{n}. {item_line(i)} — {DECISION_LABELS.get(i.decision or '', '未记录')}{votes(i)}"


def meeting_name(m: CouncilMeeting, tz: str) -> str:
    return f"{when(m.scheduled_at, tz)} {KIND_LABELS.get(m.kind, m.kind)}"


def entries_text(entries: list[AgendaEntry]) -> str:
    if not entries:
        return AGENDA_EMPTY
    return "\n".join(f"{n}. {entry_line(e)}" for n, e in enumerate(entries, 1))


def agenda_text(items: list[CouncilItem]) -> str:
    if not items:
        return AGENDA_EMPTY
    return "\n".join(f"{n}. {item_line(i)}" for n, i in enumerate(items, 1))


AGENDA_EMPTY = "（目前没有待议事项，可以通报工作、听取村民意见）"

# -- /council --------------------------------------------------------------------------
HEAD = "🏛 {village} 村民议事会"
HEAD_PUBLIC = "🏛 {village} 村民议事会（公示）"
NEXT_HEAD = "【会议安排】"
NEXT_LINE = "· {kind}：下次 {next}（{rule}）"
NEXT_NONE = "没有了"
PAUSED = "（已暂停，发送 /events 恢复）"
NOTICE_DAYS = "，提前{days}天通知村民"
MEETING_HEAD = "【{name}】议程 {n} 项："
WAITING_HEAD = "【待议事项】还没有排进会议的 {n} 项（下次会议自动列入议程）："
WAITING_LINE = "· {line}"
WAITING_NONE = "【待议事项】暂无。项目申报、追加资金和提交议事会的民生任务会自动列入。"
TO_RECORD_HEAD = "【待记录决定】{names}"
LAST_HEAD = "【最近决定】{name}："
MINUTES_LINE = "会议纪要：{text}"
FOOT_MANAGER = "会后点「记录决定」逐项记下结果，记下后自动向村民公示。"
BTN_RECORD = "记录决定：{name}"
BTN_MINUTES = "纪要：{name}"
BTN_CALL = "加开会议"
BTN_TIME = "改会议时间"
BTN_VIEW = "查看议程"
SHORT_DAY = "{month}月{day}日"


def short_day(dt: datetime, tz: str) -> str:
    from services.clock import local

    t = local(dt, tz)
    return SHORT_DAY.format(month=t.month, day=t.day)


# -- the meeting's own view ----------------------------------------------------------------
MEETING_VIEW = "🏛 {name}\n议程：\n{agenda}"
MEETING_DECIDED = "🏛 {name}（已记录）\n{lines}"
NO_MINUTES = "这次会议没有留纪要。"
MINUTES_VIEW = "🏛 {name} 会议纪要：\n{text}"

# -- notices (the tick and calling a meeting) ----------------------------------------------
def meeting_notice(kind: str, when_text: str, agenda: str, *, villager: bool, left: str,
                   called: bool = False) -> str:
    name = KIND_LABELS.get(kind, kind)
    if villager:
        head = f"📢 村里通知：{when_text} 召开{name}（村民议事会）"
        tail = "欢迎村民参加，有意见可以会前向村干部或驻村工作队反映。"
    else:
        head = f"🏛 {name} · {when_text}"
        tail = "会后由组长或第一书记记录决定（/council），记录后自动向村民公示。"
    soon = "（新召开的会议）" if called else f"（{left}）"
    return f"{head}{soon}\n议程：\n{agenda}\n{tail}"


def decisions_notice(name: str, lines: list[str], *, villager: bool, minutes: bool) -> str:
    head = f"📢 议事会决定公示 · {name}" if villager else f"🏛 议事会决定 · {name}"
    tail = "对决定有意见，可以向村委会或驻村工作队反映，也可以发送 /complain 反映。" if villager else \
        "通过的项目可以开工（/projects），决定已向本村村民公示。"
    body = "\n".join(lines) if lines else "（这次会议没有需要表决的事项）"
    kept = "\n会议纪要已存档，发送 /council 查看。" if minutes and not villager else ""
    return f"{head}\n{body}{kept}\n{tail}"


# -- recording decisions (dialog) -----------------------------------------------------------
RECORD_START = "记录「{name}」的决定，共 {n} 项。"
RECORD_ASK = ("第{k}/{n}项：{line}\n请点结果；有表决票数可以直接写，例如：通过 赞成23 反对2 弃权1"
              "（发送 /cancel 放弃，已写的不会保存）")
RECORD_BAD = "没有看懂结果。请点「通过」「不通过」或「暂缓」，或写：通过 赞成23 反对2 弃权1"
BTN_APPROVE, BTN_REJECT, BTN_DEFER = "通过", "不通过", "暂缓"
MINUTES_ASK = ("最后，请发送会议纪要：一段文字，或纪要的照片（可以多张）。发完点「完成」；"
               "没有纪要点「没有纪要」。")
MINUTES_GOT = "已收到纪要（文字 {chars} 字，照片 {photos} 张）。还有就继续发，发完点「完成」。"
BTN_DONE, BTN_NO_MINUTES = "完成", "没有纪要"
RECORD_CONFIRM = "请核对「{name}」的决定：\n{lines}\n纪要：{minutes}\n确认后向本村村民公示。"
MINUTES_SUMMARY = "文字 {chars} 字，照片 {photos} 张"
MINUTES_NONE = "无"
BTN_CONFIRM, BTN_REDO, BTN_CANCEL = "确认并公示", "重新记录", "取消"
RECORD_CONFIRM_AGAIN = "请点「确认并公示」，或「重新记录」。"
RECORDED = ("✅ 已记录「{name}」的 {n} 项决定，并向本村 {villagers} 位已注册的村民公示。"
            "通过的项目可以开工：/projects")
NOT_RECORDED = "好的，没有记录。需要时在 /council 点「记录决定」。"

# -- calling a meeting (dialog) ----------------------------------------------------------------
CALL_KIND = "加开哪种会议？"
CALL_WHEN = ("什么时间开？例如：2026-12-10 15:00、12月10日 15:00。\n"
             "确认后马上通知全队和本村村民，会前一天 18:00 和开会前一小时再提醒。")
CALL_BAD_WHEN = "看不懂时间「{text}」。请写具体日期和时间，例如：2026-12-10 15:00"
CALL_CONFIRM = "请确认：{kind} · {when}\n议程（现在待议的 {n} 项）：\n{agenda}"
BTN_CALL_OK = "确认召开"
CALLED = "✅ 已召开：{name}，议程 {n} 项。已通知全队和本村 {villagers} 位已注册的村民。"
NOT_CALLED = "好的，没有召开。需要时在 /council 点「加开会议」。"
CALL_TITLE_OF = "{kind}（加开）"

# -- moving the dates (dialog) -----------------------------------------------------------------
TIME_WHICH = "要改哪个会议的时间？"
TIME_ASK = ("「{kind}」现在是：{rule}。\n请发送新的时间，例如：每季度第一个月10日 9:00、"
            "每季度第二个月20日 15:00、每年2月1日 9:00。加“顺延”则遇节假日顺延。")
TIME_NEED_RULE = "请写一个周期（会议每季度或每年都要开），例如：每季度第一个月10日 9:00"
TIME_CONFIRM = "「{kind}」改为：{rule}，下次 {next}。确认吗？"
BTN_TIME_OK = "确认修改"
TIME_DONE = "✅ 已修改：「{kind}」{rule}，下次 {next}。通知照常提前发出。"
TIME_NOT = "好的，没有修改。"
NO_SERIES = "本队没有议事会的会议安排。请联系管理员。"
PICK_BUTTONS = "请点按钮选择。"

# -- the leaders' digest ------------------------------------------------------------------------
DIGEST_WAITING = "【议事会】待议 {n} 项"
DIGEST_TO_RECORD = "【议事会】{names}的决定还没有记录（/council）"

# -- the 议事会决定 sheet -------------------------------------------------------------------------
SHEET = "议事会决定"
SHEET_HEADERS = ["工作队", "会议时间", "会议", "类别", "事项", "金额（元）", "说明", "决定", "赞成",
                 "反对", "弃权", "记录时间", "会议纪要"]
SHEET_WIDTHS = [18, 17, 12, 10, 40, 12, 16, 8, 6, 6, 6, 17, 40]


def rule_text(row: EventSeries) -> str:
    return schedule(Recurrence.from_dict(row.spec))

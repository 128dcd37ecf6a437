"""Every word of the reminders feature: /events, /addevent, /term, /closeterm, the
reminders the tick sends, the leaders' digests, schedules read back in Chinese, and the
error templates of reminders.*, of services.handover's terms and of the recurrence
parser. (The handover sheet's own words are in conversations/handover/text.py.)

The reminders package (domain logic) and services/handover.py keep no sentences: they
raise codes declared here and call the small functions below to compose a message.
Commands are written /events; channels without slash commands show their Chinese names.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from core.words import errors
from reminders.spec import DEFAULT_TZ, KINDS, Recurrence
from services.clock import local
from services.dates import month_day

if TYPE_CHECKING:
    from reminders.digest import CountyDigest, TeamDigest
    from reminders.leads import Lead
    from storage.models import EventSeries

# -- errors ---------------------------------------------------------------------------
SPEC_EXAMPLES = (
    "weekly fri 15:00 | monthly 5 09:00 | monthly first-mon 09:00 | monthly last-workday 16:00 | "
    "quarterly 1 first-mon 09:00 | yearly 01-05 09:00 | once 2026-12-05 10:00 | daily 20:00 | "
    "每周五 15:00 | 每月5日 9:00 | 每月第一个周一 9:00 | 每月最后一个工作日 16:00 | 每年1月5日 9:00"
)
LEAD_EXAMPLES = ("at the time / 1 hour before / the day before at 18:00 / 10 days before at 09:00 / "
                 "准时 / 提前1小时 / 前一天 18:00 / 提前10天 09:00")
WHEN_EXAMPLES = "每周五 15:00、每月5日 9:00、每月第一个周一 9:00、2026-12-05 10:00"

ERRORS = errors("reminders", {
    # who may manage and see a team's reminders (reminders.series)
    "manager_only": "只有组长、第一书记和管理员可以管理提醒。发送 /events 查看安排。",
    "other_team": "这是别的工作队的提醒，您不能修改。",
    "other_county": "这个工作队不在您管理的县，不能修改。",
    "other_team_read": "您只能查看本工作队的提醒安排。发送 /events 查看。",
    "other_county_read": "这个工作队不在您管理的县。发送 /events 查看您能管理的工作队。",
    "which_team": "请写明工作队，例如：/events {example}\n可选：{names}",
    "no_team": "您管理的县里还没有工作队。",
    "series_not_found": "没有编号为 {series_id} 的提醒。发送 /events 查看全部。",
    "default_undeletable": "默认提醒不能删除，可以暂停。",
    "default_undeletable_cli": "默认提醒不能删除，可以暂停：admin event pause --id {series_id}",
    "bad_title": "请给提醒起一个 60 字以内的名称，例如：村民代表会议。",
    "no_future": "这个时间已经过去了（或以后不会再有）。请换一个以后的时间。",
    "bad_when": f"看不懂时间「{{text}}」。例如：{WHEN_EXAMPLES}。",
    "bad_when_because": f"看不懂时间「{{text}}」。例如：{WHEN_EXAMPLES}。\n（{{why}}）",
    "button_not_for_you": "这个按钮对您不可用。发送 /help 查看您可以使用的命令。",
    # rotation and handover (services.handover, /term, /closeterm, /handover)
    "term_usage": "用法：/term 姓名或编号 结束日期，例如：/term 赵驻村 2026-12-20",
    "term_date": "日期格式：2026-12-20",
    "closeterm_usage": "用法：/closeterm 姓名或编号 [理由：……]（交接未完成时必须写理由）",
    "member_not_found": "找不到成员「{ref}」。请写姓名或编号（admin list-members 可查看编号）。",
    "member_ambiguous": "有{count}位成员叫「{ref}」，请改用编号。",
    "admin_only_terms": "只有管理员可以修改任期或结束任期。",
    "member_other_county": "这位成员不在您管理的县。",
    "not_team_member": "{name}不是工作队成员，没有驻村任期。",
    "term_before_start": "任期结束日期要晚于开始日期 {start}。",
    "term_closed": "{name}的任期已经结束了。",
    "handover_incomplete": ("{name}的交接还没有完成（还差 {left} 步，发送 /handover 查看交接表）。\n"
                            "完成后再结束任期；确有特殊情况，管理员可以写明理由强制结束，例如："
                            "/closeterm {name} 理由：组织调动，已线下交接"),
    "handover_not_started": ("{name}的交接还没有完成：交接表还没有开始（/handover）。\n完成后再结束任期；"
                             "确有特殊情况，管理员可以写明理由强制结束，例如：/closeterm {name} "
                             "理由：组织调动，已线下交接"),
    # the recurrence parser and spec (reminders.parse, reminders.spec, reminders.leads)
    "spec_unreadable": f"无法识别的周期 / cannot parse schedule {{text!r}}。示例 / examples: {SPEC_EXAMPLES}",
    "spec_unreadable_because": ("无法识别的周期 / cannot parse schedule {text!r}: {why}。"
                                f"示例 / examples: {SPEC_EXAMPLES}"),
    "spec_empty": "内容是空的",
    "spec_missing_time": "缺少时间，例如 15:00",
    "spec_invalid_time": "时间无效",
    "spec_missing_rule": "缺少周期，例如 每周五",
    "spec_unknown_day_rule": "看不懂日期规则 {rule!r}",
    "spec_weekly_days": "每周提醒要写星期几，例如 fri 或 mon,wed,fri",
    "spec_weekday_span": "星期范围不对 {span!r}",
    "spec_unknown_weekday": "看不懂星期 {day!r}",
    "spec_no_date": "没有这一天 {day!r}",
    "spec_time_format": "时间要写成 HH:MM（00:00–23:59），收到的是 {value!r}",
    "spec_unknown_tz": "不认识的时区 {name!r}，请写 IANA 名称，例如 Asia/Shanghai",
    "spec_kind": f"周期类型必须是 {'、'.join(KINDS)} 之一，收到的是 {{kind!r}}",
    "spec_holiday_flags": "“遇节假日顺延”和“遇节假日取消”只能选一个",
    "spec_once_empty": "一次性提醒至少要有一个时间",
    "spec_once_format": "一次性提醒的时间要写成 YYYY-MM-DDTHH:MM，收到的是 {value!r}",
    "spec_once_invalid": "没有这个日期时间 {value!r}",
    "spec_needs_time": "{kind} 周期需要时间 HH:MM",
    "spec_at_only_once": "具体日期时间只用于一次性提醒",
    "spec_weekdays_range": "星期要写 0..6（0 是周一），收到的是 {value}",
    "spec_one_day_rule": "{kind} 周期要有且只有一个日期规则：几日、第几个星期几或最后一个工作日",
    "spec_day_range": "日期要写 1..31 或 -1（最后一天），收到的是 {day}",
    "spec_nth_pair": "“第几个”和“星期几”要一起写",
    "spec_nth_range": "第几个要写 1..5 或 -1（最后一个），收到的是 {nth}",
    "spec_quarter_month": "季度内的月份要写 1..3，收到的是 {month}",
    "spec_year_month": "每年的提醒要写月份 1..12，收到的是 {month}",
    "spec_no_such_day": "{month}月没有{day}日",
    "spec_unused_field": "{kind} 周期不用字段 {name!r}",
    "spec_not_dict": "周期数据应当是字典，收到的是 {type}",
    "spec_version": "不支持的周期格式版本 {version!r}",
    "spec_unknown_fields": "未知的字段 {names}",
    "lead_unreadable": f"无法识别的提醒时间 {{text!r}}；示例: {LEAD_EXAMPLES}",
    "lead_negative": "提醒只能在开始之前（分钟、天数不能是负数）",
    "lead_mixed": "提醒时间要么写“提前多少分钟”，要么写“提前几天（几点）”，不能同时写",
    "lead_unknown_fields": "未知的提醒字段 {names}",
})

# -- command menu and dialog titles -----------------------------------------------------------
CMD_EVENTS = "提醒安排：会议、学习、日志提醒（可暂停）"
CMD_ADDEVENT = "添加会议或活动提醒（组长/第一书记/管理员）"
CMD_TERM = "设置成员任期结束日期（管理员）"
CMD_CLOSETERM = "结束成员任期（管理员）"
ALIAS_EVENTS = ("提醒安排",)
ALIAS_ADDEVENT = ("添加提醒",)
ALIAS_TERM = ("设置任期",)
ALIAS_CLOSETERM = ("结束任期",)
ADDEVENT_TITLE = "添加提醒"

# -- /events --------------------------------------------------------------------------------
NO_SERIES = "还没有提醒安排。发送 /addevent 添加一个，例如村民代表会议。"
EVENTS_HEAD = "{team} 的提醒安排："
EVENTS_FOOT = "点按钮暂停或恢复；发送 /addevent 添加新的会议或活动。"
TEAM_PLACEHOLDER = "工作队名称"
BTN_PAUSE = "暂停{id}"
BTN_RESUME = "恢复{id}"
BTN_DELETE = "删除{id}"
REMOVED = "已删除「{title}」。"
PAUSED = "已暂停「{title}」。发送 /events 查看全部。"
RESUMED = "已恢复「{title}」。发送 /events 查看全部。"

# -- /addevent ----------------------------------------------------------------------------------
ASK_TITLE = "要提醒什么？请输入名称，例如：村民代表会议、党员学习、项目验收。"
ASK_WHEN = ("什么时间？例如：2026-12-05 10:00（一次）、每周五 15:00、每月5日 9:00、"
            "每月第一个周一 9:00、每月最后一个工作日 16:00。加“顺延”则遇节假日顺延到下一个工作日。")
BAD_TITLE = "请输入 60 字以内的名称，例如：村民代表会议。"
ASK_WHO = "提醒谁？"
WHO_TEAM, WHO_VILLAGERS, WHO_LEADERS = "全队", "全队+村民", "组长和第一书记"
BAD_WHO = "请点按钮选择提醒对象：全队、全队+村民 或 组长和第一书记。"
CONFIRM = "请确认：\n名称：{title}\n时间：{when}\n提醒：{leads}\n对象：{who}"
BTN_CONFIRM, BTN_CANCEL = "确认添加", "取消"
YES_WORDS = ("确认", "是", "好")
NO_WORDS = ("取消", "不")
BAD_CONFIRM = "请点「确认添加」或「取消」。"
NOT_ADDED = "好的，没有添加。需要时再发送 /addevent 。"
ADDED = "已添加：{summary}\n发送 /events 查看全部。"
ADDEVENT_OVER = "这个操作已经结束了。发送 /addevent 重新开始。"

# -- /handover, /term, /closeterm ------------------------------------------------------------------
TERM_SET = ("已设置：{name}的任期到 {end}（还有 {left} 天）。到期前 {stages} 天会提醒本人、"
            "组长和管理员；前 {handover_days} 天打开交接表。")
REASON_PREFIXES = ("理由：", "理由:")
TERM_CLOSED = "已结束{name}的驻村任期{how}。其记录都保留。"
CLOSED_FORCED = "（强制结束，理由：{reason}）"
CLOSED_COMPLETE = "（交接表已完成）"
# the command line says it without the closing sentence
CLI_TERM_SET = "已设置：{name}的任期到 {end}"
CLI_TERM_CLOSED = "已结束{name}的驻村任期{how}"
CLI_ADDED = "已添加：{summary}"
CLI_REMOVED = "已删除：{title}"
CLI_PAUSED = "已暂停：{title}"
CLI_RESUMED = "已恢复：{title}"

# -- buttons that run a command (digests and reminders) ---------------------------------------------
BTN_WRITE_REPORT = "写日志"
BTN_MY_ATTENDANCE = "我的考勤"
BTN_HANDOVER = "交接表"
BTN_MONTHLY = "打开本月工作记实"
BTN_SUMMARY = "打开工作总结草稿"
BTN_REPORTS = "查看日志"
BTN_APPROVALS = "待审批请假"
BTN_EVENTS = "提醒安排"
RUN_LABELS = {"report": BTN_WRITE_REPORT, "attendance": BTN_MY_ATTENDANCE, "handover": BTN_HANDOVER,
              "reports": BTN_REPORTS, "approvals": BTN_APPROVALS, "leaves": BTN_APPROVALS,
              "events": BTN_EVENTS, "monthly": BTN_MONTHLY, "summary": BTN_SUMMARY}


# -- schedules and series, read back in Chinese -------------------------------------------------------
WEEKDAYS = "一二三四五六日"
ORDINALS = {1: "第一个", 2: "第二个", 3: "第三个", 4: "第四个", 5: "第五个", -1: "最后一个"}
QUARTER_MONTHS = {1: "第一个月", 2: "第二个月", 3: "第三个月"}
SHIFT_NOTE = "（遇法定节假日顺延）"
SKIP_NOTE = "（遇法定节假日取消）"


def _day_rule(spec: Recurrence) -> str:
    if spec.last_workday:
        return "最后一个工作日"
    if spec.day == -1:
        return "最后一天"
    if spec.day is not None:
        return f"{spec.day}日"
    assert spec.nth is not None and spec.weekday is not None  # guaranteed by Recurrence
    return f"{ORDINALS[spec.nth]}周{WEEKDAYS[spec.weekday]}"


def schedule(spec: Recurrence) -> str:
    """A spec in words, e.g. "每周五 15:00", "每月最后一个工作日 16:00（遇法定节假日顺延）".

    reminders.parse reads it back: ``parse_spec(schedule(s)) == s`` for every spec.
    """
    k = spec.kind
    if k == "once":
        parts = []
        for s in spec.at:
            dt = datetime.fromisoformat(s)
            parts.append(f"{dt.year}年{dt.month}月{dt.day}日 {dt:%H:%M}")
        text = "、".join(parts) + "（一次性）"
    elif k == "daily":
        text = f"{'每个工作日' if spec.workdays_only else '每天'} {spec.time}"
    elif k == "weekly":
        wd = spec.weekdays
        if len(wd) >= 3 and wd == tuple(range(wd[0], wd[-1] + 1)):
            days = f"{WEEKDAYS[wd[0]]}至周{WEEKDAYS[wd[-1]]}"
        else:
            days = "、".join(WEEKDAYS[d] for d in wd)
        text = f"每周{days} {spec.time}"
    elif k == "monthly":
        text = f"每月{_day_rule(spec)} {spec.time}"
    elif k == "quarterly":
        text = f"每季度{QUARTER_MONTHS[spec.quarter_month]}{_day_rule(spec)} {spec.time}"
    else:
        rule = _day_rule(spec)
        sep = "" if spec.day is not None and spec.day > 0 else "的"
        text = f"每年{spec.month}月{sep}{rule} {spec.time}"
    if spec.shift_holidays:
        text += SHIFT_NOTE
    if spec.workdays_only and k != "daily":
        text += SKIP_NOTE
    if spec.tz != DEFAULT_TZ:
        text += f"（时区 {spec.tz}）"
    return text


def lead(x: Lead) -> str:
    """A lead time in words; reminders.leads.parse_lead reads it back."""
    if x.at is not None:
        if x.days == 0:
            return f"当天 {x.at}"
        if x.days == 1:
            return f"前一天 {x.at}"
        return f"提前{x.days}天 {x.at}"
    if x.days:
        return f"提前{x.days}天"
    if not x.minutes:
        return "准时"
    if x.minutes % 60 == 0:
        return f"提前{x.minutes // 60}小时"
    return f"提前{x.minutes}分钟"


def leads(xs: tuple[Lead, ...] | list[Lead]) -> str:
    return "、".join(lead(x) for x in xs)


def when(dt: datetime, tz: str) -> str:
    """An occurrence in the team's time: "11月26日（周四）15:00"."""
    t = local(dt, tz)
    return f"{t.month}月{t.day}日（周{WEEKDAYS[t.weekday()]}）{t:%H:%M}"


def audience(aud: dict[str, Any]) -> str:
    from services.roles import ROLE_LABELS, Role

    roles = [ROLE_LABELS[Role(r)] for r in aud.get("roles", []) if r in Role._value2member_map_]
    if aud.get("members"):
        roles.append(f"{len(aud['members'])}位指定成员")
    return "、".join(roles) or "（无人）"


def series_line(row: EventSeries, now: datetime) -> str:
    """One line of /events: "3. 每周五学习：每周五 15:00（遇法定节假日取消）；提醒 提前1小时；…"."""
    from reminders import series as sv

    spec = sv.spec_of(row)
    state = "" if row.active else "（已暂停）"
    nxt = ""
    if row.active:
        t = sv.next_time(row, now)
        nxt = f"，下次 {when(t, spec.tz) if t else '没有了'}"
    return (f"{row.id}. {row.title}{state}：{schedule(spec)}；提醒 {leads(sv.leads_of(row))}；"
            f"对象 {audience(row.audience)}{nxt}")


# -- what the tick sends (reminders.dispatch) -------------------------------------------------------
def late(hours: int) -> str:
    return f"\n（系统刚恢复，这条提醒晚了约{hours}小时，请谅解。）"


def time_left(gap: timedelta) -> str:
    """How long until an occurrence, in words a reminder says."""
    if gap >= timedelta(days=2):
        return f"还有{round(gap / timedelta(days=1))}天"
    if gap >= timedelta(hours=12):
        return "明天就要开始"
    hours, minutes = divmod(round(gap.total_seconds() / 60), 60)
    if hours:
        return f"还有{hours}小时" + (f"{minutes}分钟" if minutes else "")
    return f"还有{minutes}分钟"


def event_notice(title: str, when_text: str, *, villager: bool, starts_now: bool,
                 gap: timedelta, note: str | None) -> str:
    head = f"📢 村里通知：{title}" if villager else f"⏰ {title}"
    soon = "现在开始。" if starts_now else f"提醒：{time_left(gap)}。"
    return f"{head} · {when_text}\n{soon}" + (f"\n{note}" if note else "")


def report_reminder(day: date, name: str) -> str:
    return (f"📝 工作日志提醒 · {day.month}月{day.day}日\n{name}，晚上好。今天的工作日志还没写，"
            "有空时点下面的按钮或发送 /report ，一两句话就行；今天在休息就不用管这条。")


def quota_warning(name: str, have: int, expected: int, required: int) -> str:
    return (f"{name}，本月已在村 {have} 天，按进度应有 {expected} 天（本月要求 {required} 天）。"
            "离月底还有些日子，安排好时间就好；如有请假或特殊情况，请和组长说一声。")


def term_ending(name: str, end: date, left: int, *, own: bool) -> str:
    if own:
        return f"🔄 {name}，您的驻村任期将于 {end:%Y-%m-%d} 结束（还有 {left} 天）。"
    return f"🔄 {name}的驻村任期将于 {end:%Y-%m-%d} 结束（还有 {left} 天）。"


HANDOVER_OPEN = ("\n交接期已开始：组长或管理员指定接任人，离任方添加文件资料并签字，接任人逐项确认接收"
                 "（任务、项目、农户……）并签字，最后乡镇审批。")
HANDOVER_PREPARE = "\n请提前准备交接：文件资料、在建项目、需要一起走访的农户。"


# -- leaders' digests (reminders.digest) -------------------------------------------------------------
def digest(d: TeamDigest, pending: int) -> str:
    """The morning (or Monday) digest of one team, one short section per kind of news."""
    head = f"{'📅 每周简报' if d.weekly else '☀️ 早上好'} · {d.team_name} · {month_day(d.day)}"
    lines = [head]
    if d.missing:
        label = "上周未报日志" if d.weekly else "昨天未报日志"
        names = "、".join(f"{n}（{k}天）" if d.weekly else n for n, k in d.missing)
        lines.append(f"【{label}】{names}")
    if d.behind:
        lines.append("【在村天数落后】" + "、".join(f"{n} {h}/{e}天" for n, h, e in d.behind))
    if pending:
        lines.append(f"【待审批请假】{pending} 条")
    if d.unreturned:
        lines.append("【请假未销假】" + "、".join(d.unreturned))
    if d.terms:
        lines.append("【任期将满】" + "、".join(f"{n} {end:%Y-%m-%d}（还有{k}天）" for n, end, k in d.terms))
    c = d.complaints or {}
    if c.get("open") or c.get("overdue"):
        lines.append(f"【群众诉求】未办结 {c.get('open', 0)} 件，超期 {c.get('overdue', 0)} 件")
    lines += d.extra
    if d.events:
        lines.append("【未来7天】" + "；".join(f"{when(t, tz)} {title}" for t, title, tz in d.events[:5]))
    return "\n".join(lines)


def county_digest(c: CountyDigest, weekly: bool) -> str:
    """The county-wide counts for administrators and supervisors."""
    comp = c.complaints or {}
    lines = [f"{'📅 每周简报' if weekly else '☀️ 全县简报'} · {month_day(c.day)}（{c.teams} 个工作队）"]
    if c.missing_people:
        lines.append(f"【未报日志】{c.missing_people} 人")
    if c.behind_people:
        lines.append(f"【在村天数落后】{c.behind_people} 人")
    if c.terms:
        lines.append(f"【60天内任期届满】{len(c.terms)} 人：" + "、".join(
            f"{n}（{t}，{end:%m-%d}）" for t, n, end in c.terms[:5]) + ("…" if len(c.terms) > 5 else ""))
    if comp.get("open") or comp.get("overdue"):
        lines.append(f"【群众诉求】未办结 {comp.get('open', 0)} 件，超期 {comp.get('overdue', 0)} 件")
    return "\n".join(lines)

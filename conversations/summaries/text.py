"""Every word of the half-year and annual work reports (/summary, 工作总结): the drafted
body, the replies, the deadline reminders of the monthly record (28th), the half-year
report (5 July) and the annual report (5 January), and the error templates of
services/summaries.py."""

from __future__ import annotations

from datetime import date

from core.words import errors
from services.roles import ROLE_LABELS
from services.summaries import Period, SummaryFacts

ERRORS = errors("summaries", {
    "ahead": "那个时段还没有开始，不能写总结。",
    "not_yours": "这份工作总结不是您的，不能提交。",
    "submitted": "这份{year}年的工作总结已经提交过了。",
    "bad_period": "看不懂「{text}」。例如：/summary 半年、/summary 年度、/summary 2026年度",
})

CMD_SUMMARY = "半年/年度工作总结（自动生成草稿，一键提交）"
ALIAS_SUMMARY = ("工作总结", "述职", "半年总结", "年度总结")
LIST_SEP = "、"
STATUS = {"proposed": "待议事会讨论", "approved": "已通过待开工", "active": "实施中", "done": "已完工"}


def period_name(p: Period) -> str:
    return f"{p.year}年上半年" if p.kind == "h1" else f"{p.year}年度"


def deadline_text(p: Period) -> str:
    d = p.deadline
    return f"{d.year}年{d.month}月{d.day}日"


def body(f: SummaryFacts) -> str:
    """The report's text, compiled from the period's facts (stored when submitted)."""
    p = f.period
    lines = [f"{period_name(p)}工作总结",
             f"姓名：{f.name}    身份：{ROLE_LABELS[f.role]}" + (f"    工作队：{f.team_name}" if f.team_name else "")]
    days_in = sum(m.days_in_village for m in f.months)
    required = sum(m.required_days for m in f.months)
    lines.append("一、在村情况")
    lines.append(f"  在村 {days_in} 天，应在村 {required} 天；提交工作日志 {f.reports} 天，"
                 f"驻村工作记实 {f.monthly_submitted} 个月。")
    if f.months:
        lines.append("  分月：" + LIST_SEP.join(f"{m.month}月{m.days_in_village}天" for m in f.months))
    lines.append(f"二、走访农户：共 {f.visits} 户次")
    lines.append("三、民生实事")
    lines.append(f"  已销号 {len(f.tasks_closed)} 项" + (f"：{LIST_SEP.join(f.tasks_closed[:8])}" if f.tasks_closed else ""))
    if f.tasks_open:
        lines.append(f"  正在办 {len(f.tasks_open)} 项：{LIST_SEP.join(f.tasks_open[:8])}")
    lines.append("四、项目")
    lines += [f"  {t}（{STATUS.get(s, s)}）" for t, s in f.projects] or ["  无"]
    lines.append(f"五、村民议事会：本队{'本年' if p.kind == 'year' else '上半年'}议定事项 {f.decisions} 项")
    lines.append("六、存在的问题和下一步打算")
    lines.append("  （请补充）")
    return "\n".join(lines)


DRAFT = ("{body}\n\n这是根据您的日志、打卡、民生任务和项目自动整理的草稿，请核对；"
         "要补充的内容可以在提交后另附。截止日期：{deadline}。")
SUBMITTED = "{body}\n\n✅ 已于 {when} 提交。"
SUBMITTED_AT = "%m月%d日 %H:%M"
BTN_SUBMIT, BTN_LATER = "提交", "先不提交"
LATER = "好的，草稿已保存。随时发送 /summary 再看。"
DONE = "✅ 已提交{name}工作总结。辛苦了！"
NOTICE = "{name}提交了{period}工作总结。"


# -- deadline reminders ---------------------------------------------------------------------------
def monthly_deadline(name: str, year: int, month: int, deadline: date, left: int) -> str:
    return (f"🗓 工作记实提醒 · {month}月\n{name}，{year}年{month}月的驻村工作记实请在 "
            f"{deadline.month}月{deadline.day}日前报送（还有{left}天）。"
            "机器人已根据您的日志和考勤整理好草稿，点下面的按钮核对，一键提交。")


def summary_deadline(name: str, p: Period, left: int) -> str:
    return (f"🗓 {period_name(p)}工作总结提醒\n{name}，{period_name(p)}工作总结请在 {deadline_text(p)} "
            f"前报送（还有{left}天）。机器人已根据您的日志、民生任务和项目整理好草稿，点下面的按钮核对，一键提交。")


LATE = "\n（系统刚恢复，这条提醒晚了约{hours}小时，请谅解。）"

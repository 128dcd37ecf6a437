"""Every word of the daily work log: the /report dialog, /myreports, a leader's /reports,
the offer to save a long free text, the refusals of services/reports.py, how a report is
shown (day labels, fields) and the 工作日志 sheet of the monthly workbook."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.words import errors
from services.reports import FIELDS, draft_from, households_count
from storage.models import DailyReport

TITLE = "工作日志"
REPORT_DESCRIPTION = "写今天的工作日志（一分钟）"
REPORT_ALIASES = ("日志", "写日志", "工作日志")
MYREPORTS_DESCRIPTION = "我的工作日志"
MYREPORTS_ALIASES = ("我的日志",)
REPORTS_DESCRIPTION = "全队当天日志和未报名单（组长/第一书记）"
REPORTS_ALIASES = ("全队日志",)

# -- how a report reads -----------------------------------------------------------------
FIELD_LABELS = {"done": "工作内容", "households": "走访农户", "problems": "发现问题",
                "next_steps": "下一步"}
WEEKDAYS = "一二三四五六日"
RELATIVE_DAYS = {0: "今天", 1: "昨天", 2: "前天"}
EMPTY_FIELD = "（未填）"
EMPTY_DONE = "（空）"
CUT = "{start}……（共{n}字，已完整保存）"
HOUSEHOLDS_NAMED = "{n}户：{names}"
HOUSEHOLDS_NUMBER = "{n}户"
HOUSEHOLDS_FOUND = "{n}户（从工作内容识别）"
PHOTOS_LINE = "照片：{n} 张"
VOICES_LINE = "语音：{n} 条"
VOICE_DONE = "（语音日志，{n} 条）"
REPORT_HEAD = "【{day}日志】\n"


def day_label(d: date, today: date | None = None) -> str:
    """'11月23日（周一，今天）': the day as every report message names it."""
    rel = RELATIVE_DAYS.get((today - d).days, "") if today is not None else ""
    return f"{d.month}月{d.day}日（周{WEEKDAYS[d.weekday()]}{'，' + rel if rel else ''}）"


def format_fields(draft: dict[str, Any], preview: int | None = None) -> str:
    """The report as the user reads it; `preview` shortens very long fields."""
    lines = []
    for f in FIELDS:
        value = (draft.get(f) or "").strip()
        if f == "households":
            n = households_count(value, draft.get("done"))
            if value and n is not None and not value.isdigit() and "户" not in value:
                value = HOUSEHOLDS_NAMED.format(n=n, names=value)
            elif value.isdigit():
                value = HOUSEHOLDS_NUMBER.format(n=value)
            elif not value and n is not None:
                value = HOUSEHOLDS_FOUND.format(n=n)
        if not value and f == "done" and draft.get("voices"):
            value = VOICE_DONE.format(n=len(draft["voices"]))
        elif not value:
            value = EMPTY_FIELD if f != "done" else EMPTY_DONE
        elif preview and len(value) > preview:
            value = CUT.format(start=value[:preview], n=len(value))
        lines.append(f"{FIELD_LABELS[f]}：{value}")
    if draft.get("photos"):
        lines.append(PHOTOS_LINE.format(n=len(draft["photos"])))
    if draft.get("voices"):
        lines.append(VOICES_LINE.format(n=len(draft["voices"])))
    return "\n".join(lines)


def format_report(r: DailyReport, today: date | None = None, preview: int | None = 300) -> str:
    return REPORT_HEAD.format(day=day_label(r.report_date, today)) + format_fields(draft_from(r),
                                                                                  preview)


# -- the /report dialog -------------------------------------------------------------------
# '/report 补昨天的日志' names a day: these words around it are dropped before reading it.
DAY_ARG_PREFIX = "补"
DAY_ARG_SUFFIXES = ("的", "日志")
ASK = {
    "done": "今天做了什么？请用一两句话写下来（可以一条消息写完全部，例如：\n"
            "走访脱贫户3户，了解务工情况。问题：王大爷家屋顶漏雨。下一步：联系镇住建办）",
    "households": "走访了哪些农户？写户数或户主姓名（例如：3户 / 张三、李四）。",
    "problems": "发现了什么问题？（没有就点「跳过」）",
    "next_steps": "下一步打算做什么？（没有就点「跳过」）",
}
ASK_APPEND = "请发送要补充的内容（会加在原日志后面，可以用「问题：」「下一步：」分开写）。"
LATE_NOTE = "补写{day}的日志。\n{ask}"
ASK_FIELD = "请发送新的「{label}」。"
ASK_TAIL = "\n（可随时发照片；放弃请发 /cancel）"
ALREADY_SUBMITTED = ("{day}的日志已经提交过了：\n{report}\n\n"
                     "要修改原日志，还是在后面补充新内容？（原内容都会保留在修改记录里）")
CHOOSE_AGAIN = "请点按钮选择：修改原日志，或补充新内容。"
PHOTO_RECEIVED = "📷 已收到照片（共 {n} 张），会和日志一起保存。"
VOICE_RECEIVED = "🎙 已收到语音（共 {n} 条），会和日志一起保存。"
# a voice note sent outside any dialog (#15)
VOICE_SAVED = ("🎙 已存入{day}的工作日志（语音共 {n} 条）。组长在 /reports 里可以点开收听。"
               "想补一句文字，发送 /report 选「补充」。")
CANCELLED = "已取消，这次填写的内容没有保存。需要时发送 /report 重新开始。"
SUMMARY = "请核对{day}{what}：\n{report}\n\n{hint}"
SUMMARY_WHAT = {"new": "日志", "edit": "修改后的日志", "append": "要补充的内容"}
SUMMARY_HINT = "没问题就点「提交」。"
SUMMARY_HINT_AGAIN = "请点「提交」保存；要改内容请点「修改」。"
PICK_FIELD = "要修改哪一项？"
SAVED = "✅ {done}{day}的日志。{tail}\n发送 /myreports 查看我的日志。"
SAVED_WHAT = {"new": "已提交", "edit": "已修改", "append": "已补充"}
SAVED_TAIL_NEW = "辛苦了！"
SAVED_TAIL_KEPT = "原内容已保存在修改记录里。"

EDIT = "修改"
APPEND = "补充"
CANCEL = "取消"
SUBMIT = "提交"
SKIP = "跳过"
TO_SUMMARY = "直接看摘要"
CLEAR = "清空这一项"
BACK = "返回"
BACK_TO_SUMMARY = "返回摘要"

# -- a long free text outside a dialog ---------------------------------------------------------
SAVE_AS_TODAY = "存为今日日志"
ADD_TO_TODAY = "补充到今日日志"
NO_THANKS = "不用了"
OFFER = "这段话（{n}字）要{what}今天的工作日志吗？"
OFFER_SAVE = "存为"
OFFER_ADD = "补充到"
OFFER_ADD_NOTE = "（今天已有日志，会加在后面，原内容保留）"
OFFER_DECLINED = "好的，没有保存。需要写日志时发送 /report 。"

# -- /myreports and /reports ----------------------------------------------------------------
MINE_NONE = "您还没有提交过工作日志。发送 /report 写今天的日志（一分钟就好）。"
MINE_NO_OLDER = "没有更早的日志了。"
MINE_HEAD = "我的工作日志（第 {first}–{last} 篇，共 {total} 篇）："
OLDER = "更早的日志"
FULL_TEXT = "全文 {label}"
PHOTOS_BUTTON = "📷 {label}（{n}张）"
NO_PHOTOS = "这篇日志没有照片。"
PHOTOS = "{name} {day}日志的照片（{n}张）：\n{first_line}"
VOICES_BUTTON = "🎙 {label}（{n}条）"
NO_VOICES = "这篇日志没有语音。"
VOICES = "{name} {day}日志的语音（{n}条）：\n{first_line}"
TEAM_HEAD = "{team} · {day}"
TEAM_COUNTS = "已报 {done} 人，未报 {missing} 人。"
TEAM_VISITS = "（走访{n}户）"
TEAM_PHOTOS = "📷{n}"
TEAM_VOICES = "🎙{n}"
TEAM_LINE = "✅ {name}{visits}{photos}：{done}"
VOICE_ONLY = "（语音日志）"
TEAM_PROBLEM = "   问题：{problems}"
TEAM_MISSING = "未报：{names}"
LIST_SEP = "、"
DAY_BEFORE = "前一天"

# -- the monthly workbook ---------------------------------------------------------------------
SHEET = "工作日志"
SHEET_HEADERS = ["日期", "姓名", "身份", "工作内容", "走访户数", "走访农户", "发现问题", "下一步",
                 "照片数", "提交时间", "最后修改", "修改次数", "语音数"]

ERRORS = errors("reports", {
    "team_only": "只有工作队成员需要写工作日志。发送 /help 查看您可以做的事。",
    # services/reports.check_report_date
    "future_day": "不能为将来的日期（{day.month}月{day.day}日）写日志。今天的日志请直接发送 /report 。",
    "late_yesterday": "昨天的日志只能在今天 {hour}:00 前补写，现在已经过了。"
                      "可以把昨天的工作写进今天的日志（/report）。",
    "too_old": "{day.month}月{day.day}日已经过去太久，不能再补写。只能写今天的日志，或在今天 "
               "{hour}:00 前补写昨天的。可以把那天的工作写进今天的日志（/report）。",
    # services/reports.save_report
    "append_empty": "补充的内容是空的。请写下要补充的工作，或发送 /cancel 放弃。",
    "done_empty": "“今天做了什么”不能为空。请写一句，例如：走访脱贫户3户，了解务工情况。",
    "edit_gone": "要修改的日志不存在了。请发送 /report 重新填写。",
    "already_submitted": "{day.month}月{day.day}日的日志已经提交过了。发送 /report 可以选择修改或补充。",
    # the text waiting for [存为今日日志]
    "pending_not_yours": "这条内容不是您发的，不能替别人保存日志。",
    "pending_used": "这段话已经处理过了。发送 /myreports 查看您的日志。",
    # who may read what
    "viewers_only": "只有本队的组长和第一书记可以查看全队记录。发送 /myreports 查看您自己的日志。",
    "other_team": "这是别的工作队的记录，您不能查看。",
    "no_team": "找不到您所在的工作队。请联系管理员核对您的工作队。",
    "report_gone": "这篇日志不存在了。发送 /myreports 查看您的日志。",
    "not_reader": "您不能查看这篇日志。",
    # /reports [日期]
    "bad_day": "看不懂日期「{text}」。例如：/reports 昨天 或 /reports 11月20日",
    "list_future": "那一天还没到，没有日志。发送 /reports 查看今天的。",
})

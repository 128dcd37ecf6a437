"""Every word of check-in (/checkin, a shared location), /attendance with its chart, the
monthly work record (/monthly, 驻村工作记实) and /export: replies, the refusals of
services/attendance.py, monthly.py, export.py and geo.py, the record's body, the chart's
titles and the workbook's sheets."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from core.words import errors
from services.attendance import MonthSummary
from services.chart import ChartText
from services.dates import month_day
from services.monthly import MonthFacts
from services.roles import ROLE_LABELS, Role
from storage.models import Member

CHECKIN_TITLE = "到村打卡"
CHECKIN_DESCRIPTION = "到村打卡（发送位置）"
CHECKIN_ALIASES = ("打卡", "到村打卡", "签到")
ATTENDANCE_DESCRIPTION = "本月在村天数和考勤"
ATTENDANCE_ALIASES = ("考勤",)
MONTHLY_DESCRIPTION = "本月驻村工作记实（自动生成，一键提交）"
MONTHLY_ALIASES = ("工作记实", "记实")
EXPORT_DESCRIPTION = "导出全队工作表 Excel（组长/第一书记）"
EXPORT_ALIASES = ("导出", "导出工作表")

LIST_SEP = "、"


def days(d: Decimal) -> str:
    """2 -> '2', 2.5 -> '2.5': leave days as people write them."""
    return str(int(d)) if d == d.to_integral_value() else str(d.normalize())


def describe_distance(metres: float) -> str:
    """"350 米" / "2.4 公里" / "1,234 公里" — what a person reads on a phone."""
    if metres < 1000:
        return f"{round(metres)} 米"
    if metres < 100_000:
        return f"{metres / 1000:.1f} 公里"
    return f"{round(metres / 1000):,} 公里"


# -- check-in ---------------------------------------------------------------------------------
CHECKIN_OFF = ("本地区没有启用到村打卡，您不需要打卡。在村天数按您提交的工作日志计算，"
               "写日志请发送 /report ，查看考勤请发送 /attendance 。")
# A platform whose users cannot send a location to the bot (DingTalk): say so plainly and
# what counts instead, rather than ask for something the app cannot do.
NO_LOCATION_HERE = ("钉钉不能把位置发给机器人，所以在钉钉里不能到村打卡。"
                    "在村天数按本地区的规定计算：到村打卡、群众监督员的确认和请假都照常算。"
                    "要打卡，请在 Telegram 上打卡（发送 /link 把两个平台绑定成一个账号）；"
                    "如果本县只用钉钉，请管理员关闭到村打卡（CHECKIN_ENABLED=false），"
                    "之后提交了工作日志的日子就算在村。查看考勤请发送 /attendance 。")
TIME = "%H:%M"
REPEATED = "刚才（{when}）已经记录过这次打卡了，不用重复发送。发送 /attendance 查看本月考勤。"
INSIDE_FIRST = "✅ 到村打卡成功"
INSIDE_AGAIN = "✅ 已记录位置（今天已打过卡，只计一天）"
INSIDE = ("{head}：{when}，距{village}村中心 {distance}（范围 {radius}）。\n"
          "本月已在村 {days} 天，应在村 {required} 天。")
FAR = "定位显示离村很远。"
OUTSIDE = ("📍 已记录您的位置（{when}）：距{village}村中心约 {distance}，不在打卡范围（{radius}）内，"
           "这次记为「村外」，不计入在村天数。{far}\n"
           "如果您其实在村里，可能是定位不准：请打开手机定位（GPS），到开阔处稍等一会儿，"
           "再发送 /checkin 。因公外出（开会、培训、跑项目）不用打卡，写进日志即可。")
ALREADY_TODAY = "今天 {when} 已经到村打卡了，一天只计一次，不用再打。发送 /attendance 查看本月考勤。"
ASK_LOCATION = ("请点下方「📍 发送我的位置」按钮，把当前位置发给我。"
                "（只在打卡时用一次位置）放弃请发送 /cancel 。")
NEED_LOCATION = "打卡需要位置，文字和图片代替不了。"

# -- /attendance -----------------------------------------------------------------------------
MY_HEAD = "我的{year}年{month}月考勤{upto}："
MY_UPTO = "（截至{month}月{day}日）"
MY_DAYS = "在村 {days} 天 / 应在村 {required} 天（定额 {quota} 天，请假 {leave} 天）"
MY_REPORTED = "提交日志 {n} 天"
MY_BY_REPORTS = "（本地区未启用打卡，在村天数按提交的日志计算）"
MY_MET = "✅ 已达到本月要求。"
MY_LEFT = "还差 {need} 天，本月还剩 {left} 天（含今天）。"
MY_TOO_LATE = "剩下的天数已经不够补齐了；如有因公外出或请假，请在日志里写明或及时补办请假。"
MY_MISSED = "⚠️ 这个月没有达到要求。如有因公外出或请假没有登记，请联系组长说明。"
TEAM_HEAD = "{team} {month}月考勤（在村/应在村）："
TEAM_LEGEND = "✅达标  ⏳进度正常  ⚠️落后于进度"
MARK_MET, MARK_BEHIND, MARK_ON_PACE = "✅", "⚠️", "⏳"
TEAM_LINE = "{mark} {name}（{role}）：在村 {days}/{required} 天{leave}，日志 {reported} 天"
TEAM_LEAVE = "，请假{days}天"
CHART_CAPTION = "{month}月在村天数图{note}"
CHART_NO_CJK = "（服务器没有中文字体，图中姓名用拼音显示）"
CHART_FILE = "考勤-{month:%Y-%m}.png"


def chart_text(year: int, month: int) -> ChartText:
    return ChartText(title=f"{year}年{month}月 在村天数（红线为应在村天数）", xlabel="天",
                     ascii_title=f"Days in village {year}-{month:02d} (red line: required)",
                     ascii_xlabel="days")


def summary_line(m: Member, sm: MonthSummary) -> str:
    """One member's line in the leader's table."""
    mark = MARK_MET if sm.met else (MARK_BEHIND if sm.behind else MARK_ON_PACE)
    leave = TEAM_LEAVE.format(days=days(sm.leave_days)) if sm.leave_days else ""
    return TEAM_LINE.format(mark=mark, name=m.name, role=ROLE_LABELS[Role(m.role)],
                            days=sm.days_in_village, required=sm.required_days, leave=leave,
                            reported=sm.reported_days)


# -- /export ------------------------------------------------------------------------------------
EXPORT_DONE = "{team} {year}年{month}月工作表（{sheets}）。"
CELL_OVERFLOW = "…（超出 Excel 单元格上限，全文见机器人记录）"


def export_filename(team_name: str, month: date) -> str:
    return f"{team_name}-{month:%Y-%m}-驻村工作.xlsx"


# -- /monthly: 驻村工作记实 -------------------------------------------------------------------
ITEM_CHARS = 120  # each day's line in the record; the full text stays in the daily log
SUBMITTED_AT = "%m月%d日 %H:%M"
MONTHLY_SUBMITTED = "{body}\n\n✅ 已于 {when} 提交。"
MONTHLY_DRAFT = ("{body}\n\n这是根据您本月的日志、打卡和请假自动整理的草稿，请核对。"
                 "没问题点「提交」；要改内容，请先用 /report 修改日志，再发送 /monthly 重新生成。")
SUBMIT = "提交"
LATER = "先不提交"
LATER_REPLY = "好的，草稿已保存。需要时发送 /monthly 再看。"
MONTHLY_NOTICE = "{name}提交了{year}年{month}月驻村工作记实。发送 /export 可导出全队的工作表。"
MONTHLY_DONE = "✅ 已提交{year}年{month}月驻村工作记实。辛苦了！"


def _short(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= ITEM_CHARS else text[:ITEM_CHARS] + "…"


def monthly_body(f: MonthFacts) -> str:
    """The record's text, compiled from the month's facts (stored, so a submitted record
    keeps the words it was submitted with)."""
    sm = f.summary
    lines = [f"驻村工作记实（{f.year}年{f.month}月）",
             f"姓名：{f.name}    身份：{ROLE_LABELS[f.role]}"
             + (f"    工作队：{f.team_name}" if f.team_name else ""),
             "一、在村情况",
             f"  在村 {sm.days_in_village} 天，应在村 {sm.required_days} 天（定额 {sm.quota} 天"
             f"，请假 {days(sm.leave_days)} 天），提交工作日志 {sm.reported_days} 天。"]
    if sm.village_dates:
        lines.append("  在村日期：" + LIST_SEP.join(month_day(d) for d in sm.village_dates))
    lines.append("二、主要工作")
    lines += [f"  {month_day(r.report_date)}：{_short(r.done)}" for r in f.reports] \
        or ["  （本月还没有工作日志）"]
    lines.append(f"三、走访农户：共 {f.visits} 户次")
    lines.append("四、发现的问题")
    lines += [f"  {month_day(r.report_date)}：{_short(r.problems or '')}"
              for r in f.reports if r.problems] or ["  无"]
    lines.append("五、下一步打算")
    latest = next((r for r in reversed(f.reports) if r.next_steps), None)
    lines.append(f"  {_short(latest.next_steps or '')}" if latest else "  （日志中未填写）")
    lines.append("六、请销假")
    lines.append("  " + (LIST_SEP.join(f"{month_day(d)}（{days(v)}天）" for d, v in sm.leave_by_date)
                         if sm.leave_by_date else "无"))
    return "\n".join(lines)


# -- the monthly workbook -------------------------------------------------------------------
SHEET_ATTENDANCE = "考勤"
ATTENDANCE_HEADERS = ["姓名", "身份", "在村天数", "定额天数", "请假天数", "应在村天数", "日志天数",
                      "是否达标"]
DAY_COLUMN = "{day}日"
GRID_IN, GRID_LEAVE, GRID_OUT, GRID_REPORT = "√", "假", "外", "志"
MET, NOT_MET = "达标", "未达标"
SHEET_CHECKINS = "打卡记录"
CHECKIN_HEADERS = ["日期", "打卡时间", "姓名", "结果", "距村中心(米)", "纬度", "经度"]
IN_VILLAGE, OUT_OF_VILLAGE = "在村", "村外"
SHEET_RECORDS = "驻村工作记实"
RECORD_HEADERS = ["姓名", "身份", "状态", "提交时间", "工作记实"]
SUBMITTED, DRAFT = "已提交", "草稿"

ERRORS = errors("attendance", {
    "team_only": "只有工作队成员需要到村打卡和考勤。发送 /help 查看您可以做的事。",
    # services/attendance.record_checkin, services/geo
    "checkin_off": CHECKIN_OFF,
    "bad_coordinates": "位置坐标不正确（纬度应在 -90~90，经度在 -180~180）。请点按钮重新发送位置。",
    "no_team": "您还不在任何工作队里，不需要到村打卡。如有疑问请联系管理员。",
    "village_unset": "{village}的位置还没有设置，暂时不能打卡。请联系管理员用 "
                     "admin add-village --lat --lon 设置村的位置。",
    "no_member": "找不到这位成员。",
    # months: services/export.parse_month, /attendance
    "month_unreadable": "看不懂月份「{text}」。请写成 2026-11、11月、本月 或 上月。",
    "month_invalid": "月份「{text}」不存在。请写成 2026-11 这样的格式。",
    "month_ahead": "那个月还没到。发送 /attendance 查看本月的考勤。",
    # services/monthly
    "monthly_ahead": "还没到这个月，不能生成工作记实。发送 /monthly 查看本月的。",
    "monthly_not_yours": "这份工作记实不是您的，不能提交。发送 /monthly 查看您自己的。",
    "monthly_submitted": "{year}年{month}月的工作记实已经提交过了，不用再提交。",
})

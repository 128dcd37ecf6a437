"""Every word of the leave feature (请销假): commands, dialogs, the approval card, the
notices to approvers, leaders and the record, the export sheet, and the templates of
the errors services/leave.py raises.

Commands are written the Telegram way (/leave); a channel without slash commands shows
them by their Chinese name (the first alias below).
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from core.words import errors
from services.leave import fmt_days as days
from services.roles import SHORT_ROLE_LABELS, Role

# -- commands ---------------------------------------------------------------------------
LEAVE_CMD = "请假（事假、病假、弹性休假、公差报备）"
LEAVE_ALIASES = ("请假",)
BACK_CMD = "销假（回村后登记返岗）"
BACK_ALIASES = ("销假",)
MYLEAVE_CMD = "我的请假、余额和待我审批"
MYLEAVE_ALIASES = ("我的请假",)
LEAVE_TITLE = "请假"
BACK_TITLE = "销假"
BACK = "销假"  # the button under the "not reported back" notice
REJECT_TITLE = "驳回请假"

# -- /leave -----------------------------------------------------------------------------
DATE_HINT = "例如：明天、后天、下周一到周三、11月25日-27日、12.1-12.3、2026-12-01，半天可写“明天下午”。"
CHOOSE_KIND = "请选择请假类型：\n{notes}"
FLEXIBLE_LEFT = "本月弹性休假还剩{left}天。"
REPORT_ONLY_NOTE = "{kinds}只需报备，计为驻村工作。"
PICK_KIND = "请点击上面的按钮选择请假类型；放弃请发送 /cancel 。"
ASK_DATES = "{kind}：请输入日期。\n" + DATE_HINT
TYPE_DATES = "请直接输入日期。\n" + DATE_HINT
BAD_DATES = "{problem}\n请重新输入日期，" + DATE_HINT
ECHO_DATES = "我理解的{kind}日期是：\n{echo}\n对吗？"
OK, EDIT, NO = "确认", "修改", "取消"
NOT_FILED = "已取消，没有提交请假。需要时发送 /leave 重新开始。"
RETYPE_DATES = "请重新输入日期。\n" + DATE_HINT
PRESS_CONFIRM = "请点击「确认」「修改」或「取消」。"
ASK_REASON = "请简单说明事由（一句话即可，例如：回家照顾生病的母亲）。"
NEED_REASON = "请输入事由（一句话即可）；放弃请发送 /cancel 。"
REASON_TOO_LONG = "事由请控制在{limit}字以内，简单说明即可。"
DATES_AGAIN = "{error}\n请重新输入日期。"
REPORTED = "已报备{kind}：{period}，已告知{approver}。回来后请发送 /back 销假。"
REQUESTED = ("已提交{kind}申请：{when}。\n"
             "等待{approver}审批，结果会通知您。发送 /myleave 查看进度。")

# -- /back (销假) --------------------------------------------------------------------------
BACK_DATE_HINT = "例如：今天、昨天、今天下午。"
TODAY = "今天"
ASK_BACK_DATE = "请输入返岗日期，" + BACK_DATE_HINT
BAD_BACK_DATE = "{problem}\n" + ASK_BACK_DATE
BACK_OUT_OF_RANGE = "返岗日期应在 {start} 到今天之间。请重新输入，" + BACK_DATE_HINT
BACK_PLAN = "销假：{kind} {period}\n返岗：{when}，{taken}"
TAKEN = "实际请假{cal}天（工作日{work}天）"
BACK_EARLY = "提前返岗，按实际天数计算。"
BACK_LATE = "比假期晚回{days}天，请向组长说明情况。"
AFTERNOON = "下午"
BACK_OK, BACK_EDIT, BACK_NO = "确认销假", "改返岗日期", "取消"
BACK_DROPPED = "好的，没有销假。回到村里后再发送 /back 。"
PRESS_BACK = "请点击「确认销假」「改返岗日期」或「取消」。"
BACK_DONE = "已销假，欢迎回来！{taken}。发送 /myleave 查看余额。"

# -- /myleave ---------------------------------------------------------------------------
REPORTED_STATUS = "已报备"
ACTUAL_DAYS = "，实际{days}天"
WITH_NOTE = "：{note}"
MONTH_BALANCE = ("{month}月弹性休假：每月{quota}天，已用{used}天，待批{pending}天，"
                 "剩余{left}天。")
YEAR_TOTALS = "{year}年请假合计（已批准及已休，按工作日）：{totals}"
YEAR_TOTAL_ITEM = "{kind}{days}天"
NO_LEAVE_THIS_YEAR = "{year}年还没有请过假。"
MY_LEAVE = "我的请假："
MY_LEAVE_LINE = "· {period} {kind} — {status}"
CANCEL_BUTTON = "取消 {period} {kind}"
BACK_BUTTON = "销假 {period}"
MYLEAVE_FOOT = "请假发送 /leave，回村后发送 /back 销假。"
WAITING_FOR_YOU = "有{n}条请假等待您审批："
NOTHING_WAITING = "现在没有等待您审批的请假。"

# -- the approver's card ----------------------------------------------------------------
APPROVE, REJECT = "批准", "驳回"
CARD_HEAD = "请假审批"
REMIND_HEAD = "提醒：已等待{hours}小时的请假审批"
CARD = "【{head}】{body}"
CARD_BODY = "{name}申请{kind}\n日期：{when}\n事由：{reason}"
NO_REASON = "（未填写）"
ATTENDANCE = "本月出勤：在村{present}天，应在村{required}天（定额{quota}天，请假{leave}天）"
BEHIND = "，目前进度落后"
BALANCE = "弹性休假（每月{per_month}天，待批含本次）：{months}"
BALANCE_MONTH = "{month}月已用{used}天、待批{pending}天、剩{left}天"
REPORT_CARD = "【报备】{body}\n公差/出差只需报备，计为驻村工作，无需审批。"

# -- notices ----------------------------------------------------------------------------
RECORD = "【请假备案·{what}】{name} {kind} {period}，审批人{approver}。"
RECORD_REPORTED = "报备"
RECORD_APPROVED = "已批准"
APPROVED_LATE = "（审批时请假已经开始，按原日期计）"
APPROVED_NOTICE = ("您的{kind}（{period}）已由{approver}批准。{late}\n"
                   "回到村里后请发送 /back 销假；提前回来会按实际天数计算。")
APPROVED_DONE = "已批准{name}的{kind}（{period}）。{late}已通知本人。"
ALREADY = "这条请假已经处理过了：{status}。不需要再操作。"
ALREADY_BY = "{status}（{who} {month}月{day}日 {time}）"
NOTHING_TO_CANCEL = "这条请假{status}，不需要取消。发送 /myleave 查看。"
CANCELLED_NOTICE = "{name}取消了{kind}（{period}），无需再处理。"
CANCELLED_DONE = "已取消{kind}（{period}）。发送 /myleave 查看余额。"
ASK_REJECT_REASON = "请输入驳回{name}{kind}（{period}）的理由，本人会看到。"
KEEP = "不驳回了"
NOT_REJECTED = "好的，没有驳回。这条请假仍在等待您审批。"
NEED_REJECT_REASON = "请输入驳回理由（一句话即可）；不驳回请点「不驳回了」。"
REJECTED_NOTICE = ("您的{kind}（{period}）没有被批准。\n"
                   "{approver}的意见：{note}\n如需调整，可以发送 /leave 重新申请。")
REJECTED_DONE = "已驳回{name}的请假，理由已转告本人。"
RETURNED_NOTICE = "{name}已销假：{kind} {period}，{taken}。"
UNRETURNED_OWN = ("您的{kind}（{period}）已经结束，还没有销假。回到村里了吗？"
                  "点「销假」按实际返岗日期登记；还要延长请发送 /leave 续假。")
UNRETURNED_WATCH = "提醒：{name}的{kind}（{period}）已经结束，本人还没有销假。已提醒本人。"

# -- the export sheet -------------------------------------------------------------------
SHEET = "请销假"
SHEET_HEADERS = ["姓名", "类型", "开始", "结束", "天数", "工作日", "事由", "状态", "审批人",
                 "审批时间", "审批意见", "实际天数", "销假时间"]
SHEET_HALVES = {"am": " 上午", "pm": " 下午"}

ERRORS = errors("leave", {
    "not_found": "找不到这条请假记录。发送 /myleave 查看您的请假。",
    "inactive": "您的账号已停用，不能请假。请联系管理员。",
    "team_only": "请假和销假只对工作队成员开放。发送 /help 查看您可以使用的命令。",
    "unknown_kind": "没有「{kind}」这种请假类型。请从按钮中选择。",
    "too_far_back": ("开始日期 {start} 已经过去{days}天，只能补请{limit}天以内的假。"
                     "请重新输入日期；更早的请假请直接联系组长补办。"),
    "overlap": ("这段时间与您已有的请假重叠：{period} {kind}（{status}）。请换个日期；"
                "要改原来的请假，请先在 /myleave 里取消它。"),
    "flexible_exceeded": ("{month}月的弹性休假只剩{left}天（每月{quota}天），这次{month}月要用"
                          "{need}天。请缩短日期，或改为事假、轮休。"),
    "no_approver": ("没有找到可以审批这条请假的人（组长或管理员还没有注册）。"
                    "请联系县委组织部管理员处理。"),
    "not_approver": "您不是这条请假的审批人，不能审批。只有{approver}可以处理；此次操作已记录。",
    "not_approver_nobody": "您不是这条请假的审批人，不能审批。此次操作已记录。",
    "reason_required": "驳回需要写明理由，请输入驳回理由。",
    "not_own_cancel": "只能取消自己的请假。此次操作已记录。",
    "cancel_started": "这条请假已经开始，不能再取消了。回到村里后请发送 /back 销假，按实际天数计算。",
    "not_own_back": "只能为自己销假。此次操作已记录。",
    "nothing_to_back": "您现在没有需要销假的请假。发送 /myleave 查看您的请假。",
    "back_not_started": "这条请假还没有开始，不需要销假；不休了可以在 /myleave 里取消。",
    "back_not_approved": "这条请假{status}，不需要销假。发送 /myleave 查看。",
    "back_future": "返岗日期不能晚于今天。回到村里当天再发送 /back 销假。",
    "back_before_start": "返岗日期早于请假开始（{period}）。没有用上的请假请在 /myleave 里取消。",
})


# -- small compositions -----------------------------------------------------------------
def name_tag(name: str, role: str) -> str:
    """"王组长（组长）": who approves, in a notice."""
    return f"{name}（{SHORT_ROLE_LABELS[Role(role)]}）"


def taken(cal: Decimal, work: Decimal) -> str:
    return TAKEN.format(cal=days(cal), work=days(work))


def choose_kind(left: Decimal, report_only: Iterable[str]) -> str:
    notes = [FLEXIBLE_LEFT.format(left=days(left))]
    kinds = sorted(report_only)
    if kinds:
        notes.append(REPORT_ONLY_NOTE.format(kinds="、".join(kinds)))
    return CHOOSE_KIND.format(notes="\n".join(notes))


def year_totals(year: int, totals: dict[str, Decimal]) -> str:
    if not totals:
        return NO_LEAVE_THIS_YEAR.format(year=year)
    return YEAR_TOTALS.format(year=year, totals="、".join(
        YEAR_TOTAL_ITEM.format(kind=k, days=days(v)) for k, v in totals.items()))

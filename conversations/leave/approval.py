"""The approver's side of leave: the approval card, 批准/驳回 buttons, reminders.

Buttons carry "lv:<action>:<leave id>" and are untrusted: services.leave checks that
the presser is the assigned approver (or the requester, for cancel and 销假) and
raises PermissionDenied otherwise, which the router turns into a refusal + audit row.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import outbox
from core.context import Ctx
from core.messages import Incoming, Reply, buttons_row
from core.registry import Dialog, Replies, Turn
from services import leave as rules
from services.attendance import month_summary
from services.clock import local
from services.config import Settings
from services.errors import UserError
from storage.models import DialogState, LeaveRequest, Member, Team

PREFIX = "lv"


def data(action: str, leave_id: int) -> str:
    return f"{PREFIX}:{action}:{leave_id}"


def policy_of(ctx: Ctx) -> rules.LeavePolicy:
    return rules.LeavePolicy.from_settings(ctx.settings)


def _attendance_line(session: Session, member_id: int, today: date) -> str | None:
    """Month-to-date attendance beside the request, so the approver decides informed."""
    s = month_summary(session, member_id, today.year, today.month, today)
    line = (f"本月出勤：在村{s.days_in_village}天，应在村{s.required_days}天"
            f"（定额{s.quota}天，请假{rules.fmt_days(s.leave_days)}天）")
    return line + ("，目前进度落后" if s.behind else "")


def balance_line(session: Session, policy: rules.LeavePolicy, lv: LeaveRequest) -> str:
    parts = []
    for y, m in rules.months_of(rules.requested_range(lv)):
        b = rules.flexible_balance(session, policy, lv.member_id, y, m)
        parts.append(f"{m}月已用{rules.fmt_days(b.used)}天、待批{rules.fmt_days(b.pending)}天、"
                     f"剩{rules.fmt_days(b.left)}天")
    return (f"弹性休假（每月{rules.fmt_days(policy.flexible_per_month)}天，待批含本次）："
            + "；".join(parts))


def card_text(session: Session, policy: rules.LeavePolicy, lv: LeaveRequest, today: date) -> str:
    """What the approver reads: who, what, when, why, and the context to decide."""
    m = lv.member
    lines = [f"{m.name}申请{lv.kind}", f"日期：{rules.describe(lv, today)}",
             f"事由：{lv.reason or '（未填写）'}"]
    att = _attendance_line(session, m.id, today)
    if att:
        lines.append(att)
    lines.append(balance_line(session, policy, lv))
    return "\n".join(lines)


def approval_card(session: Session, policy: rules.LeavePolicy, lv: LeaveRequest, today: date,
                  head: str = "请假审批") -> Reply:
    return Reply(f"【{head}】{card_text(session, policy, lv, today)}",
                 buttons_row(("批准", data("a", lv.id)), ("驳回", data("r", lv.id))))


def notify_new(ctx: Ctx, lv: LeaveRequest) -> None:
    """Send a new request to its approver (or, for a report, file it with them)."""
    policy = policy_of(ctx)
    if lv.report_only:
        ctx.notify(f"leave:{lv.id}:reported:m{lv.approver_id}",
                   Reply(f"【报备】{card_text(ctx.session, policy, lv, ctx.today)}\n"
                         "公差/出差只需报备，计为驻村工作，无需审批。"),
                   member_id=lv.approver_id)
        _copy_for_record(ctx, lv, "报备")
        return
    ctx.notify(f"leave:{lv.id}:request:m{lv.approver_id}",
               approval_card(ctx.session, policy, lv, ctx.today), member_id=lv.approver_id)


def _copy_for_record(ctx: Ctx, lv: LeaveRequest, what: str) -> None:
    for p in rules.record_recipients(ctx.session, policy_of(ctx), lv):
        ctx.notify(f"leave:{lv.id}:record:m{p.id}",
                   Reply(f"【请假备案·{what}】{lv.member.name} {lv.kind} "
                         f"{rules.short_period(lv)}，审批人{lv.approver.name if lv.approver else ''}。"),
                   member_id=p.id)


def _already(lv: LeaveRequest, tz: str) -> Replies:
    label = rules.STATUS_LABELS[lv.status]
    if lv.decided_at is not None and lv.decided_by is not None:
        who = lv.approver.name if lv.approver else ""
        when = local(lv.decided_at, tz)
        label += f"（{who} {when.month}月{when.day}日 {when:%H:%M}）"
    return [Reply(f"这条请假已经处理过了：{label}。不需要再操作。")]


# -- buttons --------------------------------------------------------------------------
def on_button(ctx: Ctx, payload: str) -> Replies:
    action, _, raw = payload.partition(":")
    if not raw.isdigit() or ctx.actor is None or ctx.actor.kind != "member":
        ctx.audit("button.unknown", callback=(ctx.incoming.callback or "")[:64])
        return [Reply("这个按钮已经失效了。发送 /myleave 查看您的请假。")]
    leave_id = int(raw)
    handler = {"a": _approve, "r": _reject, "c": _cancel, "b": _back}.get(action)
    if handler is None:
        ctx.audit("button.unknown", callback=(ctx.incoming.callback or "")[:64])
        return [Reply("这个按钮已经失效了。发送 /myleave 查看您的请假。")]
    return handler(ctx, leave_id)


def _approve(ctx: Ctx, leave_id: int) -> Replies:
    assert ctx.actor is not None
    d = rules.decide(ctx.session, leave_id, actor_member_id=ctx.actor.id, approve=True,
                     now=ctx.now, today=ctx.today)
    if not d.changed:
        return _already(d.leave, ctx.tz)
    lv = d.leave
    late = "（审批时请假已经开始，按原日期计）" if d.after_start else ""
    ctx.notify(f"leave:{lv.id}:approved:m{lv.member_id}",
               Reply(f"您的{lv.kind}（{rules.short_period(lv)}）已由{ctx.actor.name}批准。{late}\n"
                     "回到村里后请发送 /back 销假；提前回来会按实际天数计算。"),
               member_id=lv.member_id)
    _copy_for_record(ctx, lv, "已批准")
    return [Reply(f"已批准{lv.member.name}的{lv.kind}（{rules.short_period(lv)}）。{late}"
                  "已通知本人。")]


def _reject(ctx: Ctx, leave_id: int) -> Replies:
    assert ctx.actor is not None
    lv = rules.check_can_reject(ctx.session, leave_id, ctx.actor.id)
    if lv.status != rules.PENDING:
        return _already(lv, ctx.tz)
    return begin_fresh(ctx, RejectDialog.name, str(leave_id), "驳回")


def begin_fresh(ctx: Ctx, dialog: str, args: str, label: str) -> Replies:
    """Start a dialog from a button, unless the user is in the middle of another one."""
    open_dialog = ctx.session.scalar(select(DialogState).where(
        DialogState.platform == ctx.incoming.platform,
        DialogState.external_id == ctx.incoming.user_id))
    if open_dialog is not None:
        known = ctx.registry.dialogs.get(open_dialog.dialog)
        title = known.title if known else open_dialog.dialog
        raise UserError(f"您还有未完成的「{title}」。请先完成它或发送 /cancel，再点「{label}」。")
    return ctx.begin(dialog, args)


def _cancel(ctx: Ctx, leave_id: int) -> Replies:
    assert ctx.actor is not None
    d = rules.cancel(ctx.session, leave_id, actor_member_id=ctx.actor.id, today=ctx.today,
                     now=ctx.now)
    lv = d.leave
    if not d.changed:
        return [Reply(f"这条请假{rules.STATUS_LABELS[lv.status]}，不需要取消。发送 /myleave 查看。")]
    if lv.approver_id is not None:
        ctx.notify(f"leave:{lv.id}:cancelled:m{lv.approver_id}",
                   Reply(f"{lv.member.name}取消了{lv.kind}（{rules.short_period(lv)}），"
                         "无需再处理。"), member_id=lv.approver_id)
    return [Reply(f"已取消{lv.kind}（{rules.short_period(lv)}）。发送 /myleave 查看余额。")]


def _back(ctx: Ctx, leave_id: int) -> Replies:
    from conversations.leave.request import BackDialog

    return begin_fresh(ctx, BackDialog.name, f"#{leave_id}", "销假")


# -- rejection reason -----------------------------------------------------------------
class RejectDialog(Dialog):
    """The approver types a reason; the requester reads it, so a refusal is explained."""

    name = "leave_reject"
    title = "驳回请假"

    def start(self, ctx: Ctx, args: str) -> Turn:
        lv = rules.get(ctx.session, int(args))
        return Turn.stay({"leave_id": lv.id}, Reply(
            f"请输入驳回{lv.member.name}{lv.kind}（{rules.short_period(lv)}）的理由，"
            "本人会看到。", buttons_row(("不驳回了", self.button("no")))))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        assert ctx.actor is not None
        if msg.callback == self.button("no"):
            return Turn.done(Reply("好的，没有驳回。这条请假仍在等待您审批。"))
        note = (msg.text or "").strip()
        if not note:
            return Turn.stay(state, Reply("请输入驳回理由（一句话即可）；不驳回请点「不驳回了」。"))
        d = rules.decide(ctx.session, state["leave_id"], actor_member_id=ctx.actor.id,
                         approve=False, now=ctx.now, today=ctx.today, note=note)
        if not d.changed:
            return Turn.done(*_already(d.leave, ctx.tz))
        lv = d.leave
        ctx.notify(f"leave:{lv.id}:rejected:m{lv.member_id}",
                   Reply(f"您的{lv.kind}（{rules.short_period(lv)}）没有被批准。\n"
                         f"{ctx.actor.name}的意见：{note}\n如需调整，可以发送 /leave 重新申请。"),
                   member_id=lv.member_id)
        return Turn.done(Reply(f"已驳回{lv.member.name}的请假，理由已转告本人。"))


# -- ticks ----------------------------------------------------------------------------
def remind_tick(session: Session, now: datetime, settings: Settings) -> None:
    """Re-send a request nobody decided within LEAVE_REMIND_HOURS, once per period."""
    policy = rules.LeavePolicy.from_settings(settings)
    for lv, rounds in rules.overdue_for_reminder(session, now, settings.leave_remind_hours):
        tz = lv.member.team.timezone if lv.member.team else settings.timezone
        today = local(now, tz).date()
        hours = rounds * settings.leave_remind_hours
        outbox.enqueue(session, key=f"leave:{lv.id}:remind{rounds}:m{lv.approver_id}",
                       reply=approval_card(session, policy, lv, today,
                                           head=f"提醒：已等待{hours}小时的请假审批"),
                       now=now, member_id=lv.approver_id)


def unreturned_tick(session: Session, now: datetime, settings: Settings) -> None:
    """The morning after a leave ended without 销假: tell the member and the leader once."""
    for team in session.scalars(select(Team).where(Team.active.is_(True))):
        local_now = local(now, team.timezone)
        if local_now.hour < settings.leave_unreturned_hour:
            continue
        today = local_now.date()
        for lv in rules.unreturned(session, team.id, today):
            if lv.end < today - timedelta(days=7):
                continue  # older ones were flagged already; the bot never nags late
            _flag_unreturned(session, lv, now)


def _flag_unreturned(session: Session, lv: LeaveRequest, now: datetime) -> None:
    period = rules.short_period(lv)
    outbox.enqueue(session, key=f"leave:{lv.id}:unreturned:m{lv.member_id}", now=now,
                   member_id=lv.member_id, reply=Reply(
                       f"您的{lv.kind}（{period}）已经结束，还没有销假。回到村里了吗？"
                       "点「销假」按实际返岗日期登记；还要延长请发送 /leave 续假。",
                       buttons_row(("销假", data("b", lv.id)))))
    watchers: list[Member] = [m for m in rules.team_leaders(session, lv.team_id)
                              if m.id != lv.member_id]
    if not watchers and lv.approver is not None:
        watchers = [lv.approver]
    for w in watchers:
        outbox.enqueue(session, key=f"leave:{lv.id}:unreturned:m{w.id}", now=now,
                       member_id=w.id, reply=Reply(
                           f"提醒：{lv.member.name}的{lv.kind}（{period}）已经结束，"
                           "本人还没有销假。已提醒本人。"))

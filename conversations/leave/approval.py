"""The approver's side of leave: the approval card, 批准/驳回 buttons, the notices, reminders.

Buttons are typed (`LeaveButton`, "lv:<action>:<leave id>") and untrusted: services.leave
checks that the presser is the assigned approver (or the requester, for cancel and 销假)
and raises PermissionDenied otherwise, which the router turns into a refusal + audit row.
Who gets each notice is decided by `services.leave.recipients`; this module only says it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.leave import text as T
from conversations.leave.buttons import LeaveButton, pressed
from core import outbox
from core.context import Ctx
from core.messages import Incoming, Reply, buttons_row
from core.registry import Dialog, Replies, Turn
from services import leave as rules
from services.actors import Actor
from services.attendance import month_summary
from services.clock import local
from services.config import Settings
from storage.models import LeaveRequest, Member, Team

Send = Callable[[str, Reply, int], object]


def policy_of(ctx: Ctx) -> rules.LeavePolicy:
    return rules.LeavePolicy.from_settings(ctx.settings)


# -- the card -------------------------------------------------------------------------
def _attendance_line(session: Session, member_id: int, today: date) -> str:
    """Month-to-date attendance beside the request, so the approver decides informed."""
    s = month_summary(session, member_id, today.year, today.month, today)
    line = T.ATTENDANCE.format(present=s.days_in_village, required=s.required_days,
                               quota=s.quota, leave=T.days(s.leave_days))
    return line + (T.BEHIND if s.behind else "")


def balance_line(session: Session, policy: rules.LeavePolicy, lv: LeaveRequest) -> str:
    parts = []
    for y, m in rules.months_of(rules.requested_range(lv)):
        b = rules.flexible_balance(session, policy, lv.member_id, y, m)
        parts.append(T.BALANCE_MONTH.format(month=m, used=T.days(b.used),
                                            pending=T.days(b.pending), left=T.days(b.left)))
    return T.BALANCE.format(per_month=T.days(policy.flexible_per_month), months="；".join(parts))


def card_text(session: Session, policy: rules.LeavePolicy, lv: LeaveRequest, today: date) -> str:
    """What the approver reads: who, what, when, why, and the context to decide."""
    m = lv.member
    return "\n".join([
        T.CARD_BODY.format(name=m.name, kind=lv.kind, when=rules.describe(lv, today),
                           reason=lv.reason or T.NO_REASON),
        _attendance_line(session, m.id, today),
        balance_line(session, policy, lv)])


def approval_card(session: Session, policy: rules.LeavePolicy, lv: LeaveRequest, today: date,
                  head: str = T.CARD_HEAD) -> Reply:
    return Reply(T.CARD.format(head=head, body=card_text(session, policy, lv, today)),
                 buttons_row((T.APPROVE, LeaveButton("a", lv.id).pack()),
                             (T.REJECT, LeaveButton("r", lv.id).pack())))


# -- notices: who is told comes from services.leave.recipients ---------------------------------
def tell(send: Send, session: Session, policy: rules.LeavePolicy, lv: LeaveRequest,
         notice: str, reply_for: Callable[[Member], Reply], occurrence: str | None = None) -> None:
    """Queue `notice` about `lv` for each of its recipients, one outbox key per person."""
    for p in rules.recipients(session, policy, lv, notice):
        send(f"leave:{lv.id}:{occurrence or notice}:m{p.id}", reply_for(p), p.id)


def ctx_send(ctx: Ctx) -> Send:
    return lambda key, reply, member_id: ctx.notify(key, reply, member_id=member_id)


def tick_send(session: Session, now: datetime) -> Send:
    return lambda key, reply, member_id: outbox.enqueue(session, key=key, reply=reply, now=now,
                                                        member_id=member_id)


def _tell(ctx: Ctx, lv: LeaveRequest, notice: str, reply_for: Callable[[Member], Reply]) -> None:
    tell(ctx_send(ctx), ctx.session, policy_of(ctx), lv, notice, reply_for)


def notify_new(ctx: Ctx, lv: LeaveRequest) -> None:
    """Send a new request to its approver (or, for a report, file it with them)."""
    policy = policy_of(ctx)
    if lv.report_only:
        body = card_text(ctx.session, policy, lv, ctx.today)
        _tell(ctx, lv, rules.REPORTED_N, lambda p: Reply(T.REPORT_CARD.format(body=body)))
        _copy_for_record(ctx, lv, T.RECORD_REPORTED)
        return
    card = approval_card(ctx.session, policy, lv, ctx.today)
    _tell(ctx, lv, rules.REQUESTED_N, lambda p: card)


def _copy_for_record(ctx: Ctx, lv: LeaveRequest, what: str) -> None:
    reply = Reply(T.RECORD.format(what=what, name=lv.member.name, kind=lv.kind,
                                  period=rules.short_period(lv),
                                  approver=lv.approver.name if lv.approver else ""))
    _tell(ctx, lv, rules.RECORD_N, lambda p: reply)


def notify_returned(ctx: Ctx, plan: rules.ReturnPlan) -> None:
    lv = plan.leave
    reply = Reply(T.RETURNED_NOTICE.format(name=lv.member.name, kind=lv.kind,
                                           period=rules.short_period(lv),
                                           taken=T.taken(*rules.count_days(plan.actual))))
    _tell(ctx, lv, rules.RETURNED_N, lambda p: reply)


def _already(lv: LeaveRequest, tz: str) -> Replies:
    label = rules.STATUS_LABELS[lv.status]
    if lv.decided_at is not None and lv.decided_by is not None:
        when = local(lv.decided_at, tz)
        label = T.ALREADY_BY.format(status=label, who=lv.approver.name if lv.approver else "",
                                    month=when.month, day=when.day, time=f"{when:%H:%M}")
    return [Reply(T.ALREADY.format(status=label))]


# -- buttons --------------------------------------------------------------------------
def on_button(ctx: Ctx, pressed_button: LeaveButton) -> Replies:
    actor = ctx.require_actor()
    handler = {"a": _approve, "r": _reject, "c": _cancel, "b": _back}[pressed_button.action]
    return handler(ctx, actor, pressed_button.leave_id)


def _approve(ctx: Ctx, actor: Actor, leave_id: int) -> Replies:
    d = rules.decide(ctx.session, leave_id, actor=actor, approve=True, now=ctx.now,
                     today=ctx.today)
    if not d.changed:
        return _already(d.leave, ctx.tz)
    lv = d.leave
    late = T.APPROVED_LATE if d.after_start else ""
    period = rules.short_period(lv)
    notice = Reply(T.APPROVED_NOTICE.format(kind=lv.kind, period=period, approver=actor.name,
                                            late=late))
    _tell(ctx, lv, rules.APPROVED_N, lambda p: notice)
    _copy_for_record(ctx, lv, T.RECORD_APPROVED)
    return [Reply(T.APPROVED_DONE.format(name=lv.member.name, kind=lv.kind, period=period,
                                         late=late))]


def _reject(ctx: Ctx, actor: Actor, leave_id: int) -> Replies:
    lv = rules.check_can_reject(ctx.session, leave_id, actor)
    if lv.status != rules.PENDING:
        return _already(lv, ctx.tz)
    return ctx.begin_fresh(RejectDialog.name, str(leave_id), T.REJECT)


def _cancel(ctx: Ctx, actor: Actor, leave_id: int) -> Replies:
    d = rules.cancel(ctx.session, leave_id, actor=actor, today=ctx.today, now=ctx.now)
    lv = d.leave
    if not d.changed:
        return [Reply(T.NOTHING_TO_CANCEL.format(status=rules.STATUS_LABELS[lv.status]))]
    period = rules.short_period(lv)
    notice = Reply(T.CANCELLED_NOTICE.format(name=lv.member.name, kind=lv.kind, period=period))
    _tell(ctx, lv, rules.CANCELLED_N, lambda p: notice)
    return [Reply(T.CANCELLED_DONE.format(kind=lv.kind, period=period))]


def _back(ctx: Ctx, actor: Actor, leave_id: int) -> Replies:
    from conversations.leave.request import BackDialog

    return ctx.begin_fresh(BackDialog.name, f"#{leave_id}", T.BACK)


# -- rejection reason -----------------------------------------------------------------
class RejectDialog(Dialog):
    """The approver types a reason; the requester reads it, so a refusal is explained."""

    name = "leave_reject"
    title = T.REJECT_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        lv = rules.check_can_reject(ctx.session, int(args), ctx.require_actor())
        return Turn.stay({"leave_id": lv.id}, Reply(
            T.ASK_REJECT_REASON.format(name=lv.member.name, kind=lv.kind,
                                       period=rules.short_period(lv)),
            buttons_row((T.KEEP, self.button("no")))))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        actor = ctx.require_actor()
        if pressed(msg) == "no":
            return Turn.done(Reply(T.NOT_REJECTED))
        note = (msg.text or "").strip()
        if not note:
            return Turn.stay(state, Reply(T.NEED_REJECT_REASON))
        d = rules.decide(ctx.session, state["leave_id"], actor=actor, approve=False,
                         now=ctx.now, today=ctx.today, note=note)
        if not d.changed:
            return Turn.done(*_already(d.leave, ctx.tz))
        lv = d.leave
        notice = Reply(T.REJECTED_NOTICE.format(kind=lv.kind, period=rules.short_period(lv),
                                                approver=actor.name, note=note))
        _tell(ctx, lv, rules.REJECTED_N, lambda p: notice)
        return Turn.done(Reply(T.REJECTED_DONE.format(name=lv.member.name)))


# -- ticks ----------------------------------------------------------------------------
def remind_tick(session: Session, now: datetime, settings: Settings) -> None:
    """Re-send a request nobody decided within LEAVE_REMIND_HOURS, once per period."""
    policy = rules.LeavePolicy.from_settings(settings)
    send = tick_send(session, now)
    for lv, rounds in rules.overdue_for_reminder(session, now, settings.leave_remind_hours):
        tz = lv.member.team.timezone if lv.member.team else settings.timezone
        today = local(now, tz).date()
        head = T.REMIND_HEAD.format(hours=rounds * settings.leave_remind_hours)
        card = approval_card(session, policy, lv, today, head=head)
        tell(send, session, policy, lv, rules.REMINDER_N, lambda p, c=card: c,
             occurrence=f"{rules.REMINDER_N}{rounds}")


def unreturned_tick(session: Session, now: datetime, settings: Settings) -> None:
    """The morning after a leave ended without 销假: tell the member and the people 销假
    would tell, once."""
    policy = rules.LeavePolicy.from_settings(settings)
    send = tick_send(session, now)
    for team in session.scalars(select(Team).where(Team.active.is_(True))):
        local_now = local(now, team.timezone)
        if local_now.hour < settings.leave_unreturned_hour:
            continue
        today = local_now.date()
        for lv in rules.unreturned(session, team.id, today):
            if lv.end < today - timedelta(days=7):
                continue  # older ones were flagged already; the bot never nags late
            tell(send, session, policy, lv, rules.UNRETURNED_N,
                 lambda p, lv=lv: unreturned_notice(lv, p))


def unreturned_notice(lv: LeaveRequest, to: Member) -> Reply:
    period = rules.short_period(lv)
    if to.id == lv.member_id:
        return Reply(T.UNRETURNED_OWN.format(kind=lv.kind, period=period),
                     buttons_row((T.BACK, LeaveButton("b", lv.id).pack())))
    return Reply(T.UNRETURNED_WATCH.format(name=lv.member.name, kind=lv.kind, period=period))

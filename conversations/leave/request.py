"""The member's side of leave: /leave (请假), /back (销假), /myleave.

/leave asks type, dates and reason; the dates are echoed as the bot read them, with
[确认] [修改] [取消], before anything is filed. Rules and checks live in
services.leave; this module only asks and answers, in the words of text.py.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from conversations.leave import text as T
from conversations.leave.approval import (
    RejectDialog,
    approval_card,
    notify_new,
    notify_returned,
    on_button,
    policy_of,
    remind_tick,
    unreturned_tick,
)
from conversations.leave.buttons import LeaveButton, pressed
from core.context import Ctx
from core.messages import Button, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from services import dates
from services import leave as rules
from services.errors import UserError
from services.roles import TEAM_ROLES, Role
from storage.models import LeaveRequest

MAX_REASON = 500
MAX_ID_DIGITS = 12


def _range_from(state: dict[str, Any]) -> dates.DateRange:
    r = state["range"]
    return dates.DateRange(date.fromisoformat(r[0]), date.fromisoformat(r[1]), r[2], r[3])


def _kind_buttons(types: tuple[str, ...]) -> dict[str, str]:
    """Dialog button value -> leave kind, for the kinds offered now."""
    return {f"t{i}": kind for i, kind in enumerate(types)}


class LeaveDialog(Dialog):
    name = "leave"
    title = T.LEAVE_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        member = rules.own_member(ctx.session, ctx.require_actor())
        policy = policy_of(ctx)
        rows: list[list[Button]] = []
        for i, (value, kind) in enumerate(_kind_buttons(policy.types).items()):
            if i % 3 == 0:
                rows.append([])
            rows[-1].append(Button(kind, self.button(value)))
        bal = rules.flexible_balance(ctx.session, policy, member.id, ctx.today.year,
                                     ctx.today.month)
        return Turn.stay({"stage": "type"}, Reply(T.choose_kind(bal.left, policy.report_only),
                                                  rows))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        stage = state["stage"]
        if stage == "type":
            return self._type(ctx, state, msg)
        if stage == "dates":
            return self._dates(ctx, state, msg)
        if stage == "confirm":
            return self._confirm(ctx, state, msg)
        return self._reason(ctx, state, msg)

    def _type(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        types = policy_of(ctx).types
        value = pressed(msg)
        kind = None
        if value is not None:
            kind = _kind_buttons(types).get(value)
        elif msg.text and msg.text.strip() in types:
            kind = msg.text.strip()
        if kind is None:
            return Turn.stay(state, Reply(T.PICK_KIND))
        state.update(stage="dates", kind=kind)
        return Turn.stay(state, Reply(T.ASK_DATES.format(kind=kind)))

    def _dates(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        actor = ctx.require_actor()
        if msg.callback:
            return Turn.stay(state, Reply(T.TYPE_DATES))
        got = dates.parse_date_range_or_error(msg.text or "", ctx.today)
        if isinstance(got, dates.ParseError):
            return Turn.stay(state, Reply(T.BAD_DATES.format(problem=got.message)))
        try:
            rules.check_period(ctx.session, policy_of(ctx), actor, state["kind"], got, ctx.today)
        except UserError as exc:
            return Turn.stay(state, Reply(str(exc)))
        state.update(stage="confirm", range=[got.start.isoformat(), got.end.isoformat(),
                                             got.start_half, got.end_half])
        echo = dates.describe_range(got, today=ctx.today)
        return Turn.stay(state, Reply(
            T.ECHO_DATES.format(kind=state["kind"], echo=echo),
            buttons_row((T.OK, self.button("ok")), (T.EDIT, self.button("edit")),
                        (T.NO, self.button("no")))))

    def _confirm(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value = pressed(msg)
        if value == "no":
            return Turn.done(Reply(T.NOT_FILED))
        if value == "edit":
            state["stage"] = "dates"
            return Turn.stay(state, Reply(T.RETYPE_DATES))
        if value != "ok":
            return Turn.stay(state, Reply(T.PRESS_CONFIRM))
        state["stage"] = "reason"
        return Turn.stay(state, Reply(T.ASK_REASON))

    def _reason(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        actor = ctx.require_actor()
        reason = (msg.text or "").strip()
        if not reason or msg.callback:
            return Turn.stay(state, Reply(T.NEED_REASON))
        if len(reason) > MAX_REASON:
            return Turn.stay(state, Reply(T.REASON_TOO_LONG.format(limit=MAX_REASON)))
        try:
            lv = rules.request_leave(ctx.session, policy_of(ctx), actor=actor,
                                     kind=state["kind"], r=_range_from(state), reason=reason,
                                     today=ctx.today, now=ctx.now)
        except UserError as exc:  # someone filed an overlapping leave meanwhile
            state["stage"] = "dates"
            return Turn.stay(state, Reply(T.DATES_AGAIN.format(error=exc)))
        notify_new(ctx, lv)
        approver = T.name_tag(lv.approver.name, lv.approver.role) if lv.approver else ""
        if lv.report_only:
            text = T.REPORTED.format(kind=lv.kind, period=rules.short_period(lv),
                                     approver=approver)
        else:
            text = T.REQUESTED.format(kind=lv.kind, when=rules.describe(lv, ctx.today),
                                      approver=approver)
        return Turn.done(Reply(text))


class BackDialog(Dialog):
    """销假: confirm the real return date; the leave is closed on it.

    Started by /back (args: a return date, optional) or by a [销假] button (args "#<id>").
    """

    name = "leave_back"
    title = T.BACK_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        leave_id = None
        if args.startswith("#") and args[1:].isdigit() and len(args) <= MAX_ID_DIGITS + 1:
            leave_id, args = int(args[1:]), ""
        lv = rules.leave_to_report_back(ctx.session, ctx.require_actor(), ctx.today, leave_id)
        state: dict[str, Any] = {"leave_id": lv.id, "stage": "confirm"}
        return self._plan(ctx, state, args or T.TODAY)

    def _plan(self, ctx: Ctx, state: dict[str, Any], text: str) -> Turn:
        got = dates.parse_date_range_or_error(text, ctx.today)
        if isinstance(got, dates.ParseError):
            state["stage"] = "date"
            return Turn.stay(state, Reply(T.BAD_BACK_DATE.format(problem=got.message)))
        half = "pm" if got.is_single_half_day and got.start_half == "pm" else None
        lv = rules.get(ctx.session, state["leave_id"])
        if got.start > ctx.today or got.start < lv.start:
            state["stage"] = "date"
            return Turn.stay(state, Reply(T.BACK_OUT_OF_RANGE.format(
                start=dates.month_day(lv.start))))
        plan = rules.plan_return(lv, got.start, half)
        when = dates.month_day(got.start) + (T.AFTERNOON if half else "")
        lines = [T.BACK_PLAN.format(kind=lv.kind, period=rules.short_period(lv), when=when,
                                    taken=T.taken(*rules.count_days(plan.actual)))]
        if plan.early:
            lines.append(T.BACK_EARLY)
        if plan.late_days:
            lines.append(T.BACK_LATE.format(days=plan.late_days))
        state.update(stage="confirm", back=got.start.isoformat(), half=half)
        return Turn.stay(state, Reply("\n".join(lines), buttons_row(
            (T.BACK_OK, self.button("ok")), (T.BACK_EDIT, self.button("edit")),
            (T.BACK_NO, self.button("no")))))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        actor = ctx.require_actor()
        value = pressed(msg)
        if value == "no":
            return Turn.done(Reply(T.BACK_DROPPED))
        if value == "edit":
            state["stage"] = "date"
            return Turn.stay(state, Reply(T.ASK_BACK_DATE))
        if state["stage"] == "date":
            if not msg.text:
                return Turn.stay(state, Reply(T.ASK_BACK_DATE))
            return self._plan(ctx, state, msg.text)
        if value != "ok":
            return Turn.stay(state, Reply(T.PRESS_BACK))
        plan = rules.report_back(ctx.session, state["leave_id"], actor=actor,
                                 back_on=date.fromisoformat(state["back"]),
                                 back_half=state.get("half"), today=ctx.today, now=ctx.now)
        notify_returned(ctx, plan)
        return Turn.done(Reply(T.BACK_DONE.format(taken=T.taken(*rules.count_days(plan.actual)))))


def _status_text(lv: LeaveRequest) -> str:
    label = rules.STATUS_LABELS[lv.status]
    if lv.report_only and lv.status == rules.APPROVED:
        label = T.REPORTED_STATUS
    if lv.status == rules.RETURNED:
        cal, _ = rules.count_days(rules.taken_range(lv))
        label += T.ACTUAL_DAYS.format(days=T.days(cal))
    if lv.status == rules.REJECTED and lv.decision_note:
        label += T.WITH_NOTE.format(note=lv.decision_note)
    return label


def myleave_command(ctx: Ctx, args: str) -> Replies:
    """Requests with status, this month's flexible balance, days taken this year."""
    actor = ctx.require_actor()
    policy = policy_of(ctx)
    today = ctx.today
    replies = _own_leave(ctx, policy, today) if actor.in_team else []
    waiting = rules.pending_approvals(ctx.session, ctx.require_member().id)
    if waiting:
        replies.append(Reply(T.WAITING_FOR_YOU.format(n=len(waiting))))
        replies += [approval_card(ctx.session, policy, lv, today) for lv in waiting]
    if not replies:
        replies.append(Reply(T.NOTHING_WAITING))
    return replies


def _own_leave(ctx: Ctx, policy: rules.LeavePolicy, today: date) -> Replies:
    member = rules.own_member(ctx.session, ctx.require_actor())
    bal = rules.flexible_balance(ctx.session, policy, member.id, today.year, today.month)
    lines = [T.MONTH_BALANCE.format(month=today.month, quota=T.days(bal.quota),
                                    used=T.days(bal.used), pending=T.days(bal.pending),
                                    left=T.days(bal.left)),
             T.year_totals(today.year, rules.year_totals(ctx.session, policy, member.id,
                                                         today.year))]
    mine = rules.member_leaves(ctx.session, member.id,
                               (*rules.BLOCKING, rules.REJECTED, rules.CANCELLED),
                               start=date(today.year, 1, 1))
    buttons: list[list[Button]] = []
    if mine:
        lines.append(T.MY_LEAVE)
        for lv in mine[-10:]:
            period = rules.short_period(lv)
            lines.append(T.MY_LEAVE_LINE.format(period=period, kind=lv.kind,
                                                status=_status_text(lv)))
            if lv.status == rules.PENDING or (lv.status == rules.APPROVED and lv.start > today):
                buttons.append([Button(T.CANCEL_BUTTON.format(period=period, kind=lv.kind),
                                       LeaveButton("c", lv.id).pack())])
            elif lv.status == rules.APPROVED and lv.start <= today:
                buttons.append([Button(T.BACK_BUTTON.format(period=period),
                                       LeaveButton("b", lv.id).pack())])
    lines.append(T.MYLEAVE_FOOT)
    return [Reply("\n".join(lines), buttons)]


def register(reg: Registry) -> None:
    reg.dialog(LeaveDialog())
    reg.dialog(BackDialog())
    reg.dialog(RejectDialog())
    reg.command(Command("leave", T.LEAVE_CMD, TEAM_ROLES, dialog=LeaveDialog.name,
                        aliases=T.LEAVE_ALIASES, order=30))
    reg.command(Command("back", T.BACK_CMD, TEAM_ROLES, dialog=BackDialog.name,
                        aliases=T.BACK_ALIASES, order=31))
    reg.command(Command("myleave", T.MYLEAVE_CMD, TEAM_ROLES | {Role.ADMIN},
                        run=myleave_command, aliases=T.MYLEAVE_ALIASES, order=32))
    reg.callback(LeaveButton, on_button)
    reg.tick("leave.remind", remind_tick)
    reg.tick("leave.unreturned", unreturned_tick)

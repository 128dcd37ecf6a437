"""The member's side of leave: /leave (请假), /back (销假), /myleave.

/leave asks type, dates and reason; the dates are echoed as the bot read them, with
[确认] [修改] [取消], before anything is filed. Rules and checks live in
services.leave; this module only asks and answers.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from conversations.leave.approval import (
    PREFIX,
    RejectDialog,
    data,
    notify_new,
    on_button,
    policy_of,
    remind_tick,
    unreturned_tick,
)
from core.context import Ctx
from core.messages import Button, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from services import dates
from services import leave as rules
from services.errors import PermissionDenied, UserError
from services.roles import TEAM_ROLES, Role
from storage.models import LeaveRequest

DATE_HINT = "例如：明天、后天、下周一到周三、11月25日-27日、12.1-12.3、2026-12-01，半天可写“明天下午”。"


def _range_from(state: dict[str, Any]) -> dates.DateRange:
    r = state["range"]
    return dates.DateRange(date.fromisoformat(r[0]), date.fromisoformat(r[1]), r[2], r[3])


class LeaveDialog(Dialog):
    name = "leave"
    title = "请假"

    def start(self, ctx: Ctx, args: str) -> Turn:
        policy = policy_of(ctx)
        rows: list[list[Button]] = []
        for i, kind in enumerate(policy.types):
            if i % 3 == 0:
                rows.append([])
            rows[-1].append(Button(kind, self.button(f"t{i}")))
        assert ctx.actor is not None
        bal = rules.flexible_balance(ctx.session, policy, ctx.actor.id, ctx.today.year,
                                     ctx.today.month)
        notes = [f"本月弹性休假还剩{rules.fmt_days(bal.left)}天。"]
        if policy.report_only:
            notes.append("、".join(sorted(policy.report_only)) + "只需报备，计为驻村工作。")
        return Turn.stay({"stage": "type"}, Reply(
            "请选择请假类型：\n" + "\n".join(notes), rows))

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
        kind = None
        if msg.callback and msg.callback.startswith(self.button("t")):
            idx = msg.callback.removeprefix(self.button("t"))
            kind = types[int(idx)] if idx.isdigit() and int(idx) < len(types) else None
        elif msg.text and msg.text.strip() in types:
            kind = msg.text.strip()
        if kind is None:
            return Turn.stay(state, Reply("请点击上面的按钮选择请假类型；放弃请发送 /cancel 。"))
        state.update(stage="dates", kind=kind)
        return Turn.stay(state, Reply(f"{kind}：请输入日期。\n{DATE_HINT}"))

    def _dates(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        assert ctx.actor is not None
        if msg.callback:
            return Turn.stay(state, Reply(f"请直接输入日期。\n{DATE_HINT}"))
        got = dates.parse_date_range_or_error(msg.text or "", ctx.today)
        if isinstance(got, dates.ParseError):
            return Turn.stay(state, Reply(f"{got.message}\n请重新输入日期，{DATE_HINT}"))
        try:
            rules.check_period(ctx.session, policy_of(ctx), ctx.actor.id, state["kind"], got,
                               ctx.today)
        except UserError as exc:
            return Turn.stay(state, Reply(str(exc)))
        state.update(stage="confirm", range=[got.start.isoformat(), got.end.isoformat(),
                                             got.start_half, got.end_half])
        echo = dates.describe_range(got, today=ctx.today)
        return Turn.stay(state, Reply(
            f"我理解的{state['kind']}日期是：\n{echo}\n对吗？",
            buttons_row(("确认", self.button("ok")), ("修改", self.button("edit")),
                        ("取消", self.button("no")))))

    def _confirm(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        if msg.callback == self.button("no"):
            return Turn.done(Reply("已取消，没有提交请假。需要时发送 /leave 重新开始。"))
        if msg.callback == self.button("edit"):
            state["stage"] = "dates"
            return Turn.stay(state, Reply(f"请重新输入日期。\n{DATE_HINT}"))
        if msg.callback != self.button("ok"):
            return Turn.stay(state, Reply("请点击「确认」「修改」或「取消」。"))
        state["stage"] = "reason"
        return Turn.stay(state, Reply("请简单说明事由（一句话即可，例如：回家照顾生病的母亲）。"))

    def _reason(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        assert ctx.actor is not None
        reason = (msg.text or "").strip()
        if not reason or msg.callback:
            return Turn.stay(state, Reply("请输入事由（一句话即可）；放弃请发送 /cancel 。"))
        if len(reason) > 500:
            return Turn.stay(state, Reply("事由请控制在500字以内，简单说明即可。"))
        try:
            lv = rules.request_leave(ctx.session, policy_of(ctx), member_id=ctx.actor.id,
                                     kind=state["kind"], r=_range_from(state), reason=reason,
                                     today=ctx.today, now=ctx.now)
        except UserError as exc:  # someone filed an overlapping leave meanwhile
            state["stage"] = "dates"
            return Turn.stay(state, Reply(f"{exc}\n请重新输入日期。"))
        notify_new(ctx, lv)
        approver = rules.approver_label(lv.approver) if lv.approver else ""
        if lv.report_only:
            text = (f"已报备{lv.kind}：{rules.short_period(lv)}，已告知{approver}。"
                    "回来后请发送 /back 销假。")
        else:
            text = (f"已提交{lv.kind}申请：{rules.describe(lv, ctx.today)}。\n"
                    f"等待{approver}审批，结果会通知您。发送 /myleave 查看进度。")
        return Turn.done(Reply(text))


class BackDialog(Dialog):
    """销假: confirm the real return date; the leave is closed on it."""

    name = "leave_back"
    title = "销假"

    def start(self, ctx: Ctx, args: str) -> Turn:
        assert ctx.actor is not None
        lv: LeaveRequest | None
        if args.startswith("#") and args[1:].isdigit():
            lv = rules.get(ctx.session, int(args[1:]))
            if lv.member_id != ctx.actor.id:
                raise PermissionDenied("只能为自己销假。此次操作已记录。")
            args = ""
        else:
            lv = rules.active_leave(ctx.session, ctx.actor.id, ctx.today)
        if lv is None or lv.status != rules.APPROVED:
            raise UserError("您现在没有需要销假的请假。发送 /myleave 查看您的请假。")
        if lv.start > ctx.today:
            raise UserError("这条请假还没有开始，不需要销假；不休了可以在 /myleave 里取消。")
        state: dict[str, Any] = {"leave_id": lv.id, "stage": "confirm"}
        return self._plan(ctx, state, args or "今天")

    def _plan(self, ctx: Ctx, state: dict[str, Any], text: str) -> Turn:
        got = dates.parse_date_range_or_error(text, ctx.today)
        if isinstance(got, dates.ParseError):
            state["stage"] = "date"
            return Turn.stay(state, Reply(f"{got.message}\n请输入返岗日期，例如：今天、昨天、今天下午。"))
        half = "pm" if got.is_single_half_day and got.start_half == "pm" else None
        lv = rules.get(ctx.session, state["leave_id"])
        if got.start > ctx.today or got.start < lv.start:
            state["stage"] = "date"
            return Turn.stay(state, Reply(
                f"返岗日期应在 {lv.start.month}月{lv.start.day}日 到今天之间。"
                "请重新输入，例如：今天、昨天、今天下午。"))
        plan = rules.plan_return(lv, got.start, half)
        cal, work = rules.count_days(plan.actual)
        when = f"{got.start.month}月{got.start.day}日" + ("下午" if half else "")
        lines = [f"销假：{lv.kind} {rules.short_period(lv)}",
                 f"返岗：{when}，实际请假{rules.fmt_days(cal)}天（工作日{rules.fmt_days(work)}天）"]
        if plan.early:
            lines.append("提前返岗，按实际天数计算。")
        if plan.late_days:
            lines.append(f"比假期晚回{plan.late_days}天，请向组长说明情况。")
        state.update(stage="confirm", back=got.start.isoformat(), half=half)
        return Turn.stay(state, Reply("\n".join(lines), buttons_row(
            ("确认销假", self.button("ok")), ("改返岗日期", self.button("edit")),
            ("取消", self.button("no")))))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        assert ctx.actor is not None
        if msg.callback == self.button("no"):
            return Turn.done(Reply("好的，没有销假。回到村里后再发送 /back 。"))
        if msg.callback == self.button("edit"):
            state["stage"] = "date"
            return Turn.stay(state, Reply("请输入返岗日期，例如：今天、昨天、今天下午。"))
        if state["stage"] == "date":
            if not msg.text:
                return Turn.stay(state, Reply("请输入返岗日期，例如：今天、昨天、今天下午。"))
            return self._plan(ctx, state, msg.text)
        if msg.callback != self.button("ok"):
            return Turn.stay(state, Reply("请点击「确认销假」「改返岗日期」或「取消」。"))
        plan = rules.report_back(ctx.session, state["leave_id"], actor_member_id=ctx.actor.id,
                                 back_on=date.fromisoformat(state["back"]),
                                 back_half=state.get("half"), today=ctx.today, now=ctx.now)
        lv = plan.leave
        cal, work = rules.count_days(plan.actual)
        taken = f"实际请假{rules.fmt_days(cal)}天（工作日{rules.fmt_days(work)}天）"
        for w in {m.id: m for m in [*rules.team_leaders(ctx.session, lv.team_id),
                                    *([lv.approver] if lv.approver else [])]}.values():
            if w.id != lv.member_id:
                ctx.notify(f"leave:{lv.id}:returned:m{w.id}",
                           Reply(f"{lv.member.name}已销假：{lv.kind} {rules.short_period(lv)}，"
                                 f"{taken}。"), member_id=w.id)
        return Turn.done(Reply(f"已销假，欢迎回来！{taken}。发送 /myleave 查看余额。"))


def _status_text(lv: Any) -> str:
    label = rules.STATUS_LABELS[lv.status]
    if lv.report_only and lv.status == rules.APPROVED:
        label = "已报备"
    if lv.status == rules.RETURNED:
        cal, _ = rules.count_days(rules.taken_range(lv))
        label += f"，实际{rules.fmt_days(cal)}天"
    if lv.status == rules.REJECTED and lv.decision_note:
        label += f"：{lv.decision_note}"
    return label


def myleave_command(ctx: Ctx, args: str) -> Replies:
    """Requests with status, this month's flexible balance, days taken this year."""
    assert ctx.actor is not None
    policy = policy_of(ctx)
    today = ctx.today
    replies = _own_leave(ctx, policy, today) if ctx.actor.in_team else []
    waiting = rules.pending_approvals(ctx.session, ctx.actor.id)
    if waiting:
        from conversations.leave.approval import approval_card

        replies.append(Reply(f"有{len(waiting)}条请假等待您审批："))
        replies += [approval_card(ctx.session, policy, lv, today) for lv in waiting]
    if not replies:
        replies.append(Reply("现在没有等待您审批的请假。"))
    return replies


def _own_leave(ctx: Ctx, policy: rules.LeavePolicy, today: date) -> Replies:
    assert ctx.actor is not None
    bal = rules.flexible_balance(ctx.session, policy, ctx.actor.id, today.year, today.month)
    lines = [f"{today.month}月弹性休假：每月{rules.fmt_days(bal.quota)}天，"
             f"已用{rules.fmt_days(bal.used)}天，待批{rules.fmt_days(bal.pending)}天，"
             f"剩余{rules.fmt_days(bal.left)}天。"]
    totals = rules.year_totals(ctx.session, policy, ctx.actor.id, today.year)
    if totals:
        lines.append(f"{today.year}年请假合计（已批准及已休，按工作日）：" + "、".join(
            f"{k}{rules.fmt_days(v)}天" for k, v in totals.items()))
    else:
        lines.append(f"{today.year}年还没有请过假。")
    mine = rules.member_leaves(ctx.session, ctx.actor.id,
                               (*rules.BLOCKING, rules.REJECTED, rules.CANCELLED),
                               start=date(today.year, 1, 1))
    buttons: list[list[Button]] = []
    if mine:
        lines.append("我的请假：")
        for lv in mine[-10:]:
            lines.append(f"· {rules.short_period(lv)} {lv.kind} — {_status_text(lv)}")
            if lv.status == rules.PENDING or (lv.status == rules.APPROVED and lv.start > today):
                buttons.append([Button(f"取消 {rules.short_period(lv)} {lv.kind}",
                                       data("c", lv.id))])
            elif lv.status == rules.APPROVED and lv.start <= today:
                buttons.append([Button(f"销假 {rules.short_period(lv)}", data("b", lv.id))])
    lines.append("请假发送 /leave，回村后发送 /back 销假。")
    return [Reply("\n".join(lines), buttons)]


def register(reg: Registry) -> None:
    reg.dialog(LeaveDialog())
    reg.dialog(BackDialog())
    reg.dialog(RejectDialog())
    reg.command(Command("leave", "请假（事假、病假、弹性休假、公差报备）", TEAM_ROLES,
                        dialog=LeaveDialog.name, aliases=("请假",), order=30))
    reg.command(Command("back", "销假（回村后登记返岗）", TEAM_ROLES, dialog=BackDialog.name,
                        aliases=("销假",), order=31))
    reg.command(Command("myleave", "我的请假、余额和待我审批", TEAM_ROLES | {Role.ADMIN},
                        run=myleave_command, aliases=("我的请假",), order=32))
    reg.callback(PREFIX, on_button)
    reg.tick("leave.remind", remind_tick)
    reg.tick("leave.unreturned", unreturned_tick)

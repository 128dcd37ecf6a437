"""/summary (工作总结): the half-year or annual report, drafted from what the bot knows and
submitted with one button — what the 5 July and 5 January reminders open in one tap."""

from __future__ import annotations

from core.context import Ctx
from core.messages import Reply, buttons_row
from core.registry import Command, Registry, Replies
from services import summaries
from services.clock import local
from services.errors import UserError
from services.reports import team_members
from services.roles import LEADER_ROLES, TEAM_ROLES

from . import text as T
from .buttons import SummaryButton


def summary_cmd(ctx: Ctx, args: str) -> Replies:
    member = ctx.team_member("reports.team_only")
    period = summaries.parse_period(args, summaries.default_period(ctx.today))
    if period is None:
        raise UserError("summaries.bad_period", text=args.strip())
    rec = summaries.draft(ctx.session, member, period, ctx.today, ctx.now, T.body, ctx.settings)
    if rec.status == "submitted":
        when = local(rec.submitted_at or rec.updated_at, ctx.tz).strftime(T.SUBMITTED_AT)
        return [Reply(T.SUBMITTED.format(body=rec.body, when=when))]
    return [Reply(T.DRAFT.format(body=rec.body, deadline=T.deadline_text(period)),
                  buttons=buttons_row((T.BTN_SUBMIT, SummaryButton("submit", rec.id).pack()),
                                      (T.BTN_LATER, SummaryButton("later", rec.id).pack())))]


def on_button(ctx: Ctx, pressed: SummaryButton) -> Replies:
    actor = ctx.require_actor()
    if pressed.action == "later":
        summaries.require_owner(ctx.session, pressed.summary_id, actor)
        return [Reply(T.LATER)]
    rec = summaries.submit(ctx.session, pressed.summary_id, actor, ctx.now)
    period = summaries.Period(rec.year, rec.period)
    ctx.audit("summary.submit", subject=f"summary:{rec.id}")
    if rec.team_id is not None:
        for leader in team_members(ctx.session, rec.team_id):
            if leader.role in {r.value for r in LEADER_ROLES} and leader.id != rec.member_id:
                ctx.notify(f"summary:{rec.id}:m{leader.id}",
                           Reply(T.NOTICE.format(name=actor.name, period=T.period_name(period))),
                           member_id=leader.id)
    return [Reply(T.DONE.format(name=T.period_name(period)))]


def register(reg: Registry) -> None:
    reg.command(Command("summary", T.CMD_SUMMARY, TEAM_ROLES, run=summary_cmd,
                        aliases=T.ALIAS_SUMMARY, order=17))
    reg.callback(SummaryButton, on_button)

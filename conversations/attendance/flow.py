"""/checkin (到村打卡), /attendance, /export and /monthly (驻村工作记实).

Rules live in services.attendance, services.monthly and services.export, words in
text.py; this module only turns one into the other. A location shared outside any dialog
is a check-in too: on a cheap phone the fewest taps win.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from core.callbacks import CallbackData
from core.channel import caps_of
from core.context import Ctx
from core.messages import Attachment, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from services import attendance as att
from services import export, monthly
from services import reports as rs
from services.chart import ChartRow, attendance_chart
from services.clock import local
from services.errors import NotFound, PermissionDenied, UserError
from services.roles import LEADER_ROLES, TEAM_ROLES
from storage.models import Member, Team

from . import text as T

FAR_M = 50_000


@dataclass(frozen=True)
class MonthlyButton(CallbackData, prefix="mr"):
    """[提交] / [先不提交] under a drafted monthly record: its author only."""

    action: Literal["submit", "later"]
    record_id: int


def _member(ctx: Ctx) -> Member:
    return ctx.team_member("attendance.team_only")


def _team(ctx: Ctx, team_id: int | None) -> Team:
    team = ctx.session.get(Team, team_id) if team_id else None
    if team is None:
        raise NotFound("attendance.no_team")
    return team


def checkin_reply(ctx: Ctx, lat: float, lon: float) -> Reply:
    member = _member(ctx)
    res = att.record_checkin(ctx.session, member, lat, lon, ctx.now, ctx.settings)
    when = local(res.checkin.checked_at, ctx.tz).strftime(T.TIME)
    dist, radius = T.describe_distance(res.distance_m), T.describe_distance(res.radius_m)
    village = _team(ctx, member.team_id).village.name
    if res.repeated:
        return Reply(T.REPEATED.format(when=when))
    ctx.audit("checkin", subject=f"checkin:{res.checkin.id}", inside=res.inside)
    if res.inside:
        sm = att.month_summary(ctx.session, member.id, ctx.today.year, ctx.today.month,
                               ctx.today, ctx.settings)
        return Reply(T.INSIDE.format(head=T.INSIDE_FIRST if res.first_today else T.INSIDE_AGAIN,
                                     when=when, village=village, distance=dist, radius=radius,
                                     days=sm.days_in_village, required=sm.required_days))
    far = T.FAR if res.distance_m > FAR_M else ""
    return Reply(T.OUTSIDE.format(when=when, village=village, distance=dist, radius=radius,
                                  far=far))


class CheckinDialog(Dialog):
    name = "checkin"
    title = T.CHECKIN_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        if not ctx.settings.checkin_enabled:
            return Turn.done(Reply(T.CHECKIN_OFF))
        if not caps_of(ctx.incoming.platform).location:
            return Turn.done(Reply(T.NO_LOCATION_HERE))
        member = _member(ctx)
        village = _team(ctx, member.team_id).village
        if village.latitude is None or village.longitude is None:
            raise UserError("attendance.village_unset", village=village.name)
        done = [c for c in att.checkins_on(ctx.session, member.id, ctx.today) if c.inside]
        if done:
            when = local(done[0].checked_at, ctx.tz).strftime(T.TIME)
            return Turn.done(Reply(T.ALREADY_TODAY.format(when=when)))
        return Turn.stay({"stage": "wait"}, self._ask())

    def _ask(self, prefix: str = "") -> Reply:
        return Reply(prefix + T.ASK_LOCATION, request_location=True)

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        if msg.location is None:
            return Turn.stay(state, self._ask(T.NEED_LOCATION))
        return Turn.done(checkin_reply(ctx, *msg.location))


def location_outside_dialog(ctx: Ctx, text: str) -> Replies | None:
    """A location sent without /checkin is a check-in (or a polite 'not enabled')."""
    loc = ctx.incoming.location
    if loc is None or ctx.actor is None or ctx.actor.kind != "member" or not ctx.actor.in_team:
        return None
    if not ctx.settings.checkin_enabled:
        return [Reply(T.CHECKIN_OFF)]
    return [checkin_reply(ctx, *loc)]


# -- attendance ---------------------------------------------------------------------------
def attendance(ctx: Ctx, args: str) -> Replies:
    member = _member(ctx)
    month = export.parse_month(args, ctx.today)
    if month > ctx.today:
        raise UserError("attendance.month_ahead")
    sm = att.month_summary(ctx.session, member.id, month.year, month.month, ctx.today,
                           ctx.settings)
    replies = [Reply(_my_text(ctx, month, sm))]
    if ctx.require_actor().role in rs.VIEWER_ROLES:
        replies += _team_view(ctx, month)
    return replies


def _my_text(ctx: Ctx, month: date, sm: att.MonthSummary) -> str:
    start, end = att.month_bounds(month.year, month.month)
    current = start <= ctx.today <= end
    upto = T.MY_UPTO.format(month=ctx.today.month, day=ctx.today.day) if current else ""
    lines = [T.MY_HEAD.format(year=month.year, month=month.month, upto=upto),
             T.MY_DAYS.format(days=sm.days_in_village, required=sm.required_days,
                              quota=sm.quota, leave=T.days(sm.leave_days)),
             T.MY_REPORTED.format(n=sm.reported_days)]
    if not ctx.settings.checkin_enabled:
        lines.append(T.MY_BY_REPORTS)
    if sm.met:
        lines.append(T.MY_MET)
    elif current:
        left_days = (end - ctx.today).days + 1
        need = sm.required_days - sm.days_in_village
        lines.append(T.MY_LEFT.format(need=need, left=left_days))
        if need > left_days:
            lines.append(T.MY_TOO_LATE)
    else:
        lines.append(T.MY_MISSED)
    return "\n".join(lines)


def _team_view(ctx: Ctx, month: date) -> Replies:
    team_id = rs.require_team_viewer(ctx.actor)
    team = _team(ctx, team_id)
    rows = att.team_summaries(ctx.session, team_id, month.year, month.month, ctx.today,
                              ctx.settings)
    lines = [T.TEAM_HEAD.format(team=team.name, month=month.month)]
    lines += [T.summary_line(m, sm) for m, sm in rows]
    lines.append(T.TEAM_LEGEND)
    path = export.output_dir(ctx.settings.files_dir) / \
        f"attendance-{team_id}-{month:%Y-%m}-{ctx.now:%Y%m%d%H%M%S}.png"
    chart = attendance_chart([ChartRow(m.name, sm.days_in_village, sm.required_days)
                              for m, sm in rows], T.chart_text(month.year, month.month), path)
    note = "" if chart.cjk else T.CHART_NO_CJK
    return [Reply("\n".join(lines)),
            Reply(T.CHART_CAPTION.format(month=month.month, note=note),
                  attachments=[Attachment("photo", str(chart.path),
                                          T.CHART_FILE.format(month=month))])]


# -- export and monthly record --------------------------------------------------------------
def export_command(ctx: Ctx, args: str) -> Replies:
    team_id = rs.require_team_viewer(ctx.require_actor())
    month = export.parse_month(args, ctx.today)
    team = _team(ctx, team_id)
    name = T.export_filename(team.name, month)
    path = export.output_dir(ctx.settings.files_dir) / f"export-{team_id}-{ctx.now:%Y%m%d%H%M%S}.xlsx"
    export.build_workbook(ctx.session, team_id, month, path, overflow_note=T.CELL_OVERFLOW)
    ctx.audit("export", subject=f"team:{team_id}", month=f"{month:%Y-%m}")
    return [Reply(T.EXPORT_DONE.format(team=team.name, year=month.year, month=month.month,
                                       sheets=T.LIST_SEP.join(export.sheets())),
                  attachments=[Attachment("document", str(path), name)])]


def monthly_command(ctx: Ctx, args: str) -> Replies:
    member = _member(ctx)
    month = export.parse_month(args, ctx.today)
    rec = monthly.draft(ctx.session, member, month.year, month.month, ctx.today, ctx.now,
                        T.monthly_body, ctx.settings)
    if rec.status == "submitted":
        when = local(rec.submitted_at or rec.updated_at, ctx.tz).strftime(T.SUBMITTED_AT)
        return [Reply(T.MONTHLY_SUBMITTED.format(body=rec.body, when=when))]
    return [Reply(T.MONTHLY_DRAFT.format(body=rec.body),
                  buttons=buttons_row((T.SUBMIT, MonthlyButton("submit", rec.id).pack()),
                                      (T.LATER, MonthlyButton("later", rec.id).pack())))]


def monthly_button(ctx: Ctx, pressed: MonthlyButton) -> Replies:
    actor = ctx.require_actor()
    if pressed.action == "later":
        if pressed.record_id == 0:  # buttons sent before they carried the record
            if actor.kind != "member" or not actor.in_team:
                raise PermissionDenied("attendance.team_only")
        else:
            monthly.require_owner(ctx.session, pressed.record_id, actor)
        return [Reply(T.LATER_REPLY)]
    rec = monthly.submit(ctx.session, pressed.record_id, actor, ctx.now)
    ctx.audit("monthly.submit", subject=f"monthly:{rec.id}")
    if rec.team_id is not None:
        for leader in rs.team_members(ctx.session, rec.team_id):
            if leader.role in {r.value for r in LEADER_ROLES} and leader.id != rec.member_id:
                ctx.notify(f"monthly:{rec.id}:{leader.id}",
                           Reply(T.MONTHLY_NOTICE.format(name=actor.name, year=rec.year,
                                                         month=rec.month)),
                           member_id=leader.id)
    return [Reply(T.MONTHLY_DONE.format(year=rec.year, month=rec.month))]


def register(reg: Registry) -> None:
    reg.dialog(CheckinDialog())
    reg.command(Command("checkin", T.CHECKIN_DESCRIPTION, TEAM_ROLES, dialog=CheckinDialog.name,
                        aliases=T.CHECKIN_ALIASES, order=13))
    reg.command(Command("attendance", T.ATTENDANCE_DESCRIPTION, TEAM_ROLES, run=attendance,
                        aliases=T.ATTENDANCE_ALIASES, order=14))
    reg.command(Command("monthly", T.MONTHLY_DESCRIPTION, TEAM_ROLES, run=monthly_command,
                        aliases=T.MONTHLY_ALIASES, order=15))
    reg.command(Command("export", T.EXPORT_DESCRIPTION, frozenset(rs.VIEWER_ROLES),
                        run=export_command, aliases=T.EXPORT_ALIASES, order=16))
    reg.callback(MonthlyButton, monthly_button)
    reg.text(45, location_outside_dialog)

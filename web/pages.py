"""The pages: county -> township -> team -> person, spot checks, assessment sheets, exports.

Each page checks the viewer's scope before reading (services/workspace/scope.py).
Features add panels to the person page with `@person_panel(order)` (see web/panels.py).
"""

from __future__ import annotations

import re
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import FileResponse, RedirectResponse, Response

from services.dates import month_bounds
from services.errors import NotFound, PermissionDenied, UserError
from services.leave import STATUS_LABELS as LEAVE_STATUS
from services.roles import ROLE_LABELS, Role
from services.workspace import assessment, figures, scope
from services.workspace.figures import Period
from services.workspace.scope import Viewer
from services.workspace.workbook import build_county_workbook
from storage.models import (
    CheckIn,
    Complaint,
    County,
    DailyReport,
    KbQuestion,
    LeaveRequest,
    Member,
    OutboxMessage,
    Team,
    Village,
    WebSession,
)
from web import charts, panels
from web import text as T
from web.app import Workspace
from web.auth import HEADERS

_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
LOG_PAGE = 20


def _period(ws: Workspace, request: Request) -> Period:
    raw = (request.query_params.get("month") or "").strip()
    today = ws.today
    if not raw:
        return Period(today.year, today.month, today)
    m = _MONTH.match(raw)
    if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2100:
        raise UserError("web.bad_month", text=raw[:20])
    return Period(int(m.group(1)), int(m.group(2)), today)


def _months_nav(p: Period) -> dict[str, str]:
    first = date(p.year, p.month, 1)
    prev = (first - timedelta(days=1)).replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return {"prev": f"{prev.year}-{prev.month:02d}", "this": f"{p.year}-{p.month:02d}",
            "next": f"{nxt.year}-{nxt.month:02d}" if nxt <= p.today.replace(day=1) else "",
            "label": T.month_label(first)}


def _ctx(viewer: Viewer, sess: WebSession, p: Period, **kw: Any) -> dict[str, Any]:
    return {"viewer": viewer, "csrf": sess.csrf, "period": p, "nav": _months_nav(p), **kw}


# -- county, township -------------------------------------------------------------------------
def county_page(ws: Workspace, request: Request, s: Session, viewer: Viewer,
                sess: WebSession) -> Response:
    county_id = request.path_params["county_id"]
    scope.require_county(viewer, county_id)
    county = s.get(County, county_id)
    if county is None:
        raise NotFound("web.not_found")
    p = _period(ws, request)
    team_ids = scope.team_ids_in(s, county_id=county_id)
    rows = figures.team_rows(s, team_ids, p, ws.settings, ws.now)
    towns = figures.by_township(rows)
    chart = charts.splits([charts.Split(t.name, t.total("on_pace"), t.total("behind"),
                                        f"/township/{t.id}?month={_months_nav(p)['this']}")
                           for t in towns], T.CHART_PACE_GOOD, T.CHART_PACE_LATE)
    attention = [t for t in rows if t.unreturned or t.complaints_overdue]
    return ws.html("county.html", **_ctx(viewer, sess, p, county=county, towns=towns, chart=chart,
                                         attention=attention[:200], n_attention=len(attention),
                                         teams=len(rows), on_pace=sum(t.on_pace for t in rows),
                                         people=sum(t.members for t in rows),
                                         health=delivery_health(s, team_ids, ws.now),
                                         questions=unanswered(s, team_ids, ws.now, county_id),
                                         export=f"/export/county/{county_id}"))


def township_page(ws: Workspace, request: Request, s: Session, viewer: Viewer,
                  sess: WebSession) -> Response:
    town = scope.require_township(s, viewer, request.path_params["township_id"])
    p = _period(ws, request)
    team_ids = scope.team_ids_in(s, township_id=town.id)
    rows = figures.team_rows(s, team_ids, p, ws.settings, ws.now)
    nav = _months_nav(p)
    chart = charts.splits([charts.Split(t.name, t.on_pace, t.behind,
                                        f"/team/{t.id}?month={nav['this']}") for t in rows],
                          T.CHART_PACE_GOOD, T.CHART_PACE_LATE)
    return ws.html("township.html", **_ctx(viewer, sess, p, town=town, rows=rows, chart=chart,
                                           county=s.get(County, town.county_id),
                                           health=delivery_health(s, team_ids, ws.now),
                                           export=f"/export/township/{town.id}"))


# -- team ---------------------------------------------------------------------------------------
def team_page(ws: Workspace, request: Request, s: Session, viewer: Viewer,
              sess: WebSession) -> Response:
    place = scope.require_team(s, viewer, request.path_params["team_id"])
    p = _period(ws, request)
    nav = _months_nav(p)
    people = figures.people_figures(s, [place.team_id], p, ws.settings)
    lo, hi = p.month_range
    bars = charts.bars([charts.Bar(x.name, x.month_days, x.month_required,
                                   f"/person/{x.id}?month={nav['this']}") for x in people],
                       T.DAYS_UNIT, T.CHART_DAYS)
    cal_rows = []
    for x in people:
        marks = figures.person_days(s, x.id, lo, min(hi, p.today), ws.settings)
        cal_rows.append(charts.CalRow(x.name, {d: charts.day_kind(m.in_village, m.outside_only,
                                                                  m.leave)
                                               for d, m in marks.items()},
                                      f"/person/{x.id}?month={nav['this']}"))
    cal = charts.calendar(cal_rows, lo, hi, T.CAL_LEGEND)
    team = s.get(Team, place.team_id)
    village = s.get(Village, place.village_id)
    points = team_points(s, [place.team_id], lo, hi)
    vmap = charts.village_map(
        (village.latitude, village.longitude) if village and village.latitude is not None
        else None, (village.fence_radius_m if village else 2000) or 2000, points,
        T.MAP_SCALE, T.MAP_EMPTY, T.MAP_NORTH, T.MAP_KM)
    logs, log_filter = search_logs(s, request, [place.team_id], None)
    return ws.html("team.html", **_ctx(
        viewer, sess, p, place=place, team=team, people=people, bars=bars, cal=cal, vmap=vmap,
        leaves=open_leaves(s, [place.team_id], p.today),
        complaints=complaints(s, [place.team_id], ws),
        questions=unanswered(s, [place.team_id], ws.now, None),
        health=delivery_health(s, [place.team_id], ws.now), logs=logs, f=log_filter,
        export=f"/export/team/{place.team_id}",
        may_assess=viewer.level != "team"))


def team_points(s: Session, team_ids: list[int], lo: date, hi: date,
                member_id: int | None = None) -> list[charts.Point]:
    q = (select(CheckIn.latitude, CheckIn.longitude, CheckIn.inside, CheckIn.local_date, Member.name)
         .join(Member, Member.id == CheckIn.member_id)
         .where(CheckIn.team_id.in_(team_ids), CheckIn.local_date.between(lo, hi)))
    if member_id is not None:
        q = q.where(CheckIn.member_id == member_id)
    return [charts.Point(lat, lon, inside, f"{name} {d.isoformat()}")
            for lat, lon, inside, d, name in s.execute(q.limit(2000))]


def open_leaves(s: Session, team_ids: list[int], today: date,
                member_id: int | None = None) -> list[dict[str, Any]]:
    """Leave that is pending, running, or ended without 销假 (the last flagged)."""
    q = (select(LeaveRequest, Member.name).join(Member, Member.id == LeaveRequest.member_id)
         .where(LeaveRequest.team_id.in_(team_ids),
                LeaveRequest.status.in_(("pending", "approved"))))
    if member_id is not None:
        q = q.where(LeaveRequest.member_id == member_id)
    out = []
    for lv, name in s.execute(q.order_by(LeaveRequest.start)):
        out.append({"name": name, "member_id": lv.member_id, "kind": lv.kind, "start": lv.start,
                    "end": lv.end, "status": LEAVE_STATUS.get(lv.status, lv.status),
                    "unreturned": lv.status == "approved" and lv.end < today})
    return out


def complaints(s: Session, team_ids: list[int], ws: Workspace,
               member_id: int | None = None) -> list[dict[str, Any]]:
    """Complaints about the team (or one cadre) with their deadlines; an anonymous
    complaint shows no author on any page, named ones show none either: the workspace
    needs what was raised and how it was handled, not who raised it."""
    q = select(Complaint).where(Complaint.team_id.in_(team_ids))
    if member_id is not None:
        q = q.where(Complaint.subject_member_id == member_id)
    out = []
    accept = timedelta(hours=ws.settings.complaint_accept_hours)
    close = timedelta(days=ws.settings.complaint_close_days)
    for c in s.scalars(q.order_by(Complaint.created_at.desc()).limit(100)):
        deadline = c.created_at + (close if c.status != "new" else accept)
        open_ = c.status in figures.OPEN_COMPLAINT
        out.append({"no": c.ticket_no, "category": c.category, "status":
                    T.COMPLAINT_STATUS.get(c.status, c.status), "created": c.day,
                    "deadline": deadline.date() if open_ else None,
                    "overdue": open_ and deadline < ws.now,
                    "rating": T.SATISFACTION.get(c.rating or "", ""), "anonymous": c.anonymous,
                    "text": c.text[:120]})
    return out


def unanswered(s: Session, team_ids: list[int], now: datetime,
               county_id: int | None) -> list[dict[str, Any]]:
    """Questions the knowledge base could not settle in the last 90 days, without who
    asked (a villager's question may be personal)."""
    since = now - timedelta(days=90)
    cond = KbQuestion.member_id.in_(select(Member.id).where(Member.team_id.in_(team_ids)))
    if county_id is not None:
        from storage.models import Township, Villager

        villages = (select(Village.id).join(Township, Township.id == Village.township_id)
                    .where(Township.county_id == county_id))
        cond = or_(cond, KbQuestion.villager_id.in_(select(Villager.id)
                                                     .where(Villager.village_id.in_(villages))))
    q = (select(KbQuestion).where(cond, KbQuestion.created_at >= since,
                                  KbQuestion.answered_by_admin.is_(False),
                                  or_(KbQuestion.kind == "none", KbQuestion.unresolved.is_(True)))
         .order_by(KbQuestion.created_at.desc()).limit(30))
    return [{"text": q.text[:200], "at": q.created_at.date(), "forwarded": q.forwarded}
            for q in s.scalars(q)]


def delivery_health(s: Session, team_ids: list[int], now: datetime) -> dict[str, int]:
    """Messages to these teams' members in the last 30 days that did not arrive as sent."""
    since = now - timedelta(days=30)
    members = select(Member.id).where(Member.team_id.in_(team_ids))
    q = (select(OutboxMessage.status, func.count())
         .where(OutboxMessage.member_id.in_(members), OutboxMessage.created_at >= since,
                OutboxMessage.status.in_(tuple(T.OUTBOX)))
         .group_by(OutboxMessage.status))
    return {status: n for status, n in s.execute(q)}


def search_logs(s: Session, request: Request, team_ids: list[int],
                member_id: int | None) -> tuple[list[dict[str, Any]], dict[str, str]]:
    """Logs filtered by a word, a household and a date (or month), newest first."""
    qp = request.query_params
    f = {"q": (qp.get("q") or "").strip()[:50], "household": (qp.get("household") or "").strip()[:30],
         "day": (qp.get("day") or "").strip()[:10]}
    q = (select(DailyReport, Member.name).join(Member, Member.id == DailyReport.member_id)
         .where(DailyReport.team_id.in_(team_ids), DailyReport.submitted.is_(True)))
    if member_id is not None:
        q = q.where(DailyReport.member_id == member_id)
    if f["q"]:
        like = f"%{f['q']}%"
        q = q.where(or_(DailyReport.done.like(like), DailyReport.problems.like(like),
                        DailyReport.next_steps.like(like), DailyReport.households.like(like)))
    if f["household"]:
        q = q.where(DailyReport.households.like(f"%{f['household']}%"))
    if f["day"]:
        try:
            q = q.where(DailyReport.report_date == date.fromisoformat(f["day"]))
        except ValueError:
            raise UserError("web.bad_date", text=f["day"]) from None
    elif not f["q"] and not f["household"]:
        p = _period_from(request)
        if p is not None:
            lo, hi = month_bounds(*p)
            q = q.where(DailyReport.report_date.between(lo, hi))
    rows = s.execute(q.order_by(DailyReport.report_date.desc(), DailyReport.id.desc())
                     .limit(LOG_PAGE)).all()
    return [{"date": r.report_date, "name": name, "done": r.done, "households": r.households,
             "problems": r.problems, "next": r.next_steps} for r, name in rows], f


def _period_from(request: Request) -> tuple[int, int] | None:
    m = _MONTH.match(request.query_params.get("month") or "")
    return (int(m.group(1)), int(m.group(2))) if m else None


# -- person -------------------------------------------------------------------------------------
def person_page(ws: Workspace, request: Request, s: Session, viewer: Viewer,
                sess: WebSession) -> Response:
    member, place = scope.require_person(s, viewer, request.path_params["member_id"])
    p = _period(ws, request)
    me = next((x for x in figures.people_figures(s, [place.team_id], p, ws.settings)
               if x.id == member.id), None)
    y_lo, y_hi = p.year_range
    marks = figures.person_days(s, member.id, y_lo, min(y_hi, p.today), ws.settings)
    lo, hi = p.month_range
    from services.attendance import quota_for

    year_chart = charts.months(figures.monthly_days(marks, p.year), quota_for(member.role,
                                                                              ws.settings),
                               T.MONTHS, T.CHART_YEAR)
    cal = charts.calendar([charts.CalRow(member.name, {
        d: charts.day_kind(m.in_village, m.outside_only, m.leave)
        for d, m in marks.items() if lo <= d <= hi})], lo, hi, T.CAL_LEGEND)
    village = s.get(Village, place.village_id)
    vmap = charts.village_map(
        (village.latitude, village.longitude) if village and village.latitude is not None
        else None, (village.fence_radius_m if village else 2000) or 2000,
        team_points(s, [place.team_id], lo, hi, member.id), T.MAP_SCALE, T.MAP_EMPTY,
        T.MAP_NORTH, T.MAP_KM)
    logs, log_filter = search_logs(s, request, [place.team_id], member.id)
    checks = assessment.spot_checks(s, member.id, y_lo, y_hi)
    absences = sum(c.result == "absent" for c in checks)
    extra = panels.render_panels(s, member, p, viewer)
    return ws.html("person.html", **_ctx(
        viewer, sess, p, member=member, place=place, me=me, year_chart=year_chart, cal=cal,
        vmap=vmap, logs=logs, f=log_filter, checks=checks, absences=absences,
        allowed=assessment.allowed_ratings(absences),
        leaves=open_leaves(s, [place.team_id], p.today, member.id),
        complaints=complaints(s, [place.team_id], ws, member.id),
        may_spot=scope.may_record_spot_checks(viewer), panels=extra,
        role_label=ROLE_LABELS[Role(member.role)]))


def spot_post(ws: Workspace, request: Request, s: Session, viewer: Viewer,
              sess: WebSession) -> Response:
    member_id = request.path_params["member_id"]
    form = request.state.form
    try:
        day = date.fromisoformat(str(form.get("checked_on", "")).strip())
    except ValueError:
        raise UserError("web.bad_date", text=str(form.get("checked_on", ""))[:20]) from None
    assessment.record_spot_check(s, viewer, member_id, day, str(form.get("checker", "")),
                                 str(form.get("result", "")), str(form.get("note", "")),
                                 ws.now, ws.today)
    return RedirectResponse(f"/person/{member_id}#spot", status_code=303, headers=HEADERS)


# -- assessment sheets -----------------------------------------------------------------------
def sheet_page(ws: Workspace, request: Request, s: Session, viewer: Viewer,
               sess: WebSession) -> Response:
    member, place = scope.require_person(s, viewer, request.path_params["member_id"])
    year, period = request.path_params["year"], request.path_params["period"]
    if period not in assessment.PERIODS or not 2000 <= year <= 2100:
        raise NotFound("web.not_found")
    if viewer.level == "team":
        raise PermissionDenied("web.not_in_scope")
    error = None
    absences = assessment.facts(s, member, year, period, ws.today, ws.settings).spot_absent
    if request.method == "POST":
        try:
            assessment.save_sheet(s, viewer, member.id, year, period,
                                  {k: str(v) for k, v in request.state.form.items()}, ws.now,
                                  absences, {**T.PARTS, **T.PARTIES})
            return RedirectResponse(request.url.path + "?saved=1", status_code=303,
                                    headers=HEADERS)
        except UserError as exc:
            s.rollback()
            error = str(exc)
    facts = assessment.facts(s, member, year, period, ws.today, ws.settings)
    sheet = assessment.get_sheet(s, member.id, year, period)
    p = Period(year, min(ws.today, date(year, 12, 31)).month, ws.today)
    return ws.html("sheet.html", **_ctx(
        viewer, sess, p, member=member, place=place, year=year, period=period, facts=facts,
        sheet=sheet, marks=(sheet.marks if sheet else {}), error=error,
        saved=request.query_params.get("saved") == "1",
        editable=assessment.editable_fields(viewer, period), parts=assessment.PERIODS[period],
        allowed=assessment.allowed_ratings(facts.spot_absent),
        role_label=ROLE_LABELS[Role(member.role)]))


# -- exports -----------------------------------------------------------------------------------
def export_scope(ws: Workspace, request: Request, s: Session, viewer: Viewer,
                 sess: WebSession) -> Response:
    kind, obj = request.path_params["kind"], request.path_params["obj_id"]
    p = _period(ws, request)
    if kind == "county":
        scope.require_county(viewer, obj)
        name = s.get(County, obj).name  # type: ignore[union-attr]
        team_ids = scope.team_ids_in(s, county_id=obj)
    elif kind == "township":
        town = scope.require_township(s, viewer, obj)
        name, team_ids = town.name, scope.team_ids_in(s, township_id=obj)
    elif kind == "team":
        name, team_ids = scope.require_team(s, viewer, obj).team_name, [obj]
    else:
        raise NotFound("web.not_found")
    out = Path(tempfile.mkdtemp(prefix="zc-web-")) / "book.xlsx"
    what = request.query_params.get("what", "")
    if what == "assessment":
        if viewer.level == "team":
            raise PermissionDenied("web.not_in_scope")
        from services.export import write_workbook
        from web.sheets import assessment_rows

        period = request.query_params.get("period", "Y")
        if period not in assessment.PERIODS:
            raise NotFound("web.not_found")
        write_workbook([(T.SHEET_ASSESS, assessment_rows(s, team_ids, p.year, period, ws.today,
                                                         ws.settings))], out,
                       overflow_note=T.CELL_OVERFLOW)
        filename = T.assessment_filename(name, p.year)
    else:
        build_county_workbook(s, team_ids, date(p.year, p.month, 1), out, ws.settings,
                              overflow_note=T.CELL_OVERFLOW)
        filename = T.county_filename(name, p.year, p.month)
    return FileResponse(out, filename=filename, headers={"Cache-Control": "no-store"},
                        media_type="application/vnd.openxmlformats-officedocument."
                                   "spreadsheetml.sheet")


ROUTES = [
    ("/county/{county_id:int}", county_page, ["GET"]),
    ("/township/{township_id:int}", township_page, ["GET"]),
    ("/team/{team_id:int}", team_page, ["GET"]),
    ("/person/{member_id:int}", person_page, ["GET"]),
    ("/person/{member_id:int}/spot", spot_post, ["POST"]),
    ("/person/{member_id:int}/sheet/{year:int}/{period}", sheet_page, ["GET", "POST"]),
    ("/export/{kind}/{obj_id:int}", export_scope, ["GET"]),
]

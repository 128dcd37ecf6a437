"""/households (农户), /addhousehold, /visit (走访), the household card and its buttons,
the edit dialog, and visits read from daily logs (a tick, so an edited log is read
again and a log filed through any road is read too).

Rules live in services.households; words in text.py.
"""

from __future__ import annotations

import copy
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core import outbox
from core.context import Ctx
from core.messages import Button, Incoming, Reply
from core.registry import Dialog, Replies, Turn
from services import households as hs
from services import monitoring as mon
from services.config import Settings
from services.errors import PermissionDenied
from storage.models import DailyReport, Household, Member, Team, VisitChoice, VisitLogScan

from . import text as T
from .buttons import HouseholdButton, VisitPickButton
from .render import clock_line

LIST_LIMIT = 8
LOG_LOOKBACK_DAYS = 3


def grid_of(h: Household) -> str:
    return h.grid or T.NO_GRID


def unvisited_days(ctx_settings: Settings, session: Session, village_id: int) -> int:
    from services.oversight import board

    return board(session, village_id).unvisited_days or ctx_settings.households_unvisited_days


# -- /households ------------------------------------------------------------------------------------
def households_command(ctx: Ctx, args: str) -> Replies:
    member = hs.team_member(ctx.session, ctx.require_actor())
    village = hs.village_of(ctx.session, member)
    name = args.strip()
    if name:
        return search(ctx, village.id, name)
    rows = hs.households(ctx.session, village.id)
    if not rows:
        return [Reply(T.SUMMARY_EMPTY.format(village=village.name))]
    counts = T.CATEGORY_SEP.join(f"{c}{n}" for c, n in hs.counts_by_category(rows).items())
    lines = [T.SUMMARY.format(village=village.name, n=len(rows), counts=counts)]
    mine = [h for h in rows if h.contact_member_id == member.id]
    days = unvisited_days(ctx.settings, ctx.session, village.id)
    late = hs.overdue_for(mine, ctx.today, days)
    if mine:
        lines.append(T.MINE.format(n=len(mine), late=len(late), days=days,
                                   names=T.LATE_NAMES.format(names=T.names([h.head_name for h in late]))
                                   if late else ""))
    else:
        lines.append(T.MINE_NONE)
    lines.append(T.SEARCH_HINT)
    buttons = [[Button(T.BTN_CARD.format(name=h.head_name, grid=grid_of(h)),
                       HouseholdButton("view", h.id).pack())] for h in late[:LIST_LIMIT]]
    return [Reply("\n".join(lines), buttons=buttons)]


def search(ctx: Ctx, village_id: int, name: str) -> Replies:
    rows = hs.households(ctx.session, village_id, name=name[:16])
    if not rows:
        return [Reply(T.FOUND_NONE.format(name=name[:16]))]
    if len(rows) == 1:
        return [card(ctx, rows[0])]
    shown = rows[:LIST_LIMIT]
    lines = [T.FOUND_LINE.format(name=h.head_name, category=h.category, grid=grid_of(h),
                                 last=T.day_label(h.last_visited_on, ctx.today)
                                 if h.last_visited_on else T.NEVER) for h in shown]
    text = T.FOUND.format(n=len(rows), lines="\n".join(lines))
    if len(rows) > len(shown):
        text += "\n" + T.MORE.format(n=len(rows) - len(shown))
    buttons = [[Button(T.BTN_CARD.format(name=h.head_name, grid=grid_of(h)),
                       HouseholdButton("view", h.id).pack())] for h in shown]
    return [Reply(text, buttons=buttons)]


def card(ctx: Ctx, h: Household) -> Reply:
    contact = ctx.session.get(Member, h.contact_member_id) if h.contact_member_id else None
    visits = hs.visits_of(ctx.session, h.id, 3)
    seen = T.LIST_SEP.join(T.CARD_VISIT.format(day=T.day_label(v.visited_on, ctx.today), name=m.name)
                           for v, m in visits) or T.NEVER
    case = mon.open_case_of(ctx.session, h.id)
    case_line = ""
    if case is not None:
        case_line = T.CARD_CASE.format(id=case.id, stage=T.STAGE_LABELS[case.stage],
                                       clock=clock_text(ctx, case))
    text = T.CARD.format(name=h.head_name, category=h.category, grid=grid_of(h),
                         size=h.size if h.size is not None else T.CARD_NONE,
                         members=h.members or T.CARD_NONE,
                         contact=contact.name if contact else T.CARD_NONE,
                         phone=h.phone or T.CARD_NONE, visits=seen, case=case_line)
    row = [Button(T.BTN_VISIT, HouseholdButton("visit", h.id).pack()),
           Button(T.BTN_EDIT, HouseholdButton("edit", h.id).pack())]
    if case is None:
        row.append(Button(T.BTN_FLAG, HouseholdButton("flag", h.id).pack()))
    return Reply(text, buttons=[row])


def clock_text(ctx: Ctx, case: Any) -> str:
    return clock_line(case, ctx.today, ctx.settings.monitoring_working_days)


def on_household(ctx: Ctx, pressed: HouseholdButton) -> Replies:
    h = hs.require_household(ctx.session, ctx.require_actor(), pressed.household_id)
    if pressed.action == "view":
        return [card(ctx, h)]
    if pressed.action == "visit":
        member = hs.team_member(ctx.session, ctx.actor)
        again = not hs.record_visit(ctx.session, member, h, ctx.today, ctx.now, source="command")
        ctx.audit("household.visit", subject=f"household:{h.id}")
        return [Reply(T.VISIT_DONE.format(name=h.head_name, day=T.day_label(ctx.today, ctx.today),
                                          again=T.VISIT_AGAIN if again else ""))]
    if pressed.action == "edit":
        return ctx.begin_fresh(EDIT.name, str(h.id), T.BTN_EDIT, restart=True)
    from .ask import pack

    return ctx.begin_fresh("hh_text", pack("flag", h.id), T.BTN_FLAG, restart=True)


# -- /addhousehold ----------------------------------------------------------------------------------
def add_command(ctx: Ctx, args: str) -> Replies:
    hs.team_member(ctx.session, ctx.require_actor())
    if not args.strip():
        return [Reply(T.ADD_USAGE.format(choices=T.CATEGORY_SEP.join(hs.CATEGORIES)))]
    h = hs.add_household(ctx.session, ctx.actor, args, ctx.now)
    ctx.audit("household.add", subject=f"household:{h.id}")
    return [Reply(T.ADDED.format(name=h.head_name, category=h.category, grid=grid_of(h)))]


# -- editing one household ------------------------------------------------------------------------
class EditDialog(Dialog):
    name = "hh_edit"
    title = T.EDIT_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        h = hs.require_household(ctx.session, ctx.require_actor(), int(args))
        return Turn.stay({"id": h.id, "stage": "pick"}, self._pick(h))

    def _pick(self, h: Household) -> Reply:
        keys = list(T.FIELD_LABELS)
        rows = [[Button(T.FIELD_LABELS[k], self.button(k)) for k in keys[i:i + 3]]
                for i in range(0, len(keys), 3)]
        return Reply(T.EDIT_PICK.format(name=h.head_name), buttons=rows)

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        state = copy.deepcopy(state)
        h = hs.require_household(ctx.session, ctx.require_actor(), state["id"])
        value = self.pressed(msg)
        if state["stage"] == "pick":
            if value not in T.FIELD_LABELS:
                return Turn.stay(state, Reply(T.EDIT_PRESS, buttons=self._pick(h).buttons))
            state.update(stage="value", field=value)
            return Turn.stay(state, self._ask_value(ctx, h, value))
        field = state["field"]
        answer = value if field in ("category", "contact") else (msg.text or "").strip()
        if field in ("category", "contact") and value is None:
            return Turn.stay(state, Reply(T.EDIT_PRESS,
                                          buttons=self._ask_value(ctx, h, field).buttons))
        if not answer:
            return Turn.stay(state, self._ask_value(ctx, h, field))
        hs.edit_household(ctx.session, ctx.actor, h.id, field,
                          hs.CATEGORIES[int(answer)] if field == "category" else answer, ctx.now)
        ctx.audit("household.edit", subject=f"household:{h.id}", field=field)
        shown = {"category": h.category, "grid": h.grid, "phone": h.phone,
                 "members": h.members or str(h.size),
                 "contact": (ctx.session.get(Member, h.contact_member_id).name  # type: ignore[union-attr]
                             if h.contact_member_id else "")}[field]
        return Turn.done(Reply(T.EDITED.format(name=h.head_name, label=T.FIELD_LABELS[field],
                                               value=shown)))

    def _ask_value(self, ctx: Ctx, h: Household, field: str) -> Reply:
        if field == "category":
            rows = [[Button(c, self.button(str(i))) for i, c in enumerate(hs.CATEGORIES)][j:j + 3]
                    for j in range(0, len(hs.CATEGORIES), 3)]
            return Reply(T.EDIT_ASK_CATEGORY.format(name=h.head_name), buttons=rows)
        if field == "contact":
            rows = [[Button(m.name, self.button(str(m.id)))]
                    for m in hs.team_people(ctx.session, h.village_id)]
            return Reply(T.EDIT_ASK_CONTACT.format(name=h.head_name), buttons=rows)
        return Reply(T.EDIT_ASK.format(label=T.FIELD_LABELS[field]))


EDIT = EditDialog()


# -- /visit -----------------------------------------------------------------------------------------
def visit_command(ctx: Ctx, args: str) -> Replies:
    member = hs.team_member(ctx.session, ctx.require_actor())
    name, _, note = args.strip().partition(" ")
    if not name:
        return [Reply(T.VISIT_USAGE)]
    village = hs.village_of(ctx.session, member)
    rows = [h for h in hs.households(ctx.session, village.id) if h.head_name == name]
    if not rows:
        return [Reply(T.VISIT_NOT_FOUND.format(name=name[:16]))]
    if len(rows) == 1:
        again = not hs.record_visit(ctx.session, member, rows[0], ctx.today, ctx.now,
                                    source="command", note=note.strip() or None)
        ctx.audit("household.visit", subject=f"household:{rows[0].id}")
        return [Reply(T.VISIT_DONE.format(name=name, day=T.day_label(ctx.today, ctx.today),
                                          again=T.VISIT_AGAIN if again else ""))]
    choice = VisitChoice(member_id=member.id, visited_on=ctx.today, name=name,
                         candidates=[h.id for h in rows], created_at=ctx.now)
    ctx.session.add(choice)
    ctx.session.flush()
    return [Reply(T.VISIT_PICK.format(name=name, n=len(rows)), buttons=pick_buttons(choice, rows))]


def pick_buttons(choice: VisitChoice, rows: list[Household]) -> list[list[Button]]:
    out = [[Button(T.PICK_LABEL.format(name=h.head_name, grid=grid_of(h)),
                   VisitPickButton(choice.id, h.id).pack())] for h in rows]
    out.append([Button(T.NONE_OF_THEM, VisitPickButton(choice.id, 0).pack())])
    return out


def on_pick(ctx: Ctx, pressed: VisitPickButton) -> Replies:
    actor = ctx.require_actor()
    choice = ctx.session.get(VisitChoice, pressed.choice_id)
    if choice is None or (actor.kind, actor.id) != ("member", choice.member_id):
        raise PermissionDenied("households.pick_not_yours")
    member = hs.team_member(ctx.session, actor)
    if choice.resolved_at is not None:
        return [Reply(T.PICK_DONE)]
    if pressed.household_id == 0:
        choice.resolved_at = ctx.now
        return [Reply(T.PICK_SKIPPED.format(name=choice.name))]
    if pressed.household_id not in choice.candidates:
        raise PermissionDenied("households.pick_not_yours")
    h = hs.require_household(ctx.session, actor, pressed.household_id)
    hs.record_visit(ctx.session, member, h, choice.visited_on, ctx.now,
                    source="log" if choice.report_id else "command", report_id=choice.report_id)
    choice.resolved_at = ctx.now
    ctx.audit("household.visit", subject=f"household:{h.id}")
    return [Reply(T.PICKED.format(name=h.head_name, grid=grid_of(h),
                                  day=T.day_label(choice.visited_on, ctx.today)))]


# -- visits read from daily logs ----------------------------------------------------------------------
def logs_tick(s: Session, now: datetime, settings: Settings) -> None:
    """Read each submitted log (new or edited since it was read) of the last few days
    for names of households; record the visits and tell the author what was recorded,
    asking with one tap where a name fits several households."""
    since = now - timedelta(days=LOG_LOOKBACK_DAYS)
    rows = s.execute(
        select(DailyReport, VisitLogScan.report_updated_at, Team.village_id)
        .join(Team, Team.id == DailyReport.team_id)
        .outerjoin(VisitLogScan, VisitLogScan.report_id == DailyReport.id)
        .where(DailyReport.submitted.is_(True), DailyReport.updated_at >= since,
               or_(VisitLogScan.report_id.is_(None),
                   VisitLogScan.report_updated_at < DailyReport.updated_at))
        .order_by(DailyReport.id)).all()
    if not rows:
        return
    villages: dict[int, list[Household]] = {}
    items: list[outbox.Outgoing] = []
    for report, _, village_id in rows:
        scan = s.get(VisitLogScan, report.id)
        if scan is None:
            s.add(VisitLogScan(report_id=report.id, report_updated_at=report.updated_at,
                               scanned_at=now))
        else:
            scan.report_updated_at, scan.scanned_at = report.updated_at, now
        member = s.get(Member, report.member_id)
        if member is None or not member.active:
            continue
        if village_id not in villages:
            villages[village_id] = hs.households(s, village_id)
        reply = _from_log(s, member, report, villages[village_id], now)
        if reply is not None:
            stamp = report.updated_at.strftime("%Y%m%d%H%M%S")
            items.append(outbox.Outgoing(key=f"hv:log:{report.id}:{stamp}", reply=reply,
                                         member_id=member.id))
    s.flush()
    outbox.enqueue_many(s, items, now)


def _from_log(s: Session, member: Member, report: DailyReport, rows: list[Household],
              now: datetime) -> Reply | None:
    text = "\n".join(x for x in (report.done, report.households, report.problems) if x)
    match = hs.match_names(rows, text, report.households)
    day = report.report_date
    recorded = [h for h in match.found
                if hs.record_visit(s, member, h, day, now, source="log", report_id=report.id)]
    parts: list[str] = []
    buttons: list[list[Button]] = []
    for name, fits in match.ambiguous.items():
        if any(_visited(s, h.id, member.id, day) for h in fits) or s.scalar(
                select(VisitChoice.id).where(VisitChoice.report_id == report.id,
                                             VisitChoice.name == name)) is not None:
            continue  # already recorded, or already asked about this log
        choice = VisitChoice(member_id=member.id, report_id=report.id, visited_on=day, name=name,
                             candidates=[h.id for h in fits], created_at=now)
        s.add(choice)
        s.flush()
        parts.append(T.LOG_PICK.format(name=name, n=len(fits)))
        buttons += pick_buttons(choice, fits)
    if match.unknown:
        parts.insert(0, T.LOG_UNKNOWN.format(names=T.names(match.unknown)))
    if not recorded and not parts:
        return None
    label = T.day_label(day)
    head = (T.LOG_HEAD.format(day=label, names=T.LIST_SEP.join(h.head_name for h in recorded))
            if recorded else T.LOG_HEAD_NONE.format(day=label, rest=""))
    return Reply("\n".join([head, *parts]) if recorded else head + "\n".join(parts),
                 buttons=buttons)


def _visited(s: Session, household_id: int, member_id: int, day: date) -> bool:
    from storage.models import Visit

    return s.scalar(select(Visit.id).where(Visit.household_id == household_id,
                                           Visit.member_id == member_id,
                                           Visit.visited_on == day)) is not None

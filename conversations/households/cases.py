"""Monitoring cases in chat: a villager's own request (申请监测), a cadre's flag, /cases,
the case card and its stage buttons, /meeting with a decision per case, and who is told.

The villager's words travel only to the village's work team: the notices below go to
`monitoring.team_recipients` (first secretary, leader, contact cadre) and to the people
acting at the next stage; the county's administrators see the case without the words;
supervisors are never told.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from core.context import Ctx
from core.messages import Button, Reply, photos
from core.registry import Replies
from services import monitoring as mon
from storage.models import MonitoringCase, Team, Village

from . import text as T
from .ask import KINDS, Kind, pack
from .buttons import CaseButton, MeetingButton
from .render import clock_line, who


def _who(s: Session, case: MonitoringCase) -> str:
    return who(case, mon.household_names(s, [case]), mon.applicant_names(s, [case]))


def _total(ctx: Ctx) -> int:
    return ctx.settings.monitoring_working_days


def _people(members: list) -> str:  # type: ignore[type-arg]
    return T.LIST_SEP.join(m.name for m in members) or T.NOBODY


# -- telling people ---------------------------------------------------------------------------------
def _tell_team(ctx: Ctx, case: MonitoringCase, key: str, reply_text: str, *,
               skip: int | None = None) -> list[str]:
    told = []
    for m in mon.team_recipients(ctx.session, case):
        if m.id == skip:
            continue
        ctx.notify(f"mc:{case.id}:{key}:m{m.id}", Reply(reply_text, buttons=[[
            Button(T.BTN_CASE.format(id=case.id), CaseButton("view", case.id).pack())]]),
                   member_id=m.id)
        told.append(m.name)
    return told


def _tell_applicant(ctx: Ctx, case: MonitoringCase, key: str) -> None:
    if case.applicant_villager_id is None or case.outcome is None:
        return
    text = T.APPLICANT_RESULT[case.outcome].format(reason=case.outcome_reason or "")
    ctx.notify(f"mc:{case.id}:{key}:v{case.applicant_villager_id}", Reply(text),
               villager_id=case.applicant_villager_id)


def announce_new(ctx: Ctx, case: MonitoringCase, *, skip: int | None = None) -> None:
    body = (T.NEW_CASE_WORDS.format(text=case.request_text) if case.request_text
            else T.NEW_CASE_RISK.format(text=case.risk or ""))
    text = T.NEW_CASE_TEAM.format(id=case.id, source=T.SOURCE_LABELS[case.source],
                                  who=_who(ctx.session, case), body=body,
                                  due=T.day_label(case.due_on), total=_total(ctx),
                                  responsible=_people(mon.responsible(ctx.session, case)))
    _tell_team(ctx, case, "new", text, skip=skip)


# -- the villager's own request ------------------------------------------------------------------------
def _request_prompt(ctx: Ctx, ids: list[int]) -> str:
    mon_actor = ctx.require_actor()
    if mon_actor.kind != "villager":
        from services.errors import PermissionDenied

        raise PermissionDenied("households.villagers_only")
    return T.REQUEST_ASK


def _request_finish(ctx: Ctx, ids: list[int], words: str, _photos: list[str]) -> Replies:
    case, new = mon.villager_request(ctx.session, ctx.require_actor(), words, ctx.today, ctx.now,
                                     _total(ctx))
    # the audit names the case only: never the words, never who the applicant is beside it
    ctx.audit("monitoring.request", subject=f"case:{case.id}")
    if not new:
        ev = mon.events(ctx.session, case.id)[-1]
        _tell_team(ctx, case, f"add{ev.id}", T.REQUEST_ADDED_TEAM.format(
            id=case.id, who=_who(ctx.session, case), text=words))
        return [Reply(T.REQUEST_ADDED.format(id=case.id, stage=T.STAGE_LABELS[case.stage]))]
    announce_new(ctx, case)
    responsible = mon.responsible(ctx.session, case)
    return [Reply(T.REQUEST_FILED.format(id=case.id, who=_people(responsible)
                                         if responsible else T.REQUEST_WHO_TEAM,
                                         total=_total(ctx), due=T.day_label(case.due_on)))]


def start_request(ctx: Ctx, args: str = "") -> Replies:
    return ctx.begin("hh_text", pack("request"))


# -- a cadre's flag -----------------------------------------------------------------------------------
def _flag_prompt(ctx: Ctx, ids: list[int]) -> str:
    from services import households as hs

    h = hs.require_household(ctx.session, ctx.require_actor(), ids[0])
    return T.STEP_ASK["flag"].format(name=h.head_name)


def _flag_finish(ctx: Ctx, ids: list[int], words: str, pics: list[str]) -> Replies:
    case = mon.flag_household(ctx.session, ctx.require_actor(), ids[0], words, ctx.today, ctx.now,
                              _total(ctx))
    if pics:
        mon.act(ctx.session, ctx.actor, case.id, "note", ctx.now, photos=pics)
    ctx.audit("monitoring.flag", subject=f"case:{case.id}")
    announce_new(ctx, case, skip=ctx.require_actor().id)
    return [Reply(T.FLAGGED.format(id=case.id, name=_who(ctx.session, case),
                                   due=T.day_label(case.due_on), total=_total(ctx)))]


# -- moving a case on ------------------------------------------------------------------------------------
def after_step(ctx: Ctx, step: mon.Step) -> Replies:
    """Tell whoever is concerned by what just happened, and say it to the actor."""
    case, actor = step.case, ctx.require_actor()
    name = _who(ctx.session, case)
    ctx.audit(f"monitoring.{step.event.action}", subject=f"case:{case.id}")
    if step.event.action == "note":
        return [Reply(T.NOTED.format(id=case.id))]
    if step.event.action == "hold":
        return [Reply(T.MEETING_HELD.format(id=case.id))]
    if step.event.action == "clear":
        _tell_applicant(ctx, case, f"e{step.event.id}")
        _tell_team(ctx, case, f"e{step.event.id}", T.CASE_CLOSED_TEAM.format(
            id=case.id, who=name, outcome=T.OUTCOME_LABELS["cleared"],
            reason=T.CASE_REASON.format(reason=case.outcome_reason)), skip=actor.id)
        return [Reply(T.CLEARED.format(id=case.id, reason=case.outcome_reason))]
    if case.stage == mon.CLOSED:
        _tell_applicant(ctx, case, f"e{step.event.id}")
        reason = T.CASE_REASON.format(reason=case.outcome_reason) if case.outcome_reason else ""
        _tell_team(ctx, case, f"e{step.event.id}", T.CASE_CLOSED_TEAM.format(
            id=case.id, who=name, outcome=T.OUTCOME_LABELS[case.outcome or "included"],
            reason=reason), skip=actor.id)
        if case.outcome == "included":
            return [Reply(T.PASSED_CLOSED.format(id=case.id))]
        return [Reply(T.DECLINED_CASE.format(id=case.id, reason=case.outcome_reason))]
    people = [m for m in mon.responsible(ctx.session, case)
              if (actor.kind, actor.id) != ("member", m.id)]
    text = T.STAGE_ARRIVED.format(id=case.id, who=name, stage=T.STAGE_LABELS[case.stage],
                                  clock=clock_line(case, ctx.today, _total(ctx)))
    for m in people:
        ctx.notify(f"mc:{case.id}:e{step.event.id}:m{m.id}", Reply(text, buttons=[[
            Button(T.BTN_CASE.format(id=case.id), CaseButton("view", case.id).pack())]]),
                   member_id=m.id)
    prev = T.STAGE_LABELS[step.event.stage]
    return [Reply(T.PASSED.format(id=case.id, stage=prev, next=T.STAGE_LABELS[case.stage],
                                  people=_people(people)))]


def _step_kind(action: str) -> Kind:
    def prompt(ctx: Ctx, ids: list[int]) -> str:
        case = ctx.session.get(MonitoringCase, ids[0])
        if case is None:
            from services.errors import PermissionDenied

            raise PermissionDenied("households.case_not_yours")
        if action == "note":
            kind = mon.reader(ctx.session, ctx.require_actor(), case)
            if kind not in ("team", "county"):
                from services.errors import PermissionDenied

                raise PermissionDenied("households.case_not_yours")
        elif action in ("pass", "no", "mno"):
            mon.may_act(ctx.session, ctx.actor, case, case.stage if case.stage in mon.STAGES
                        else "review")
        else:  # clear
            mon.may_act(ctx.session, ctx.actor, case, "review")
        return T.STEP_ASK[action].format(stage=T.STAGE_LABELS.get(case.stage, ""))

    def finish(ctx: Ctx, ids: list[int], words: str, pics: list[str]) -> Replies:
        meeting = None
        if action == "mno":
            meeting = mon.meeting_of(ctx.session, ctx.actor, ids[1]).id
        step = mon.act(ctx.session, ctx.actor, ids[0], "no" if action == "mno" else action,
                       ctx.now, note=words, photos=pics, meeting_id=meeting)
        return after_step(ctx, step)

    return Kind(prompt, finish, skippable=action == "pass", photos=action in ("pass", "note"))


# -- reading cases -------------------------------------------------------------------------------------
def cases_command(ctx: Ctx, args: str) -> Replies:
    rows = mon.cases_for(ctx.session, ctx.require_actor())
    if not rows:
        return [Reply(T.CASES_NONE)]
    county = ctx.actor is not None and ctx.actor.role.value == "admin"
    hh, ap = mon.household_names(ctx.session, rows), mon.applicant_names(ctx.session, rows)
    lines = [(T.CASES_COUNTY_HEAD if county else T.CASES_HEAD).format(n=len(rows))]
    for c in rows[:20]:
        lines.append(T.CASES_LINE.format(id=c.id, who=who(c, hh, ap),
                                         stage=T.STAGE_LABELS[c.stage],
                                         clock=clock_line(c, ctx.today, _total(ctx))))
    buttons = [[Button(T.BTN_CASE.format(id=c.id), CaseButton("view", c.id).pack())
                for c in rows[i:i + 3]] for i in range(0, min(len(rows), 20), 3)]
    return [Reply("\n".join(lines), buttons=buttons)]


def case_card(ctx: Ctx, case: MonitoringCase, view: str) -> Reply:
    s = ctx.session
    people = {m.id: m.name for m in mon.team_people(s, case.village_id)}
    lines = []
    all_photos: list[str] = []
    for ev in mon.events(s, case.id):
        if view != "team" and ev.actor.startswith("villager:"):
            continue  # the villager's words are the team's only
        kind, _, num = ev.actor.partition(":")
        by = f" {people.get(int(num), '')}" if kind == "member" and num.isdigit() else ""
        all_photos += list(ev.photos or [])
        lines.append(T.CASE_EVENT.format(
            when=T.day_label(ev.at.date()), stage=T.STAGE_LABELS.get(ev.stage, ""),
            action=T.ACTION_LABELS.get(ev.action, ev.action), who=by,
            note=f"：{ev.note}" if ev.note else "",
            photos=T.CASE_EVENT_PHOTOS.format(n=len(ev.photos)) if ev.photos else ""))
    outcome = ""
    if case.outcome:
        outcome = T.CASE_OUTCOME.format(outcome=T.OUTCOME_LABELS[case.outcome],
                                        reason=T.CASE_REASON.format(reason=case.outcome_reason)
                                        if case.outcome_reason else "")
    text = T.CASE_CARD.format(
        id=case.id, who=_who(s, case), source=T.SOURCE_LABELS[case.source],
        stage=T.STAGE_LABELS[case.stage], clock=clock_line(case, ctx.today, _total(ctx)),
        responsible=_people(mon.responsible(s, case)) if case.stage != mon.CLOSED else "—",
        words=T.CASE_WORDS.format(text=case.request_text) if case.request_text and view == "team"
        else "",
        risk=T.CASE_RISK.format(text=case.risk) if case.risk else "", outcome=outcome,
        events="\n".join(lines))
    row: list[Button] = []
    if case.stage in mon.STAGES and _may(ctx, case, case.stage):
        row += [Button(T.BTN_PASS[case.stage], CaseButton("pass", case.id).pack()),
                Button(T.BTN_NO, CaseButton("no", case.id).pack())]
    if case.outcome == "included" and _may(ctx, case, "review"):
        row.append(Button(T.BTN_CLEAR, CaseButton("clear", case.id).pack()))
    extra = [Button(T.BTN_NOTE, CaseButton("note", case.id).pack())]
    if all_photos:
        extra.append(Button(T.BTN_PHOTOS.format(n=len(all_photos)),
                            CaseButton("photos", case.id).pack()))
    return Reply(text, buttons=[r for r in (row, extra) if r])


def _may(ctx: Ctx, case: MonitoringCase, stage: str) -> bool:
    from services.errors import PermissionDenied

    try:
        mon.may_act(ctx.session, ctx.actor, case, stage)
        return True
    except PermissionDenied:
        return False


def on_case(ctx: Ctx, pressed: CaseButton) -> Replies:
    case, view = mon.get_case(ctx.session, ctx.require_actor(), pressed.case_id)
    if view == "applicant":
        from services.errors import PermissionDenied

        raise PermissionDenied("households.case_not_yours")
    if pressed.action == "view":
        return [case_card(ctx, case, view)]
    if pressed.action == "photos":
        pics = [p for ev in mon.events(ctx.session, case.id) for p in ev.photos or []
                if view == "team" or not ev.actor.startswith("villager:")]
        return [Reply(T.CASE_TITLE.format(id=case.id, who=_who(ctx.session, case),
                                          source=T.SOURCE_LABELS[case.source]),
                      attachments=photos(pics))]
    label = {"pass": T.BTN_PASS.get(case.stage, ""), "no": T.BTN_NO, "note": T.BTN_NOTE,
             "clear": T.BTN_CLEAR}[pressed.action]
    return ctx.begin_fresh("hh_text", pack(pressed.action, case.id), label, restart=True)


# -- the monthly meeting -------------------------------------------------------------------------------
def agenda_text(s: Session, team: Team, today: date, total: int) -> str:
    """The agenda of the monthly monitoring meeting (carried by its reminder too)."""
    village: Village = team.village
    a = mon.agenda(s, team.id, village.id, today)
    every = a.new + a.open + a.decided
    hh, ap = mon.household_names(s, every), mon.applicant_names(s, every)
    lines = [T.AGENDA_HEAD.format(team=team.name),
             T.AGENDA_SINCE.format(since=T.day_label(a.since)) if a.since else T.AGENDA_SINCE_NONE]
    if a.new:
        counts = {src: sum(1 for c in a.new if c.source == src) for src in mon.SOURCES}
        sources = T.LIST_SEP.join(T.AGENDA_SOURCE.format(label=T.SOURCE_LABELS[k], n=n)
                                  for k, n in counts.items() if n)
        lines.append(T.AGENDA_NEW.format(n=len(a.new), sources=sources))
        lines += [T.AGENDA_LINE.format(id=c.id, who=who(c, hh, ap), stage=T.STAGE_LABELS[c.stage],
                                       clock=clock_line(c, today, total)) for c in a.new]
    else:
        lines.append(T.AGENDA_NEW_NONE)
    if a.open:
        lines.append(T.AGENDA_OPEN.format(n=len(a.open)))
        lines += [T.AGENDA_LINE.format(id=c.id, who=who(c, hh, ap), stage=T.STAGE_LABELS[c.stage],
                                       clock=clock_line(c, today, total)) for c in a.open]
    else:
        lines.append(T.AGENDA_OPEN_NONE)
    if a.decided:
        lines.append(T.AGENDA_DECIDED.format(n=len(a.decided), items=T.LIST_SEP.join(
            f"#{c.id} {who(c, hh, ap)} {T.OUTCOME_LABELS.get(c.outcome or '', '')}"
            for c in a.decided)))
    lines.append(T.AGENDA_TAIL)
    return "\n".join(lines)


def meeting_command(ctx: Ctx, args: str) -> Replies:
    meeting = mon.open_meeting(ctx.session, ctx.require_actor(), ctx.today, ctx.now)
    team = ctx.session.get(Team, meeting.team_id)
    assert team is not None
    ctx.audit("monitoring.meeting", subject=f"meeting:{meeting.id}")
    rows = mon.cases_for(ctx.session, ctx.actor)
    here = [c for c in rows if c.stage in ("check", "review")]
    elsewhere = [c for c in rows if c.stage in ("township", "county")]
    hh, ap = mon.household_names(ctx.session, rows), mon.applicant_names(ctx.session, rows)
    replies = [Reply(agenda_text(ctx.session, team, ctx.today, _total(ctx)))]
    if not here:
        replies.append(Reply(T.MEETING_NOTHING))
    else:
        lines = [T.MEETING_HEAD.format(day=T.day_label(ctx.today))]
        buttons = []
        for c in here:
            lines.append(T.MEETING_CASE.format(id=c.id, who=who(c, hh, ap),
                                               stage=T.STAGE_LABELS[c.stage],
                                               clock=clock_line(c, ctx.today, _total(ctx)),
                                               risk=f"｜{c.risk}" if c.risk else ""))
            buttons.append([Button(T.BTN_M_PASS.format(id=c.id),
                                   MeetingButton("pass", meeting.id, c.id).pack()),
                            Button(T.BTN_M_HOLD.format(id=c.id),
                                   MeetingButton("hold", meeting.id, c.id).pack()),
                            Button(T.BTN_M_NO.format(id=c.id),
                                   MeetingButton("no", meeting.id, c.id).pack())])
        replies.append(Reply("\n".join(lines), buttons=buttons))
    if elsewhere:
        replies.append(Reply(T.MEETING_OTHERS.format(n=len(elsewhere), items=T.LIST_SEP.join(
            f"#{c.id} {who(c, hh, ap)}（{T.STAGE_LABELS[c.stage]}）" for c in elsewhere))))
    return replies


def on_meeting(ctx: Ctx, pressed: MeetingButton) -> Replies:
    meeting = mon.meeting_of(ctx.session, ctx.require_actor(), pressed.meeting_id)
    case = ctx.session.get(MonitoringCase, pressed.case_id)
    if case is None or case.team_id != meeting.team_id:
        from services.errors import PermissionDenied

        raise PermissionDenied("households.case_not_yours")
    if pressed.action == "no":
        return ctx.begin_fresh("hh_text", pack("mno", case.id, meeting.id),
                               T.BTN_M_NO.format(id=case.id), restart=True)
    step = mon.act(ctx.session, ctx.actor, case.id, pressed.action, ctx.now,
                   meeting_id=meeting.id)
    return after_step(ctx, step)


def register_kinds() -> None:
    KINDS["request"] = Kind(_request_prompt, _request_finish)
    KINDS["flag"] = Kind(_flag_prompt, _flag_finish, photos=True)
    for action in ("pass", "no", "note", "clear", "mno"):
        KINDS[action] = _step_kind(action)

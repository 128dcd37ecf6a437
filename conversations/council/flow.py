"""Chat side of the villager council: /council, recording decisions, calling a meeting,
moving the dates. Rules in services/council.py, words in text.py, notices in notices.py.

Taps: recording a meeting of three items is three taps (or three short messages with the
votes), one message or photo for the minutes and two taps (完成, 确认并公示); calling a
meeting is a tap, a message and a tap; moving a date the same.
"""

from __future__ import annotations

import copy
from typing import Any

from core.context import Ctx
from core.messages import Button, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from reminders import series as sv
from reminders.engine import next_occurrence
from services import council, media, teamscope
from services.clock import local
from services.errors import UserError
from services.roles import EVERYONE
from storage.models import CouncilMeeting, EventSeries, Team

from . import notices
from . import text as T
from .buttons import CouncilButton

VIEWERS = frozenset(EVERYONE)


def _tz(team: Team) -> str:
    return team.timezone


# -- /council ---------------------------------------------------------------------------------
def council_cmd(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    team = teamscope.team_for(ctx.session, actor, args.strip())
    view = teamscope.require_view(ctx.session, actor, team)
    return [overview(ctx, team, view)]


def overview(ctx: Ctx, team: Team, view: str) -> Reply:
    s, now, tz = ctx.session, ctx.now, _tz(team)
    village = team.village.name
    lines = [(T.HEAD_PUBLIC if view == "public" else T.HEAD).format(village=village), T.NEXT_HEAD]
    for row in council.council_series(s, team.id):
        nxt = sv.next_time(row, now) if row.active else None
        if row.key is None and nxt is None:
            continue  # a meeting called once, now past: it is under its own heading
        rule = T.rule_text(row) + (T.PAUSED if not row.active else "")
        days = max((x.days for x in sv.leads_of(row)), default=0)
        if days >= 7:
            rule += T.NOTICE_DAYS.format(days=days)
        lines.append(T.NEXT_LINE.format(kind=row.title, next=T.when(nxt, tz) if nxt else T.NEXT_NONE,
                                        rule=rule))
    buttons: list[list[Button]] = []
    for m in council.upcoming(s, team.id, now):
        agenda = council.items(s, m.id)
        lines.append(T.MEETING_HEAD.format(name=T.meeting_name(m, tz), n=len(agenda)))
        lines.append(T.agenda_text(agenda))
    waiting = council.waiting(s, team.id, unscheduled=True)
    if waiting:
        lines.append(T.WAITING_HEAD.format(n=len(waiting)))
        lines += [T.WAITING_LINE.format(line=T.entry_line(e)) for e in waiting]
    elif view != "public":
        lines.append(T.WAITING_NONE)
    held = council.to_record(s, team.id, now)
    manager = view == "team" and teamscope.is_manager_of(ctx.actor, team.id)
    if held and view != "public":
        lines.append(T.TO_RECORD_HEAD.format(names=T.LIST_SEP.join(T.meeting_name(m, tz) for m in held)))
        if manager:
            buttons += [[Button(T.BTN_RECORD.format(name=T.short_day(m.scheduled_at, tz)),
                                CouncilButton("r", m.id).pack())] for m in held[:3]]
    last = council.meetings(s, team.id, status=council.RECORDED)
    if last:
        m = last[-1]
        decided = council.items(s, m.id)
        lines.append(T.LAST_HEAD.format(name=T.meeting_name(m, tz)))
        lines += [T.decision_line(n, i) for n, i in enumerate(decided, 1)] or [T.AGENDA_EMPTY]
        if m.minutes and view != "public":
            lines.append(T.MINUTES_LINE.format(text=m.minutes[:200]))
        if m.minutes_media and view != "public":
            buttons.append([Button(T.BTN_MINUTES.format(name=T.short_day(m.scheduled_at, tz)),
                                   CouncilButton("m", m.id).pack())])
    if manager:
        buttons.append([Button(T.BTN_CALL, CouncilButton("c", 0).pack()),
                        Button(T.BTN_TIME, CouncilButton("t", 0).pack())])
        lines.append(T.FOOT_MANAGER)
    return Reply("\n".join(lines), buttons=buttons)


# -- buttons ----------------------------------------------------------------------------------
def _meeting_team(ctx: Ctx, meeting_id: int) -> tuple[CouncilMeeting, Team, str]:
    m = council.get_meeting(ctx.session, meeting_id)
    team = ctx.session.get(Team, m.team_id)
    assert team is not None
    view = teamscope.require_view(ctx.session, ctx.require_actor(), team)
    return m, team, view


def on_button(ctx: Ctx, pressed: CouncilButton) -> Replies:
    actor = ctx.require_actor()
    if pressed.action == "c":
        team = teamscope.own_team(ctx.session, actor)
        teamscope.require_manager(actor, team.id)
        return ctx.begin_fresh(CallDialog.name, "", T.BTN_CALL)
    if pressed.action == "t":
        team = teamscope.own_team(ctx.session, actor)
        teamscope.require_manager(actor, team.id)
        return ctx.begin_fresh(TimeDialog.name, "", T.BTN_TIME)
    m, team, view = _meeting_team(ctx, pressed.meeting_id)
    tz = _tz(team)
    if pressed.action == "r":
        teamscope.require_manager(actor, m.team_id)
        return ctx.begin_fresh(RecordDialog.name, str(m.id), T.BTN_RECORD.format(
            name=T.short_day(m.scheduled_at, tz)), restart=True)
    if pressed.action == "m":
        if view == "public":
            teamscope.require_member(actor, m.team_id)
        if not m.minutes and not m.minutes_media:
            return [Reply(T.NO_MINUTES)]
        return [Reply(T.MINUTES_VIEW.format(name=T.meeting_name(m, tz), text=m.minutes or ""),
                      attachments=media.attachments(m.minutes_media))]
    agenda = council.items(ctx.session, m.id)
    if m.status == council.RECORDED:
        return [Reply(T.MEETING_DECIDED.format(name=T.meeting_name(m, tz), lines="\n".join(
            T.decision_line(n, i) for n, i in enumerate(agenda, 1)) or T.AGENDA_EMPTY))]
    return [Reply(T.MEETING_VIEW.format(name=T.meeting_name(m, tz), agenda=T.agenda_text(agenda)))]


# -- recording decisions ------------------------------------------------------------------------
class RecordDialog(Dialog):
    """One step per agenda item (a tap, or a line with the votes), then the minutes
    (text and photos), then a confirmation that records and publishes."""

    name = "council_record"
    title = T.RECORD_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        actor = ctx.require_actor()
        m = council.get_meeting(ctx.session, int(args))
        teamscope.require_manager(actor, m.team_id)
        if m.status != council.PLANNED:
            raise UserError("council.already_recorded")
        if m.scheduled_at > ctx.now:
            raise UserError("council.not_held_yet")
        team = ctx.session.get(Team, m.team_id)
        assert team is not None
        agenda = council.items(ctx.session, m.id)
        state: dict[str, Any] = {"meeting": m.id, "items": [i.id for i in agenda],
                                 "lines": [T.item_line(i) for i in agenda],
                                 "name": T.meeting_name(m, _tz(team)), "k": 0, "decisions": [],
                                 "minutes": "", "media": []}
        head = Reply(T.RECORD_START.format(name=state["name"], n=len(agenda)))
        turn = self._next(state)
        return Turn(([head] if agenda else []) + turn.replies, turn.state)

    def _next(self, state: dict[str, Any]) -> Turn:
        k, n = state["k"], len(state["items"])
        if k < n:
            state["stage"] = "item"
            return Turn.stay(state, Reply(T.RECORD_ASK.format(k=k + 1, n=n, line=state["lines"][k]),
                                          buttons=buttons_row((T.BTN_APPROVE, self.button("approved")),
                                                              (T.BTN_REJECT, self.button("rejected")),
                                                              (T.BTN_DEFER, self.button("deferred")))))
        state["stage"] = "minutes"
        return Turn.stay(state, Reply(T.MINUTES_ASK, buttons=buttons_row(
            (T.BTN_DONE, self.button("done")), (T.BTN_NO_MINUTES, self.button("none")))))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        state = copy.deepcopy(state)
        value = self.pressed(msg)
        text = (msg.text or "").strip()
        if state["stage"] == "item":
            decision, votes = (value, None) if value in council.DECISIONS else council.parse_decision(text)
            if decision is None:
                return Turn.stay(state, Reply(T.RECORD_BAD), *self._next(state).replies)
            state["decisions"].append([state["items"][state["k"]], decision, list(votes) if votes else None])
            state["k"] += 1
            return self._next(state)
        if state["stage"] == "minutes":
            got = media.from_incoming(msg)
            if text and value is None:
                state["minutes"] = f"{state['minutes']}\n{text}".strip()
            state["media"] = media.merge(state["media"], got)
            if value == "none":
                state["minutes"], state["media"] = "", []
            elif value != "done":
                return Turn.stay(state, Reply(T.MINUTES_GOT.format(
                    chars=len(state["minutes"]), photos=media.count(state["media"], "photo")),
                    buttons=buttons_row((T.BTN_DONE, self.button("done")))))
            return self._confirm(state)
        # confirm
        if value == "redo":
            state.update(k=0, decisions=[], minutes="", media=[])
            return self._next(state)
        if value == "no":
            return Turn.done(Reply(T.NOT_RECORDED))
        if value != "yes":
            return Turn.stay(state, Reply(T.RECORD_CONFIRM_AGAIN))
        return self._record(ctx, state)

    def _confirm(self, state: dict[str, Any]) -> Turn:
        state["stage"] = "confirm"
        lines = [T.draft_line(n, line, d, v) for n, (line, (_, d, v))
                 in enumerate(zip(state["lines"], state["decisions"], strict=True), 1)]
        has = state["minutes"] or state["media"]
        minutes = T.MINUTES_SUMMARY.format(chars=len(state["minutes"]),
                                           photos=media.count(state["media"], "photo")) \
            if has else T.MINUTES_NONE
        return Turn.stay(state, Reply(T.RECORD_CONFIRM.format(
            name=state["name"], lines="\n".join(lines) or T.AGENDA_EMPTY, minutes=minutes),
            buttons=buttons_row((T.BTN_CONFIRM, self.button("yes")), (T.BTN_REDO, self.button("redo")),
                                (T.BTN_CANCEL, self.button("no")))))

    def _record(self, ctx: Ctx, state: dict[str, Any]) -> Turn:
        actor = ctx.require_actor()
        m = council.get_meeting(ctx.session, state["meeting"])
        decided = council.record(
            ctx.session, actor, m,
            [council.Decision(i, d, tuple(v) if v else None) for i, d, v in state["decisions"]],
            state["minutes"], state["media"], ctx.now)
        told = notices.publish_decisions(ctx, m, decided)
        return Turn.done(Reply(T.RECORDED.format(name=state["name"], n=len(decided), villagers=told)))


# -- calling a meeting --------------------------------------------------------------------------
class CallDialog(Dialog):
    name = "council_call"
    title = T.CALL_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        actor = ctx.require_actor()
        team = teamscope.own_team(ctx.session, actor)
        teamscope.require_manager(actor, team.id)
        return Turn.stay({"stage": "kind", "team": team.id}, Reply(T.CALL_KIND, buttons=buttons_row(
            *((T.KIND_LABELS[k], self.button(k)) for k in council.KINDS))))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value = self.pressed(msg)
        text = (msg.text or "").strip()
        team = ctx.session.get(Team, state["team"])
        if team is None:
            raise UserError("council.no_team_here")
        if state["stage"] == "kind":
            kind = value if value in council.KINDS else next(
                (k for k, label in T.KIND_LABELS.items() if label == text), None)
            if kind is None:
                return Turn.stay(state, Reply(T.PICK_BUTTONS))
            return Turn.stay({**state, "stage": "when", "kind": kind}, Reply(T.CALL_WHEN))
        if state["stage"] == "when":
            at = council.parse_meeting_time(text, local(ctx.now, team.timezone), team.timezone)
            if at is None or at <= ctx.now:
                return Turn.stay(state, Reply(T.CALL_BAD_WHEN.format(text=text)))
            waiting = council.waiting(ctx.session, team.id, unscheduled=True)
            agenda = T.entries_text(waiting)
            return Turn.stay({**state, "stage": "confirm", "at": at.isoformat()}, Reply(
                T.CALL_CONFIRM.format(kind=T.KIND_LABELS[state["kind"]], when=T.when(at, team.timezone),
                                      n=len(waiting), agenda=agenda),
                buttons=buttons_row((T.BTN_CALL_OK, self.button("yes")),
                                    (T.BTN_CANCEL, self.button("no")))))
        if value == "no":
            return Turn.done(Reply(T.NOT_CALLED))
        if value != "yes":
            return Turn.stay(state, Reply(T.PICK_BUTTONS))
        from datetime import datetime

        actor = ctx.require_actor()
        at = datetime.fromisoformat(state["at"])
        m = council.call_meeting(ctx.session, actor, team, state["kind"], at, ctx.now,
                                 T.CALL_TITLE_OF.format(kind=T.KIND_LABELS[state["kind"]]))
        agenda = council.items(ctx.session, m.id)
        told = notices.announce(ctx, m, team, agenda)
        return Turn.done(Reply(T.CALLED.format(name=T.meeting_name(m, team.timezone), n=len(agenda),
                                               villagers=told)))


# -- moving the dates ------------------------------------------------------------------------------
class TimeDialog(Dialog):
    name = "council_time"
    title = T.TIME_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        actor = ctx.require_actor()
        team = teamscope.own_team(ctx.session, actor)
        teamscope.require_manager(actor, team.id)
        rows = [r for r in council.council_series(ctx.session, team.id) if r.key is not None]
        if not rows:
            return Turn.done(Reply(T.NO_SERIES))
        return Turn.stay({"stage": "which", "team": team.id}, Reply(T.TIME_WHICH, buttons=[
            [Button(r.title, self.button(str(r.id)))] for r in rows]))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value = self.pressed(msg)
        text = (msg.text or "").strip()
        actor = ctx.require_actor()
        team = ctx.session.get(Team, state["team"])
        if team is None:
            raise UserError("council.no_team_here")
        if state["stage"] == "which":
            row = ctx.session.get(EventSeries, int(value)) if value and value.isdigit() else None
            if row is None or row.team_id != team.id or row.kind != council.SERIES_KIND:
                return Turn.stay(state, Reply(T.PICK_BUTTONS))
            return Turn.stay({**state, "stage": "rule", "series": row.id}, Reply(
                T.TIME_ASK.format(kind=row.title, rule=T.rule_text(row))))
        row = ctx.session.get(EventSeries, state["series"])
        if row is None:
            raise UserError("council.series_gone")
        if state["stage"] == "rule":
            try:
                spec = sv.parse_when(text, team.timezone)
            except UserError as exc:
                return Turn.stay(state, Reply(str(exc)))
            if spec.kind == "once":
                return Turn.stay(state, Reply(T.TIME_NEED_RULE))
            nxt = next_occurrence(spec, ctx.now)
            if nxt is None:
                raise UserError("council.when_past")
            return Turn.stay({**state, "stage": "confirm", "spec": spec.to_dict()}, Reply(
                T.TIME_CONFIRM.format(kind=row.title, rule=T.schedule(spec), next=T.when(nxt, team.timezone)),
                buttons=buttons_row((T.BTN_TIME_OK, self.button("yes")), (T.BTN_CANCEL, self.button("no")))))
        if value == "no":
            return Turn.done(Reply(T.TIME_NOT))
        if value != "yes":
            return Turn.stay(state, Reply(T.PICK_BUTTONS))
        from reminders.spec import Recurrence

        spec = Recurrence.from_dict(state["spec"])
        council.set_schedule(ctx.session, actor, row, spec, ctx.now)
        nxt = sv.next_time(row, ctx.now)
        return Turn.done(Reply(T.TIME_DONE.format(kind=row.title, rule=T.schedule(spec),
                                                  next=T.when(nxt, team.timezone) if nxt else T.NEXT_NONE)))


def register(reg: Registry) -> None:
    reg.command(Command("council", T.CMD_COUNCIL, VIEWERS, run=council_cmd,
                        aliases=T.ALIAS_COUNCIL, order=70))
    reg.dialog(RecordDialog())
    reg.dialog(CallDialog())
    reg.dialog(TimeDialog())
    reg.callback(CouncilButton, on_button)

"""Chat side of reminders: /events, /addevent, /term, /closeterm, the tick.

Only translation lives here; the rules are in reminders.series, services.handover and
reminders.dispatch, the words in text.py. Buttons (typed, see buttons.py): RunButton runs
an existing command for the presser (with the command's own role check), SeriesButton
pauses, resumes or deletes a series. The handover sheet itself (/handover) is the
feature conversations.handover.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from core.context import Ctx
from core.messages import Button, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from reminders import dispatch
from reminders import series as sv
from reminders.spec import Recurrence
from services import admin, handover
from services.actors import Actor
from services.config import Settings
from services.errors import PermissionDenied, UserError
from services.roles import MEMBER_ROLES, Role
from storage.models import Team

from . import text as T
from .buttons import RunButton, SeriesButton

ADMINS = frozenset({Role.ADMIN})


def _team(ctx: Ctx, actor: Actor, ref: str = "") -> Team:
    """The team a command is about: the speaker's own, or (admins, supervisors) the one
    named, or the only one of their county."""
    if ref:
        return admin.find_team(ctx.session, ref)
    if actor.team_id is not None:
        team = ctx.session.get(Team, actor.team_id)
        if team is not None:
            return team
    teams = sv.teams_of(ctx.session, actor)
    if len(teams) == 1:
        return teams[0]
    if not teams:
        raise UserError("reminders.no_team")
    raise UserError("reminders.which_team", example=teams[0].name,
                    names="、".join(t.name for t in teams[:10]))


# -- /events ------------------------------------------------------------------------------
def events(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    team = _team(ctx, actor, args.strip())
    sv.require_reader(ctx.session, actor, team.id)
    rows = sv.team_series(ctx.session, team.id)
    if not rows:
        return [Reply(T.NO_SERIES)]
    lines = [T.EVENTS_HEAD.format(team=team.name)] + [T.series_line(r, ctx.now) for r in rows]
    buttons: list[list[Button]] = []
    if sv.may_manage(ctx.session, actor, team.id):
        for r in rows:
            if r.active:
                row = [Button(T.BTN_PAUSE.format(id=r.id), SeriesButton("p", r.id).pack())]
            else:
                row = [Button(T.BTN_RESUME.format(id=r.id), SeriesButton("r", r.id).pack())]
            if r.kind == "event" and r.key is None:
                row.append(Button(T.BTN_DELETE.format(id=r.id), SeriesButton("x", r.id).pack()))
            buttons.append(row)
        lines.append(T.EVENTS_FOOT)
    return [Reply("\n".join(lines), buttons=buttons)]


# -- /addevent ----------------------------------------------------------------------------
class AddEventDialog(Dialog):
    """Title -> when -> who -> confirm. One line works too:
    /addevent 村民代表会议 | 2026-11-26 15:00 | 村民 | 前一天 18:00,提前1小时"""

    name = "addevent"
    title = T.ADDEVENT_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        actor = ctx.require_actor()
        team = _team(ctx, actor)
        sv.require_manager(ctx.session, actor, team.id)
        state: dict[str, Any] = {"team": team.id, "tz": team.timezone}
        if "|" in args:
            parts = [p.strip() for p in args.split("|")]
            state["title"] = parts[0]
            self._when(state, parts[1] if len(parts) > 1 else "")
            state["who"] = sv.AUDIENCE_WORDS.get(parts[2] if len(parts) > 2 else "team", "team")
            state["leads"] = parts[3] if len(parts) > 3 and parts[3] else sv.DEFAULT_LEADS
            sv.parse_leads(state["leads"])
            return self._confirm(state)
        if args.strip():
            state["title"] = args.strip()
            return Turn.stay({**state, "step": "when"}, Reply(T.ASK_WHEN))
        return Turn.stay({**state, "step": "title"}, Reply(T.ASK_TITLE))

    @staticmethod
    def _when(state: dict[str, Any], text: str) -> None:
        state["spec"] = sv.parse_when(text, state["tz"]).to_dict()

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        text = (msg.text or "").strip()
        data = (msg.callback or "").removeprefix(f"d:{self.name}:")
        step = state.get("step")
        if step == "title":
            if not text or len(text) > 60:
                return Turn.stay(state, Reply(T.BAD_TITLE))
            return Turn.stay({**state, "title": text, "step": "when"}, Reply(T.ASK_WHEN))
        if step == "when":
            try:
                self._when(state, text)
            except UserError as exc:
                return Turn.stay(state, Reply(str(exc)))
            return Turn.stay({**state, "step": "who"}, Reply(
                T.ASK_WHO, buttons=buttons_row((T.WHO_TEAM, self.button("team")),
                                               (T.WHO_VILLAGERS, self.button("villagers")),
                                               (T.WHO_LEADERS, self.button("leaders")))))
        if step == "who":
            who = data if msg.callback else sv.AUDIENCE_WORDS.get(text, "")
            if who not in sv.AUDIENCES:
                return Turn.stay(state, Reply(T.BAD_WHO))
            return self._confirm({**state, "who": who, "leads": sv.DEFAULT_LEADS})
        if step == "confirm":
            if data == "no" or text in T.NO_WORDS:
                return Turn.done(Reply(T.NOT_ADDED))
            if data != "yes" and text not in T.YES_WORDS:
                return Turn.stay(state, Reply(T.BAD_CONFIRM))
            actor = ctx.require_actor()
            sv.require_manager(ctx.session, actor, state["team"])  # may have changed meanwhile
            team = ctx.session.get(Team, state["team"])
            if team is None:
                raise UserError("reminders.no_team")
            row = sv.add_series(ctx.session, team=team, title=state["title"],
                                spec=Recurrence.from_dict(state["spec"]),
                                leads=sv.parse_leads(state["leads"]), audience=state["who"],
                                now=ctx.now, by=actor.key)
            ctx.audit("event.add", subject=f"series:{row.id}", title=row.title)
            return Turn.done(Reply(T.ADDED.format(summary=T.series_line(row, ctx.now))))
        return Turn.done(Reply(T.ADDEVENT_OVER))

    def _confirm(self, state: dict[str, Any]) -> Turn:
        text = T.CONFIRM.format(title=state["title"],
                                when=T.schedule(Recurrence.from_dict(state["spec"])),
                                leads=T.leads(sv.parse_leads(state["leads"])),
                                who=T.audience({"roles": list(sv.AUDIENCES[state["who"]])}))
        return Turn.stay({**state, "step": "confirm"}, Reply(text, buttons=buttons_row(
            (T.BTN_CONFIRM, self.button("yes")), (T.BTN_CANCEL, self.button("no")))))


# -- buttons --------------------------------------------------------------------------------
def on_series_button(ctx: Ctx, pressed: SeriesButton) -> Replies:
    actor = ctx.require_actor()
    row = sv.get_series(ctx.session, pressed.series_id)
    sv.require_manager(ctx.session, actor, row.team_id)
    if pressed.action == "x":
        sv.remove_series(ctx.session, row)
        ctx.audit("event.remove", subject=f"series:{row.id}")
        return [Reply(T.REMOVED.format(title=row.title))]
    sv.set_active(row, pressed.action == "r", ctx.now)
    ctx.audit("event.pause" if pressed.action == "p" else "event.resume", subject=f"series:{row.id}")
    return [Reply((T.RESUMED if row.active else T.PAUSED).format(title=row.title))]


def on_run_button(ctx: Ctx, pressed: RunButton) -> Replies:
    """A digest or reminder button runs an existing command as if the presser had typed it."""
    actor = ctx.require_actor()
    cmd = ctx.registry.commands.get(pressed.command)
    if cmd is None or actor.role not in cmd.roles:
        raise PermissionDenied("reminders.button_not_for_you")
    if cmd.dialog:
        return ctx.begin_fresh(cmd.dialog, "", T.RUN_LABELS.get(pressed.command, pressed.command))
    if cmd.run is None:
        raise PermissionDenied("reminders.button_not_for_you")
    return cmd.run(ctx, "")


# -- rotation ------------------------------------------------------------------------------------
def term_cmd(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    parts = args.split()
    if len(parts) != 2:
        raise UserError("reminders.term_usage")
    m = handover.find_member(ctx.session, parts[0], actor.county_id)
    handover.require_admin_over(actor, m)
    try:
        end = date.fromisoformat(parts[1])
    except ValueError:
        raise UserError("reminders.term_date") from None
    handover.set_term_end(ctx.session, m, end, by=actor.key, now=ctx.now)
    stages = sorted((int(x) for x in ctx.settings.rotation_days.split(",") if x.strip()), reverse=True)
    return [Reply(T.TERM_SET.format(name=m.name, end=end, left=(end - ctx.today).days,
                                    stages="、".join(map(str, stages)),
                                    handover_days=ctx.settings.handover_days))]


def closeterm_cmd(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    ref, _, reason = args.strip().partition(" ")
    if not ref:
        raise UserError("reminders.closeterm_usage")
    m = handover.find_member(ctx.session, ref, actor.county_id)
    handover.require_admin_over(actor, m)
    reason = reason.strip()
    for prefix in T.REASON_PREFIXES:
        reason = reason.removeprefix(prefix)
    reason = reason.strip()
    handover.close_term(ctx.session, m, by=actor.key, now=ctx.now, override_reason=reason or None)
    how = T.CLOSED_FORCED.format(reason=reason) if reason else T.CLOSED_COMPLETE
    return [Reply(T.TERM_CLOSED.format(name=m.name, how=how))]


# -- tick ------------------------------------------------------------------------------------
def _make_tick(reg: Registry):  # type: ignore[no-untyped-def]
    def tick(session: Session, now: datetime, settings: Settings) -> None:
        dispatch.run(session, now, settings, frozenset(reg.commands))
    return tick


def register(reg: Registry) -> None:
    reg.command(Command("events", T.CMD_EVENTS, MEMBER_ROLES, run=events,
                        aliases=T.ALIAS_EVENTS, order=60))
    reg.dialog(AddEventDialog())
    reg.command(Command("addevent", T.CMD_ADDEVENT, frozenset(sv.MANAGER_ROLES), dialog="addevent",
                        aliases=T.ALIAS_ADDEVENT, order=61))
    reg.command(Command("term", T.CMD_TERM, ADMINS, run=term_cmd, aliases=T.ALIAS_TERM, order=63))
    reg.command(Command("closeterm", T.CMD_CLOSETERM, ADMINS, run=closeterm_cmd,
                        aliases=T.ALIAS_CLOSETERM, order=64))
    reg.callback(SeriesButton, on_series_button)
    reg.callback(RunButton, on_run_button)
    reg.tick("reminders", _make_tick(reg))

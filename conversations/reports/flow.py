"""Daily work report (/report, 日志), /myreports, a leader's /reports, and the offer to
save a long free text as today's report. Rules live in services.reports, words in text.py."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from core.callbacks import CallbackData
from core.context import Ctx
from core.messages import Attachment, Button, Incoming, Reply, buttons_row, photos
from core.registry import Command, Dialog, Registry, Replies, Turn
from services import reports as rs
from services.dates import month_day, parse_date_range
from services.errors import NotFound, UserError
from services.roles import TEAM_ROLES
from services.text import split_for_display
from services.text_intent import offers_report
from storage.models import DailyReport, Member, Team

from . import text as T

PREVIEW = 300
PAGE = 5
GUIDED = ("households", "problems", "next_steps")
_FROM_OFFER = re.compile(r"^pending:(\d{1,12})$")


# -- buttons outside the dialog: typed data, parsed by the router -------------------------------
@dataclass(frozen=True)
class ReportButton(CallbackData, prefix="rp"):
    """[全文 …], [📷 …] and [🎙 …] under a listed report: the author or the team's leaders
    only."""

    action: Literal["full", "ph", "vo"]
    report_id: int


@dataclass(frozen=True)
class OfferButton(CallbackData, prefix="rpo"):
    """[存为今日日志] / [不用了] under a long free text: the text's author only."""

    action: Literal["save", "no"]
    pending_id: int


@dataclass(frozen=True)
class MyReportsPage(CallbackData, prefix="rpm"):
    """[更早的日志] in /myreports: the presser's own reports from `offset` on."""

    offset: int


@dataclass(frozen=True)
class TeamDayButton(CallbackData, prefix="rpd"):
    """[前一天] in /reports: the presser's team on `day` (leaders only)."""

    day: date


def _member(ctx: Ctx) -> Member:
    return ctx.team_member("reports.team_only")


def _presser(ctx: Ctx) -> Member:
    """The team member pressing a button about their own records; anyone else (a forged or
    forwarded button) is refused with an audit row."""
    return ctx.team_member("reports.team_only")


def _team(ctx: Ctx, team_id: int) -> Team:
    team = ctx.session.get(Team, team_id)
    if team is None:
        raise NotFound("reports.no_team")
    return team


def _parse_day(ctx: Ctx, text: str) -> date | None:
    """A short argument that reads as one day ('昨天', '11月22日'), else None."""
    if not text or len(text) > 12:
        return None
    bare = text.removeprefix(T.DAY_ARG_PREFIX)
    for suffix in T.DAY_ARG_SUFFIXES:
        bare = bare.removesuffix(suffix)
    text = bare.strip() or text
    r = parse_date_range(text, ctx.today)
    return r.start if r is not None and r.start == r.end else None


class ReportDialog(Dialog):
    name = "report"
    title = T.TITLE

    # -- entry --------------------------------------------------------------------
    def start(self, ctx: Ctx, args: str) -> Turn:
        member = _member(ctx)
        text, day = args.strip(), None
        offer = _FROM_OFFER.match(text)
        if offer:
            text = rs.take_pending_text(ctx.session, int(offer.group(1)), ctx.require_actor(),
                                        ctx.now)
        elif (day := _parse_day(ctx, text)) is not None:
            text = ""
        day = day or ctx.today
        rs.check_report_date(day, ctx.now, ctx.tz, ctx.settings.report_late_until_hour)
        existing = rs.get_report(ctx.session, member.id, day)
        state: dict[str, Any] = {"mode": "new", "draft": rs.empty_draft(day), "text": text}
        if existing is not None and existing.submitted and offer:
            state["mode"] = "append"  # the button said 补充到今日日志: add, never replace
        elif existing is not None and existing.submitted:
            state["stage"] = "choose"
            return Turn.stay(state, Reply(
                T.ALREADY_SUBMITTED.format(day=T.day_label(day, ctx.today),
                                           report=T.format_fields(rs.draft_from(existing), 120)),
                buttons=self._choices()))
        if text:
            return self._take_text(ctx, state, text)
        return self._ask(state, "done", day_note=day != ctx.today)

    def _choices(self) -> list[list[Button]]:
        return buttons_row((T.EDIT, self.button("edit")), (T.APPEND, self.button("append")),
                           (T.CANCEL, self.button("cancel")))

    # -- steps --------------------------------------------------------------------
    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        # A fresh copy: the stored JSON only counts as changed when it is a new object.
        state = copy.deepcopy(state)
        stage = state["stage"]
        value = self.pressed(msg)
        if msg.photos:
            kept = state["draft"].setdefault("photos", [])
            kept.extend(p for p in msg.photos if p not in kept)
            if not (msg.text or "").strip():
                return self._reprompt(ctx, state, Reply(T.PHOTO_RECEIVED.format(n=len(kept))))
        if msg.voice:
            said = state["draft"].setdefault("voices", [])
            if msg.voice not in said:
                said.append(msg.voice)
            if not (msg.text or "").strip():
                got = Reply(T.VOICE_RECEIVED.format(n=len(said)))
                if stage == "done":  # the voice note says what was done: ready to submit
                    turn = self._summary(ctx, state)
                    return Turn([got, *turn.replies], turn.state)
                return self._reprompt(ctx, state, got)
        if value == "cancel":
            return Turn.done(Reply(T.CANCELLED))
        if stage == "choose":
            return self._choose(ctx, state, value)
        if stage == "summary":
            return self._summary_step(ctx, state, value)
        if stage == "pick":
            if value in rs.FIELDS:
                return self._ask(state, "field", field=value)
            return self._summary(ctx, state)
        text = (msg.text or "").strip()
        if value in ("skip", "finish", "clear"):
            if stage == "done":
                return self._ask(state, "done")
            if value == "clear" and stage == "field":
                state["draft"][state["field"]] = ""
            if value == "finish" or stage == "field":
                return self._summary(ctx, state)
            return self._next_guided(ctx, state, stage)
        if value is not None or not text:
            return self._reprompt(ctx, state)
        if stage == "done":
            return self._take_text(ctx, state, text)
        if stage == "field":
            state["draft"][state["field"]] = text
            return self._summary(ctx, state)
        state["draft"][stage] = text
        return self._next_guided(ctx, state, stage)

    def _choose(self, ctx: Ctx, state: dict[str, Any], value: str | None) -> Turn:
        if value not in ("edit", "append"):
            return self._reprompt(ctx, state)
        member = _member(ctx)
        day = date.fromisoformat(state["draft"]["date"])
        existing = rs.get_report(ctx.session, member.id, day)
        state["mode"] = value
        if value == "edit" and existing is not None:
            sent = state["draft"].get("photos", [])
            said = state["draft"].get("voices", [])
            state["draft"] = rs.draft_from(existing)
            state["draft"]["photos"] += [p for p in sent if p not in state["draft"]["photos"]]
            state["draft"]["voices"] += [v for v in said if v not in state["draft"]["voices"]]
            if state.get("text"):
                state["draft"].update(rs.parse_report_text(state.pop("text")))
                return self._summary(ctx, state)
            return self._summary_step(ctx, state, "edit")
        if state.get("text"):
            return self._take_text(ctx, state, state.pop("text"))
        return self._ask(state, "done")

    def _take_text(self, ctx: Ctx, state: dict[str, Any], text: str) -> Turn:
        """The answer to "what was done": may hold the whole report in one message."""
        state.pop("text", None)
        parsed = rs.parse_report_text(text)
        draft = state["draft"]
        for f, v in parsed.items():
            draft[f] = f"{draft[f]}\n{v}" if draft.get(f) and f != "done" else v
        if not draft.get("done") and state["mode"] != "append":
            return self._ask(state, "done")
        long_enough = len(text) >= ctx.settings.report_offer_min_chars
        if state["mode"] == "append" or rs.has_labels(text) or long_enough:
            return self._summary(ctx, state)
        return self._next_guided(ctx, state, "done")

    def _next_guided(self, ctx: Ctx, state: dict[str, Any], after: str) -> Turn:
        order = ["done", *GUIDED]
        for f in order[order.index(after) + 1:]:
            if not state["draft"].get(f):
                return self._ask(state, f)
        return self._summary(ctx, state)

    def _ask(self, state: dict[str, Any], stage: str, *, field: str | None = None,
             day_note: bool = False) -> Turn:
        state["stage"] = stage
        if field:
            state["field"] = field
        buttons: list[list[Button]] = []
        if stage == "done":
            text = T.ASK["done"] if state["mode"] != "append" else T.ASK_APPEND
            if day_note:
                day = T.day_label(date.fromisoformat(state["draft"]["date"]))
                text = T.LATE_NOTE.format(day=day, ask=text)
        elif stage == "field":
            text = T.ASK_FIELD.format(label=T.FIELD_LABELS[state["field"]])
            if state["field"] != "done":
                buttons = buttons_row((T.CLEAR, self.button("clear")),
                                      (T.BACK, self.button("finish")))
        else:
            text = T.ASK[stage]
            buttons = buttons_row((T.SKIP, self.button("skip")),
                                  (T.TO_SUMMARY, self.button("finish")))
        return Turn.stay(state, Reply(text + T.ASK_TAIL, buttons=buttons))

    def _reprompt(self, ctx: Ctx, state: dict[str, Any], *before: Reply) -> Turn:
        stage = state["stage"]
        if stage == "summary":
            turn = self._summary(ctx, state)
        elif stage == "choose":
            turn = Turn.stay(state, Reply(T.CHOOSE_AGAIN, buttons=self._choices()))
        elif stage == "pick":
            turn = self._summary_step(ctx, state, "edit")
        else:
            turn = self._ask(state, stage, field=state.get("field"))
        return Turn(list(before) + turn.replies, turn.state)

    def _summary(self, ctx: Ctx, state: dict[str, Any], hint: str = "") -> Turn:
        state["stage"] = "summary"
        day = date.fromisoformat(state["draft"]["date"])
        text = T.SUMMARY.format(day=T.day_label(day, ctx.today),
                                what=T.SUMMARY_WHAT[state["mode"]],
                                report=T.format_fields(state["draft"], PREVIEW),
                                hint=hint or T.SUMMARY_HINT)
        return Turn.stay(state, Reply(text, buttons=buttons_row(
            (T.SUBMIT, self.button("submit")), (T.EDIT, self.button("edit")),
            (T.CANCEL, self.button("cancel")))))

    def _summary_step(self, ctx: Ctx, state: dict[str, Any], value: str | None) -> Turn:
        if value == "submit":
            member = _member(ctx)
            day = date.fromisoformat(state["draft"]["date"])
            rs.check_report_date(day, ctx.now, ctx.tz, ctx.settings.report_late_until_hour)
            r = rs.save_report(ctx.session, member=member, day=day, draft=state["draft"],
                               mode=state["mode"], now=ctx.now)
            ctx.audit(f"report.{state['mode']}", subject=f"report:{r.id}")
            tail = T.SAVED_TAIL_KEPT if state["mode"] != "new" else T.SAVED_TAIL_NEW
            return Turn.done(Reply(T.SAVED.format(done=T.SAVED_WHAT[state["mode"]],
                                                  day=T.day_label(day, ctx.today), tail=tail)))
        if value == "edit":
            state["stage"] = "pick"
            rows = [[Button(T.FIELD_LABELS[f], self.button(f)) for f in rs.FIELDS[:2]],
                    [Button(T.FIELD_LABELS[f], self.button(f)) for f in rs.FIELDS[2:]],
                    [Button(T.BACK_TO_SUMMARY, self.button("back"))]]
            return Turn.stay(state, Reply(T.PICK_FIELD, buttons=rows))
        return self._summary(ctx, state, hint=T.SUMMARY_HINT_AGAIN)


DIALOG = ReportDialog()


# -- free text: offer to save as today's report ---------------------------------------------
def _has_today(ctx: Ctx, member_id: int) -> bool:
    return rs.get_report(ctx.session, member_id, ctx.today) is not None


def offer_text(ctx: Ctx, text: str) -> Replies | None:
    actor = ctx.actor
    if actor is None or actor.kind != "member" or not actor.in_team or not ctx.incoming.text:
        return None
    if not offers_report(text, ctx.actor.role, ctx.settings.report_offer_min_chars):
        return None
    pid = rs.keep_pending_text(ctx.session, actor, text, ctx.now)
    has_today = _has_today(ctx, actor.id)
    label, what = (T.ADD_TO_TODAY, T.OFFER_ADD) if has_today else (T.SAVE_AS_TODAY, T.OFFER_SAVE)
    return [Reply(T.OFFER.format(n=len(text), what=what) + (T.OFFER_ADD_NOTE if has_today else ""),
                  buttons=buttons_row((label, OfferButton("save", pid).pack()),
                                      (T.NO_THANKS, OfferButton("no", pid).pack())))]


def on_offer(ctx: Ctx, pressed: OfferButton) -> Replies:
    actor = ctx.require_actor()
    if pressed.action == "no":
        rs.take_pending_text(ctx.session, pressed.pending_id, actor, ctx.now)
        return [Reply(T.OFFER_DECLINED)]
    rs.pending_text(ctx.session, pressed.pending_id, actor)  # someone else's text: refused here
    member = _presser(ctx)
    label = T.ADD_TO_TODAY if _has_today(ctx, member.id) else T.SAVE_AS_TODAY
    return ctx.begin_fresh(DIALOG.name, f"pending:{pressed.pending_id}", label)


# -- reading reports ----------------------------------------------------------------------------
def on_report(ctx: Ctx, pressed: ReportButton) -> Replies:
    r = rs.require_reader(ctx.require_actor(), ctx.session.get(DailyReport, pressed.report_id))
    if pressed.action == "full":
        text = T.format_report(r, ctx.today, preview=None)
        return [Reply(part) for part in split_for_display(text, 3500)]
    if pressed.action == "vo":
        return _report_voices(ctx, r)
    return _report_photos(ctx, r)


def _report_photos(ctx: Ctx, r: DailyReport) -> Replies:
    """[📷 …] under /reports or /myreports: the photos are sent only when asked, so a leader
    of a big team reads the list first; the author or the team's leader/first secretary only."""
    if not r.photos:
        return [Reply(T.NO_PHOTOS)]
    member = ctx.session.get(Member, r.member_id)
    return [Reply(T.PHOTOS.format(name=member.name if member else "",
                                  day=T.day_label(r.report_date, ctx.today), n=len(r.photos),
                                  first_line=_one_line(r.done)),
                  attachments=photos(r.photos))]


def _report_voices(ctx: Ctx, r: DailyReport) -> Replies:
    """[🎙 …]: the day's voice notes played back, for the author or the team's leaders."""
    if not r.voices:
        return [Reply(T.NO_VOICES)]
    member = ctx.session.get(Member, r.member_id)
    return [Reply(T.VOICES.format(name=member.name if member else "",
                                  day=T.day_label(r.report_date, ctx.today), n=len(r.voices),
                                  first_line=_one_line(r.done) or T.VOICE_ONLY),
                  attachments=[Attachment.voice(v) for v in r.voices])]


def _report_buttons(r: DailyReport, label: str) -> list[Button]:
    """[全文 …] for a long report and [📷 …] for its photos; `label` tells reports apart
    (the day in /myreports, the member's name in /reports)."""
    row = []
    if any(len(getattr(r, f) or "") > 120 for f in rs.FIELDS):
        row.append(Button(T.FULL_TEXT.format(label=label), ReportButton("full", r.id).pack()))
    if r.photos:
        row.append(Button(T.PHOTOS_BUTTON.format(label=label, n=len(r.photos)),
                          ReportButton("ph", r.id).pack()))
    if r.voices:
        row.append(Button(T.VOICES_BUTTON.format(label=label, n=len(r.voices)),
                          ReportButton("vo", r.id).pack()))
    return row


def my_reports(ctx: Ctx, args: str) -> Replies:
    offset = int(args) if args.strip().isdigit() and len(args.strip()) <= 6 else 0
    return _my_reports(ctx, _member(ctx), offset)


def on_page(ctx: Ctx, pressed: MyReportsPage) -> Replies:
    return _my_reports(ctx, _presser(ctx), pressed.offset)


def _my_reports(ctx: Ctx, member: Member, offset: int) -> Replies:
    rows, total = rs.member_reports(ctx.session, member.id, offset, PAGE)
    if not rows:
        return [Reply(T.MINE_NONE if offset == 0 else T.MINE_NO_OLDER)]
    parts = [T.format_report(r, ctx.today, preview=120) for r in rows]
    head = T.MINE_HEAD.format(first=offset + 1, last=offset + len(rows), total=total)
    buttons: list[list[Button]] = [b for r in rows
                                   if (b := _report_buttons(r, month_day(r.report_date)))]
    if offset + PAGE < total:
        buttons.append([Button(T.OLDER, MyReportsPage(offset + PAGE).pack())])
    return [Reply(head + "\n\n" + "\n\n".join(parts), buttons=buttons)]


def team_reports(ctx: Ctx, args: str) -> Replies:
    day = ctx.today
    if args.strip():
        r = parse_date_range(args.strip(), ctx.today)
        if r is None or r.start != r.end:
            rs.require_team_viewer(ctx.actor)
            raise UserError("reports.bad_day", text=args.strip())
        day = r.start
    return _team_day(ctx, day)


def on_day(ctx: Ctx, pressed: TeamDayButton) -> Replies:
    return _team_day(ctx, pressed.day)


def _team_day(ctx: Ctx, day: date) -> Replies:
    team_id = rs.require_team_viewer(ctx.require_actor())
    if day > ctx.today:
        raise UserError("reports.list_future")
    team = _team(ctx, team_id)
    done = rs.team_reports(ctx.session, team_id, day)
    missing = rs.missing_reporters(ctx.session, team_id, day)
    lines = [T.TEAM_HEAD.format(team=team.name, day=T.day_label(day, ctx.today)),
             T.TEAM_COUNTS.format(done=len(done), missing=len(missing))]
    for m, r in done:
        visits = T.TEAM_VISITS.format(n=r.households_count) if r.households_count else ""
        pics = T.TEAM_PHOTOS.format(n=len(r.photos)) if r.photos else ""
        pics += T.TEAM_VOICES.format(n=len(r.voices)) if r.voices else ""
        lines.append(T.TEAM_LINE.format(name=m.name, visits=visits, photos=pics,
                                        done=_one_line(r.done) or T.VOICE_ONLY))
        if r.problems:
            lines.append(T.TEAM_PROBLEM.format(problems=_one_line(r.problems)))
    if missing:
        lines.append(T.TEAM_MISSING.format(names=T.LIST_SEP.join(m.name for m in missing)))
    buttons = [b for m, r in done if (b := _report_buttons(r, m.name))]
    buttons.append([Button(T.DAY_BEFORE, TeamDayButton(day - timedelta(days=1)).pack())])
    return [Reply("\n".join(lines), buttons=buttons)]


def _one_line(text: str, limit: int = 60) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[:limit] + "…"


# -- a voice note outside any dialog: part of the day's log (#15) -------------------------------------
def voice_note(ctx: Ctx, text: str) -> Replies | None:
    """A team member's voice note is kept in today's log at once, no taps; anyone else's
    falls through to "I only read text"."""
    msg, actor = ctx.incoming, ctx.actor
    if not msg.voice or actor is None or actor.kind != "member" or not actor.in_team:
        return None
    member = _member(ctx)
    r = rs.add_voice(ctx.session, member, ctx.today, msg.voice, ctx.now)
    ctx.audit("report.voice", subject=f"report:{r.id}")
    return [Reply(T.VOICE_SAVED.format(day=T.day_label(ctx.today, ctx.today), n=len(r.voices)))]


def register(reg: Registry) -> None:
    reg.dialog(DIALOG)
    reg.command(Command("report", T.REPORT_DESCRIPTION, TEAM_ROLES, dialog=DIALOG.name,
                        aliases=T.REPORT_ALIASES, order=10))
    reg.command(Command("myreports", T.MYREPORTS_DESCRIPTION, TEAM_ROLES, run=my_reports,
                        aliases=T.MYREPORTS_ALIASES, order=11))
    reg.command(Command("reports", T.REPORTS_DESCRIPTION, frozenset(rs.VIEWER_ROLES),
                        run=team_reports, aliases=T.REPORTS_ALIASES, order=12))
    reg.callback(ReportButton, on_report)
    reg.callback(OfferButton, on_offer)
    reg.callback(MyReportsPage, on_page)
    reg.callback(TeamDayButton, on_day)
    reg.text(50, offer_text)
    reg.text(44, voice_note)

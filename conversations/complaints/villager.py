"""Villagers' side of complaints: /complain dialog, /mytickets, /ticket, rating, free text.

The dialog asks one thing at a time (category, whom it is about, what happened, where and
when, photos, named or anonymous), shows a summary, then files the ticket and posts it to
the supervisors (handling.py). Registration of every complaint command, button and tick
is here, so the feature plugs in with one line.
"""

from __future__ import annotations

from typing import Any

from conversations.complaints import handling
from conversations.complaints import text as T
from conversations.complaints.buttons import (
    NewComplaintButton,
    RateButton,
    TicketButton,
    offer_button,
    pressed,
    rating_buttons,
)
from core.context import Ctx
from core.messages import Button, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from services import complaints as svc
from services.roles import Role
from services.text_intent import offers_complaint
from storage.models import Complaint, Member

MAX_PLACE = 200


def _categories(ctx: Ctx) -> dict[str, str]:
    """Dialog button value -> category, for the categories offered now."""
    return {f"c{i}": c for i, c in enumerate(ctx.settings.complaint_categories)}


class ComplaintDialog(Dialog):
    name = "complain"
    title = T.COMPLAIN_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        villager = svc.villager_of(ctx.session, ctx.require_actor())
        svc.check_quota(ctx.session, villager, ctx.today, ctx.settings.complaint_daily_limit)
        cats = list(_categories(ctx).items())
        rows = [[Button(c, self.button(value)) for value, c in cats[j:j + 2]]
                for j in range(0, len(cats), 2)]
        return Turn.stay({"stage": "category", "photos": []}, Reply(T.WELCOME, buttons=rows))

    # -- steps ------------------------------------------------------------------------
    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        stage = state["stage"]
        return getattr(self, f"_on_{stage}")(ctx, state, msg)

    def _on_category(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        cats = _categories(ctx)
        value, text = pressed(msg), (msg.text or "").strip()
        chosen = None
        if value is not None:
            chosen = cats.get(value)
        elif text in cats.values():
            chosen = text
        if chosen is None:
            return Turn.stay(state, Reply(T.PICK_CATEGORY))
        state["category"] = chosen
        return self._ask_about(ctx, state)

    def _members(self, ctx: Ctx) -> dict[str, Member]:
        """Dialog button value -> team member the complaint may name."""
        villager = svc.villager_of(ctx.session, ctx.require_actor())
        return {f"m{m.id}": m for m in svc.members_about(ctx.session, villager.village_id)}

    def _ask_about(self, ctx: Ctx, state: dict[str, Any]) -> Turn:
        people = self._members(ctx)
        if not people:
            state["stage"] = "what"
            return Turn.stay(state, Reply(T.ASK_WHAT))
        rows = [[Button(T.member_tag(m.name, m.role), self.button(value))]
                for value, m in people.items()]
        rows.append([Button(T.WHOLE_TEAM, self.button("team")),
                     Button(T.NOBODY, self.button("none"))])
        state["stage"] = "about"
        return Turn.stay(state, Reply(T.ASK_ABOUT.format(category=state["category"]),
                                      buttons=rows))

    def _on_about(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value = pressed(msg)
        people = self._members(ctx)
        if value == "none":
            state.update(subject=None, about_team=False)
        elif value == "team":
            state.update(subject=None, about_team=True)
        elif value is not None and value in people:
            state.update(subject=people[value].id, about_team=False)
        else:
            return Turn.stay(state, Reply(T.PICK_ABOUT))
        state["stage"] = "what"
        return Turn.stay(state, Reply(T.ASK_WHAT))

    def _on_what(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        self._keep_photos(ctx, state, msg)
        text = (msg.text or "").strip()
        limit = ctx.settings.complaint_max_chars
        if not text:
            if msg.photos:
                return Turn.stay(state, Reply(T.PHOTO_NEEDS_WORDS.format(n=len(state["photos"]))))
            return Turn.stay(state, Reply(T.NEED_WORDS))
        if not svc.has_words(text):
            return Turn.stay(state, Reply(T.ONLY_EMOJI))
        if len(text) > limit:
            return Turn.stay(state, Reply(T.TEXT_TOO_LONG.format(length=len(text), limit=limit)))
        state["text"], state["stage"] = text, "where"
        return Turn.stay(state, Reply(T.ASK_WHERE,
                                      buttons=buttons_row((T.SKIP, self.button("skip")))))

    def _on_where(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        self._keep_photos(ctx, state, msg)
        if pressed(msg) != "skip":
            text = (msg.text or "").strip()
            if not text and msg.photos:
                return Turn.stay(state, Reply(T.PHOTO_THEN_WHERE,
                                              buttons=buttons_row((T.SKIP, self.button("skip")))))
            if len(text) > MAX_PLACE:
                return Turn.stay(state, Reply(T.PLACE_TOO_LONG.format(limit=MAX_PLACE)))
            state["place"] = text or None
        return self._ask_photos(state)

    def _ask_photos(self, state: dict[str, Any]) -> Turn:
        state["stage"] = "photos"
        n = len(state["photos"])
        if n:
            return Turn.stay(state, Reply(T.MORE_PHOTOS.format(n=n),
                                          buttons=buttons_row((T.PHOTOS_DONE, self.button("done")))))
        return Turn.stay(state, Reply(T.ASK_PHOTOS,
                                      buttons=buttons_row((T.NO_PHOTOS, self.button("done")))))

    def _on_photos(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        if msg.photos:
            self._keep_photos(ctx, state, msg)
            return self._ask_photos(state)
        if pressed(msg) != "done":
            return self._ask_photos(state)
        state["stage"] = "anon"
        return Turn.stay(state, Reply(T.ASK_ANON, buttons=self._anon_buttons()))

    def _anon_buttons(self) -> list[list[Button]]:
        return buttons_row((T.NAMED, self.button("named")), (T.ANON, self.button("anon")))

    def _keep_photos(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> None:
        room = ctx.settings.complaint_max_photos - len(state["photos"])
        state["photos"] = state["photos"] + list(msg.photos)[:max(room, 0)]

    def _on_anon(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value, text = pressed(msg), (msg.text or "").strip()
        if value == "anon" or text == T.TYPED_ANON:
            state["anonymous"] = True
        elif value == "named" or text == T.TYPED_NAMED:
            state["anonymous"] = False
        else:
            return Turn.stay(state, Reply(T.PICK_ANON, buttons=self._anon_buttons()))
        state["stage"] = "confirm"
        return Turn.stay(state, Reply(T.CONFIRM.format(summary=self._summary(ctx, state)),
                                      buttons=buttons_row((T.SUBMIT, self.button("submit")),
                                                          (T.DROP, self.button("drop")))))

    def _summary(self, ctx: Ctx, state: dict[str, Any]) -> str:
        about = T.NOBODY
        if state.get("subject"):
            m = ctx.session.get(Member, state["subject"])
            about = m.name if m else T.LEFT_TEAM
        elif state.get("about_team"):
            about = T.WHOLE_TEAM
        text = state["text"]
        if len(text) > T.SUMMARY_CHARS:
            text = text[:T.SUMMARY_CHARS] + T.ELLIPSIS
        lines = [T.SUMMARY_CATEGORY.format(category=state["category"]),
                 T.SUMMARY_ABOUT.format(about=about), T.SUMMARY_TEXT.format(text=text)]
        if state.get("place"):
            lines.append(T.SUMMARY_PLACE.format(place=state["place"]))
        if state["photos"]:
            lines.append(T.SUMMARY_PHOTOS.format(n=len(state["photos"])))
        lines.append(T.SUMMARY_WAY.format(way=T.WAY_ANON if state["anonymous"] else T.WAY_NAMED))
        return "\n".join(lines)

    def _on_confirm(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value, text = pressed(msg), (msg.text or "").strip()
        if value == "drop":
            return Turn.done(Reply(T.DROPPED))
        if value != "submit" and text not in T.TYPED_SUBMIT:
            return Turn.stay(state, Reply(T.PICK_SUBMIT))
        villager = svc.villager_of(ctx.session, ctx.require_actor())
        c = svc.file_complaint(
            ctx.session, villager=villager, category=state["category"], text=state["text"],
            place_time=state.get("place"), photos=state["photos"], anonymous=state["anonymous"],
            subject_member_id=state.get("subject"), about_team=bool(state.get("about_team")),
            now=ctx.now, tz=ctx.tz, daily_limit=ctx.settings.complaint_daily_limit)
        handling.announce_new(ctx, c)
        return Turn.done(Reply(T.SUBMITTED.format(
            ticket=c.ticket_no, summary=self._summary(ctx, state),
            hours=ctx.settings.complaint_accept_hours)))


DIALOG = ComplaintDialog()


# -- villager commands -----------------------------------------------------------------
def mytickets_command(ctx: Ctx, args: str) -> Replies:
    rows = svc.for_villager(ctx.session, ctx.require_actor())
    if not rows:
        return [Reply(T.NO_TICKETS)]
    lines = [T.MY_TICKETS.format(n=len(rows))]
    for c in rows:
        lines.append(T.MY_TICKET_LINE.format(ticket=c.ticket_no, category=c.category,
                                             status=T.status(c.status))
                     + (T.MY_RATING.format(rating=T.rating(c.rating)) if c.rating else ""))
    lines.append(T.MY_TICKETS_FOOT.format(ticket=rows[0].ticket_no))
    return [Reply("\n".join(lines))]


def ticket_command(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    ref = args.split()[0] if args.split() else ""
    c = svc.find_visible(ctx.session, actor, ref)
    if actor.kind == "member":
        return handling.detail_for_staff(ctx, c)
    return [villager_view(ctx, c)]


def villager_view(ctx: Ctx, c: Complaint) -> Reply:
    tz = ctx.settings.timezone
    lines = [T.VIEW.format(ticket=c.ticket_no, category=c.category,
                           filed=T.when(c.created_at, tz), status=T.status(c.status))]
    for ev in svc.events(ctx.session, c, ctx.require_actor()):
        # supervisors' names are not needed by the villager
        lines.append(T.VIEW_EVENT.format(time=T.when(ev.at, tz), label=T.EVENT_LABELS[ev.action])
                     + (T.WITH_NOTE.format(note=ev.note) if ev.note else ""))
    buttons: list[list[Button]] = []
    if c.status == "closed" and c.rating is None:
        lines.append(T.PLEASE_RATE)
        buttons = rating_buttons(c.id)
    elif c.rating:
        lines.append(T.YOUR_RATING.format(rating=T.rating(c.rating)))
    return Reply("\n".join(lines), buttons=buttons)


# -- buttons -----------------------------------------------------------------------------
def on_rate(ctx: Ctx, pressed_button: RateButton) -> Replies:
    rating = pressed_button.rating
    c = svc.rate(ctx.session, ctx.require_actor(), pressed_button.complaint_id, rating, ctx.now)
    handling.to_supervision(ctx.session, ctx.settings, c, f"ts:{c.id}:rated",
                            Reply(T.RATED_TO_SUPERVISION.format(ticket=c.ticket_no,
                                                                rating=T.rating(rating))),
                            ctx.now)
    tail = T.THANKS_BAD if rating == "bad" else ""
    return [Reply(T.THANKS.format(rating=T.rating(rating)) + tail)]


def on_new(ctx: Ctx, pressed_button: NewComplaintButton) -> Replies:
    svc.villager_of(ctx.session, ctx.require_actor())  # villagers only: refused and audited
    return handling.restart_or_begin_fresh(ctx, DIALOG.name, "", T.OFFER_BUTTON)


def villager_free_text(ctx: Ctx, text: str) -> Replies | None:
    """A villager writing outside a dialog most likely wants to raise something."""
    if ctx.actor is None or ctx.actor.kind != "villager":
        return None
    msg = ctx.incoming
    if not text and not msg.photos:
        return None
    if text and not msg.photos and not offers_complaint(text):
        return None  # a question goes on to the knowledge base (priority 60)
    return [Reply(T.OFFER, buttons=[[offer_button()]])]


STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})


def register(reg: Registry) -> None:
    reg.dialog(DIALOG)
    reg.dialog(handling.NOTE_DIALOG)
    reg.command(Command("complain", T.COMPLAIN_CMD, frozenset({Role.VILLAGER}),
                        dialog=DIALOG.name, aliases=T.COMPLAIN_ALIASES, order=1))
    reg.command(Command("mytickets", T.MYTICKETS_CMD, frozenset({Role.VILLAGER}),
                        run=mytickets_command, aliases=T.MYTICKETS_ALIASES, order=2))
    reg.command(Command("ticket", T.TICKET_CMD, frozenset({Role.VILLAGER}) | STAFF,
                        run=ticket_command, aliases=T.TICKET_ALIASES, order=3))
    reg.command(Command("tickets", T.TICKETS_CMD, STAFF, run=handling.tickets_command,
                        aliases=T.TICKETS_ALIASES, order=13))
    reg.callback(TicketButton, handling.on_action)
    reg.callback(RateButton, on_rate)
    reg.callback(NewComplaintButton, on_new)
    reg.text(40, villager_free_text)
    reg.tick("complaints.escalate", handling.escalation_tick)

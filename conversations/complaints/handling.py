"""Supervisors' side of complaints: the supervision channel, action buttons, notes, escalation.

Posts go to the supervision group (SUPERVISION_CHAT_ID, Telegram) or, without one, to the
people services.complaints.handlers names (the county's supervisors, else its
administrators) privately. Every status change is told to the villager in plain words.
Nothing here ever prints an anonymous author: the author comes from
services.complaints.author, which gives none for an anonymous ticket.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from conversations.complaints import text as T
from conversations.complaints.buttons import TicketButton, rating_buttons
from core import outbox
from core.context import Ctx
from core.messages import Button, Incoming, Reply, photos
from core.registry import Dialog, Replies, Turn
from services import complaints as svc
from services.config import Settings
from services.errors import UserError
from storage.models import Complaint, ComplaintEvent, Village

PREVIEW_CHARS = 800


def action_buttons(c: Complaint, *, all_four: bool = False) -> list[list[Button]]:
    """The ticket card carries all four actions (a wrong one gets a clear reply, since
    a group message cannot follow the status); later status lines only the next steps."""
    acts = [a for a in svc.ACTIONS.values()
            if c.status in a.allowed_from or (all_four and c.status in svc.OPEN_STATUSES)]
    return [[Button(a.label, TicketButton(a.code, c.id).pack())  # type: ignore[arg-type]
             for a in acts]] if acts else []


def card(session: Session, c: Complaint, tz: str, *, full: bool = False) -> str:
    """The complaint as supervisors see it (author '匿名' when anonymous)."""
    village = session.get(Village, c.village_id)
    text = c.text
    if not full and len(text) > PREVIEW_CHARS:
        text = text[:PREVIEW_CHARS] + T.CUT.format(length=len(c.text), ticket=c.ticket_no)
    author = svc.author(session, c)
    lines = [T.CARD_HEAD.format(ticket=c.ticket_no),
             T.CARD_VILLAGE.format(village=village.full_name if village else ""),
             T.CARD_CATEGORY.format(category=c.category),
             T.CARD_ABOUT.format(about=T.subject(svc.subject(session, c))),
             T.CARD_AUTHOR.format(author=T.author(c.anonymous, author.name if author else None)),
             T.CARD_TEXT.format(text=text)]
    if c.place_time:
        lines.append(T.CARD_PLACE.format(place=c.place_time))
    if c.photos:
        lines.append(T.CARD_PHOTOS.format(n=len(c.photos)))
    lines += [T.CARD_FILED.format(filed=T.when(c.created_at, tz)),
              T.CARD_STATUS.format(status=T.status(c.status))]
    return "\n".join(lines)


def to_supervision(session: Session, settings: Settings, c: Complaint, key: str, reply: Reply,
                   now: datetime, skip_member: int | None = None) -> None:
    """Post to the supervision group, or to each of the ticket's handlers privately."""
    if settings.supervision_chat_id:
        outbox.enqueue(session, key=f"{key}:group", reply=reply, now=now, platform="telegram",
                       chat_id=str(settings.supervision_chat_id))
        return
    for m in svc.handlers(session, c):
        if m.id != skip_member:
            outbox.enqueue(session, key=f"{key}:m{m.id}", reply=reply, now=now, member_id=m.id)


def announce_new(ctx: Ctx, c: Complaint) -> None:
    # The photos are the villager's own uploads, re-sent by file id: nothing in them or in
    # the card names an anonymous author (a forward would; a re-send does not).
    reply = Reply(card(ctx.session, c, ctx.settings.timezone), buttons=action_buttons(c, all_four=True),
                  attachments=photos(c.photos))
    to_supervision(ctx.session, ctx.settings, c, f"ts:{c.id}:new", reply, ctx.now)


def after_action(ctx: Ctx, c: Complaint, ev: ComplaintEvent) -> Replies:
    """Tell the villager and the supervision channel; return the actor's confirmation."""
    actor = ctx.require_actor()
    action = svc.ACTIONS[ev.action]
    text = T.TO_VILLAGER[action.code].format(ticket=c.ticket_no, note=ev.note or "")
    buttons = rating_buttons(c.id) if action.code == "close" else []
    ctx.notify(f"ts:{c.id}:ev{ev.id}:villager", Reply(text, buttons=buttons), villager_id=c.villager_id)
    status = T.STATUS_LINE.format(ticket=c.ticket_no, status=T.status(c.status), who=actor.name)
    if ev.note:
        status += T.STATUS_NOTE.format(note=ev.note)
    actor_id = actor.id if actor.kind == "member" else None
    to_supervision(ctx.session, ctx.settings, c, f"ts:{c.id}:ev{ev.id}",
                   Reply(status, buttons=action_buttons(c)), ctx.now, skip_member=actor_id)
    if in_supervision_group(ctx):
        return []  # the group already gets the status line above
    return [Reply(T.ACTION_DONE.format(action=action.label, ticket=c.ticket_no),
                  buttons=action_buttons(c))]


def in_supervision_group(ctx: Ctx) -> bool:
    chat = ctx.settings.supervision_chat_id
    return bool(chat) and not ctx.incoming.is_private and ctx.incoming.chat_id == str(chat)


def restart_or_begin_fresh(ctx: Ctx, dialog: str, args: str, label: str) -> Replies:
    """Open a dialog from a button with ctx.begin_fresh; a press that would open the very
    dialog already open (another note button, [我要反映问题] again) starts it over."""
    return ctx.begin_fresh(dialog, args, label, restart=True)


def on_action(ctx: Ctx, pressed_button: TicketButton) -> Replies:
    """A supervisor pressed 受理/转办/办结/驳回 (in the group or privately)."""
    actor = ctx.require_actor()
    c = svc.get_for_handling(ctx.session, actor, pressed_button.complaint_id)  # refused -> audit
    action = svc.ACTIONS[pressed_button.action]
    svc.check_transition(c, action)
    if not action.needs_note:
        ev = svc.act(ctx.session, c, action.code, actor, None, ctx.now)
        return after_action(ctx, c, ev)
    prompts = restart_or_begin_fresh(ctx, NOTE_DIALOG.name, f"{action.code}:{c.id}", action.label)
    if not in_supervision_group(ctx):
        return prompts
    for i, r in enumerate(prompts):  # the note is typed in the private chat, not the group
        ctx.notify(f"ts:{c.id}:prompt:{ctx.incoming.user_id}:{ctx.incoming.update_key or ctx.now.isoformat()}:{i}",
                   r, chat=(ctx.incoming.platform, ctx.incoming.user_id))
    return [Reply(T.NOTE_IN_PRIVATE.format(who=actor.name, action=action.label,
                                           ticket=c.ticket_no))]


class NoteDialog(Dialog):
    """The short note a supervisor writes for 转办/办结/驳回 (args "<action>:<id>", set by
    on_action from a parsed button, never by the user)."""

    name = "ts_note"
    title = T.NOTE_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        code, _, raw = args.partition(":")
        c = svc.get_for_handling(ctx.session, ctx.require_actor(), int(raw))
        action = svc.ACTIONS[code]
        svc.check_transition(c, action)
        return Turn.stay({"id": c.id, "action": code}, Reply(T.ASK_NOTE.format(
            action=action.label, ticket=c.ticket_no, prompt=T.NOTE_PROMPTS[code])))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        actor = ctx.require_actor()
        c = svc.get_for_handling(ctx.session, actor, state["id"])
        try:
            ev = svc.act(ctx.session, c, state["action"], actor, msg.text or "", ctx.now)
        except UserError as exc:
            if c.status not in svc.ACTIONS[state["action"]].allowed_from:
                return Turn.done(Reply(str(exc)))  # someone else handled it meanwhile
            return Turn.stay(state, Reply(str(exc)))
        return Turn.done(*after_action(ctx, c, ev))


NOTE_DIALOG = NoteDialog()


def escalation_tick(session: Session, now: datetime, st: Settings) -> None:
    """Overdue tickets go to the county's administrators, once per ticket and deadline."""
    for c, kind in svc.overdue(session, now, st.complaint_accept_hours, st.complaint_close_days):
        if kind == "accept":
            why = T.ESCALATE_ACCEPT.format(hours=st.complaint_accept_hours)
        else:
            why = T.ESCALATE_CLOSE.format(days=st.complaint_close_days)
        village = session.get(Village, c.village_id)
        text = T.ESCALATION.format(ticket=c.ticket_no, category=c.category,
                                   village=village.full_name if village else "", why=why,
                                   status=T.status(c.status))
        for m in svc.county_admins(session, c):
            outbox.enqueue(session, key=f"ts:{c.id}:esc-{kind}:m{m.id}", reply=Reply(text),
                           now=now, member_id=m.id)
        svc.record_escalation(session, c, kind, now)


def tickets_command(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    flt = (args or "").strip().lower()
    only_open = flt not in T.ALL_WORDS
    rows = svc.for_county(ctx.session, actor, only_open)
    what = T.OPEN if only_open else T.ALL
    if not rows:
        tail = T.SEE_ALL if only_open else ""
        return [Reply(T.NO_TICKETS_IN_COUNTY.format(what=what, tail=tail))]
    lines = [T.COUNTY_TICKETS.format(what=what, n=len(rows))]
    for c in rows:
        late = svc.overdue_kind(c, ctx.now, ctx.settings.complaint_accept_hours,
                                ctx.settings.complaint_close_days)
        village = ctx.session.get(Village, c.village_id)
        lines.append(T.COUNTY_LINE.format(ticket=c.ticket_no, status=T.status(c.status),
                                          late=T.OVERDUE if late else "", category=c.category,
                                          village=village.name if village else ""))
    lines.append(T.COUNTY_FOOT)
    return [Reply("\n".join(lines))]


def event_lines(events: Iterable[ComplaintEvent], tz: str) -> list[str]:
    out = []
    for ev in events:
        who = ev.actor_name or (T.ANONYMOUS if ev.actor == "anonymous" else T.SYSTEM)
        out.append(T.RECORD_LINE.format(time=T.when(ev.at, tz),
                                        label=T.EVENT_LABELS.get(ev.action, ev.action), who=who)
                   + (T.WITH_NOTE.format(note=ev.note) if ev.note else ""))
    return out


def detail_for_staff(ctx: Ctx, c: Complaint) -> Replies:
    actor = ctx.require_actor()
    tz = ctx.settings.timezone
    lines = [card(ctx.session, c, tz, full=True), "", T.RECORD_HEAD,
             *event_lines(svc.events(ctx.session, c, actor), tz)]
    if c.rating:
        lines.append(T.AUTHOR_RATING.format(rating=T.rating(c.rating)))
    buttons = action_buttons(c) if svc.may_handle(actor, c) else []
    return [Reply("\n".join(lines), buttons=buttons, attachments=photos(c.photos))]

"""Supervisors' side of complaints: the supervision channel, action buttons, notes, escalation.

Posts go to the supervision group (SUPERVISION_CHAT_ID, Telegram) or, without one, to the
county's supervisors privately. Every status change is told to the villager in plain
words. Nothing here ever prints an anonymous author: texts come from
services.complaints.author_label, which says "匿名".
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import outbox
from core.context import Ctx
from core.messages import Button, Incoming, Reply, photos
from core.registry import Dialog, Replies, Turn
from services import complaints as svc
from services.clock import local_stamp
from services.config import Settings
from services.errors import UserError
from services.roles import Role
from storage.models import Complaint, ComplaintEvent, DialogState, Member, Village

PREFIX = "ts"
PREVIEW_CHARS = 800


def action_buttons(c: Complaint, *, all_four: bool = False) -> list[list[Button]]:
    """The ticket card carries all four actions (a wrong one gets a clear reply, since
    a group message cannot follow the status); later status lines only the next steps."""
    acts = [a for a in svc.ACTIONS.values()
            if c.status in a.allowed_from or (all_four and c.status in svc.OPEN_STATUSES)]
    return [[Button(a.label, f"{PREFIX}:{a.code}:{c.id}") for a in acts]] if acts else []


def fmt_time(dt: datetime | None, tz: str) -> str:
    return local_stamp(dt, tz)


def card(session: Session, c: Complaint, tz: str, *, full: bool = False) -> str:
    """The complaint as supervisors see it (author '匿名' when anonymous)."""
    village = session.get(Village, c.village_id)
    text = c.text
    if not full and len(text) > PREVIEW_CHARS:
        text = text[:PREVIEW_CHARS] + f"……（全文{len(c.text)}字，发送 /ticket {c.ticket_no} 查看）"
    lines = [f"【群众反映】{c.ticket_no}",
             f"村：{village.full_name if village else ''}",
             f"类别：{c.category}",
             f"涉及：{svc.subject_label(session, c)}",
             f"反映人：{svc.author_label(session, c)}",
             f"情况：{text}"]
    if c.place_time:
        lines.append(f"地点时间：{c.place_time}")
    if c.photos:
        lines.append(f"照片：{len(c.photos)}张")
    lines += [f"提交时间：{fmt_time(c.created_at, tz)}", f"状态：{svc.STATUS_LABELS[c.status]}"]
    return "\n".join(lines)


def to_supervision(session: Session, settings: Settings, c: Complaint, key: str, reply: Reply,
                   now: datetime, skip_member: int | None = None) -> None:
    """Post to the supervision group, or to each supervisor of the county privately."""
    if settings.supervision_chat_id:
        outbox.enqueue(session, key=f"{key}:group", reply=reply, now=now, platform="telegram",
                       chat_id=str(settings.supervision_chat_id))
        return
    people = list(session.scalars(select(Member).where(
        Member.role == Role.SUPERVISOR.value, Member.county_id == c.county_id,
        Member.active.is_(True)).order_by(Member.id)))
    if not people:  # nobody to handle it: the administrators must know
        people = county_admins(session, c.county_id)
    for m in people:
        if m.id != skip_member:
            outbox.enqueue(session, key=f"{key}:m{m.id}", reply=reply, now=now, member_id=m.id)


def county_admins(session: Session, county_id: int) -> list[Member]:
    return list(session.scalars(select(Member).where(
        Member.role == Role.ADMIN.value, Member.county_id == county_id,
        Member.active.is_(True)).order_by(Member.id)))


def announce_new(ctx: Ctx, c: Complaint) -> None:
    # The photos are the villager's own uploads, re-sent by file id: nothing in them or in
    # the card names an anonymous author (a forward would; a re-send does not).
    reply = Reply(card(ctx.session, c, ctx.settings.timezone), buttons=action_buttons(c, all_four=True),
                  attachments=photos(c.photos))
    to_supervision(ctx.session, ctx.settings, c, f"ts:{c.id}:new", reply, ctx.now)


VILLAGER_TEXTS = {
    "accept": "您反映的问题（{no}）已经受理，监督员会尽快核实处理，有结果会告诉您。",
    "transfer": "您反映的问题（{no}）已转交有关部门办理：{note}\n办理结果会再告诉您。",
    "close": "您反映的问题（{no}）已经办结。\n处理结果：{note}\n请您评价这次办理：",
    "reject": "您反映的问题（{no}）这次没有受理。原因：{note}\n如果有新的情况或证据，"
              "可以发送 /complain 再次反映。",
}


def after_action(ctx: Ctx, c: Complaint, ev: ComplaintEvent) -> Replies:
    """Tell the villager and the supervision channel; return the actor's confirmation."""
    action = svc.ACTIONS[ev.action]
    text = VILLAGER_TEXTS[action.code].format(no=c.ticket_no, note=ev.note or "")
    buttons = []
    if action.code == "close":
        buttons = [[Button(label, f"{PREFIX}:r:{c.id}:{code}") for code, label in svc.RATINGS.items()]]
    ctx.notify(f"ts:{c.id}:ev{ev.id}:villager", Reply(text, buttons=buttons), villager_id=c.villager_id)
    status = f"{c.ticket_no} {svc.STATUS_LABELS[c.status]}（{ctx.actor.name if ctx.actor else ''}）"
    if ev.note:
        status += f"\n说明：{ev.note}"
    actor_id = ctx.actor.id if ctx.actor and ctx.actor.kind == "member" else None
    to_supervision(ctx.session, ctx.settings, c, f"ts:{c.id}:ev{ev.id}",
                   Reply(status, buttons=action_buttons(c)), ctx.now, skip_member=actor_id)
    if in_supervision_group(ctx):
        return []  # the group already gets the status line above
    return [Reply(f"已{action.label}：{c.ticket_no}，已通知反映人。", buttons=action_buttons(c))]


def in_supervision_group(ctx: Ctx) -> bool:
    chat = ctx.settings.supervision_chat_id
    return bool(chat) and not ctx.incoming.is_private and ctx.incoming.chat_id == str(chat)


def open_dialog(ctx: Ctx) -> DialogState | None:
    return ctx.session.scalar(select(DialogState).where(
        DialogState.platform == ctx.incoming.platform,
        DialogState.external_id == ctx.incoming.user_id))


def begin_or_explain(ctx: Ctx, dialog: str, args: str = "") -> Replies:
    """Start a dialog from a button; never trample another dialog the user has open."""
    row = open_dialog(ctx)
    if row is not None:
        if row.dialog != dialog:
            title = ctx.registry.dialogs[row.dialog].title if row.dialog in ctx.registry.dialogs else ""
            raise UserError(f"您还有未完成的「{title}」。请先完成它，或发送 /cancel 放弃后再点。")
        ctx.session.delete(row)
        ctx.session.flush()
    return ctx.begin(dialog, args)


def on_action(ctx: Ctx, code: str, raw_id: str) -> Replies:
    """A supervisor pressed 受理/转办/办结/驳回 (in the group or privately)."""
    assert ctx.actor is not None
    complaint_id = int(raw_id) if raw_id.isdigit() else -1
    c = svc.get_for_handling(ctx.session, ctx.actor, complaint_id)  # PermissionDenied -> audit
    action = svc.ACTIONS[code]
    svc.check_transition(c, action)
    if not action.needs_note:
        ev = svc.act(ctx.session, c, code, ctx.actor, None, ctx.now)
        return after_action(ctx, c, ev)
    prompts = begin_or_explain(ctx, NOTE_DIALOG.name, f"{code}:{c.id}")
    if not in_supervision_group(ctx):
        return prompts
    for i, r in enumerate(prompts):  # the note is typed in the private chat, not the group
        ctx.notify(f"ts:{c.id}:prompt:{ctx.incoming.user_id}:{ctx.incoming.update_key or ctx.now.isoformat()}:{i}",
                   r, chat=(ctx.incoming.platform, ctx.incoming.user_id))
    return [Reply(f"{ctx.actor.name} 正在{action.label} {c.ticket_no}，请在与我的私聊里填写说明。")]


class NoteDialog(Dialog):
    """The short note a supervisor writes for 转办/办结/驳回."""

    name = "ts_note"
    title = "填写办理说明"

    def start(self, ctx: Ctx, args: str) -> Turn:
        code, _, raw = args.partition(":")
        assert ctx.actor is not None
        c = svc.get_for_handling(ctx.session, ctx.actor, int(raw))
        action = svc.ACTIONS[code]
        svc.check_transition(c, action)
        return Turn.stay({"id": c.id, "action": code}, Reply(
            f"{action.label} {c.ticket_no}：{action.note_prompt}\n放弃请发送 /cancel 。"))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        assert ctx.actor is not None
        c = svc.get_for_handling(ctx.session, ctx.actor, state["id"])
        try:
            ev = svc.act(ctx.session, c, state["action"], ctx.actor, msg.text or "", ctx.now)
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
            why = f"提交超过{st.complaint_accept_hours}小时仍未受理"
        else:
            why = f"提交超过{st.complaint_close_days}天仍未办结"
        village = session.get(Village, c.village_id)
        text = (f"【督办提醒】群众反映 {c.ticket_no}（{c.category}，"
                f"{village.full_name if village else ''}）{why}，"
                f"当前状态：{svc.STATUS_LABELS[c.status]}。请督促监督员办理。"
                f"发送 /ticket {c.ticket_no} 查看详情。")
        for m in county_admins(session, c.county_id):
            outbox.enqueue(session, key=f"ts:{c.id}:esc-{kind}:m{m.id}", reply=Reply(text),
                           now=now, member_id=m.id)
        svc.record_escalation(session, c, kind, now)


def tickets_command(ctx: Ctx, args: str) -> Replies:
    assert ctx.actor is not None
    flt = (args or "").strip().lower()
    only_open = flt not in ("all", "全部")
    rows = svc.for_county(ctx.session, ctx.actor, only_open)
    what = "待办" if only_open else "全部"
    if not rows:
        tail = "发送 /tickets all 查看全部。" if only_open else ""
        return [Reply(f"本县目前没有{what}的群众反映。{tail}")]
    lines = [f"本县{what}的群众反映（最近{len(rows)}件）："]
    for c in rows:
        late = svc.overdue_kind(c, ctx.now, ctx.settings.complaint_accept_hours,
                                ctx.settings.complaint_close_days)
        village = ctx.session.get(Village, c.village_id)
        lines.append(f"{c.ticket_no} {svc.STATUS_LABELS[c.status]}{'（超期）' if late else ''} "
                     f"{c.category} {village.name if village else ''}")
    lines.append("发送 /ticket 编号 查看详情并办理；/tickets all 查看全部，/tickets open 只看待办。")
    return [Reply("\n".join(lines))]


def detail_for_staff(ctx: Ctx, c: Complaint) -> Replies:
    tz = ctx.settings.timezone
    lines = [card(ctx.session, c, tz, full=True), "", "办理记录："]
    events = ctx.session.scalars(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == c.id).order_by(ComplaintEvent.id))
    for ev in events:
        who = ev.actor_name or ("匿名" if ev.actor == "anonymous" else "系统")
        lines.append(f"{fmt_time(ev.at, tz)} {svc.EVENT_LABELS.get(ev.action, ev.action)}（{who}）"
                     + (f"：{ev.note}" if ev.note else ""))
    if c.rating:
        lines.append(f"反映人评价：{svc.RATINGS[c.rating]}")
    buttons = action_buttons(c) if ctx.actor and ctx.actor.role == Role.SUPERVISOR else []
    return [Reply("\n".join(lines), buttons=buttons, attachments=photos(c.photos))]


"""Chat side of the handover sheet: /handover and its buttons. Rules in services/handover.py
(on the typed actor), words in text.py.

Taps: the team leader names the successor in two taps; the outgoing member lists files
in one tap and one message and signs in one tap; the successor confirms each item with a
tap (or all that remain with one) and signs with one; the approver approves with one.
"""

from __future__ import annotations

from typing import Any

from core.context import Ctx
from core.messages import Button, Incoming, Reply
from core.registry import Command, Dialog, Registry, Replies, Turn
from services import handover
from services.errors import NotFound, PermissionDenied
from services.roles import MEMBER_ROLES
from storage.models import Handover, HandoverItem, Member

from . import text as T
from .buttons import ItemButton, SheetButton, SuccessorButton

MAX_ITEM_BUTTONS = 8


def _actor_is(ctx: Ctx, member_id: int | None) -> bool:
    a = ctx.actor
    return a is not None and member_id is not None and (a.kind, a.id) == ("member", member_id)


def sheet_reply(ctx: Ctx, h: Handover) -> Reply:
    s = ctx.session
    items = handover.sync_items(s, h, ctx.now)
    sh = handover.sheet_of(s, h)
    rows: list[list[Button]] = []
    open_ = h.closed_at is None and sh.approved_at is None
    if open_ and _actor_is(ctx, h.member_id):
        row = [Button(T.BTN_FILES, SheetButton("f", h.id).pack())]
        if sh.successor_id is not None and sh.out_signed_at is None:
            row.append(Button(T.BTN_SIGN_OUT, SheetButton("so", h.id).pack()))
        rows.append(row)
    if open_ and _may(lambda: handover.require_namer(s, h, ctx.actor)):
        rows.append([Button(T.BTN_NAME, SheetButton("n", h.id).pack())])
    if open_ and _actor_is(ctx, sh.successor_id):
        todo = [i for i in items if i.confirmed_at is None]
        rows += [[Button(T.BTN_ITEM.format(label=_short(i.label)), ItemButton(i.id).pack())]
                 for i in todo[:MAX_ITEM_BUTTONS]]
        if len(todo) > 1:
            rows.append([Button(T.BTN_ALL.format(n=len(todo)), SheetButton("a", h.id).pack())])
        if not todo and sh.in_signed_at is None:
            rows.append([Button(T.BTN_SIGN_IN, SheetButton("si", h.id).pack())])
    if open_ and sh.out_signed_at and sh.in_signed_at and handover.may_approve(s, h, ctx.actor):
        rows.append([Button(T.BTN_APPROVE, SheetButton("ok", h.id).pack())])
    return Reply(T.sheet_text(s, h, ctx.now), buttons=rows)


def _may(check) -> bool:  # type: ignore[no-untyped-def]
    try:
        check()
    except PermissionDenied:
        return False
    return True


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[:limit] + "…"


def handover_cmd(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    rows = handover.handovers_for(ctx.session, actor)
    if not rows:
        return [Reply(T.NO_HANDOVER.format(days=ctx.settings.handover_days))]
    return [sheet_reply(ctx, h) for h in rows]


def _name(s, member_id: int | None) -> str:  # type: ignore[no-untyped-def]
    m = s.get(Member, member_id) if member_id else None
    return m.name if m is not None else ""


# -- buttons ------------------------------------------------------------------------------------
def on_sheet(ctx: Ctx, pressed: SheetButton) -> Replies:
    actor = ctx.require_actor()
    s = ctx.session
    h = handover.get(s, pressed.handover_id)
    a = pressed.action
    if a == "v":
        handover.require_party(s, h, actor)
        return [sheet_reply(ctx, h)]
    if a == "n":
        handover.require_namer(s, h, actor)
        people = handover.candidates(s, h)
        if not people:
            return [Reply(T.NO_CANDIDATES)]
        return [Reply(T.PICK_SUCCESSOR.format(name=_name(s, h.member_id)), buttons=[
            [Button(m.name, SuccessorButton(h.id, m.id).pack()) for m in people[i:i + 3]]
            for i in range(0, min(len(people), 12), 3)])]
    if a == "f":
        if not _actor_is(ctx, h.member_id):
            raise PermissionDenied("handover.outgoing_only")
        return ctx.begin_fresh(FilesDialog.name, str(h.id), T.BTN_FILES, restart=True)
    if a == "a":
        done = handover.confirm(s, h, actor, None, ctx.now)
        return [Reply(T.CONFIRMED.format(n=len(done)) + _moved(done)), sheet_reply(ctx, h)]
    if a in ("so", "si"):
        side = handover.sign(s, h, actor, ctx.now)
        _tell_approvers(ctx, h)
        return [Reply(T.SIGNED[side]), sheet_reply(ctx, h)]
    handover.approve(s, h, actor, ctx.now)
    out = _name(s, h.member_id)
    sh = handover.sheet_of(s, h)
    for mid in {h.member_id, sh.successor_id} - {None}:
        ctx.notify(f"ho:{h.id}:approved:m{mid}", Reply(T.APPROVED_NOTICE.format(out=out, by=actor.name)),
                   member_id=mid)
    for m in handover.approvers(s, h):
        if m.role == "admin" and m.id != actor.id:
            ctx.notify(f"ho:{h.id}:approved:m{m.id}", Reply(T.APPROVED_NOTICE.format(out=out, by=actor.name)),
                       member_id=m.id)
    return [Reply(T.APPROVED.format(out=out)), sheet_reply(ctx, h)]


def _moved(done: list[HandoverItem]) -> str:
    return T.CONFIRMED_NOTE if any(i.kind != handover.FILE for i in done) else ""


def _tell_approvers(ctx: Ctx, h: Handover) -> None:
    sh = handover.sheet_of(ctx.session, h)
    if sh.out_signed_at is None or sh.in_signed_at is None:
        return
    out = _name(ctx.session, h.member_id)
    card = Reply(T.TO_APPROVE.format(out=out) + "\n" + T.sheet_text(ctx.session, h, ctx.now),
                 buttons=[[Button(T.BTN_VIEW, SheetButton("v", h.id).pack())]])
    stamp = f"{sh.in_signed_at:%Y%m%d%H%M}{sh.out_signed_at:%Y%m%d%H%M}"
    for m in handover.approvers(ctx.session, h):
        ctx.notify(f"ho:{h.id}:approve:{stamp}:m{m.id}", card, member_id=m.id)


def on_item(ctx: Ctx, pressed: ItemButton) -> Replies:
    actor = ctx.require_actor()
    item = ctx.session.get(HandoverItem, pressed.item_id)
    if item is None:
        raise NotFound("handover.item_gone")
    h = handover.get(ctx.session, item.handover_id)
    done = handover.confirm(ctx.session, h, actor, [item.id], ctx.now)
    return [Reply(T.CONFIRMED.format(n=len(done)) + _moved(done)), sheet_reply(ctx, h)]


def on_successor(ctx: Ctx, pressed: SuccessorButton) -> Replies:
    actor = ctx.require_actor()
    s = ctx.session
    h = handover.get(s, pressed.handover_id)
    handover.require_namer(s, h, actor)
    m = s.get(Member, pressed.member_id)
    if m is None:
        raise NotFound("handover.item_gone")
    handover.name_successor(s, h, actor, m, ctx.now)
    out = _name(s, h.member_id)
    ctx.notify(f"ho:{h.id}:successor:{m.id}:m{m.id}",
               Reply(T.NAMED_SUCCESSOR.format(out=out, end=h.term_end),
                     buttons=[[Button(T.BTN_VIEW, SheetButton("v", h.id).pack())]]), member_id=m.id)
    ctx.notify(f"ho:{h.id}:successor:{m.id}:m{h.member_id}",
               Reply(T.NAMED_OUTGOING.format(name=m.name),
                     buttons=[[Button(T.BTN_VIEW, SheetButton("v", h.id).pack())]]), member_id=h.member_id)
    return [Reply(T.NAMED.format(name=m.name, out=out)), sheet_reply(ctx, h)]


class FilesDialog(Dialog):
    """One message, one file per line."""

    name = "handover_files"
    title = T.FILES_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        h = handover.get(ctx.session, int(args))
        if not _actor_is(ctx, h.member_id):
            raise PermissionDenied("handover.outgoing_only")
        return Turn.stay({"handover": h.id}, Reply(T.ASK_FILES))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        h = handover.get(ctx.session, state["handover"])
        lines = (msg.text or "").splitlines()
        if not any(x.strip() for x in lines):
            return Turn.stay(state, Reply(T.ASK_FILES))
        added = handover.add_files(ctx.session, h, ctx.require_actor(), lines, ctx.now)
        return Turn.done(Reply(T.FILES_ADDED.format(n=len(added))), sheet_reply(ctx, h))


def register(reg: Registry) -> None:
    reg.command(Command("handover", T.CMD_HANDOVER, MEMBER_ROLES, run=handover_cmd,
                        aliases=T.ALIAS_HANDOVER, order=62))
    reg.dialog(FilesDialog())
    reg.callback(SheetButton, on_sheet)
    reg.callback(ItemButton, on_item)
    reg.callback(SuccessorButton, on_successor)

"""群众监督员 confirming a cadre's day in the village, the whereabouts board, and the
free-text entry of this feature (priority 35: before the complaint offer at 40).

「签到」 is also attendance's word for a cadre's check-in; this feature's /sign takes
it over: a team member gets exactly attendance's check-in dialog, a villager the
confirmations of a 群众监督员 (see `sign_command`).
"""

from __future__ import annotations

from core.context import Ctx
from core.messages import Button, Reply
from core.registry import Replies
from services import oversight as ov
from services.errors import PermissionDenied
from services.roles import SHORT_ROLE_LABELS, Role
from storage.models import Member, Village, VisitConfirmation

from . import cases
from . import text as T
from .ask import KINDS, Kind, pack
from .buttons import ConfirmButton
from .intent import classify, code_of


# -- a cadre asks ------------------------------------------------------------------------------------
def confirm_command(ctx: Ctx, args: str) -> Replies:
    row, new = ov.request_confirmation(ctx.session, ctx.require_actor(), ctx.today, ctx.now,
                                       args.strip() or None)
    if not new:
        return [Reply(T.CONFIRM_AGAIN.format(code=row.code, status=T.CONFIRM_STATUS[row.status]))]
    ctx.audit("oversight.ask", subject=f"confirmation:{row.id}")
    member = ctx.session.get(Member, row.member_id)
    assert member is not None
    people = ov.overseers(ctx.session, row.village_id)
    work = T.TO_OVERSEER_WORK.format(work=row.work) if row.work else ""
    for v in people:
        ctx.notify(f"vc:{row.id}:ask:v{v.id}", Reply(
            T.TO_OVERSEER.format(name=member.name, day=T.day_label(row.local_date), work=work),
            buttons=[[Button(T.BTN_CONFIRM, ConfirmButton("ok", row.id).pack()),
                      Button(T.BTN_DECLINE, ConfirmButton("no", row.id).pack())]]),
                   villager_id=v.id)
    return [Reply(T.CONFIRM_ASKED.format(code=row.code, names=T.LIST_SEP.join(
        v.name for v in people)))]


# -- a 群众监督员 answers ---------------------------------------------------------------------------------
def sign_command(ctx: Ctx, args: str) -> Replies:
    """「签到」: a team member's check-in (attendance's dialog, unchanged); a villager's
    confirmation as 群众监督员."""
    actor = ctx.require_actor()
    if actor.kind == "member":
        if not actor.in_team:
            raise PermissionDenied("households.team_only")
        return ctx.begin("checkin", args)
    return overseer_reply(ctx, args.strip() or None)


def overseer_reply(ctx: Ctx, code: str | None) -> Replies:
    actor = ctx.require_actor()
    if actor.village_id is None or not ov.is_overseer(ctx.session, actor, actor.village_id):
        return [Reply(T.NOT_OVERSEER_SIGN)]
    if code:
        row = ov.by_code(ctx.session, actor, code, ctx.today)
        return _decided(ctx, ov.decide(ctx.session, actor, row.id, True, ctx.today, ctx.now))
    waiting = ov.pending_today(ctx.session, actor, ctx.today)
    if not waiting:
        return [Reply(T.OVERSEER_NONE)]
    lines = [T.OVERSEER_LINE.format(name=m.name, work=T.TO_OVERSEER_WORK.format(work=c.work)
                                    if c.work else "") for c, m in waiting]
    buttons = [[Button(T.BTN_CONFIRM_NAME.format(name=m.name), ConfirmButton("ok", c.id).pack()),
                Button(T.BTN_DECLINE_NAME.format(name=m.name), ConfirmButton("no", c.id).pack())]
               for c, m in waiting]
    return [Reply(T.OVERSEER_LIST.format(lines="\n".join(lines)), buttons=buttons)]


def on_confirm(ctx: Ctx, pressed: ConfirmButton) -> Replies:
    actor = ctx.require_actor()
    row = ctx.session.get(VisitConfirmation, pressed.confirmation_id)
    if row is None or not ov.is_overseer(ctx.session, actor, row.village_id):
        raise PermissionDenied("households.overseers_only")
    if pressed.action == "no":
        return ctx.begin_fresh("hh_text", pack("vcno", row.id), T.BTN_DECLINE, restart=True)
    return _decided(ctx, ov.decide(ctx.session, actor, row.id, True, ctx.today, ctx.now))


def _decided(ctx: Ctx, row: VisitConfirmation) -> Replies:
    actor = ctx.require_actor()
    member = ctx.session.get(Member, row.member_id)
    assert member is not None
    ctx.audit(f"oversight.{row.status}", subject=f"confirmation:{row.id}")
    day = T.day_label(row.local_date)
    if row.status == "confirmed":
        ctx.notify(f"vc:{row.id}:ok:m{member.id}", Reply(T.TO_CADRE_CONFIRMED.format(
            overseer=actor.name, day=day)), member_id=member.id)
        return [Reply(T.CONFIRMED.format(name=member.name))]
    reason = row.reason or ""
    ctx.notify(f"vc:{row.id}:no:m{member.id}", Reply(T.TO_CADRE_DECLINED.format(
        overseer=actor.name, day=day, reason=reason)), member_id=member.id)
    village = ctx.session.get(Village, row.village_id)
    for sup in ov.county_supervisors(ctx.session, row.village_id):
        ctx.notify(f"vc:{row.id}:no:m{sup.id}", Reply(T.TO_SUPERVISORS_DECLINED.format(
            village=village.name if village else "", overseer=actor.name, name=member.name,
            day=day, reason=reason)), member_id=sup.id)
    return [Reply(T.DECLINED)]


def _decline_prompt(ctx: Ctx, ids: list[int]) -> str:
    row = ctx.session.get(VisitConfirmation, ids[0])
    if row is None or not ov.is_overseer(ctx.session, ctx.actor, row.village_id):
        raise PermissionDenied("households.overseers_only")
    return T.STEP_ASK["vcno"]


def _decline_finish(ctx: Ctx, ids: list[int], words: str, _pics: list[str]) -> Replies:
    return _decided(ctx, ov.decide(ctx.session, ctx.actor, ids[0], False, ctx.today, ctx.now,
                                   reason=words))


# -- the whereabouts board -------------------------------------------------------------------------------
def board_command(ctx: Ctx, args: str) -> Replies:
    village_id = ov.village_for_asker(ctx.session, ctx.require_actor())
    rows = ov.whereabouts(ctx.session, village_id, ctx.today, ctx.settings)
    if not rows:
        return [Reply(T.BOARD_EMPTY)]
    settings = ov.board(ctx.session, village_id)
    lines = [T.BOARD_HEAD.format(team=ov.team_name(ctx.session, village_id),
                                 day=T.day_label(ctx.today))]
    for w in rows:
        lines.append(T.BOARD_LINE.format(
            name=w.member.name, role=SHORT_ROLE_LABELS[Role(w.member.role)],
            status=T.BOARD_STATUS[w.status],
            phone=T.BOARD_PHONE.format(phone=w.member.phone) if w.member.phone else ""))
    if settings.team_phone:
        lines.append(T.BOARD_TEAM_PHONE.format(phone=settings.team_phone))
    if settings.supervision_phone:
        lines.append(T.BOARD_SUPERVISION.format(phone=settings.supervision_phone))
    lines.append(T.BOARD_NOTE)
    if ctx.require_actor().kind == "villager":
        lines.append(T.BOARD_COMPLAIN)
    return [Reply("\n".join(lines))]


# -- free text -------------------------------------------------------------------------------------------
def free_text(ctx: Ctx, text: str) -> Replies | None:
    """The feature's words typed outside a dialog (rule: intent.classify)."""
    actor = ctx.actor
    if actor is None or not ctx.incoming.text or ctx.incoming.photos:
        return None
    intent = classify(actor.kind, text)
    if intent == "monitoring":
        return cases.start_request(ctx)
    if intent == "whereabouts":
        if actor.kind == "member" and not actor.in_team:
            return None  # a supervisor's or admin's question goes on to the knowledge base
        return board_command(ctx, "")
    if intent == "sign":
        return overseer_reply(ctx, code_of(text))
    return None


def register_kinds() -> None:
    KINDS["vcno"] = Kind(_decline_prompt, _decline_finish)

"""Chat side of the livelihood task list: /tasks (the team's list, or the public list for a
villager), /task N, /newtask, /progress, and the buttons that write progress, close a
task with evidence, check it (对账销号), send it back or put it to the council. Rules in
services/tasks.py, words in text.py.

Taps: a new task is one message, two taps (owner, month) and one to confirm; a month's
progress is one message ("进展 3 …", a photo with that caption, or a tap on the reminder's
button and one message); closing is a tap and one message (the photo), checking one tap.
"""

from __future__ import annotations

from typing import Any

from core.context import Ctx
from core.messages import Button, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from reminders.series import Directory
from services import media, tasks, teamscope
from services.clock import local
from services.errors import UserError
from services.reports import team_members
from services.roles import EVERYONE, TEAM_ROLES
from storage.models import LivelihoodTask, Member, Team

from . import text as T
from .buttons import TaskButton

MAX_BUTTONS = 8


def _team_of(ctx: Ctx, t: LivelihoodTask) -> tuple[Team, str]:
    team = ctx.session.get(Team, t.team_id)
    assert team is not None
    return team, teamscope.require_view(ctx.session, ctx.require_actor(), team)


def _month(ctx: Ctx, team: Team):  # type: ignore[no-untyped-def]
    return local(ctx.now, team.timezone).date().replace(day=1)


# -- /tasks and /task -----------------------------------------------------------------------
def tasks_cmd(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    team = teamscope.team_for(ctx.session, actor, args.strip())
    view = teamscope.require_view(ctx.session, actor, team)
    rows = tasks.team_tasks(ctx.session, team.id)
    names = tasks.owners(ctx.session, rows)
    last = tasks.latest_updates(ctx.session, [t.id for t in rows])
    village = team.village.name
    if view == "public":
        lines = [T.PUBLIC_HEAD.format(village=village)]
        lines += [T.public_line(n, t, T.owner_name(names.get(t.owner_id)), last.get(t.id))
                  for n, t in enumerate(rows, 1)] or [T.PUBLIC_EMPTY]
        closed = [t for t in tasks.team_tasks(ctx.session, team.id, closed=True) if t.status == "closed"]
        if closed:
            lines.append(T.CLOSED_HEAD)
            lines += [T.CLOSED_LINE.format(problem=T.short(t.problem, 40), day=_day(ctx, team, t))
                      for t in sorted(closed, key=lambda x: x.closed_at or x.created_at)[-5:]]
        lines.append(T.PUBLIC_FOOT)
        return [Reply("\n".join(lines))]
    month = _month(ctx, team)
    if not rows:
        buttons = [[Button(T.BTN_NEW, TaskButton("new", 0).pack())]] if view == "team" else []
        return [Reply(T.EMPTY, buttons=buttons)]
    lines = [T.TEAM_HEAD.format(village=village, n=len(rows))]
    lines += [T.list_line(t, T.owner_name(names.get(t.owner_id)), last.get(t.id), month) for t in rows]
    buttons: list[list[Button]] = []
    if view == "team":
        actor = ctx.require_actor()
        row: list[Button] = []
        for t in rows:
            if t.status == "checking" and teamscope.is_manager_of(actor, team.id) \
                    and (actor.kind, actor.id) != ("member", t.owner_id):
                row.append(Button(T.BTN_CHECK.format(id=t.id), TaskButton("v", t.id).pack()))
            elif t.status == "open" and (actor.kind, actor.id) == ("member", t.owner_id):
                row.append(Button(T.BTN_PROGRESS.format(id=t.id), TaskButton("p", t.id).pack()))
        buttons = [row[i:i + 4] for i in range(0, min(len(row), MAX_BUTTONS), 4)]
        buttons.append([Button(T.BTN_NEW, TaskButton("new", 0).pack())])
        lines.append(T.TEAM_FOOT)
    return [Reply("\n".join(lines), buttons=buttons)]


def _day(ctx: Ctx, team: Team, t: LivelihoodTask) -> str:
    when = local(t.closed_at or t.created_at, team.timezone)
    return f"{when.month}/{when.day}"


def _task_id(args: str) -> int | None:
    a = args.strip().lstrip("#＃")
    return int(a) if a.isdigit() and len(a) <= 9 else None


def task_cmd(ctx: Ctx, args: str) -> Replies:
    ctx.require_actor()
    tid = _task_id(args)
    if tid is None:
        return tasks_cmd(ctx, "")
    return [detail(ctx, tasks.get(ctx.session, tid))]


def detail(ctx: Ctx, t: LivelihoodTask) -> Reply:
    team, view = _team_of(ctx, t)
    s, actor = ctx.session, ctx.require_actor()
    names = tasks.owners(s, [t])
    council = f"（{T.COUNCIL_LABELS[t.council]}）" if t.council in T.COUNCIL_LABELS else ""
    lines = [T.DETAIL.format(head=T.task_head(t), owner=T.owner_name(names.get(t.owner_id)),
                             due=T.month_label(t.due_month), status=T.STATUS_LABELS[t.status],
                             council=council)]
    ups = tasks.updates(s, t.id)
    lines.append(T.UPDATES_HEAD)
    if ups:
        lines += [T.UPDATE_LINE.format(month=T.month_label(u.month), text=u.text,
                                       media=T.media_note(u.media) if view != "public" else "")
                  for u in ups[-6:]]
    else:
        lines.append(T.NO_UPDATES)
    if t.status in ("checking", "closed") and (t.done_note or t.done_media):
        lines.append(T.DETAIL_DONE.format(note=t.done_note or "",
                                          media=T.media_note(t.done_media) if view != "public" else ""))
    if t.status == "open" and t.returned_note and view != "public":
        lines.append(T.DETAIL_RETURNED.format(note=t.returned_note))
    if t.status == "closed" and t.closed_by_id:
        lines.append(T.DETAIL_CLOSED.format(day=_day(ctx, team, t),
                                            checker=T.owner_name(names.get(t.closed_by_id))))
    buttons: list[list[Button]] = []
    if view == "team":
        worker = (actor.kind, actor.id) == ("member", t.owner_id) or teamscope.is_manager_of(actor, team.id)
        row: list[Button] = []
        if worker and t.status == "open":
            row += [Button(T.BTN_ADD_PROGRESS, TaskButton("p", t.id).pack()),
                    Button(T.BTN_DONE, TaskButton("d", t.id).pack())]
        if t.status == "checking" and teamscope.is_manager_of(actor, team.id) \
                and (actor.kind, actor.id) != ("member", t.owner_id):
            row += [Button(T.BTN_OK, TaskButton("ok", t.id).pack()),
                    Button(T.BTN_BACK, TaskButton("b", t.id).pack())]
        if teamscope.is_manager_of(actor, team.id) and t.status in tasks.ACTIVE \
                and t.council != "waiting":
            row.append(Button(T.BTN_COUNCIL, TaskButton("cn", t.id).pack()))
        n = _media_count(s, t)
        if n:
            row.append(Button(T.BTN_MEDIA.format(n=n), TaskButton("md", t.id).pack()))
        buttons = [row[i:i + 3] for i in range(0, len(row), 3)]
    return Reply("\n".join(lines), buttons=buttons)


def _all_media(s, t: LivelihoodTask) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    out: list[dict[str, str]] = []
    for u in tasks.updates(s, t.id):
        out = media.merge(out, u.media)
    return media.merge(out, t.done_media or [])


def _media_count(s, t: LivelihoodTask) -> int:  # type: ignore[no-untyped-def]
    return len(_all_media(s, t))


# -- buttons -----------------------------------------------------------------------------------
def on_button(ctx: Ctx, pressed: TaskButton) -> Replies:
    actor = ctx.require_actor()
    if pressed.action == "new":
        teamscope.own_team(ctx.session, actor)
        return ctx.begin_fresh(NewTaskDialog.name, "", T.BTN_NEW)
    t = tasks.get(ctx.session, pressed.task_id)
    team, view = _team_of(ctx, t)
    a = pressed.action
    if a == "v":
        return [detail(ctx, t)]
    if a == "md":
        teamscope.require_member(actor, t.team_id)
        items = _all_media(ctx.session, t)
        if not items:
            return [Reply(T.NO_MEDIA)]
        return [Reply(T.MEDIA.format(id=t.id, n=len(items)), attachments=media.attachments(items))]
    if a == "p":
        tasks.require_worker(actor, t)
        return ctx.begin_fresh(ProgressDialog.name, str(t.id), T.BTN_ADD_PROGRESS, restart=True)
    if a == "d":
        tasks.require_worker(actor, t)
        if t.status == "checking":
            raise UserError("tasks.already_checking", task_id=t.id)
        if t.status != "open":
            raise UserError("tasks.not_open", task_id=t.id)
        return ctx.begin_fresh(DoneDialog.name, str(t.id), T.BTN_DONE, restart=True)
    if a == "ok":
        tasks.check(ctx.session, actor, t, ctx.now)
        return _after_check(ctx, team, t)
    if a == "b":
        tasks.require_checker(actor, t)
        return ctx.begin_fresh(BackDialog.name, str(t.id), T.BTN_BACK, restart=True)
    tasks.put_to_council(ctx.session, actor, t, ctx.now)
    return [Reply(T.TO_COUNCIL.format(id=t.id))]


def _after_check(ctx: Ctx, team: Team, t: LivelihoodTask) -> Replies:
    names = tasks.owners(ctx.session, [t])
    checker = ctx.require_actor().name
    owner = T.owner_name(names.get(t.owner_id))
    ctx.notify(f"task:{t.id}:closed:m{t.owner_id}",
               Reply(T.CHECKED_OWNER.format(head=T.task_head(t), checker=checker)), member_id=t.owner_id)
    public = Reply(T.CLOSED_PUBLIC.format(cat=T.CATEGORY_LABELS.get(t.category, t.category),
                                          problem=t.problem, owner=owner, checker=checker))
    for vid in Directory(ctx.session, [team.id]).villagers(team.id):
        ctx.notify(f"task:{t.id}:closed:v{vid}", public, villager_id=vid)
    return [Reply(T.CHECKED.format(head=T.task_head(t)))]


# -- /newtask ---------------------------------------------------------------------------------
class NewTaskDialog(Dialog):
    """Problem -> owner -> month -> confirm (add, or add and put to the council)."""

    name = "task_new"
    title = T.NEW_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        team = teamscope.own_team(ctx.session, ctx.require_actor())
        state: dict[str, Any] = {"team": team.id, "stage": "problem"}
        if args.strip():
            return self._problem(ctx, state, args.strip())
        return Turn.stay(state, Reply(T.ASK_PROBLEM))

    def _problem(self, ctx: Ctx, state: dict[str, Any], text: str) -> Turn:
        problem = " ".join(text.split())
        if not problem or len(problem) > tasks.MAX_PROBLEM:
            return Turn.stay(state, Reply(str(UserError("tasks.bad_problem", limit=tasks.MAX_PROBLEM))))
        actor = ctx.require_actor()
        others = [m for m in team_members(ctx.session, state["team"])
                  if m.id != actor.id and m.role in {r.value for r in TEAM_ROLES}]
        rows = [[Button(T.BTN_ME, self.button(str(actor.id)))]]
        rows += [[Button(m.name, self.button(str(m.id))) for m in others[i:i + 3]]
                 for i in range(0, min(len(others), 9), 3)]
        return Turn.stay({**state, "stage": "owner", "problem": problem}, Reply(T.ASK_OWNER, buttons=rows))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value = self.pressed(msg)
        text = (msg.text or "").strip()
        stage = state["stage"]
        if stage == "problem":
            return self._problem(ctx, state, text)
        if stage == "owner":
            owner = ctx.session.get(Member, int(value)) if value and value.isdigit() else None
            if owner is None or owner.team_id != state["team"] or not owner.active:
                return Turn.stay(state, Reply(T.BAD_OWNER))
            return Turn.stay({**state, "stage": "due", "owner": owner.id}, Reply(T.ASK_DUE, buttons=buttons_row(
                (T.BTN_THIS, self.button("this")), (T.BTN_NEXT, self.button("next")),
                (T.BTN_THREE, self.button("three")))))
        if stage == "due":
            typed = T.DUE_WORDS.get(value or "", text)
            due = tasks.parse_due_month(typed, ctx.today)
            if due is None:
                return Turn.stay(state, Reply(T.BAD_DUE.format(text=typed)))
            owner = ctx.session.get(Member, state["owner"])
            return Turn.stay({**state, "stage": "confirm", "due": due.isoformat()}, Reply(
                T.CONFIRM_NEW.format(cat=T.CATEGORY_LABELS[tasks.guess_category(state["problem"])],
                                     problem=state["problem"], owner=T.owner_name(owner),
                                     due=T.month_label(due)),
                buttons=buttons_row((T.BTN_ADD, self.button("add")),
                                    (T.BTN_ADD_COUNCIL, self.button("council")),
                                    (T.BTN_CANCEL, self.button("no")))))
        if value == "no":
            return Turn.done(Reply(T.NOT_ADDED))
        if value not in ("add", "council"):
            return Turn.stay(state, Reply(T.PICK))
        from datetime import date

        team = ctx.session.get(Team, state["team"])
        owner = ctx.session.get(Member, state["owner"])
        if team is None or owner is None:
            raise UserError("council.no_team_here")
        t = tasks.create(ctx.session, ctx.require_actor(), team, problem=state["problem"], owner=owner,
                         due_month=date.fromisoformat(state["due"]), now=ctx.now,
                         to_council=value == "council")
        if owner.id != ctx.require_actor().id:
            ctx.notify(f"task:{t.id}:owner:m{owner.id}", Reply(T.NEW_OWNER_NOTICE.format(
                id=t.id, problem=t.problem, due=T.month_label(t.due_month))), member_id=owner.id)
        return Turn.done(Reply(T.ADDED.format(id=t.id) + (T.ADDED_COUNCIL if t.council else "")))


# -- progress -------------------------------------------------------------------------------------
class ProgressDialog(Dialog):
    """One message: text, a photo (with its caption) or a voice note."""

    name = "task_progress"
    title = T.PROGRESS_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        t = tasks.get(ctx.session, int(args))
        tasks.require_worker(ctx.require_actor(), t)
        return Turn.stay({"task": t.id}, Reply(T.ASK_PROGRESS.format(head=T.task_head(t))))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        t = tasks.get(ctx.session, state["task"])
        try:
            return Turn.done(_save_progress(ctx, t, (msg.text or "").strip(), media.from_incoming(msg)))
        except UserError as exc:
            if exc.code == "tasks.empty_progress":
                return Turn.stay(state, Reply(str(exc)))
            raise


def _save_progress(ctx: Ctx, t: LivelihoodTask, text: str, got: list[dict[str, str]]) -> Reply:
    team = ctx.session.get(Team, t.team_id)
    assert team is not None
    today = local(ctx.now, team.timezone).date()
    tasks.add_progress(ctx.session, ctx.require_actor(), t, text, got, ctx.now, today)
    return Reply(T.PROGRESS_SAVED.format(id=t.id, month=today.month))


def progress_cmd(ctx: Ctx, args: str) -> Replies:
    """进展 3 路基已经铺完 — or, for someone with one task waiting, 进展 路基已经铺完."""
    actor = ctx.require_actor()
    head, _, rest = args.strip().partition(" ")
    tid = _task_id(head)
    got = media.from_incoming(ctx.incoming)
    if tid is not None:
        return [_save_progress(ctx, tasks.get(ctx.session, tid), rest.strip(), got)]
    team = teamscope.own_team(ctx.session, actor)
    mine = [t for t in tasks.team_tasks(ctx.session, team.id)
            if t.owner_id == actor.id and t.status == "open"]
    if not mine:
        return [Reply(T.PROGRESS_NONE)]
    if len(mine) > 1 or not (args.strip() or got):
        lines = "\n".join(T.task_head(t) for t in mine)
        return [Reply(T.PROGRESS_WHICH.format(id=mine[0].id, lines=lines), buttons=[
            [Button(T.BTN_PROGRESS.format(id=t.id), TaskButton("p", t.id).pack()) for t in mine[:4]]])]
    return [_save_progress(ctx, mine[0], args.strip(), got)]


# -- closing ---------------------------------------------------------------------------------------
class DoneDialog(Dialog):
    """The evidence in one message; the team's checkers get a card to check it."""

    name = "task_done"
    title = T.DONE_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        t = tasks.get(ctx.session, int(args))
        tasks.require_worker(ctx.require_actor(), t)
        return Turn.stay({"task": t.id}, Reply(T.ASK_EVIDENCE.format(head=T.task_head(t))))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        t = tasks.get(ctx.session, state["task"])
        got = media.from_incoming(msg)
        try:
            tasks.report_done(ctx.session, ctx.require_actor(), t, (msg.text or "").strip(), got, ctx.now)
        except UserError as exc:
            if exc.code == "tasks.need_evidence":
                return Turn.stay(state, Reply(str(exc)))
            raise
        names = tasks.owners(ctx.session, [t])
        card = Reply(T.CHECK_CARD.format(head=T.task_head(t), owner=T.owner_name(names.get(t.owner_id)),
                                         note=t.done_note or "", media=T.media_note(t.done_media)),
                     buttons=buttons_row((T.BTN_OK, TaskButton("ok", t.id).pack()),
                                         (T.BTN_BACK, TaskButton("b", t.id).pack())),
                     attachments=media.attachments(t.done_media))
        for m in team_members(ctx.session, t.team_id):
            if m.role in {r.value for r in teamscope.MANAGER_ROLES} and m.id != t.owner_id:
                ctx.notify(f"task:{t.id}:check:{t.done_at:%Y%m%d%H%M%S}:m{m.id}", card, member_id=m.id)
        return Turn.done(Reply(T.DONE_SAVED))


class BackDialog(Dialog):
    name = "task_back"
    title = T.BACK_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        t = tasks.get(ctx.session, int(args))
        tasks.require_checker(ctx.require_actor(), t)
        return Turn.stay({"task": t.id}, Reply(T.ASK_BACK_REASON))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        t = tasks.get(ctx.session, state["task"])
        note = (msg.text or "").strip()
        if not note:
            return Turn.stay(state, Reply(str(UserError("tasks.need_reason"))))
        tasks.send_back(ctx.session, ctx.require_actor(), t, note, ctx.now)
        ctx.notify(f"task:{t.id}:back:{ctx.now:%Y%m%d%H%M%S}:m{t.owner_id}",
                   Reply(T.SENT_BACK_OWNER.format(head=T.task_head(t), note=note, id=t.id)),
                   member_id=t.owner_id)
        return Turn.done(Reply(T.SENT_BACK.format(id=t.id)))


def register(reg: Registry) -> None:
    everyone = frozenset(EVERYONE)
    reg.command(Command("tasks", T.CMD_TASKS, everyone, run=tasks_cmd, aliases=T.ALIAS_TASKS, order=71))
    reg.command(Command("task", T.CMD_TASK, everyone, run=task_cmd, aliases=T.ALIAS_TASK, order=72,
                        hidden=True))
    reg.dialog(NewTaskDialog())
    reg.command(Command("newtask", T.CMD_NEWTASK, TEAM_ROLES, dialog=NewTaskDialog.name,
                        aliases=T.ALIAS_NEWTASK, order=73))
    reg.command(Command("progress", T.CMD_PROGRESS, TEAM_ROLES, run=progress_cmd,
                        aliases=T.ALIAS_PROGRESS, order=74))
    reg.dialog(ProgressDialog())
    reg.dialog(DoneDialog())
    reg.dialog(BackDialog())
    reg.callback(TaskButton, on_button)

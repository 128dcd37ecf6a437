"""Chat side of projects and funds: /projects, /project N, /newproject, and the buttons that
start a project (only with the council's approval), record progress and milestones,
spending and fund uses, and completion. Rules in services/projects.py, words in text.py.

Taps: proposing is a message, a tap (fund source), a message (amount) and a tap; a
spending entry is a tap and one message ("3500元 购买水泥", a receipt photo with that
caption); progress a tap, a message and a tap (公示 or not).
"""

from __future__ import annotations

from typing import Any

from core.context import Ctx
from core.messages import Button, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from reminders.series import Directory
from services import media, projects, teamscope
from services.clock import local
from services.errors import UserError
from services.roles import EVERYONE, TEAM_ROLES
from storage.models import CouncilMeeting, Project, Team

from . import text as T
from .buttons import ProjectButton

ENTRY_OF = {"p": "progress", "sp": "spend", "f": "fund", "d": "done"}
SOURCES_SHOWN = projects.FUND_SOURCES[:6]


def _team_of(ctx: Ctx, p: Project) -> tuple[Team, str]:
    team = ctx.session.get(Team, p.team_id)
    assert team is not None
    return team, teamscope.require_view(ctx.session, ctx.require_actor(), team)


def _day(ctx: Ctx, team: Team, when) -> str:  # type: ignore[no-untyped-def]
    t = local(when, team.timezone)
    return f"{t:%Y-%m-%d}"


# -- /projects and /project -----------------------------------------------------------------
def projects_cmd(ctx: Ctx, args: str) -> Replies:
    actor = ctx.require_actor()
    team = teamscope.team_for(ctx.session, actor, args.strip())
    view = teamscope.require_view(ctx.session, actor, team)
    rows = projects.team_projects(ctx.session, team.id, public=view == "public")
    spent = projects.spent(ctx.session, [p.id for p in rows])
    village = team.village.name
    buttons: list[list[Button]] = []
    if not rows:
        text = T.PUBLIC_EMPTY if view == "public" else T.EMPTY
    else:
        head = (T.HEAD_PUBLIC if view == "public" else T.HEAD).format(village=village)
        text = "\n".join([head, *(T.list_line(p, spent.get(p.id, 0)) for p in rows), T.FOOT])
        buttons = [[Button(T.BTN_VIEW.format(id=p.id, title=p.title[:12]), ProjectButton("v", p.id).pack())]
                   for p in rows[:6]]
    if view == "team":
        buttons.append([Button(T.BTN_NEW, ProjectButton("new", 0).pack())])
    return [Reply(text, buttons=buttons)]


def project_cmd(ctx: Ctx, args: str) -> Replies:
    ctx.require_actor()
    a = args.strip().lstrip("#＃")
    if not (a.isdigit() and len(a) <= 9):
        return projects_cmd(ctx, "")
    return [detail(ctx, projects.get(ctx.session, int(a)))]


def detail(ctx: Ctx, p: Project) -> Reply:
    team, view = _team_of(ctx, p)
    s, actor = ctx.session, ctx.require_actor()
    used = projects.spent(s, [p.id]).get(p.id, 0)
    lines = [T.DETAIL.format(id=p.id, title=p.title, status=T.STATUS_LABELS[p.status], source=p.fund_source,
                             amount=T.money(p.amount_fen), budget=T.money(p.budget_fen),
                             spent=T.money(used), left=T.money(max(0, p.budget_fen - used)))]
    item = projects.decision(s, p)
    if item is not None:
        m = s.get(CouncilMeeting, item.meeting_id)
        if m is not None:
            lines.append(T.decision_line(item, m, _day(ctx, team, m.scheduled_at)))
    else:
        lines.append(T.NO_DECISION)
    entries = projects.entries(s, p.id)
    lines.append(T.ENTRIES_HEAD)
    lines += [T.entry_line(e, _day(ctx, team, e.created_at)) for e in entries[-10:]] or [T.NO_ENTRIES]
    buttons: list[list[Button]] = []
    if view == "team":
        worker = (actor.kind, actor.id) == ("member", p.owner_id) or teamscope.is_manager_of(actor, team.id)
        row: list[Button] = []
        if worker and p.status == projects.APPROVED:
            row += [Button(T.BTN_START, ProjectButton("s", p.id).pack()),
                    Button(T.BTN_FUND, ProjectButton("f", p.id).pack())]
        if worker and p.status == projects.ACTIVE:
            row += [Button(T.BTN_PROGRESS, ProjectButton("p", p.id).pack()),
                    Button(T.BTN_SPEND, ProjectButton("sp", p.id).pack()),
                    Button(T.BTN_FUND, ProjectButton("f", p.id).pack()),
                    Button(T.BTN_DONE, ProjectButton("d", p.id).pack())]
        n = len(_all_media(entries))
        if n:
            row.append(Button(T.BTN_MEDIA.format(n=n), ProjectButton("md", p.id).pack()))
        buttons = [row[i:i + 3] for i in range(0, len(row), 3)]
    return Reply("\n".join(lines), buttons=buttons)


def _all_media(entries) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    out: list[dict[str, str]] = []
    for e in entries:
        out = media.merge(out, e.media)
    return out


# -- buttons -------------------------------------------------------------------------------
def on_button(ctx: Ctx, pressed: ProjectButton) -> Replies:
    actor = ctx.require_actor()
    if pressed.action == "new":
        teamscope.own_team(ctx.session, actor)
        return ctx.begin_fresh(NewProjectDialog.name, "", T.BTN_NEW)
    p = projects.get(ctx.session, pressed.project_id)
    team, view = _team_of(ctx, p)
    if pressed.action == "v":
        return [detail(ctx, p)]
    if pressed.action == "md":
        teamscope.require_member(actor, p.team_id)
        items = _all_media(projects.entries(ctx.session, p.id))
        if not items:
            return [Reply(T.NO_MEDIA)]
        return [Reply(T.MEDIA.format(id=p.id, n=len(items)), attachments=media.attachments(items))]
    if pressed.action == "s":
        projects.start(ctx.session, actor, p, ctx.now)
        return [Reply(T.SAVED["start"].format(title=p.title, id=p.id)), detail(ctx, p)]
    projects.require_worker(actor, p)
    kind = ENTRY_OF[pressed.action]
    label = {"progress": T.BTN_PROGRESS, "spend": T.BTN_SPEND, "fund": T.BTN_FUND, "done": T.BTN_DONE}[kind]
    return ctx.begin_fresh(EntryDialog.name, f"{kind}:{p.id}", label, restart=True)


def _publish(ctx: Ctx, team: Team, key: str, reply: Reply) -> int:
    villagers = Directory(ctx.session, [team.id]).villagers(team.id)
    for vid in villagers:
        ctx.notify(f"{key}:v{vid}", reply, villager_id=vid)
    return len(villagers)


# -- /newproject ----------------------------------------------------------------------------
class NewProjectDialog(Dialog):
    """Title -> fund source -> amount -> submit (to the council's waiting list)."""

    name = "project_new"
    title = T.NEW_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        team = teamscope.own_team(ctx.session, ctx.require_actor())
        state: dict[str, Any] = {"team": team.id, "stage": "title"}
        if args.strip():
            return self._title(state, args.strip())
        return Turn.stay(state, Reply(T.ASK_TITLE))

    def _title(self, state: dict[str, Any], text: str) -> Turn:
        title = " ".join(text.split())
        if not title or len(title) > projects.MAX_TITLE:
            return Turn.stay(state, Reply(str(UserError("projects.bad_title", limit=projects.MAX_TITLE))))
        rows = [[Button(src, self.button(str(i))) for i, src in enumerate(SOURCES_SHOWN) if i // 2 == r]
                for r in range(3)]
        return Turn.stay({**state, "stage": "source", "title": title}, Reply(T.ASK_SOURCE, buttons=rows))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value = self.pressed(msg)
        text = (msg.text or "").strip()
        stage = state["stage"]
        if stage == "title":
            return self._title(state, text)
        if stage == "source":
            source = SOURCES_SHOWN[int(value)] if value and value.isdigit() and int(value) < len(SOURCES_SHOWN) \
                else projects.parse_source(text)
            if not source:
                return Turn.stay(state, Reply(T.ASK_SOURCE))
            return Turn.stay({**state, "stage": "amount", "source": source}, Reply(T.ASK_AMOUNT))
        if stage == "amount":
            fen = projects.parse_amount(text)
            if fen is None:
                return Turn.stay(state, Reply(T.BAD_AMOUNT.format(text=text)))
            return Turn.stay({**state, "stage": "confirm", "amount": fen}, Reply(
                T.CONFIRM_NEW.format(title=state["title"], source=state["source"], amount=T.money(fen)),
                buttons=buttons_row((T.BTN_SUBMIT, self.button("yes")), (T.BTN_CANCEL, self.button("no")))))
        if value == "no":
            return Turn.done(Reply(T.NOT_ADDED))
        if value != "yes":
            return Turn.stay(state, Reply(T.PICK))
        team = ctx.session.get(Team, state["team"])
        if team is None:
            raise UserError("council.no_team_here")
        p = projects.create(ctx.session, ctx.require_actor(), team, title=state["title"],
                            fund_source=state["source"], amount_fen=state["amount"], now=ctx.now)
        return Turn.done(Reply(T.ADDED.format(id=p.id, title=p.title)))


# -- progress, spending, fund uses, completion ----------------------------------------------------
class EntryDialog(Dialog):
    """One message (text, photos, a voice note); progress then asks whether to publish it
    as a milestone."""

    name = "project_entry"
    title = T.ENTRY_TITLE

    def start(self, ctx: Ctx, args: str) -> Turn:
        kind, _, pid = args.partition(":")
        p = projects.get(ctx.session, int(pid))
        projects.require_worker(ctx.require_actor(), p)
        projects.check_entry(kind, p)
        return Turn.stay({"kind": kind, "project": p.id, "stage": "text"},
                         Reply(T.ASK_ENTRY[kind].format(title=p.title)))

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        p = projects.get(ctx.session, state["project"])
        team = ctx.session.get(Team, p.team_id)
        assert team is not None
        actor = ctx.require_actor()
        kind, value = state["kind"], self.pressed(msg)
        text = (msg.text or "").strip()
        got = media.from_incoming(msg)
        if state["stage"] == "publish":
            if value not in ("save", "publish"):
                return Turn.stay(state, Reply(T.ASK_PUBLISH, buttons=self._publish_buttons()))
            e = projects.add_progress(ctx.session, actor, p, state["text"], state["media"], ctx.now,
                                      milestone=value == "publish")
            if value == "save":
                return Turn.done(Reply(T.SAVED["progress"].format(title=p.title)))
            told = _publish(ctx, team, f"pj:{p.id}:ms:{e.id}", Reply(T.milestone_notice(p, e.text)))
            return Turn.done(Reply(T.SAVED["milestone"].format(title=p.title, villagers=told)))
        if not text and not got:
            return Turn.stay(state, Reply(T.ASK_ENTRY[kind].format(title=p.title)))
        if kind == "progress":
            return Turn.stay({**state, "stage": "publish", "text": text, "media": got},
                             Reply(T.ASK_PUBLISH, buttons=self._publish_buttons()))
        if kind == "done":
            projects.complete(ctx.session, actor, p, text, got, ctx.now)
            used = projects.spent(ctx.session, [p.id]).get(p.id, 0)
            told = _publish(ctx, team, f"pj:{p.id}:done", Reply(T.done_notice(p, text, used)))
            return Turn.done(Reply(T.SAVED["done"].format(title=p.title, villagers=told)))
        amount_text, _, purpose = text.partition(" ")
        fen = projects.parse_amount(amount_text)
        if fen is None:
            return Turn.stay(state, Reply(T.BAD_SPEND))
        try:
            if kind == "fund":
                projects.request_funds(ctx.session, actor, p, fen, purpose, ctx.now)
                return Turn.done(Reply(T.SAVED["fund"].format(amount=T.money(fen))))
            projects.spend(ctx.session, actor, p, fen, purpose, got, ctx.now)
        except UserError as exc:
            if exc.code in ("projects.spend_needs_purpose", "projects.bad_amount"):
                return Turn.stay(state, Reply(str(exc)))
            if exc.code == "projects.over_budget":
                return Turn.done(Reply(str(exc), buttons=[[Button(T.BTN_FUND, ProjectButton("f", p.id).pack())]]))
            raise
        used = projects.spent(ctx.session, [p.id]).get(p.id, 0)
        return Turn.done(Reply(T.SAVED["spend"].format(
            amount=T.money(fen), title=p.title, budget=T.money(p.budget_fen), spent=T.money(used),
            left=T.money(max(0, p.budget_fen - used)))))

    def _publish_buttons(self) -> list[list[Button]]:
        return buttons_row((T.BTN_SAVE, self.button("save")), (T.BTN_SAVE_PUBLISH, self.button("publish")))


def register(reg: Registry) -> None:
    everyone = frozenset(EVERYONE)
    reg.command(Command("projects", T.CMD_PROJECTS, everyone, run=projects_cmd,
                        aliases=T.ALIAS_PROJECTS, order=75))
    reg.command(Command("project", T.CMD_PROJECT, everyone, run=project_cmd,
                        aliases=T.ALIAS_PROJECT, order=76, hidden=True))
    reg.dialog(NewProjectDialog())
    reg.command(Command("newproject", T.CMD_NEWPROJECT, TEAM_ROLES, dialog=NewProjectDialog.name,
                        aliases=T.ALIAS_NEWPROJECT, order=77))
    reg.dialog(EntryDialog())
    reg.callback(ProjectButton, on_button)

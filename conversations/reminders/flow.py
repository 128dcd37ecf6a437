"""Chat side of reminders: /events, /addevent, /handover, /term, /closeterm, the tick.

Only translation lives here; the rules are in reminders.series, services.handover and
reminders.dispatch. Buttons: "rm:run:<command>" runs an existing command for the
presser (with the command's own role check), "rm:p|r|x:<id>" pauses, resumes or
deletes a series, "ho:<handover>:<item>" ticks a checklist item.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.context import Ctx
from core.messages import Button, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from reminders import dispatch
from reminders import series as sv
from reminders.describe import describe
from reminders.spec import Recurrence
from services import admin, handover
from services.config import Settings
from services.errors import PermissionDenied, UserError
from services.roles import MEMBER_ROLES, Role
from storage.models import Handover, Member, Team

ADMINS = frozenset({Role.ADMIN})


def _team(ctx: Ctx, ref: str = "") -> Team:
    a = ctx.actor
    assert a is not None
    if a.team_id is not None and not ref:
        team = ctx.session.get(Team, a.team_id)
        assert team is not None
        return team
    if ref:
        return admin.find_team(ctx.session, ref)
    teams = [t for t in ctx.session.scalars(select(Team).where(Team.active.is_(True)).order_by(Team.id))
             if a.county_id is None or sv.team_county_id(ctx.session, t.id) == a.county_id]
    if len(teams) == 1:
        return teams[0]
    names = "、".join(t.name for t in teams[:10])
    raise UserError(f"请写明工作队，例如：/events {teams[0].name if teams else '工作队名称'}\n可选：{names}")


# -- /events ------------------------------------------------------------------------------
def events(ctx: Ctx, args: str) -> Replies:
    team = _team(ctx, args.strip())
    rows = sv.team_series(ctx.session, team.id)
    if not rows:
        return [Reply("还没有提醒安排。发送 /addevent 添加一个，例如村民代表会议。")]
    may_manage = True
    try:
        sv.require_manager(ctx.session, ctx.actor, team.id)
    except PermissionDenied:
        may_manage = False
    lines = [f"{team.name} 的提醒安排："] + [sv.summary(r, ctx.now) for r in rows]
    buttons: list[list[Button]] = []
    if may_manage:
        for r in rows:
            act = (f"暂停{r.id}", f"rm:p:{r.id}") if r.active else (f"恢复{r.id}", f"rm:r:{r.id}")
            row = [Button(*act)]
            if r.kind == "event" and r.key is None:
                row.append(Button(f"删除{r.id}", f"rm:x:{r.id}"))
            buttons.append(row)
        lines.append("点按钮暂停或恢复；发送 /addevent 添加新的会议或活动。")
    return [Reply("\n".join(lines), buttons=buttons)]


# -- /addevent ----------------------------------------------------------------------------
class AddEventDialog(Dialog):
    """Title -> when -> who -> confirm. One line works too:
    /addevent 村民代表会议 | 2026-11-26 15:00 | 村民 | 前一天 18:00,提前1小时"""

    name = "addevent"
    title = "添加提醒"

    def start(self, ctx: Ctx, args: str) -> Turn:
        team = _team(ctx)
        sv.require_manager(ctx.session, ctx.actor, team.id)
        state: dict[str, Any] = {"team": team.id, "tz": team.timezone}
        if "|" in args:
            parts = [p.strip() for p in args.split("|")]
            state["title"] = parts[0]
            self._when(state, parts[1] if len(parts) > 1 else "")
            state["who"] = sv.AUDIENCE_WORDS.get(parts[2] if len(parts) > 2 else "全队", "team")
            state["leads"] = parts[3] if len(parts) > 3 and parts[3] else sv.DEFAULT_LEADS
            sv.parse_leads(state["leads"])
            return self._confirm(ctx, state)
        if args.strip():
            state["title"] = args.strip()
            return Turn.stay({**state, "step": "when"}, Reply(self._ask_when()))
        return Turn.stay({**state, "step": "title"},
                         Reply("要提醒什么？请输入名称，例如：村民代表会议、党员学习、项目验收。"))

    @staticmethod
    def _ask_when() -> str:
        return ("什么时间？例如：2026-12-05 10:00（一次）、每周五 15:00、每月5日 9:00、"
                "每月第一个周一 9:00、每月最后一个工作日 16:00。加“顺延”则遇节假日顺延到下一个工作日。")

    @staticmethod
    def _when(state: dict[str, Any], text: str) -> None:
        state["spec"] = sv.parse_when(text, state["tz"]).to_dict()

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        text = (msg.text or "").strip()
        data = (msg.callback or "").removeprefix(f"d:{self.name}:")
        step = state.get("step")
        if step == "title":
            if not text or len(text) > 60:
                return Turn.stay(state, Reply("请输入 60 字以内的名称，例如：村民代表会议。"))
            return Turn.stay({**state, "title": text, "step": "when"}, Reply(self._ask_when()))
        if step == "when":
            try:
                self._when(state, text)
            except UserError as exc:
                return Turn.stay(state, Reply(str(exc)))
            return Turn.stay({**state, "step": "who"}, Reply(
                "提醒谁？", buttons=buttons_row(("全队", self.button("team")),
                                             ("全队+村民", self.button("villagers")),
                                             ("组长和第一书记", self.button("leaders")))))
        if step == "who":
            who = data if msg.callback else sv.AUDIENCE_WORDS.get(text, "")
            if who not in sv.AUDIENCES:
                return Turn.stay(state, Reply("请点按钮选择提醒对象：全队、全队+村民 或 组长和第一书记。"))
            state = {**state, "who": who, "leads": sv.DEFAULT_LEADS}
            return self._confirm(ctx, state)
        if step == "confirm":
            if data == "no" or text in ("取消", "不"):
                return Turn.done(Reply("好的，没有添加。需要时再发送 /addevent 。"))
            if data != "yes" and text not in ("确认", "是", "好"):
                return Turn.stay(state, Reply("请点「确认添加」或「取消」。"))
            team = ctx.session.get(Team, state["team"])
            assert team is not None
            row = sv.add_series(ctx.session, team=team, title=state["title"],
                                spec=Recurrence.from_dict(state["spec"]),
                                leads=sv.parse_leads(state["leads"]), audience=state["who"],
                                now=ctx.now, by=ctx.actor.key if ctx.actor else "?")
            ctx.audit("event.add", subject=f"series:{row.id}", title=row.title)
            return Turn.done(Reply(f"已添加：{sv.summary(row, ctx.now)}\n发送 /events 查看全部。"))
        return Turn.done(Reply("这个操作已经结束了。发送 /addevent 重新开始。"))

    def _confirm(self, ctx: Ctx, state: dict[str, Any]) -> Turn:
        spec = Recurrence.from_dict(state["spec"])
        leads = "、".join(lead.describe() for lead in sv.parse_leads(state["leads"]))
        who = sv.audience_label({"roles": list(sv.AUDIENCES[state["who"]])})
        text = (f"请确认：\n名称：{state['title']}\n时间：{describe(spec)}\n提醒：{leads}\n对象：{who}")
        return Turn.stay({**state, "step": "confirm"}, Reply(text, buttons=buttons_row(
            ("确认添加", self.button("yes")), ("取消", self.button("no")))))


# -- buttons --------------------------------------------------------------------------------
def on_button(ctx: Ctx, payload: str) -> Replies:
    action, _, rest = payload.partition(":")
    if action == "run":
        name, _, args = rest.partition(":")
        return run_command(ctx, name, args)
    if action in ("p", "r", "x") and rest.isdigit():
        row = sv.get_series(ctx.session, int(rest))
        sv.require_manager(ctx.session, ctx.actor, row.team_id)
        if action == "x":
            if row.key is not None:
                raise PermissionDenied("默认提醒不能删除，可以暂停。")
            ctx.session.delete(row)
            ctx.audit("event.remove", subject=f"series:{row.id}")
            return [Reply(f"已删除「{row.title}」。")]
        sv.set_active(row, action == "r", ctx.now)
        ctx.audit("event.pause" if action == "p" else "event.resume", subject=f"series:{row.id}")
        return [Reply(f"已{'恢复' if row.active else '暂停'}「{row.title}」。发送 /events 查看全部。")]
    return [Reply("这个按钮已经失效了。发送 /events 查看提醒安排。")]


def run_command(ctx: Ctx, name: str, args: str = "") -> Replies:
    """A digest button runs an existing command as if the presser had typed it."""
    cmd = ctx.registry.commands.get(name)
    if cmd is None or ctx.actor is None or ctx.actor.role not in cmd.roles:
        raise PermissionDenied("这个按钮对您不可用。发送 /help 查看您可以使用的命令。")
    if cmd.dialog:
        return ctx.begin(cmd.dialog, args)
    assert cmd.run is not None
    return cmd.run(ctx, args)


# -- rotation and handover --------------------------------------------------------------------
def _handover_reply(s: Session, h: Handover) -> Reply:
    m = s.get(Member, h.member_id)
    assert m is not None
    rows = [[Button(f"✔ {label}", f"ho:{h.id}:{key}")] for key, label, _ in handover.ITEMS
            if key not in h.ticks or len(h.ticks[key]) < (1 if key == "approval" else 2)]
    return Reply(handover.render(h, m.name), buttons=rows)


def handover_cmd(ctx: Ctx, args: str) -> Replies:
    assert ctx.actor is not None
    rows = handover.handovers_for(ctx.session, ctx.actor)
    if not rows:
        return [Reply("现在没有进行中的交接。任期结束前 15 天，交接表会自动打开并提醒您。")]
    return [_handover_reply(ctx.session, h) for h in rows]


def on_handover(ctx: Ctx, payload: str) -> Replies:
    hid, _, item = payload.partition(":")
    h = ctx.session.get(Handover, int(hid)) if hid.isdigit() else None
    if h is None:
        return [Reply("这份交接表不存在了。发送 /handover 查看。")]
    assert ctx.actor is not None
    side = handover.tick(ctx.session, h, item, ctx.actor, ctx.now)
    who = {"out": "离任方", "in": "接任方", "admin": "管理员"}[side]
    note = f"已确认：{handover.LABELS[item]}（{who}）。"
    if handover.complete(h):
        note += "\n交接表已全部完成，管理员可以结束任期：/closeterm 姓名"
    return [Reply(note), _handover_reply(ctx.session, h)]


def term_cmd(ctx: Ctx, args: str) -> Replies:
    parts = args.split()
    if len(parts) != 2:
        raise UserError("用法：/term 姓名或编号 结束日期，例如：/term 赵驻村 2026-12-20")
    m = handover.find_member(ctx.session, parts[0], ctx.actor.county_id if ctx.actor else None)
    handover.require_admin_over(ctx.actor, m)
    try:
        end = date.fromisoformat(parts[1])
    except ValueError:
        raise UserError("日期格式：2026-12-20") from None
    handover.set_term_end(ctx.session, m, end, by=ctx.actor.key if ctx.actor else "?", now=ctx.now)
    left = (end - ctx.today).days
    return [Reply(f"已设置：{m.name}的任期到 {end}（还有 {left} 天）。到期前 60、30、15 天会提醒本人、"
                  "组长和管理员；前 15 天打开交接表。")]


def closeterm_cmd(ctx: Ctx, args: str) -> Replies:
    ref, _, reason = args.strip().partition(" ")
    if not ref:
        raise UserError("用法：/closeterm 姓名或编号 [理由：……]（交接未完成时必须写理由）")
    m = handover.find_member(ctx.session, ref, ctx.actor.county_id if ctx.actor else None)
    handover.require_admin_over(ctx.actor, m)
    reason = reason.strip().removeprefix("理由：").removeprefix("理由:").strip()
    handover.close_term(ctx.session, m, by=ctx.actor.key if ctx.actor else "?", now=ctx.now,
                        override_reason=reason or None)
    extra = f"（强制结束，理由：{reason}）" if reason else "（交接表已完成）"
    return [Reply(f"已结束{m.name}的驻村任期{extra}。其记录都保留。")]


# -- tick ------------------------------------------------------------------------------------
def _make_tick(reg: Registry):  # type: ignore[no-untyped-def]
    def tick(session: Session, now: datetime, settings: Settings) -> None:
        dispatch.run(session, now, settings, frozenset(reg.commands))
    return tick


def register(reg: Registry) -> None:
    reg.command(Command("events", "提醒安排：会议、学习、日志提醒（可暂停）", MEMBER_ROLES, run=events,
                        aliases=("提醒安排",), order=60))
    reg.dialog(AddEventDialog())
    reg.command(Command("addevent", "添加会议或活动提醒（组长/第一书记/管理员）",
                        frozenset(sv.MANAGER_ROLES), dialog="addevent", order=61))
    reg.command(Command("handover", "交接表（任期轮换）", MEMBER_ROLES, run=handover_cmd,
                        aliases=("交接表",), order=62))
    reg.command(Command("term", "设置成员任期结束日期（管理员）", ADMINS, run=term_cmd, order=63))
    reg.command(Command("closeterm", "结束成员任期（管理员）", ADMINS, run=closeterm_cmd, order=64))
    reg.callback("rm", on_button)
    reg.callback("ho", on_handover)
    reg.tick("reminders", _make_tick(reg))


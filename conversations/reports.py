"""Daily work report (/report, 日志), /myreports, a leader's /reports, and the offer to
save a long free text as today's report. Rules live in services.reports."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from conversations.context import Ctx
from conversations.messages import Button, Incoming, Reply, buttons_row, photos
from conversations.registry import Command, Dialog, Registry, Replies, Turn
from services import reports as rs
from services.dates import month_day, parse_date_range
from services.errors import PermissionDenied, UserError
from services.roles import TEAM_ROLES
from services.text import split_for_display
from services.text_intent import offers_report
from storage.models import DailyReport, DialogState, Member, Team

PREVIEW = 300
PAGE = 5
ASK = {
    "done": "今天做了什么？请用一两句话写下来（可以一条消息写完全部，例如：\n"
            "走访脱贫户3户，了解务工情况。问题：王大爷家屋顶漏雨。下一步：联系镇住建办）",
    "households": "走访了哪些农户？写户数或户主姓名（例如：3户 / 张三、李四）。",
    "problems": "发现了什么问题？（没有就点「跳过」）",
    "next_steps": "下一步打算做什么？（没有就点「跳过」）",
}
GUIDED = ("households", "problems", "next_steps")


def _member(ctx: Ctx) -> Member:
    return ctx.team_member("只有工作队成员需要写工作日志。发送 /help 查看您可以做的事。")


def _parse_day(ctx: Ctx, text: str) -> date | None:
    """A short argument that reads as one day ('昨天', '11月22日'), else None."""
    if not text or len(text) > 12:
        return None
    text = text.removeprefix("补").removesuffix("的").removesuffix("日志").strip() or text
    r = parse_date_range(text, ctx.today)
    return r.start if r is not None and r.start == r.end else None


class ReportDialog(Dialog):
    name = "report"
    title = "工作日志"

    # -- entry --------------------------------------------------------------------
    def start(self, ctx: Ctx, args: str) -> Turn:
        member = _member(ctx)
        text, day, from_offer = args.strip(), None, args.startswith("pending:")
        if from_offer:
            text = rs.take_pending_text(ctx.session, int(text.split(":", 1)[1]), member.id, ctx.now)
        elif (day := _parse_day(ctx, text)) is not None:
            text = ""
        day = day or ctx.today
        rs.check_report_date(day, ctx.now, ctx.tz, ctx.settings.report_late_until_hour)
        existing = rs.get_report(ctx.session, member.id, day)
        state: dict[str, Any] = {"mode": "new", "draft": rs.empty_draft(day), "text": text}
        if existing is not None and existing.submitted and from_offer:
            state["mode"] = "append"  # the button said 补充到今日日志: add, never replace
        elif existing is not None and existing.submitted:
            state["stage"] = "choose"
            return Turn.stay(state, Reply(
                f"{rs.day_label(day, ctx.today)}的日志已经提交过了：\n"
                f"{rs.format_fields(rs.draft_from(existing), 120)}\n\n"
                "要修改原日志，还是在后面补充新内容？（原内容都会保留在修改记录里）",
                buttons=buttons_row(("修改", self.button("edit")), ("补充", self.button("append")),
                                    ("取消", self.button("cancel")))))
        if text:
            return self._take_text(ctx, state, text)
        return self._ask(state, "done", day_note=day != ctx.today)

    # -- steps --------------------------------------------------------------------
    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        # A fresh copy: the stored JSON only counts as changed when it is a new object.
        state = copy.deepcopy(state)
        stage = state["stage"]
        value = (msg.callback or "").split(":", 2)[2] if msg.callback else None
        if msg.photos:
            photos = state["draft"].setdefault("photos", [])
            photos.extend(p for p in msg.photos if p not in photos)
            if not (msg.text or "").strip():
                note = Reply(f"📷 已收到照片（共 {len(photos)} 张），会和日志一起保存。")
                return self._reprompt(ctx, state, note)
        if value == "cancel":
            return Turn.done(Reply("已取消，这次填写的内容没有保存。需要时发送 /report 重新开始。"))
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
            state["draft"] = rs.draft_from(existing)
            state["draft"]["photos"] += [p for p in sent if p not in state["draft"]["photos"]]
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
            text = ASK["done"] if state["mode"] != "append" else \
                "请发送要补充的内容（会加在原日志后面，可以用「问题：」「下一步：」分开写）。"
            if day_note:
                text = f"补写{rs.day_label(date.fromisoformat(state['draft']['date']))}的日志。\n{text}"
        elif stage == "field":
            label = rs.FIELD_LABELS[state["field"]]
            text = f"请发送新的「{label}」。"
            if state["field"] != "done":
                buttons = buttons_row(("清空这一项", self.button("clear")),
                                      ("返回", self.button("finish")))
        else:
            text = ASK[stage]
            buttons = buttons_row(("跳过", self.button("skip")), ("直接看摘要", self.button("finish")))
        return Turn.stay(state, Reply(text + "\n（可随时发照片；放弃请发 /cancel）", buttons=buttons))

    def _reprompt(self, ctx: Ctx, state: dict[str, Any], *before: Reply) -> Turn:
        stage = state["stage"]
        if stage == "summary":
            turn = self._summary(ctx, state)
        elif stage == "choose":
            turn = self.start_again(ctx, state)
        elif stage == "pick":
            turn = self._summary_step(ctx, state, "edit")
        else:
            turn = self._ask(state, stage, field=state.get("field"))
        return Turn(list(before) + turn.replies, turn.state)

    def start_again(self, ctx: Ctx, state: dict[str, Any]) -> Turn:
        return Turn.stay(state, Reply("请点按钮选择：修改原日志，或补充新内容。",
                                      buttons=buttons_row(("修改", self.button("edit")),
                                                          ("补充", self.button("append")),
                                                          ("取消", self.button("cancel")))))

    def _summary(self, ctx: Ctx, state: dict[str, Any], hint: str = "") -> Turn:
        state["stage"] = "summary"
        day = date.fromisoformat(state["draft"]["date"])
        what = {"new": "日志", "edit": "修改后的日志", "append": "要补充的内容"}[state["mode"]]
        text = (f"请核对{rs.day_label(day, ctx.today)}{what}：\n"
                f"{rs.format_fields(state['draft'], PREVIEW)}\n\n"
                + (hint or "没问题就点「提交」。"))
        return Turn.stay(state, Reply(text, buttons=buttons_row(
            ("提交", self.button("submit")), ("修改", self.button("edit")),
            ("取消", self.button("cancel")))))

    def _summary_step(self, ctx: Ctx, state: dict[str, Any], value: str | None) -> Turn:
        if value == "submit":
            member = _member(ctx)
            day = date.fromisoformat(state["draft"]["date"])
            rs.check_report_date(day, ctx.now, ctx.tz, ctx.settings.report_late_until_hour)
            r = rs.save_report(ctx.session, member=member, day=day, draft=state["draft"],
                               mode=state["mode"], now=ctx.now)
            ctx.audit(f"report.{state['mode']}", subject=f"report:{r.id}")
            done = {"new": "已提交", "edit": "已修改", "append": "已补充"}[state["mode"]]
            tail = "原内容已保存在修改记录里。" if state["mode"] != "new" else "辛苦了！"
            return Turn.done(Reply(f"✅ {done}{rs.day_label(day, ctx.today)}的日志。{tail}\n"
                                   "发送 /myreports 查看我的日志。"))
        if value == "edit":
            state["stage"] = "pick"
            rows = [[Button(rs.FIELD_LABELS[f], self.button(f)) for f in rs.FIELDS[:2]],
                    [Button(rs.FIELD_LABELS[f], self.button(f)) for f in rs.FIELDS[2:]],
                    [Button("返回摘要", self.button("back"))]]
            return Turn.stay(state, Reply("要修改哪一项？", buttons=rows))
        return self._summary(ctx, state, hint="请点「提交」保存；要改内容请点「修改」。")


# -- free text: offer to save as today's report ---------------------------------------------
def offer_text(ctx: Ctx, text: str) -> Replies | None:
    if ctx.actor is None or not ctx.actor.in_team or not ctx.incoming.text:
        return None
    if not offers_report(text, ctx.actor.role, ctx.settings.report_offer_min_chars):
        return None
    pid = rs.keep_pending_text(ctx.session, ctx.actor.id, text, ctx.now)
    has_today = rs.get_report(ctx.session, ctx.actor.id, ctx.today) is not None
    label = "补充到今日日志" if has_today else "存为今日日志"
    return [Reply(f"这段话（{len(text)}字）要{label[:-4]}今天的工作日志吗？"
                  + ("（今天已有日志，会加在后面，原内容保留）" if has_today else ""),
                  buttons=buttons_row((label, f"rp:save:{pid}"), ("不用了", f"rp:no:{pid}")))]


# -- buttons outside the dialog ------------------------------------------------------------
def on_button(ctx: Ctx, payload: str) -> Replies:
    action, _, arg = payload.partition(":")
    if action in ("save", "no"):
        if action == "no":
            rs.take_pending_text(ctx.session, int(arg), ctx.actor.id if ctx.actor else 0, ctx.now)
            return [Reply("好的，没有保存。需要写日志时发送 /report 。")]
        if _open_dialog(ctx):
            raise UserError("您还有未完成的操作。请先完成它，或发送 /cancel 后再点这个按钮。")
        return ctx.begin("report", f"pending:{int(arg)}")
    if action == "my":
        return my_reports(ctx, arg)
    if action == "day":
        return team_reports(ctx, arg)
    if action == "full":
        r = rs.require_reader(ctx.actor, ctx.session.get(DailyReport, _id(arg)))
        text = rs.format_report(r, ctx.today, preview=None)
        return [Reply(part) for part in split_for_display(text, 3500)]
    if action == "ph":
        return report_photos(ctx, arg)
    raise UserError("这个按钮已经失效了。发送 /help 查看可用的命令。")


def _open_dialog(ctx: Ctx) -> bool:
    return ctx.session.scalar(select(DialogState.id).where(
        DialogState.platform == ctx.incoming.platform,
        DialogState.external_id == ctx.incoming.user_id)) is not None


def _id(arg: str) -> int:
    """A report id from button data; anything else is a forged button (refused, audited)."""
    if not arg.isdigit():
        raise PermissionDenied("您不能查看这篇日志。")
    return int(arg)


def report_photos(ctx: Ctx, arg: str) -> Replies:
    """[📷 …] under /reports or /myreports: the photos are sent only when asked, so a leader
    of a big team reads the list first; the author or the team's leader/first secretary only."""
    r = rs.require_reader(ctx.actor, ctx.session.get(DailyReport, _id(arg)))
    member = ctx.session.get(Member, r.member_id)
    if not r.photos:
        return [Reply("这篇日志没有照片。")]
    return [Reply(f"{member.name if member else ''} {rs.day_label(r.report_date, ctx.today)}"
                  f"日志的照片（{len(r.photos)}张）：\n{_one_line(r.done)}",
                  attachments=photos(r.photos))]


def _report_buttons(r: DailyReport, label: str) -> list[Button]:
    """[全文 …] for a long report and [📷 …] for its photos; `label` tells reports apart
    (the day in /myreports, the member's name in /reports)."""
    row = []
    if any(len(getattr(r, f) or "") > 120 for f in rs.FIELDS):
        row.append(Button(f"全文 {label}", f"rp:full:{r.id}"))
    if r.photos:
        row.append(Button(f"📷 {label}（{len(r.photos)}张）", f"rp:ph:{r.id}"))
    return row



def my_reports(ctx: Ctx, args: str) -> Replies:
    member = _member(ctx)
    offset = int(args) if args.strip().isdigit() else 0
    rows, total = rs.member_reports(ctx.session, member.id, offset, PAGE)
    if not rows:
        return [Reply("您还没有提交过工作日志。发送 /report 写今天的日志（一分钟就好）。"
                      if offset == 0 else "没有更早的日志了。")]
    parts = [rs.format_report(r, ctx.today, preview=120) for r in rows]
    head = f"我的工作日志（第 {offset + 1}–{offset + len(rows)} 篇，共 {total} 篇）："
    buttons: list[list[Button]] = [b for r in rows
                                   if (b := _report_buttons(r, month_day(r.report_date)))]
    if offset + PAGE < total:
        buttons.append([Button("更早的日志", f"rp:my:{offset + PAGE}")])
    return [Reply(head + "\n\n" + "\n\n".join(parts), buttons=buttons)]


def team_reports(ctx: Ctx, args: str) -> Replies:
    team_id = rs.require_team_viewer(ctx.actor)
    day = ctx.today
    if args.strip():
        r = parse_date_range(args.strip(), ctx.today)
        if r is None or r.start != r.end:
            raise UserError(f"看不懂日期「{args.strip()}」。例如：/reports 昨天 或 /reports 11月20日")
        day = r.start
    if day > ctx.today:
        raise UserError("那一天还没到，没有日志。发送 /reports 查看今天的。")
    team = ctx.session.get(Team, team_id)
    assert team is not None
    done = rs.team_reports(ctx.session, team_id, day)
    missing = rs.missing_reporters(ctx.session, team_id, day)
    lines = [f"{team.name} · {rs.day_label(day, ctx.today)}",
             f"已报 {len(done)} 人，未报 {len(missing)} 人。"]
    for m, r in done:
        extra = f"（走访{r.households_count}户）" if r.households_count else ""
        photos = f"📷{len(r.photos)}" if r.photos else ""
        lines.append(f"✅ {m.name}{extra}{photos}：{_one_line(r.done)}")
        if r.problems:
            lines.append(f"   问题：{_one_line(r.problems)}")
    if missing:
        lines.append("未报：" + "、".join(m.name for m in missing))
    buttons = [b for m, r in done if (b := _report_buttons(r, m.name))]
    buttons.append([Button("前一天", f"rp:day:{(day - timedelta(days=1)).isoformat()}")])
    return [Reply("\n".join(lines), buttons=buttons)]


def _one_line(text: str, limit: int = 60) -> str:
    t = " ".join((text or "").split())
    return t if len(t) <= limit else t[:limit] + "…"


def register(reg: Registry) -> None:
    reg.dialog(ReportDialog())
    reg.command(Command("report", "写今天的工作日志（一分钟）", TEAM_ROLES, dialog="report",
                        aliases=("日志", "写日志", "工作日志"), order=10))
    reg.command(Command("myreports", "我的工作日志", TEAM_ROLES, run=my_reports,
                        aliases=("我的日志",), order=11))
    reg.command(Command("reports", "全队当天日志和未报名单（组长/第一书记）",
                        frozenset(rs.VIEWER_ROLES), run=team_reports, aliases=("全队日志",),
                        order=12))
    reg.callback("rp", on_button)
    reg.text(50, offer_text)

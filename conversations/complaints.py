"""Villagers' side of complaints: /complain dialog, /mytickets, /ticket, rating, free text.

The dialog asks one thing at a time (category, whom it is about, what happened, where and
when, photos, named or anonymous), shows a summary, then files the ticket and posts it to
the supervisors (conversations.complaint_handling). Registration of every complaint
command, button and tick is here, so the feature plugs in with one line.
"""

from __future__ import annotations

from typing import Any

from conversations import complaint_handling as handling
from conversations.context import Ctx
from conversations.messages import Button, Incoming, Reply, buttons_row
from conversations.registry import Command, Dialog, Registry, Replies, Turn
from services import complaints as svc
from services.errors import PermissionDenied, UserError
from services.roles import SHORT_ROLE_LABELS, Role
from services.text_intent import offers_complaint
from storage.models import Member, Villager

MAX_PLACE = 200
ANON_TEXT = ("最后一步：实名还是匿名？\n"
             "· 实名：监督员能看到您的姓名，方便联系您核实。\n"
             "· 匿名：任何人（包括工作队和监督员）都看不到您是谁，办理进度只告诉您本人。")


class ComplaintDialog(Dialog):
    name = "complain"
    title = "反映问题"

    def start(self, ctx: Ctx, args: str) -> Turn:
        assert ctx.actor is not None
        svc.check_quota(ctx.session, ctx.actor.id, ctx.today, ctx.settings.complaint_daily_limit)
        cats = ctx.settings.complaint_categories
        rows = [[Button(c, self.button(f"c{i}")) for i, c in enumerate(cats[j:j + 2], start=j)]
                for j in range(0, len(cats), 2)]
        return Turn.stay({"stage": "category", "photos": []}, Reply(
            "您好！您反映的问题会直接交给县里的监督员办理，工作队看不到您反映的内容。\n"
            "先请选择问题的类别：", buttons=rows))

    # -- steps ------------------------------------------------------------------------
    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        stage = state["stage"]
        return getattr(self, f"_on_{stage}")(ctx, state, msg)

    def _value(self, msg: Incoming) -> str | None:
        prefix = self.button("")
        if msg.callback and msg.callback.startswith(prefix):
            return msg.callback[len(prefix):]
        return None

    def _on_category(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        cats = ctx.settings.complaint_categories
        value, text = self._value(msg), (msg.text or "").strip()
        chosen = None
        if value and value[1:].isdigit() and int(value[1:]) < len(cats):
            chosen = cats[int(value[1:])]
        elif text in cats:
            chosen = text
        if chosen is None:
            return Turn.stay(state, Reply("请点上面的按钮选择类别（不确定就选「其他」）。"
                                          "放弃请发送 /cancel 。"))
        state["category"] = chosen
        return self._ask_about(ctx, state)

    def _ask_about(self, ctx: Ctx, state: dict[str, Any]) -> Turn:
        assert ctx.actor is not None and ctx.actor.village_id is not None
        people = svc.members_about(ctx.session, ctx.actor.village_id)
        if not people:
            state["stage"] = "what"
            return Turn.stay(state, Reply(self._what_prompt(state)))
        rows = [[Button(f"{m.name}（{SHORT_ROLE_LABELS[Role(m.role)]}）", self.button(f"m{m.id}"))]
                for m in people]
        rows.append([Button("整个工作队", self.button("team")),
                     Button("不针对具体人", self.button("none"))])
        state["stage"] = "about"
        return Turn.stay(state, Reply(f"类别：{state['category']}。\n这个问题是关于驻村工作队哪位成员的吗？"
                                      "（您的名字不会告诉他们）", buttons=rows))

    def _on_about(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value = self._value(msg)
        if value == "none":
            state.update(subject=None, about_team=False)
        elif value == "team":
            state.update(subject=None, about_team=True)
        elif value and value.startswith("m") and value[1:].isdigit():
            state.update(subject=int(value[1:]), about_team=False)
        else:
            return Turn.stay(state, Reply("请点上面的按钮选择；和具体的人无关请点「不针对具体人」。"))
        state["stage"] = "what"
        return Turn.stay(state, Reply(self._what_prompt(state)))

    @staticmethod
    def _what_prompt(state: dict[str, Any]) -> str:
        return ("请说一说发生了什么事：谁、做了什么或没做什么、对您有什么影响。"
                "可以直接打字，也可以发照片并配上文字。")

    def _on_what(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        self._keep_photos(ctx, state, msg)
        text = (msg.text or "").strip()
        limit = ctx.settings.complaint_max_chars
        if not text:
            if msg.photos:
                return Turn.stay(state, Reply(f"收到照片（共{len(state['photos'])}张）。"
                                              "请再用几句话说说发生了什么事。"))
            return Turn.stay(state, Reply("请用文字说一说发生了什么事。"))
        if not svc.has_words(text):
            return Turn.stay(state, Reply("只有表情我看不明白。请用几句话写一写发生了什么事，"
                                          "例如：村里的路灯坏了一个月没人修。"))
        if len(text) > limit:
            return Turn.stay(state, Reply(f"内容太长了（{len(text)}字），请精简到{limit}字以内，"
                                          "写清楚是什么事、涉及谁、什么时候就可以。"))
        state["text"], state["stage"] = text, "where"
        return Turn.stay(state, Reply("在哪里、什么时候发生的？例如：村委会门口，11月28日上午。"
                                      "说不清楚可以点「跳过」。",
                                      buttons=buttons_row(("跳过", self.button("skip")))))

    def _on_where(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        self._keep_photos(ctx, state, msg)
        if self._value(msg) != "skip":
            text = (msg.text or "").strip()
            if not text and msg.photos:
                return Turn.stay(state, Reply("照片收到了。在哪里、什么时候发生的？不清楚请点「跳过」。",
                                              buttons=buttons_row(("跳过", self.button("skip")))))
            if len(text) > MAX_PLACE:
                return Turn.stay(state, Reply(f"地点和时间请简短一些（{MAX_PLACE}字以内）。"))
            state["place"] = text or None
        return self._ask_photos(state)

    def _ask_photos(self, state: dict[str, Any]) -> Turn:
        state["stage"] = "photos"
        n = len(state["photos"])
        if n:
            return Turn.stay(state, Reply(f"已收到{n}张照片。还有照片可以继续发，发完请点「发完了」。",
                                          buttons=buttons_row(("发完了", self.button("done")))))
        return Turn.stay(state, Reply("有照片可以现在发过来（可以发多张），没有就点「没有照片」。",
                                      buttons=buttons_row(("没有照片", self.button("done")))))

    def _on_photos(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        if msg.photos:
            self._keep_photos(ctx, state, msg)
            return self._ask_photos(state)
        if self._value(msg) != "done":
            return self._ask_photos(state)
        state["stage"] = "anon"
        return Turn.stay(state, Reply(ANON_TEXT, buttons=buttons_row(
            ("实名反映", self.button("named")), ("匿名反映", self.button("anon")))))

    def _keep_photos(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> None:
        room = ctx.settings.complaint_max_photos - len(state["photos"])
        state["photos"] = state["photos"] + list(msg.photos)[:max(room, 0)]

    def _on_anon(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value, text = self._value(msg), (msg.text or "").strip()
        if value == "anon" or text == "匿名":
            state["anonymous"] = True
        elif value == "named" or text == "实名":
            state["anonymous"] = False
        else:
            return Turn.stay(state, Reply("请点「实名反映」或「匿名反映」。", buttons=buttons_row(
                ("实名反映", self.button("named")), ("匿名反映", self.button("anon")))))
        state["stage"] = "confirm"
        return Turn.stay(state, Reply(self._summary(ctx, state) + "\n\n确认提交吗？",
                                      buttons=buttons_row(("提交", self.button("submit")),
                                                          ("不提交了", self.button("drop")))))

    def _summary(self, ctx: Ctx, state: dict[str, Any]) -> str:
        about = "不针对具体人"
        if state.get("subject"):
            m = ctx.session.get(Member, state["subject"])
            about = m.name if m else "（已不在工作队）"
        elif state.get("about_team"):
            about = "整个工作队"
        text = state["text"]
        lines = [f"类别：{state['category']}", f"涉及：{about}",
                 f"情况：{text if len(text) <= 300 else text[:300] + '……'}"]
        if state.get("place"):
            lines.append(f"地点时间：{state['place']}")
        if state["photos"]:
            lines.append(f"照片：{len(state['photos'])}张")
        lines.append("方式：" + ("匿名" if state["anonymous"] else "实名"))
        return "\n".join(lines)

    def _on_confirm(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        value, text = self._value(msg), (msg.text or "").strip()
        if value == "drop":
            return Turn.done(Reply("好的，没有提交。需要时发送 /complain 重新反映。"))
        if value != "submit" and text not in ("提交", "确认"):
            return Turn.stay(state, Reply("请点「提交」或「不提交了」。"))
        assert ctx.actor is not None
        villager = ctx.session.get(Villager, ctx.actor.id)
        assert villager is not None
        c = svc.file_complaint(
            ctx.session, villager=villager, category=state["category"], text=state["text"],
            place_time=state.get("place"), photos=state["photos"], anonymous=state["anonymous"],
            subject_member_id=state.get("subject"), about_team=bool(state.get("about_team")),
            now=ctx.now, tz=ctx.tz, daily_limit=ctx.settings.complaint_daily_limit)
        handling.announce_new(ctx, c)
        return Turn.done(Reply(
            f"已提交，您的问题编号是 {c.ticket_no}。\n{self._summary(ctx, state)}\n\n"
            f"监督员一般在{ctx.settings.complaint_accept_hours}小时内受理，每一步进展都会告诉您。"
            f"随时发送 /ticket {c.ticket_no} 查看进度，/mytickets 查看您反映过的所有问题。"))


DIALOG = ComplaintDialog()


# -- villager commands -----------------------------------------------------------------
def mytickets_command(ctx: Ctx, args: str) -> Replies:
    assert ctx.actor is not None
    rows = svc.for_villager(ctx.session, ctx.actor.id)
    if not rows:
        return [Reply("您还没有反映过问题。有问题请发送 /complain 或直接说「反映问题」。")]
    lines = [f"您反映过的问题（最近{len(rows)}件）："]
    for c in rows:
        lines.append(f"{c.ticket_no} {c.category} {svc.STATUS_LABELS[c.status]}"
                     + (f"，您的评价：{svc.RATINGS[c.rating]}" if c.rating else ""))
    lines.append("发送 /ticket 编号 查看详细进度，例如 /ticket " + rows[0].ticket_no)
    return [Reply("\n".join(lines))]


def ticket_command(ctx: Ctx, args: str) -> Replies:
    assert ctx.actor is not None
    if not args.strip():
        raise UserError("请在命令后面写上编号，例如 /ticket TS-20261201-0001 。"
                        "不记得编号请发送 /mytickets 。")
    c = svc.find_visible(ctx.session, ctx.actor, args.split()[0])
    if ctx.actor.role != Role.VILLAGER:
        return handling.detail_for_staff(ctx, c)
    return [villager_view(ctx, c)]


def villager_view(ctx: Ctx, c) -> Reply:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from storage.models import ComplaintEvent

    tz = ctx.settings.timezone
    lines = [f"问题编号：{c.ticket_no}", f"类别：{c.category}",
             f"提交时间：{handling.fmt_time(c.created_at, tz)}",
             f"当前进度：{svc.STATUS_LABELS[c.status]}"]
    events = ctx.session.scalars(select(ComplaintEvent).where(
        ComplaintEvent.complaint_id == c.id, ComplaintEvent.action.in_(list(svc.ACTIONS)))
        .order_by(ComplaintEvent.id))
    for ev in events:  # supervisors' names are not needed by the villager
        lines.append(f"{handling.fmt_time(ev.at, tz)} {svc.EVENT_LABELS[ev.action]}"
                     + (f"：{ev.note}" if ev.note else ""))
    buttons = []
    if c.status == "closed" and c.rating is None:
        lines.append("请您评价这次办理：")
        buttons = [[Button(label, f"{handling.PREFIX}:r:{c.id}:{code}")
                    for code, label in svc.RATINGS.items()]]
    elif c.rating:
        lines.append(f"您的评价：{svc.RATINGS[c.rating]}")
    return Reply("\n".join(lines), buttons=buttons)


def on_rate(ctx: Ctx, raw_id: str, rating: str) -> Replies:
    assert ctx.actor is not None
    try:
        complaint_id = int(raw_id)
    except ValueError as exc:
        raise PermissionDenied("只有反映人本人可以评价这件问题的办理。") from exc
    c = svc.rate(ctx.session, ctx.actor, complaint_id, rating, ctx.now)
    handling.to_supervision(ctx.session, ctx.settings, c, f"ts:{c.id}:rated",
                            Reply(f"{c.ticket_no} 反映人评价：{svc.RATINGS[rating]}"), ctx.now)
    tail = "" if rating != "bad" else "\n如果问题还没有解决，可以发送 /complain 再次反映。"
    return [Reply(f"谢谢您的评价（{svc.RATINGS[rating]}）！您的意见是考核驻村工作的重要依据。{tail}")]


def on_button(ctx: Ctx, payload: str) -> Replies:
    """ts:new | ts:r:<id>:<rating> | ts:<action>:<id>; every one authorised in services."""
    parts = payload.split(":")
    if parts == ["new"]:
        if ctx.actor is None or ctx.actor.role != Role.VILLAGER:
            raise PermissionDenied("反映问题是给村民用的。发送 /help 查看您可以使用的命令。")
        return handling.begin_or_explain(ctx, DIALOG.name)
    if len(parts) == 3 and parts[0] == "r":
        return on_rate(ctx, parts[1], parts[2])
    if len(parts) == 2 and parts[0] in svc.ACTIONS:
        return handling.on_action(ctx, parts[0], parts[1])
    raise PermissionDenied("这个按钮无效。发送 /help 查看可用的命令。")


def villager_free_text(ctx: Ctx, text: str) -> Replies | None:
    """A villager writing outside a dialog most likely wants to raise something."""
    if ctx.actor is None or ctx.actor.role != Role.VILLAGER:
        return None
    msg = ctx.incoming
    if not text and not msg.photos:
        return None
    if text and not msg.photos and not offers_complaint(text):
        return None  # a question or small talk goes on to the knowledge base (priority 60)
    return [Reply("您好！如果您想向监督员反映驻村工作队或村里的问题，请点下面的按钮，"
                  "我一步一步帮您填写（可以匿名）。发送 /mytickets 查看已反映问题的进度。",
                  buttons=buttons_row(("我要反映问题", f"{handling.PREFIX}:new")))]


STAFF = frozenset({Role.SUPERVISOR, Role.ADMIN})


def register(reg: Registry) -> None:
    reg.dialog(DIALOG)
    reg.dialog(handling.NOTE_DIALOG)
    reg.command(Command("complain", "反映问题（投诉、监督，可以匿名）", frozenset({Role.VILLAGER}),
                        dialog=DIALOG.name, aliases=("投诉", "反映问题", "我要反映问题"), order=1))
    reg.command(Command("mytickets", "查看我反映过的问题和进度", frozenset({Role.VILLAGER}),
                        run=mytickets_command, aliases=("我的问题",), order=2))
    reg.command(Command("ticket", "按编号查看问题进度，例如 /ticket TS-20261201-0001",
                        frozenset({Role.VILLAGER}) | STAFF, run=ticket_command, order=3))
    reg.command(Command("tickets", "本县群众反映列表（/tickets all 看全部）", STAFF,
                        run=handling.tickets_command, order=13))
    reg.callback(handling.PREFIX, on_button)
    reg.text(40, villager_free_text)
    reg.tick("complaints.escalate", handling.escalation_tick)

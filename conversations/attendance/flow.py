"""/checkin (到村打卡), /attendance, /export and /monthly (驻村工作记实).

Rules live in services.attendance, services.monthly and services.export; this module
only turns them into messages. A location shared outside any dialog is a check-in too:
on a cheap phone the fewest taps win.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from core.context import Ctx
from core.messages import Attachment, Incoming, Reply, buttons_row
from core.registry import Command, Dialog, Registry, Replies, Turn
from services import attendance as att
from services import export, monthly
from services import reports as rs
from services.chart import ChartRow, attendance_chart
from services.clock import local
from services.errors import UserError
from services.geo import describe_distance
from services.roles import LEADER_ROLES, TEAM_ROLES
from storage.models import Member, Team

FAR_M = 50_000


def _member(ctx: Ctx) -> Member:
    return ctx.team_member("只有工作队成员需要到村打卡和考勤。发送 /help 查看您可以做的事。")


def checkin_reply(ctx: Ctx, lat: float, lon: float) -> Reply:
    member = _member(ctx)
    res = att.record_checkin(ctx.session, member, lat, lon, ctx.now, ctx.settings)
    assert res.checkin is not None
    when = local(res.checkin.checked_at, ctx.tz).strftime("%H:%M")
    dist, radius = describe_distance(res.distance_m), describe_distance(res.radius_m)
    village = ctx.session.get(Team, member.team_id).village.name  # type: ignore[union-attr]
    if res.repeated:
        return Reply(f"刚才（{when}）已经记录过这次打卡了，不用重复发送。发送 /attendance 查看本月考勤。")
    ctx.audit("checkin", subject=f"checkin:{res.checkin.id}", inside=res.inside)
    if res.inside:
        sm = att.month_summary(ctx.session, member.id, ctx.today.year, ctx.today.month,
                               ctx.today, ctx.settings)
        head = "✅ 到村打卡成功" if res.first_today else "✅ 已记录位置（今天已打过卡，只计一天）"
        return Reply(f"{head}：{when}，距{village}村中心 {dist}（范围 {radius}）。\n"
                     f"本月已在村 {sm.days_in_village} 天，应在村 {sm.required_days} 天。")
    far = "定位显示离村很远。" if res.distance_m > FAR_M else ""
    return Reply(
        f"📍 已记录您的位置（{when}）：距{village}村中心约 {dist}，不在打卡范围（{radius}）内，"
        f"这次记为「村外」，不计入在村天数。{far}\n"
        "如果您其实在村里，可能是定位不准：请打开手机定位（GPS），到开阔处稍等一会儿，"
        "再发送 /checkin 。因公外出（开会、培训、跑项目）不用打卡，写进日志即可。")


class CheckinDialog(Dialog):
    name = "checkin"
    title = "到村打卡"

    def start(self, ctx: Ctx, args: str) -> Turn:
        if not ctx.settings.checkin_enabled:
            return Turn.done(Reply(att.CHECKIN_OFF))
        member = _member(ctx)
        team = ctx.session.get(Team, member.team_id)
        assert team is not None
        if team.village.latitude is None or team.village.longitude is None:
            raise UserError(f"{team.village.name}的位置还没有设置，暂时不能打卡。请联系管理员用 "
                            "admin add-village --lat --lon 设置村的位置。")
        done = [c for c in att.checkins_on(ctx.session, member.id, ctx.today) if c.inside]
        if done:
            when = local(done[0].checked_at, ctx.tz).strftime("%H:%M")
            return Turn.done(Reply(f"今天 {when} 已经到村打卡了，一天只计一次，不用再打。"
                                   "发送 /attendance 查看本月考勤。"))
        return Turn.stay({"stage": "wait"}, self._ask())

    def _ask(self, prefix: str = "") -> Reply:
        return Reply(prefix + "请点下方「📍 发送我的位置」按钮，把当前位置发给我。"
                     "（只在打卡时用一次位置）放弃请发送 /cancel 。", request_location=True)

    def step(self, ctx: Ctx, state: dict[str, Any], msg: Incoming) -> Turn:
        if msg.location is None:
            return Turn.stay(state, self._ask("打卡需要位置，文字和图片代替不了。"))
        return Turn.done(checkin_reply(ctx, *msg.location))


def location_outside_dialog(ctx: Ctx, text: str) -> Replies | None:
    """A location sent without /checkin is a check-in (or a polite 'not enabled')."""
    loc = ctx.incoming.location
    if loc is None or ctx.actor is None or not ctx.actor.in_team:
        return None
    if not ctx.settings.checkin_enabled:
        return [Reply(att.CHECKIN_OFF)]
    return [checkin_reply(ctx, *loc)]


# -- attendance ---------------------------------------------------------------------------
def attendance(ctx: Ctx, args: str) -> Replies:
    member = _member(ctx)
    month = export.parse_month(args, ctx.today)
    if month > ctx.today:
        raise UserError("那个月还没到。发送 /attendance 查看本月的考勤。")
    sm = att.month_summary(ctx.session, member.id, month.year, month.month, ctx.today,
                           ctx.settings)
    replies = [Reply(_my_text(ctx, month, sm))]
    if ctx.actor is not None and ctx.actor.role in rs.VIEWER_ROLES:
        replies += _team_view(ctx, month)
    return replies


def _my_text(ctx: Ctx, month: date, sm: att.MonthSummary) -> str:
    start, end = att.month_bounds(month.year, month.month)
    current = start <= ctx.today <= end
    upto = f"（截至{ctx.today.month}月{ctx.today.day}日）" if current else ""
    lines = [f"我的{month.year}年{month.month}月考勤{upto}：",
             f"在村 {sm.days_in_village} 天 / 应在村 {sm.required_days} 天"
             f"（定额 {sm.quota} 天，请假 {att._fmt(sm.leave_days)} 天）",
             f"提交日志 {sm.reported_days} 天"]
    if not ctx.settings.checkin_enabled:
        lines.append("（本地区未启用打卡，在村天数按提交的日志计算）")
    if sm.met:
        lines.append("✅ 已达到本月要求。")
    elif current:
        left_days = (end - ctx.today).days + 1
        need = sm.required_days - sm.days_in_village
        lines.append(f"还差 {need} 天，本月还剩 {left_days} 天（含今天）。")
        if need > left_days:
            lines.append("剩下的天数已经不够补齐了；如有因公外出或请假，请在日志里写明或及时补办请假。")
    else:
        lines.append("⚠️ 这个月没有达到要求。如有因公外出或请假没有登记，请联系组长说明。")
    return "\n".join(lines)


def _team_view(ctx: Ctx, month: date) -> Replies:
    team_id = rs.require_team_viewer(ctx.actor)
    team = ctx.session.get(Team, team_id)
    assert team is not None
    rows = att.team_summaries(ctx.session, team_id, month.year, month.month, ctx.today,
                              ctx.settings)
    lines = [f"{team.name} {month.month}月考勤（在村/应在村）："]
    lines += [att.summary_line(m, sm) for m, sm in rows]
    lines.append("✅达标  ⏳进度正常  ⚠️落后于进度")
    path = export.output_dir(ctx.settings.files_dir) / \
        f"attendance-{team_id}-{month:%Y-%m}-{ctx.now:%Y%m%d%H%M%S}.png"
    chart = attendance_chart([ChartRow(m.name, sm.days_in_village, sm.required_days)
                              for m, sm in rows], month.year, month.month, path)
    note = "" if chart.cjk else "（服务器没有中文字体，图中姓名用拼音显示）"
    return [Reply("\n".join(lines)),
            Reply(f"{month.month}月在村天数图{note}",
                  attachments=[Attachment("photo", str(chart.path),
                                          f"考勤-{month:%Y-%m}.png")])]


# -- export and monthly record --------------------------------------------------------------
def export_command(ctx: Ctx, args: str) -> Replies:
    team_id = rs.require_team_viewer(ctx.actor)
    month = export.parse_month(args, ctx.today)
    team = ctx.session.get(Team, team_id)
    assert team is not None
    name = export.export_filename(team.name, month)
    path = export.output_dir(ctx.settings.files_dir) / f"export-{team_id}-{ctx.now:%Y%m%d%H%M%S}.xlsx"
    export.build_workbook(ctx.session, team_id, month, path)
    ctx.audit("export", subject=f"team:{team_id}", month=f"{month:%Y-%m}")
    return [Reply(f"{team.name} {month.year}年{month.month}月工作表（{'、'.join(export.sheets())}）。",
                  attachments=[Attachment("document", str(path), name)])]


def monthly_command(ctx: Ctx, args: str) -> Replies:
    member = _member(ctx)
    month = export.parse_month(args, ctx.today)
    rec = monthly.draft(ctx.session, member, month.year, month.month, ctx.today, ctx.now,
                        ctx.settings)
    if rec.status == "submitted":
        when = local(rec.submitted_at or rec.updated_at, ctx.tz).strftime("%m月%d日 %H:%M")
        return [Reply(f"{rec.body}\n\n✅ 已于 {when} 提交。")]
    return [Reply(f"{rec.body}\n\n这是根据您本月的日志、打卡和请假自动整理的草稿，请核对。"
                  "没问题点「提交」；要改内容，请先用 /report 修改日志，再发送 /monthly 重新生成。",
                  buttons=buttons_row(("提交", f"mr:submit:{rec.id}"), ("先不提交", "mr:later:0")))]


def monthly_button(ctx: Ctx, payload: str) -> Replies:
    action, _, arg = payload.partition(":")
    if action == "later":
        return [Reply("好的，草稿已保存。需要时发送 /monthly 再看。")]
    if action != "submit" or not arg.isdigit():
        raise UserError("这个按钮已经失效了。发送 /monthly 重新打开工作记实。")
    rec = monthly.submit(ctx.session, int(arg), ctx.actor.id if ctx.actor else 0, ctx.now)
    ctx.audit("monthly.submit", subject=f"monthly:{rec.id}")
    who = ctx.actor.name if ctx.actor else ""
    if rec.team_id is not None:
        for leader in rs.team_members(ctx.session, rec.team_id):
            if leader.role in {r.value for r in LEADER_ROLES} and leader.id != rec.member_id:
                ctx.notify(f"monthly:{rec.id}:{leader.id}",
                           Reply(f"{who}提交了{rec.year}年{rec.month}月驻村工作记实。"
                                 "发送 /export 可导出全队的工作表。"), member_id=leader.id)
    return [Reply(f"✅ 已提交{rec.year}年{rec.month}月驻村工作记实。辛苦了！")]


def register(reg: Registry) -> None:
    reg.dialog(CheckinDialog())
    reg.command(Command("checkin", "到村打卡（发送位置）", TEAM_ROLES, dialog="checkin",
                        aliases=("打卡", "到村打卡", "签到"), order=13))
    reg.command(Command("attendance", "本月在村天数和考勤", TEAM_ROLES, run=attendance,
                        aliases=("考勤",), order=14))
    reg.command(Command("monthly", "本月驻村工作记实（自动生成，一键提交）", TEAM_ROLES,
                        run=monthly_command, aliases=("工作记实", "记实"), order=15))
    reg.command(Command("export", "导出全队工作表 Excel（组长/第一书记）",
                        frozenset(rs.VIEWER_ROLES), run=export_command, order=16))
    reg.callback("mr", monthly_button)
    reg.text(45, location_outside_dialog)

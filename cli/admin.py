"""`bot.py admin …`: the administrator's command line.

Argument parsing and printing only; every rule is in services/. Each command prints a
clear Chinese message and exits 2 on bad input (cli.main turns UserError into that).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import date, datetime

from services.config import Settings
from services.errors import UserError

ADMIN_COMMANDS: dict[str, Callable[[argparse.Namespace, Settings], int]] = {}


def admin_command(name: str) -> Callable[[Callable[[argparse.Namespace, Settings], int]],
                                         Callable[[argparse.Namespace, Settings], int]]:
    def wrap(fn: Callable[[argparse.Namespace, Settings], int]) -> Callable[..., int]:
        ADMIN_COMMANDS[name] = fn
        return fn
    return wrap


def _db(settings: Settings):  # type: ignore[no-untyped-def]
    from storage.db import Database

    db = Database(settings.database_url)
    db.migrate()
    return db


def _now() -> datetime:
    from services.clock import utcnow

    return utcnow()


@admin_command("add-village")
def _add_village(a: argparse.Namespace, settings: Settings) -> int:
    from services import admin

    with _db(settings).session() as s:
        v = admin.add_village(s, county=a.county, township=a.township, name=a.name, now=_now(),
                              latitude=a.lat, longitude=a.lon, radius_m=a.radius)
        print(f"已添加村：{v.full_name}（编号 {v.id}）")
    return 0


@admin_command("create-team")
def _create_team(a: argparse.Namespace, settings: Settings) -> int:
    from services import admin

    with _db(settings).session() as s:
        village = admin.find_village(s, a.village)
        team = admin.create_team(s, name=a.name, village=village, now=_now(),
                                 timezone=a.timezone or settings.timezone,
                                 term_start=a.term_start)
        from reminders.series import ensure_defaults

        made = ensure_defaults(s, team, _now(), settings.digest_time)
        print(f"已创建工作队：{team.name}（编号 {team.id}），驻 {village.full_name}")
        print(f"已添加 {made} 项默认提醒（admin event list --team {team.id} 查看）")
    return 0


@admin_command("invite")
def _invite(a: argparse.Namespace, settings: Settings) -> int:
    from services import admin, invites
    from services.clock import local_stamp
    from services.roles import ROLE_LABELS, Role, parse_role

    role = parse_role(a.role)
    if role is None:
        raise UserError("admin.unknown_role", role=a.role, choices=", ".join(r.value for r in Role))
    with _db(settings).session() as s:
        team = admin.find_team(s, a.team) if a.team else None
        village = admin.find_village(s, a.village) if a.village else None
        county = admin.find_county(s, a.county) if a.county else None
        if county is None and role in (Role.SUPERVISOR, Role.ADMIN) and team is not None:
            county = team.village.township.county
        reusable = role == Role.VILLAGER
        inv = invites.create_invite(
            s, role=role, now=_now(), team=team, village=village, county=county, name=a.name,
            valid_days=None if reusable and not a.days else (a.days or settings.invite_valid_days),
            max_uses=None if reusable else 1)
        print(f"注册码：{inv.code}  （{ROLE_LABELS[role]}"
              f"{'，可多人使用' if reusable else '，只能用一次'}"
              f"{'' if inv.expires_at is None else '，有效期至 ' + local_stamp(inv.expires_at, settings.timezone)}）")
        print(f"Telegram 链接：{invites.deep_link(settings.bot_username, inv.code)}")
        print(f"控制台：<用户名>: /start {inv.code}")
    return 0


@admin_command("list-members")
def _list_members(a: argparse.Namespace, settings: Settings) -> int:
    from services import admin
    from services.roles import ROLE_LABELS, Role

    with _db(settings).session() as s:
        team = admin.find_team(s, a.team) if a.team else None
        members = admin.list_members(s, team, include_inactive=a.all)
        if not members:
            print("没有成员。用 admin invite 生成注册码邀请成员。")
        for m in members:
            state = "" if m.active else "（已停用）"
            print(f"{m.id:>5}  {m.name:<8} {ROLE_LABELS[Role(m.role)]:<8} "
                  f"{m.team.name if m.team else '-'}  任期 {m.term_start or '-'}~{m.term_end or '-'}{state}")
    return 0


@admin_command("list-teams")
def _list_teams(a: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from storage.models import Team

    with _db(settings).session() as s:
        teams = s.scalars(select(Team).order_by(Team.id)).all()
        if not teams:
            print("还没有工作队。用 admin add-village 和 admin create-team 创建。")
        for t in teams:
            print(f"{t.id:>5}  {t.name}  {t.village.full_name}  {t.timezone}")
    return 0


@admin_command("deactivate")
def _deactivate(a: argparse.Namespace, settings: Settings) -> int:
    from services import admin

    with _db(settings).session() as s:
        m = admin.deactivate(s, a.member, _now(), a.reason or "")
        print(f"已停用：{m.name}（编号 {m.id}）。其账号不能再使用机器人，记录都保留。")
    return 0


@admin_command("purge-member")
def _purge_member(a: argparse.Namespace, settings: Settings) -> int:
    from services import admin

    with _db(settings).session() as s:
        m = admin.purge_member(s, a.member, _now(), settings.member_retention_days)
        print(f"已删除编号 {m.id} 的姓名、电话和绑定的账号；其工作记录保留，显示为「{m.name}」。")
    return 0


@admin_command("parked")
def _parked(a: argparse.Namespace, settings: Settings) -> int:
    from core import inbox
    from services.clock import local_stamp

    db = _db(settings)
    if a.retry is not None:
        if not inbox.retry_parked(db, a.retry, _now()):
            raise UserError("admin.parked_not_found", row_id=a.retry)
        print(f"已重新排队：编号 {a.retry}。运行中的机器人会马上处理它。")
        return 0
    rows = inbox.parked(db)
    if not rows:
        print("没有搁置的消息。")
    for r in rows:
        print(f"编号 {r.id:>6}  {r.platform}/{r.key}  尝试 {r.attempts} 次  原因 {r.error or '?'}  "
              f"{local_stamp(r.at, settings.timezone)}")
    if rows:
        print("查明原因（日志里按编号查找）并修复后，用 admin parked --retry 编号 重新处理。")
    return 0


@admin_command("export")
def _export(a: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from conversations.attendance import text as T
    from services import admin, export
    from services.clock import local

    if a.county:
        return _export_county(a, settings)
    if not a.team:
        raise UserError("web.export_needs_scope")
    with _db(settings).session() as s:
        team = admin.find_team(s, a.team)
        month = export.parse_month(a.month, local(_now(), team.timezone).date())
        out = Path(a.out) if a.out else Path("out") / T.export_filename(team.name, month)
        export.build_workbook(s, team.id, month, out, overflow_note=T.CELL_OVERFLOW)
        print(f"已导出：{out}（工作表：{'、'.join(export.sheets())}）")
    return 0


def _export_county(a: argparse.Namespace, settings: Settings) -> int:
    """`admin export --county C [--assessment H1|Y]`: the county workbook (every team, one
    row per person per month, yearly columns) or the county's assessment sheets."""
    from pathlib import Path

    from services import admin, export
    from services.clock import local
    from services.workspace.scope import team_ids_in
    from services.workspace.workbook import build_county_workbook, county_sheets
    from web import text as W
    from web.sheets import assessment_rows

    with _db(settings).session() as s:
        county = admin.find_county(s, a.county)
        today = local(_now(), settings.timezone).date()
        month = export.parse_month(a.month, today)
        teams = team_ids_in(s, county_id=county.id)
        if a.assessment:
            out = Path(a.out) if a.out else Path("out") / W.assessment_filename(county.name,
                                                                               month.year)
            export.write_workbook([(W.SHEET_ASSESS, assessment_rows(
                s, teams, month.year, a.assessment, today, settings))], out,
                overflow_note=W.CELL_OVERFLOW)
            print(f"已导出：{out}（{W.PERIODS[a.assessment]}，{len(teams)} 个工作队）")
            return 0
        out = Path(a.out) if a.out else Path("out") / W.county_filename(county.name, month.year,
                                                                       month.month)
        build_county_workbook(s, teams, month, out, settings, overflow_note=W.CELL_OVERFLOW)
        print(f"已导出：{out}（{len(teams)} 个工作队；工作表：{'、'.join(county_sheets())}）")
    return 0


@admin_command("set-township")
def _set_township(a: argparse.Namespace, settings: Settings) -> int:
    from services.workspace.scope import set_township

    with _db(settings).session() as s:
        town = set_township(s, a.member, a.township)
        print(f"已指定：编号 {a.member} 的乡镇领导在工作台查看 {town.name}")
    return 0


@admin_command("export-complaints")
def _export_complaints(a: argparse.Namespace, settings: Settings) -> int:
    from pathlib import Path

    from conversations.complaints.export import export_month
    from services import admin

    try:
        year, month = (int(x) for x in a.month.split("-"))
        date(year, month, 1)
    except ValueError:
        raise UserError(f"月份「{a.month}」格式不对，应为 YYYY-MM，例如 2026-12。") from None
    with _db(settings).session() as s:
        county = admin.find_county(s, a.county) if a.county else None
        suffix = f"-{county.name}" if county else ""
        out = Path(a.out) if a.out else Path("out") / f"群众反映-{year}-{month:02d}{suffix}.xlsx"
        path, n = export_month(s, year=year, month=month, tz=settings.timezone, out_path=out,
                               county_id=county.id if county else None)
        print(f"已导出 {year}年{month}月 群众反映 {n} 件：{path}")
    return 0


@admin_command("kb-unanswered")
def _kb_unanswered(a: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from services import knowledge as kb
    from services.clock import local

    with _db(settings).session() as s:
        if a.done:
            try:
                ids = [int(x) for x in a.done.replace("，", ",").split(",") if x.strip()]
            except ValueError:
                raise UserError(f"编号「{a.done}」不对，应为数字，用逗号分隔，例如 --done 3,5") from None
            n = kb.close_questions(s, ids)
            print(f"已标记 {n} 个问题为已处理，它们不再出现在列表里。")
            return 0
        rows = kb.unanswered(s, _now() - timedelta(days=a.days))
        if not rows:
            print(f"近{a.days}天没有未解决的政策提问。")
            return 0
        counts = {"none": sum(q.kind == "none" for q in rows),
                  "unresolved": sum(q.unresolved for q in rows),
                  "forwarded": sum(q.forwarded for q in rows)}
        groups = kb.group_similar(s, rows)  # same meaning, different wording: one group
        print(f"近{a.days}天未解决的政策提问：共 {len(rows)} 条（{len(groups)} 类）；"
              f"没有找到答案 {counts['none']}，点了「没解决/都不是」{counts['unresolved']}，"
              f"转给管理员 {counts['forwarded']}。")
        for qs in groups:
            text = " / ".join(dict.fromkeys(" ".join(q.text.split()) for q in qs))
            last = qs[-1]
            flags = "、".join(f for f, on in (("没有答案", last.kind == "none"),
                                              ("没解决", any(q.unresolved for q in qs)),
                                              ("已转交", any(q.forwarded for q in qs))) if on)
            when = local(last.created_at, settings.timezone).strftime("%m-%d %H:%M")
            near = (f"  候选：{'、'.join(last.choices)}" if last.kind == "choose"
                    else f"  回答的条目：{last.entry_id}（{last.score:.0f}分）" if last.entry_id else "")
            times = f"  问了{len(qs)}次" if len(qs) > 1 else ""
            print(f"编号 {','.join(str(q.id) for q in qs)}  {when}  {kb.asker_label(s, last)}  "
                  f"[{flags}]{times}\n    {kb.for_display(text, 200)}{near}")
        print("已有条目能回答的：admin kb-link 编号 条目id（这句话会加为该条目的问法）；"
              "需要新条目的：写一个 YAML 文件后运行 admin kb-import 文件；"
              "处理完用 admin kb-unanswered --done 编号 标记。")
    return 0


@admin_command("kb-import")
def _kb_import(a: argparse.Namespace, settings: Settings) -> int:
    from knowledge import KnowledgeFileError
    from services import knowledge as kb

    try:
        with _db(settings).session() as s:
            r = kb.import_file(s, a.file, _now())
            total, imported = kb.check_all(s)
    except KnowledgeFileError as exc:
        print(f"错误：{exc}\n文件没有导入，请改正后重新运行 admin kb-import。", file=sys.stderr)
        return 2
    print(f"已导入《{r.row.filename}》：{len(r.entries)} 条（"
          + "、".join(e.id for e in r.entries) + "）。")
    if r.replaced_shipped:
        print("其中替换了内置条目：" + "、".join(r.replaced_shipped))
    if r.replaced_file:
        print("同名文件以前导入过，旧版本已停用。")
    print(f"知识库现有 {total} 条（导入 {imported} 条）。运行中的机器人会在下一次有人提问时自动加载，不用重启。")
    return 0


@admin_command("kb-link")
def _kb_link(a: argparse.Namespace, settings: Settings) -> int:
    from services import knowledge as kb

    with _db(settings).session() as s:
        r = kb.link_question(s, a.question, a.entry, _now())
        what = "已加为该条目的问法" if r.added else "该条目已有这个问法，只把问题标记为已处理"
        print(f"问题 {r.question.id}「{kb.for_display(r.question.text, 60)}」→ 条目 {r.entry.id}"
              f"（{r.entry.question}）：{what}。")
        if r.added:
            print(f"新问法：{r.phrasing}\n运行中的机器人会在下一次有人提问时自动加载，不用重启。")
    return 0


@admin_command("kb-stats")
def _kb_stats(a: argparse.Namespace, settings: Settings) -> int:
    from datetime import timedelta

    from services import knowledge as kb
    from services.clock import local

    with _db(settings).session() as s:
        now = _now()
        st = kb.stats(s, now - timedelta(days=a.days), local(now, settings.timezone).date())
        k = st.kinds
        print(f"近{a.days}天政策提问 {st.questions} 条：直接回答 {k['answer']}，"
              f"请提问人选择 {k['choose']}，没有找到答案 {k['none']}。")
        if st.most_asked:
            print("问得最多的条目：")
            for u in st.most_asked:
                print(f"  {u.asked:>4} 次  {u.entry_id}  {u.question}")
        if st.worst:
            print("回答得最差的条目（点了「没解决/都不是」或转给管理员）：")
            for u in st.worst:
                print(f"  {u.unresolved}/{u.asked} 次没解决  {u.entry_id}  {u.question}")
        if st.unanswered:
            print("没答上的问题（相近的问法合为一类，问得多的在前）：")
            for qs in st.unanswered:
                times = f"（{len(qs)}次）" if len(qs) > 1 else ""
                print(f"  编号 {','.join(str(q.id) for q in qs)}{times}  {kb.for_display(qs[0].text, 60)}")
        if st.stale:
            print(f"超过一年没有复核的条目 {len(st.stale)} 条，请核对文件后更新 reviewed 日期：")
            for e in st.stale:
                print(f"  {e.id}  复核日期：{e.reviewed or '未填写'}  {e.question}")
        else:
            print("所有条目都在一年内复核过。")
    return 0


@admin_command("kb-reload")
def _kb_reload(a: argparse.Namespace, settings: Settings) -> int:
    from knowledge import KnowledgeFileError
    from services import knowledge as kb

    try:
        with _db(settings).session() as s:
            total, imported = kb.check_all(s)
            kb.bump_version(s, _now())
    except KnowledgeFileError as exc:
        print(f"错误：{exc}\n没有通知机器人重新加载（仍使用原来的知识库）。", file=sys.stderr)
        return 2
    print(f"知识库文件检查通过：共 {total} 条（导入 {imported} 条）。"
          "运行中的机器人会在下一次有人提问时重新加载。")
    return 0


@admin_command("event")
def _event(a: argparse.Namespace, settings: Settings) -> int:
    from conversations.reminders import text as T
    from reminders import series as sv
    from services import admin, audit

    with _db(settings).session() as s:
        if a.event_cmd == "list":
            team = admin.find_team(s, a.team)
            for row in sv.team_series(s, team.id):
                print(T.series_line(row, _now()))
            return 0
        if a.event_cmd == "add":
            team = admin.find_team(s, a.team)
            row = sv.add_series(s, team=team, title=a.title, spec=sv.parse_when(a.when, team.timezone),
                                leads=sv.parse_leads(a.leads), audience=a.audience, now=_now(),
                                by="cli", note=a.note)
            audit.record(s, "cli", "event.add", _now(), subject=f"series:{row.id}")
            print(T.CLI_ADDED.format(summary=T.series_line(row, _now())))
            return 0
        row = sv.get_series(s, a.id)
        if a.event_cmd == "remove":
            if row.key is not None:
                raise UserError("reminders.default_undeletable_cli", series_id=row.id)
            sv.remove_series(s, row)
            print(T.CLI_REMOVED.format(title=row.title))
        else:
            sv.set_active(row, a.event_cmd == "resume", _now())
            print((T.CLI_RESUMED if row.active else T.CLI_PAUSED).format(title=row.title))
        audit.record(s, "cli", f"event.{a.event_cmd}", _now(), subject=f"series:{row.id}")
    return 0


@admin_command("set-term")
def _set_term(a: argparse.Namespace, settings: Settings) -> int:
    from conversations.reminders import text as T
    from services import handover

    with _db(settings).session() as s:
        m = handover.find_member(s, str(a.member))
        handover.set_term_end(s, m, a.end, by="cli", now=_now())
        print(T.CLI_TERM_SET.format(name=m.name, end=a.end))
    return 0


@admin_command("close-term")
def _close_term(a: argparse.Namespace, settings: Settings) -> int:
    from conversations.reminders import text as T
    from services import handover

    with _db(settings).session() as s:
        m = handover.find_member(s, str(a.member))
        handover.close_term(s, m, by="cli", now=_now(), override_reason=a.override_reason)
        how = (T.CLOSED_FORCED.format(reason=a.override_reason) if a.override_reason
               else T.CLOSED_COMPLETE)
        print(T.CLI_TERM_CLOSED.format(name=m.name, how=how))
    return 0



def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    ad = sub.add_parser("admin", help="administration").add_subparsers(dest="admin_cmd", required=True)
    v = ad.add_parser("add-village", help="add a village (county and township created as needed)")
    v.add_argument("--county", required=True)
    v.add_argument("--township", required=True)
    v.add_argument("--name", required=True)
    v.add_argument("--lat", type=float)
    v.add_argument("--lon", type=float)
    v.add_argument("--radius", type=int, default=2000, help="geofence radius in metres")
    t = ad.add_parser("create-team", help="create a work team in a village")
    t.add_argument("--name", required=True)
    t.add_argument("--village", required=True, help="village id, name, or 乡镇/村")
    t.add_argument("--timezone")
    t.add_argument("--term-start", type=date.fromisoformat)
    i = ad.add_parser("invite", help="make a registration code")
    i.add_argument("--role", required=True,
                   help="first_secretary | cadre | team_leader | supervisor | admin | villager")
    i.add_argument("--team")
    i.add_argument("--village")
    i.add_argument("--county")
    i.add_argument("--name", help="pre-set the person's name")
    i.add_argument("--days", type=int, help="days the code stays valid")
    lm = ad.add_parser("list-members")
    lm.add_argument("--team")
    lm.add_argument("--all", action="store_true", help="include deactivated members")
    ad.add_parser("list-teams")
    d = ad.add_parser("deactivate", help="deactivate a member (records are kept)")
    d.add_argument("--member", type=int, required=True)
    d.add_argument("--reason")
    pk = ad.add_parser("parked", help="updates that kept failing (no content); --retry ID requeues")
    pk.add_argument("--retry", type=int)
    pm = ad.add_parser("purge-member", help="remove a deactivated member's name, phone and "
                                            "accounts after MEMBER_RETENTION_DAYS (records kept)")
    pm.add_argument("--member", type=int, required=True)
    ex = ad.add_parser("export", help="Excel workbook of a team's month, or of a whole county")
    ex.add_argument("--team", help="team id or name")
    ex.add_argument("--county", help="county id or name: every team, one row per person per month")
    ex.add_argument("--assessment", choices=("H1", "Y"),
                    help="with --county: the half-year review (H1) or year-end sheets (Y)")
    ex.add_argument("--month", help="YYYY-MM (default: this month)")
    ex.add_argument("--out", help="file path (default: out/<team>-<month>-驻村工作.xlsx)")
    st = ad.add_parser("set-township", help="the township a township leader sees in the workspace")
    st.add_argument("--member", type=int, required=True)
    st.add_argument("--township", required=True)
    ec = ad.add_parser("export-complaints", help="export a month of complaints to Excel")
    ec.add_argument("--month", required=True, help="YYYY-MM")
    ec.add_argument("--county", help="county id or name (default: all)")
    ec.add_argument("--out", help="output .xlsx path (default out/群众反映-YYYY-MM.xlsx)")
    ku = ad.add_parser("kb-unanswered", help="policy questions the knowledge base did not settle")
    ku.add_argument("--days", type=int, default=30, help="look back this many days (default 30)")
    ku.add_argument("--done", help="mark question ids as dealt with, e.g. 3,5")
    ki = ad.add_parser("kb-import", help="validate a YAML file of entries and add it (no restart)")
    ki.add_argument("file")
    ad.add_parser("kb-reload", help="re-read shipped files and imports in every running bot")
    kl = ad.add_parser("kb-link", help="add an unanswered question as a phrasing of an entry")
    kl.add_argument("question", help="question number (admin kb-unanswered)")
    kl.add_argument("entry", help="entry id, e.g. dibao")
    ks = ad.add_parser("kb-stats", help="most asked and worst answered entries, stale entries")
    ks.add_argument("--days", type=int, default=30, help="look back this many days (default 30)")
    ev = ad.add_parser("event", help="reminder series: list | add | pause | resume | remove")
    evs = ev.add_subparsers(dest="event_cmd", required=True)
    el = evs.add_parser("list")
    el.add_argument("--team", required=True)
    ea = evs.add_parser("add")
    ea.add_argument("--team", required=True)
    ea.add_argument("--title", required=True)
    ea.add_argument("--when", required=True, help="每周五 15:00 | 每月5日 9:00 | 2026-12-05 10:00 ...")
    ea.add_argument("--leads", default="前一天 18:00,提前1小时")
    ea.add_argument("--audience", default="team", choices=["team", "villagers", "leaders"])
    ea.add_argument("--note")
    for name in ("pause", "resume", "remove"):
        evs.add_parser(name).add_argument("--id", type=int, required=True)
    st = ad.add_parser("set-term", help="set a member's term end date")
    st.add_argument("--member", required=True, help="member id or name")
    st.add_argument("--end", required=True, type=date.fromisoformat)
    ct = ad.add_parser("close-term", help="end a member's term (handover checklist complete)")
    ct.add_argument("--member", required=True, help="member id or name")
    ct.add_argument("--override-reason", help="close although the checklist is not complete")
    from cli import households_admin  # its commands register themselves on import

    households_admin.add_parsers(ad)

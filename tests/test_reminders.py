"""Reminders, rotation and digests: exactly once, restart-safe, in every team's zone."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core import outbox
from core.app import BotCore
from reminders import dispatch
from reminders import series as sv
from reminders.digest import compute, render
from services import admin
from services.config import Settings
from services.demo import load_demo
from storage.db import Database
from storage.models import AuditEvent, EventSeries, Identity, Member, OutboxMessage, Team, Villager
from tests.conftest import at
from tests.harness import run_console_script

ROOT = Path(__file__).resolve().parent.parent


def rows(core: BotCore, prefix: str = "") -> list[OutboxMessage]:
    with core.db.session() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.key.startswith(prefix))
                              .order_by(OutboxMessage.id)))


def _series(core: BotCore, key: str) -> EventSeries:
    with core.db.session() as s:
        return s.scalars(select(EventSeries).where(EventSeries.key == key)).one()


def test_demo_script_fires_every_kind_of_reminder(tmp_path: Path) -> None:
    script = (ROOT / "examples" / "reminders.txt").read_text(encoding="utf-8")
    out = run_console_script(script, f"sqlite:///{tmp_path / 'r.sqlite3'}")
    assert "-> villager: 📢 村里通知：村民代表会议（议事会） · 11月26日（周四）15:00" in out
    assert "-> cadre1: ⏰ 每月防返贫监测会议 · 12月10日（周四）09:00" in out
    assert "-> cadre1: ⏰ 每周五学习 · 11月27日（周五）15:00" in out
    assert "-> cadre2: 🔄 赵驻村，您的驻村任期将于 2026-12-20 结束（还有 15 天）。" in out
    assert "📋 赵驻村的交接表（任期至 2026-12-20）" in out
    assert "-> leader: ☀️ 早上好 · 幸福村驻村工作队 · 11月24日" in out
    assert "# ⚠ 已错过（超过宽限期 6 小时，只记录不补发）：secretary、cadre1、cadre2：📝 工作日志提醒 · 11月24日" in out
    assert "的交接还没有完成" in out and "强制结束，理由：组织调动" in out
    assert "Traceback" not in out


def test_report_reminder_only_to_those_missing_and_pausable(chat) -> None:  # type: ignore[no-untyped-def]
    chat.core.tick()
    chat.clock_to("2026-11-23 19:59")
    out = chat.clock_to("2026-11-23 20:00")
    assert out.count("📝 工作日志提醒 · 11月23日") == 3  # secretary, cadre1, cadre2; not leader
    assert "-> leader" not in out
    again = chat.clock_to("2026-11-23 20:01")
    assert "工作日志提醒" not in again  # a second tick sends nothing twice
    sid = _series(chat.core, "daily_log_reminder").id
    chat.send("leader", "/events")
    assert "已暂停" in chat.press("leader", f"暂停{sid}")
    assert "工作日志提醒" not in chat.clock_to("2026-11-24 20:00")
    chat.send("leader", "/events")
    assert "已恢复" in chat.press("leader", f"恢复{sid}")  # resuming does not replay what the pause skipped
    assert "工作日志提醒" not in chat.clock_to("2026-11-24 20:30")
    assert "工作日志提醒 · 11月25日" in chat.clock_to("2026-11-25 20:00")


def test_pause_button_is_authorised_on_the_server(chat) -> None:  # type: ignore[no-untyped-def]
    chat.core.tick()
    sid = _series(chat.core, "friday_study").id
    chat.channel._buttons["cadre1"] = {"x": f"rm:p:{sid}"}  # a forged press
    assert "只有组长" in chat.press("cadre1", "x")
    with chat.core.db.session() as s:
        assert s.get(EventSeries, sid).active  # type: ignore[union-attr]
        assert s.scalar(select(func.count()).where(AuditEvent.action == "refused")) == 1


def test_team_in_another_zone_and_shanghai(core: BotCore, clock) -> None:  # type: ignore[no-untyped-def]
    """Each team's 20:00 is its own: Shanghai 12:00 UTC, Berlin 19:00 UTC (CET)."""
    with core.db.session() as s:
        load_demo(s, clock.now())
        v = admin.add_village(s, county="示范县", township="示范镇", name="柏林村", now=clock.now())
        berlin = admin.create_team(s, name="柏林队", village=v, now=clock.now(), timezone="Europe/Berlin")
        m = Member(name="柏林干部", role="cadre", team_id=berlin.id, created_at=clock.now())
        s.add(m)
        s.flush()
        s.add(Identity(platform="console", external_id="b1", chat_id="b1", member_id=m.id,
                       created_at=clock.now(), last_seen_at=clock.now()))
    core.tick(at("2026-11-23 09:00"))
    core.tick(at("2026-11-23 20:00"))
    assert {r.chat_id for r in rows(core, "rr:")} == {"secretary", "cadre1", "cadre2"}
    core.tick(at("2026-11-24 02:59"))  # 19:59 in Berlin
    assert "b1" not in {r.chat_id for r in rows(core, "rr:")}
    core.tick(at("2026-11-24 03:00"))  # 20:00 in Berlin
    assert [r.payload["text"].split("\n")[0] for r in rows(core, "rr:") if r.chat_id == "b1"] == \
        ["📝 工作日志提醒 · 11月23日"]


def test_first_monday_month_end_and_holiday_shift(core: BotCore, clock) -> None:  # type: ignore[no-untyped-def]
    """Township meeting: first Monday of Oct 2026 is 5 Oct (holiday) -> 8 Oct; a
    last-working-day series at the end of Sept 2026 (30th, Wednesday)."""
    start = at("2026-09-20 09:00")
    with core.db.session() as s:
        team = load_demo(s, start)
        sv.ensure_defaults(s, team, start)
        sv.add_series(s, team=team, title="月底报表", spec=sv.parse_when("每月最后一个工作日 16:00", team.timezone),
                      leads=(sv.Lead(),), audience="leaders", now=start, by="test")
    core.tick(at("2026-09-30 16:00"))
    heads = [r.payload["text"].split("\n")[0] for r in rows(core, "ev:")]
    assert "⏰ 月底报表 · 9月30日（周三）16:00" in heads
    core.tick(at("2026-10-05 09:00"))
    assert not any("乡镇工作例会" in r.payload["text"] for r in rows(core, "ev:"))
    core.tick(at("2026-10-07 18:00"))
    assert any(r.payload["text"].startswith("⏰ 乡镇工作例会 · 10月8日（周四）09:00") for r in rows(core, "ev:"))


def test_restart_in_the_middle_of_a_tick(settings: Settings, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Crash after half the rows of a tick, then a fresh BotCore on the same database:
    every reminder exactly once, none lost."""
    db = Database(settings.database_url)
    db.create_all()
    first = BotCore.create(settings, clock, migrate=False, db=db)
    with db.session() as s:
        load_demo(s, clock.now())
        for i in range(6):
            s.add(Villager(name=f"村民{i}", village_id=s.scalars(select(Team)).one().village_id,
                           created_at=clock.now()))
        s.flush()
        for v in s.scalars(select(Villager)):
            s.add(Identity(platform="console", external_id=f"v{v.id}", chat_id=f"v{v.id}",
                           villager_id=v.id, created_at=clock.now(), last_seen_at=clock.now()))
    first.tick()
    with db.session() as s:
        team = s.scalars(select(Team)).one()
        sv.add_series(s, team=team, title="村民会议", spec=sv.parse_when("2026-11-26 15:00", team.timezone),
                      leads=(sv.Lead(minutes=60),), audience="villagers", now=clock.now(), by="t")
    real = outbox.enqueue_many

    def crashing(session, items, now):  # type: ignore[no-untyped-def]
        events = [it for it in items if it.key.startswith("ev:")]
        real(session, events[:4], now)
        session.commit()  # half the rows made it to disk before the crash
        raise SystemExit("power cut")

    monkeypatch.setattr(outbox, "enqueue_many", crashing)
    with pytest.raises(SystemExit):
        with db.session() as s:
            dispatch.run(s, at("2026-11-26 14:00"), settings)
    monkeypatch.setattr(outbox, "enqueue_many", real)
    assert 0 < len(rows(first, "ev:")) < 11
    db.dispose()
    second = BotCore.create(settings, clock, migrate=False, db=Database(settings.database_url))
    second.tick(at("2026-11-26 14:00"))
    second.tick(at("2026-11-26 14:01"))  # and a second worker / retry
    got = Counter(r.chat_id for r in rows(second, "ev:"))
    assert got == Counter({c: 1 for c in ["leader", "secretary", "cadre1", "cadre2", "villager",
                                           *[f"v{i}" for i in range(2, 8)]]})
    assert len({r.key for r in rows(second)}) == len(rows(second))


def test_downtime_within_grace_is_sent_late_older_is_recorded_missed(chat) -> None:  # type: ignore[no-untyped-def]
    chat.core.tick()
    out = chat.clock_to("2026-11-24 01:30")  # 20:00 was 5.5 h ago: within the 6 h grace
    assert "晚了约6小时" in out or "晚了约5小时" in out
    out = chat.clock_to("2026-11-25 09:00")  # 24 Nov 20:00 is 13 h ago
    assert "已错过" in out and "工作日志提醒 · 11月24日" in out
    missed = [r for r in rows(chat.core, "rr:") if r.status == "missed"]
    assert len(missed) == 3


def test_digest_with_every_section(chat) -> None:  # type: ignore[no-untyped-def]
    """Every section from real records: reports, quota, leave, terms, complaints, events."""
    from services.complaints import file_complaint
    from tests.test_leave_chat import ask

    with chat.core.db.session() as s:
        s.scalars(select(Member).where(Member.name == "赵驻村")).one().term_end = date(2026, 12, 20)
    chat.core.tick()
    chat.send("leader", "/addevent 项目验收 | 2026-12-14 10:00 | 全队")
    chat.press("leader", "确认添加")
    chat.clock_to("2026-12-07 09:00")
    ask(chat, "cadre1", "事假", "明天")
    chat.press("leader", "批准")  # ends 12-08; nobody reports back (销假)
    chat.clock_to("2026-12-09 09:00")
    ask(chat, "cadre2", "事假", "12月21日")
    ask(chat, "secretary", "事假", "12月22日")  # two requests waiting for the leader
    with chat.core.db.session() as s:
        villager = s.scalars(select(Villager)).one()
        for i, when in enumerate(["2026-12-08 09:00", "2026-12-09 12:00", "2026-12-09 13:00",
                                  "2026-12-09 14:00"]):
            file_complaint(s, villager=villager, category="其他", text=f"第{i + 1}件事",
                           place_time=None, photos=[], anonymous=True, subject_member_id=None,
                           about_team=False, now=at(when), tz="Asia/Shanghai", daily_limit=5)
    out = chat.clock_to("2026-12-10 08:00")
    text = out.split("-> leader: ☀️", 1)[1].split("\n-> ", 1)[0]
    for section in ("【昨天未报日志】", "【在村天数落后】", "【待审批请假】2 条", "【请假未销假】张驻村",
                    "【任期将满】赵驻村 2026-12-20（还有10天）", "【群众诉求】未办结 4 件，超期 1 件",
                    "【未来7天】", "12月14日（周一）10:00 项目验收"):
        assert section in text, section
    assert "[查看日志] [交接表] [提醒安排]" in text
    assert "全县简报" in out  # county-wide counts for admins and supervisors
    assert "-> cadre1: ☀️" not in out  # members get no digest


def test_nothing_to_act_on_means_no_digest(demo: BotCore, clock) -> None:  # type: ignore[no-untyped-def]
    with demo.db.session() as s:
        team = s.scalars(select(Team)).one()
        d = compute(s, [(team, date(2026, 11, 23))], clock.now(), demo.settings)[team.id]
        d.missing, d.behind = [], []
        assert render(d) is None


def test_handover_sheet_is_signed_by_both_approved_and_only_then_closes(chat) -> None:  # type: ignore[no-untyped-def]
    chat.core.tick()
    chat.send("admin", "/term 赵驻村 2026-12-20")
    chat.clock_to("2026-12-05 09:00")
    out = chat.send("cadre2", "/handover")
    assert "接任人：未指定" in out and "[指定接任人]" not in out  # the outgoing member does not pick
    chat.send("leader", "/handover")
    chat.press("leader", "指定接任人")
    assert "已指定张驻村为赵驻村的接任人" in chat.press("leader", "张驻村")
    chat.send("cadre2", "/handover")
    chat.press("cadre2", "添加文件资料")
    chat.send("cadre2", "2025年帮扶工作台账（纸质，村部档案柜）")
    assert "离任方已签字" in chat.press("cadre2", "离任方签字")
    assert "还没有完成（还差 3 步" in chat.send("admin", "/closeterm 赵驻村")
    chat.send("cadre1", "/handover")
    chat.press("cadre1", "✔ 2025年帮扶工作台账（纸质，村部档…")
    assert "接任方已签字" in chat.press("cadre1", "接任方签字")
    assert "还没有完成（还差 1 步" in chat.send("admin", "/closeterm 赵驻村")
    chat.send("admin", "/handover")
    assert "已审批赵驻村的交接表" in chat.press("admin", "乡镇审批通过")
    assert "交接表已完成" in chat.send("admin", "/closeterm 赵驻村")
    assert "账号已经停用" in chat.send("cadre2", "/handover")


def test_rotation_reminders_60_30_15_once_each(chat) -> None:  # type: ignore[no-untyped-def]
    with chat.core.db.session() as s:
        s.scalars(select(Member).where(Member.name == "赵驻村")).one().term_end = date(2027, 1, 23)
    chat.core.tick()
    day = datetime(2026, 11, 24, 9, 0)
    seen = []
    for _ in range(62):
        out = chat.clock_to(day.strftime("%Y-%m-%d %H:%M"))
        seen += [line for line in out.splitlines() if line.startswith("-> cadre2: 🔄")]
        day += timedelta(days=1)
    assert [s.split("（还有 ")[1].split(" ")[0] for s in seen] == ["60", "30", "15"]


def test_admin_cli_manages_series_and_terms(tmp_path: Path) -> None:
    import os
    import subprocess

    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}"}

    def bot(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "bot.py", "admin", *args], capture_output=True,
                              text=True, cwd=ROOT, env=env, timeout=120)

    bot("add-village", "--county", "示范县", "--township", "示范镇", "--name", "幸福村")
    assert "已添加 14 项默认提醒" in bot("create-team", "--name", "队1", "--village", "幸福村").stdout
    added = bot("event", "add", "--team", "队1", "--title", "村民议事会", "--when", "每月第一个周一 9:00 顺延",
                "--audience", "villagers")
    assert "对象 驻村干部、第一书记、组长（队长）、村民" in added.stdout
    assert "已暂停：每周五学习" in bot("event", "pause", "--id", "2").stdout
    assert "每周五学习（已暂停）" in bot("event", "list", "--team", "队1").stdout
    assert "默认提醒不能删除" in bot("event", "remove", "--id", "1").stderr
    assert "已删除：村民议事会" in bot("event", "remove", "--id", "15").stdout

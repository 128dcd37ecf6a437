"""Leader digests for a prefecture: 1,319 teams, 5,019 members, a month of data.

    /work/main/.venv/bin/python bench/digest_bench.py [--deliver] [--day]

Prints: time to compute every team's digest (set-based), time of the whole 08:00 tick
(every series of every team: seeding check, due computation, digests, recipients,
outbox rows; target < 5 s) and of an idle one-minute tick right after it (08:01,
nothing due; target well under 1 s). With --deliver, the time to send every queued
digest through PTB's AIORateLimiter to the local fake Bot API
(tests/fake_telegram.py, RateLimits(mode="bucket")), with per-chat call counts to show
zero duplicates and zero lost. With --day, also the 09:00 tick (rotation checks of
every team) and the 20:00 tick (daily-log reminders of every team).
A bench prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, insert, select  # noqa: E402

from reminders import dispatch  # noqa: E402
from reminders.digest import compute  # noqa: E402
from reminders.series import ensure_defaults  # noqa: E402
from services.config import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import (  # noqa: E402
    CheckIn,
    County,
    DailyReport,
    Identity,
    LeaveRequest,
    Member,
    OutboxMessage,
    Team,
    Township,
    Village,
)

TEAMS, MEMBERS = 1319, 5019
SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 8, 0, tzinfo=SH).astimezone(UTC)
MONTH_START = date(2026, 11, 1)


def build(db: Database, rnd: random.Random) -> None:
    t0 = time.perf_counter()
    with db.session() as s:
        counties = [County(name=f"县{i}") for i in range(8)]
        s.add_all(counties)
        s.flush()
        towns = [Township(county_id=counties[i % 8].id, name=f"镇{i}") for i in range(110)]
        s.add_all(towns)
        s.flush()
        s.execute(insert(Village), [{"township_id": towns[i % 110].id, "name": f"村{i}",
                                     "fence_radius_m": 2000} for i in range(TEAMS)])
        vids = list(s.scalars(select(Village.id).order_by(Village.id)))
        created = NOW - timedelta(days=400)
        s.execute(insert(Team), [{"name": f"工作队{i}", "village_id": v, "timezone": "Asia/Shanghai",
                                  "active": True, "created_at": created} for i, v in enumerate(vids)])
        tids = list(s.scalars(select(Team.id).order_by(Team.id)))
        people = []
        for i in range(MEMBERS - 16):
            tid = tids[i % TEAMS]
            role = "team_leader" if i < TEAMS else "first_secretary" if i < 2 * TEAMS else "cadre"
            end = date(2026, 12, 1) + timedelta(days=rnd.randrange(0, 700))
            people.append({"name": f"干部{i}", "role": role, "team_id": tid, "active": True,
                           "created_at": created, "term_start": date(2025, 3, 1), "term_end": end})
        people += [{"name": f"管理员{i}", "role": "admin" if i < 8 else "supervisor",
                    "county_id": counties[i % 8].id, "active": True, "created_at": created}
                   for i in range(16)]
        s.execute(insert(Member), people)
        members = s.execute(select(Member.id, Member.team_id, Member.role)).all()
        s.execute(insert(Identity), [{"platform": "telegram", "external_id": str(10_000 + mid),
                                      "chat_id": str(10_000 + mid), "member_id": mid,
                                      "created_at": created, "last_seen_at": created}
                                     for mid, _, _ in members])
        reports, checkins = [], []
        for mid, tid, role in members:
            if tid is None:
                continue
            diligence = rnd.random()
            for k in range(23):
                d = MONTH_START + timedelta(days=k)
                if role != "team_leader" and rnd.random() < diligence:
                    reports.append({"member_id": mid, "team_id": tid, "report_date": d, "done": "走访",
                                    "photos": [], "submitted": True, "created_at": NOW, "updated_at": NOW})
                if rnd.random() < diligence * 0.8:
                    checkins.append({"member_id": mid, "team_id": tid, "checked_at": NOW, "local_date": d,
                                     "latitude": 26.0, "longitude": 107.0, "inside": True})
        s.execute(insert(DailyReport), reports)
        s.execute(insert(CheckIn), checkins)
        leaves = synthetic_leave(members, rnd)
        s.execute(insert(LeaveRequest), leaves)
        for team in s.scalars(select(Team)):
            ensure_defaults(s, team, NOW - timedelta(hours=1), since=NOW - timedelta(hours=1))
    print(f"data: {TEAMS} teams, {len(members)} members, {len(reports)} reports, "
          f"{len(checkins)} check-ins, {len(leaves)} leave requests "
          f"({Counter(lv['status'] for lv in leaves)}) — built in {time.perf_counter() - t0:.1f} s")


def synthetic_leave(members, rnd: random.Random) -> list[dict]:  # type: ignore[no-untyped-def]
    """About a quarter of the members take one leave this month: most reported back,
    some ended without 销假, some still waiting for their leader's approval."""
    leader_of = {tid: mid for mid, tid, role in members if role == "team_leader"}
    out = []
    for mid, tid, role in members:
        if tid is None or role == "team_leader" or rnd.random() > 0.25:
            continue
        start = MONTH_START + timedelta(days=rnd.randrange(0, 28))
        end = start + timedelta(days=rnd.randrange(0, 3))
        today = NOW.astimezone(SH).date()
        status = ("pending" if start > today else
                  "approved" if end < today and rnd.random() < 0.2 else "returned")
        out.append({"member_id": mid, "team_id": tid, "kind": "事假", "start": start, "end": end,
                    "reason": "家里有事", "status": status, "approver_id": leader_of.get(tid),
                    "created_at": NOW - timedelta(days=30), "report_only": False,
                    "decided_at": None if status == "pending" else NOW - timedelta(days=29),
                    "actual_end": end if status == "returned" else None})
    return out


async def deliver(db: Database) -> None:
    """Send every queued digest through the bot's own sender (core/sender.py: one message
    in flight, paced by Telegram's limits) to the fake Bot API, checked in bucket mode."""
    from channels.telegram import TelegramChannel
    from core.sender import Sender
    from tests.fake_telegram import FakeTelegram, RateLimits

    token = "123456:BENCH"
    async with FakeTelegram(token=token, rate_limits=RateLimits(mode="bucket")) as fake:
        st = Settings(bot_token=token, telegram_base_url=fake.url, _env_file=None)  # type: ignore[call-arg]
        channel = TelegramChannel(st)
        await channel.bot.initialize()
        sender = Sender(db, channel, worker="bench", clock=lambda: NOW, command_names={},
                        grace=timedelta(hours=6))
        with db.session() as s:
            due = s.scalar(select(func.count()).select_from(OutboxMessage)
                           .where(OutboxMessage.platform == "telegram",
                                  OutboxMessage.status == "pending")) or 0
        t0 = time.perf_counter()
        task = asyncio.create_task(sender.run())
        while sender.sent < due:
            await asyncio.sleep(0.05)
        dt = time.perf_counter() - t0
        sender.stop()
        await task
        await channel.bot.shutdown()
        per_chat = Counter(str(m["chat"]["id"]) for m in fake.sent_messages())
        with db.session() as s:
            queued = s.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.status == "sent"))
            expected = set(s.scalars(select(OutboxMessage.chat_id)))
        dups = sum(1 for n in per_chat.values() if n > 1)
        lost = len(expected - set(per_chat))
        print(f"delivery: {sender.sent} digests in {dt:.1f} s = {sender.sent / dt:.1f} msg/s through "
              f"the outbox sender (Telegram's 30/s); rows sent {queued}; chats with >1 message: "
              f"{dups}; chats never reached: {lost}; rate violations: "
              f"{fake.rate_violations[:3] or 'none'}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deliver", action="store_true", help="also send through the fake Bot API")
    ap.add_argument("--day", action="store_true", help="also time the 09:00 and 20:00 ticks")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    settings = Settings(database_url=f"sqlite:///{tmp}", _env_file=None)  # type: ignore[call-arg]
    db = Database(settings.database_url)
    db.create_all()
    build(db, random.Random(7))
    with db.session() as s:
        teams = [(t, NOW.astimezone(SH).date()) for t in s.scalars(select(Team))]
        t0 = time.perf_counter()
        digests = compute(s, teams, NOW, settings)
        t1 = time.perf_counter()
        weekly = compute(s, teams, NOW, settings, weekly=True)
        t2 = time.perf_counter()
    acting = sum(d.actionable for d in digests.values())
    print(f"compute: {len(digests)} daily digests in {t1 - t0:.2f} s ({acting} with something to act on); "
          f"weekly {len(weekly)} in {t2 - t1:.2f} s   [target < 5 s]")
    rows = 0
    for label, at, target in [("08:00 tick (full: every series of every team + digests)", NOW, "< 5 s"),
                              ("08:01 tick (idle: nothing due)", NOW + timedelta(minutes=1), "well under 1 s")]:
        rows = tick(db, settings, label, at, target, rows)
    if a.deliver:
        asyncio.run(deliver(db))
    if a.day:
        for label, hours in [("09:00 tick (rotation checks)", 1), ("20:00 tick (daily-log reminders)", 12)]:
            rows = tick(db, settings, label, NOW + timedelta(hours=hours), "", rows)


def tick(db: Database, settings: Settings, label: str, at: datetime, target: str, before: int) -> int:
    """One dispatch.run in its own transaction (as the ticker runs it); prints its time."""
    with db.session() as s:
        t0 = time.perf_counter()
        dispatch.run(s, at, settings)
        dt = time.perf_counter() - t0
    with db.session() as s:
        rows = s.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    aim = f"   [target {target}]" if target else ""
    print(f"{label}: {rows - before} outbox rows queued in {dt:.2f} s{aim}")
    return rows

if __name__ == "__main__":
    main()

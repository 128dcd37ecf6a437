"""Issue #15 at the scale of a prefecture: 1,319 teams (bench/digest_bench.py's data) each
with livelihood tasks, projects and items waiting for the council.

    .venv/bin/python bench/council_bench.py

Prints, each as a ratio against a reference measured in the same run:
* the leaders' digests computed with the council and task-list sections, against the same
  digests without them (the sections are set-based: a few queries for all teams);
* an idle one-minute tick with the 14 default series per team, against the same tick with
  only the 10 defaults that existed before #15;
* the ticks that send #15's reminders to every team at once — the monthly task-progress
  reminder (22nd 10:00), the monthly-record deadline (25th 09:00), the annual-report
  deadline (29 Dec 09:00) and the quarterly council notice with its agenda (3 days
  before 15 Feb) — against the 20:00 daily-log reminder tick of the same data.
A bench prints figures; it is not a test.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from digest_bench import NOW, build  # noqa: E402
from sqlalchemy import delete, func, insert, select, update  # noqa: E402

from reminders import digest, dispatch  # noqa: E402
from reminders.defaults import default_series  # noqa: E402
from services.config import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import EventSeries, LivelihoodTask, Member, OutboxMessage, Project, Team  # noqa: E402

SH = ZoneInfo("Asia/Shanghai")
NEW_KEYS = ("task_progress", "monthly_record_deadline", "half_year_report_deadline",
            "annual_report_deadline")


def add_work(db: Database, rnd: random.Random) -> tuple[int, int]:
    """Per team: 2-4 tasks (some waiting for a check, some late, one put to the council)
    and 1-2 projects (one waiting for the council)."""
    with db.session() as s:
        owners: dict[int, list[int]] = {}
        for mid, tid in s.execute(select(Member.id, Member.team_id).where(Member.team_id.is_not(None))):
            owners.setdefault(tid, []).append(mid)
        teams = s.execute(select(Team.id, Team.village_id)).all()
        tasks, projects = [], []
        for tid, vid in teams:
            for k in range(rnd.randint(2, 4)):
                tasks.append({"team_id": tid, "village_id": vid, "problem": f"第{k + 1}件民生实事",
                              "category": "travel", "owner_id": rnd.choice(owners[tid]),
                              "due_month": date(2026, rnd.choice((10, 12)), 1),
                              "status": "checking" if rnd.random() < 0.2 else "open",
                              "council": "waiting" if k == 0 else None, "created_at": NOW,
                              "created_by": "bench", "done_media": []})
            for k in range(rnd.randint(1, 2)):
                projects.append({"team_id": tid, "village_id": vid, "title": f"项目{k + 1}",
                                 "fund_source": "财政衔接资金", "amount_fen": 12_000_000,
                                 "budget_fen": 0, "status": "proposed", "owner_id": rnd.choice(owners[tid]),
                                 "created_at": NOW, "created_by": "bench"})
        s.execute(insert(LivelihoodTask), tasks)
        s.execute(insert(Project), projects)
    return len(tasks), len(projects)


def timed_tick(db: Database, st: Settings, at: datetime) -> tuple[float, int]:
    """Every series' watermark a minute before `at`, then one tick at `at`: (seconds, rows)."""
    with db.session() as s:
        s.execute(update(EventSeries).values(last_ticked_at=at - timedelta(minutes=1)))
        before = s.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    with db.session() as s:
        t0 = time.perf_counter()
        dispatch.run(s, at, st)
        dt = time.perf_counter() - t0
    with db.session() as s:
        after = s.scalar(select(func.count()).select_from(OutboxMessage)) or 0
    return dt, after - before


def local(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=SH).astimezone(UTC)


def main() -> None:
    tmp = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    st = Settings(database_url=f"sqlite:///{tmp}", _env_file=None)  # type: ignore[call-arg]
    db = Database(st.database_url)
    db.create_all()
    build(db, random.Random(7))
    n_tasks, n_projects = add_work(db, random.Random(11))
    print(f"#15 data: {n_tasks} tasks, {n_projects} projects; {len(default_series())} default series per team")

    # -- digests with and without #15's sections
    dispatch._load_kinds()  # noqa: SLF001 - registers the council and task-list sections
    mine = list(digest.SECTIONS)
    with db.session() as s:
        teams = [(t, NOW.astimezone(SH).date()) for t in s.scalars(select(Team))]
        for weekly in (False, True):
            digest.SECTIONS[:] = []
            t0 = time.perf_counter()
            digest.compute(s, teams, NOW, st, weekly=weekly)
            ref = time.perf_counter() - t0
            digest.SECTIONS[:] = mine
            t0 = time.perf_counter()
            out = digest.compute(s, teams, NOW, st, weekly=weekly)
            dt = time.perf_counter() - t0
            lines = sum(1 for d in out.values() for x in d.extra if x.startswith(("【民生任务】", "【议事会】")))
            print(f"{'weekly' if weekly else 'daily'} digests, {len(out)} teams: {dt:.2f} s with #15's sections "
                  f"({lines} lines) vs {ref:.2f} s without = x{dt / ref:.2f}")

    # -- reminders at scale, against the daily-log reminder tick of the same data
    ref_dt, ref_rows = timed_tick(db, st, local(2026, 11, 24, 20))
    print(f"reference: 20:00 daily-log reminder tick: {ref_rows} rows in {ref_dt:.2f} s")
    for label, at in [("22nd 10:00 task progress", local(2026, 12, 22, 10)),
                      ("25th 09:00 monthly record deadline", local(2026, 12, 25, 9)),
                      ("29 Dec 09:00 annual report deadline", local(2026, 12, 29, 9)),
                      ("12 Feb 09:00 council notice with agenda", local(2027, 2, 12, 9))]:
        dt, rows = timed_tick(db, st, at)
        print(f"{label}: {rows} rows in {dt:.2f} s = x{dt / ref_dt:.2f} of the reference")

    # -- the idle tick: 14 default series per team against the 10 there were before #15
    idle = local(2027, 3, 3, 11, 7)
    timed_tick(db, st, idle)  # warm both the same way: the first idle tick of a window parses
    dt14 = min(timed_tick(db, st, idle + timedelta(minutes=k))[0] for k in (1, 2, 3))
    with db.session() as s:
        s.execute(delete(EventSeries).where(EventSeries.key.in_(NEW_KEYS)))
    dt10 = min(timed_tick(db, st, idle + timedelta(minutes=k))[0] for k in (4, 5, 6))
    print(f"idle tick (best of 3): {dt14:.3f} s with 14 defaults per team vs {dt10:.3f} s with 10 "
          f"= x{dt14 / dt10:.2f}")


if __name__ == "__main__":
    main()

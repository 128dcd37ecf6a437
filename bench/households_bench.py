"""Leaders' morning digests for a prefecture with household registers:
1,319 teams × 80 households per village, visits over four months, monitoring cases.

    .venv/bin/python bench/households_bench.py

Builds digest_bench's prefecture (1,319 teams, 5,019 members, a month of reports,
check-ins and leave), adds 105,520 households (each with a contact cadre, a grid and
0–3 visits in the last 120 days), 2,638 monitoring cases (some overdue, some due this
week) and 1,319 confirmed visits, then times `reminders.digest.compute` for every team
twice in the same run: with the households section (target < 5 s) and without it (the
reference), and prints the ratio. A bench prints figures; it is not a test.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select  # noqa: E402

import conversations.households.digest as households_digest  # noqa: E402
from bench.digest_bench import NOW, SH, TEAMS, build  # noqa: E402
from reminders import digest  # noqa: E402
from services.config import Settings  # noqa: E402
from services.monitoring import add_working_days  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import (  # noqa: E402
    Household,
    Member,
    MonitoringCase,
    Team,
    Visit,
    VisitConfirmation,
)

PER_VILLAGE = 80
CATEGORIES = ("脱贫户", "监测户", "低保户", "一般户")


def add_households(db: Database, rnd: random.Random) -> None:
    t0 = time.perf_counter()
    today = NOW.astimezone(SH).date()
    with db.session() as s:
        teams = s.execute(select(Team.id, Team.village_id)).all()
        cadres: dict[int, list[int]] = {}
        for mid, tid, role in s.execute(select(Member.id, Member.team_id, Member.role)):
            if tid is not None and role in ("cadre", "first_secretary"):
                cadres.setdefault(tid, []).append(mid)
        homes = []
        for tid, vid in teams:
            people = cadres.get(tid) or [None]
            for k in range(PER_VILLAGE):
                homes.append({"village_id": vid, "head_name": f"户主{k}", "category":
                              CATEGORIES[k % 4], "grid": f"{k % 4 + 1}网格",
                              "contact_member_id": people[k % len(people)], "active": True,
                              "created_at": NOW, "updated_at": NOW})
        s.execute(insert(Household), homes)
        rows = s.execute(select(Household.id, Household.contact_member_id)).all()
        visits, last = [], {}
        for hid, mid in rows:
            if mid is None:
                continue
            days = sorted({rnd.randrange(0, 120) for _ in range(rnd.randrange(0, 4))})
            for back in days:
                visits.append({"household_id": hid, "member_id": mid, "source": "log",
                               "visited_on": today - timedelta(days=back), "created_at": NOW})
            if days:
                last[hid] = today - timedelta(days=days[0])
        s.execute(insert(Visit), visits)
        for hid, day in last.items():  # what record_visit keeps on the household
            s.execute(Household.__table__.update().where(Household.id == hid)
                      .values(last_visited_on=day))
        cases = []
        for tid, vid in teams:
            for back in (rnd.randrange(5, 40), rnd.randrange(5, 40)):
                opened = today - timedelta(days=back)
                cases.append({"village_id": vid, "team_id": tid, "source": "visit",
                              "stage": "check", "opened_on": opened, "opened_by": "bench",
                              "due_on": add_working_days(opened, 20), "created_at": NOW,
                              "risk": "务工中断"})
        s.execute(insert(MonitoringCase), cases)
        confirmations = [{"member_id": cadres[tid][0], "team_id": tid, "village_id": vid,
                          "local_date": today - timedelta(days=1), "code": "1234",
                          "status": "confirmed", "created_at": NOW}
                         for tid, vid in teams if cadres.get(tid)]
        s.execute(insert(VisitConfirmation), confirmations)
    print(f"households: {len(homes)} ({PER_VILLAGE} per village), {len(visits)} visits, "
          f"{len(cases)} cases, {len(confirmations)} confirmed visits "
          f"— added in {time.perf_counter() - t0:.1f} s")


def timed(db: Database, settings: Settings, label: str) -> float:
    with db.session() as s:
        teams = [(t, NOW.astimezone(SH).date()) for t in s.scalars(select(Team))]
        t0 = time.perf_counter()
        out = digest.compute(s, teams, NOW, settings)
        dt = time.perf_counter() - t0
    lines = sum(1 for d in out.values() for x in d.extra if x.startswith(("【走访】", "【防返贫监测】")))
    print(f"{label}: {len(out)} daily digests in {dt:.2f} s ({lines} household/case lines)")
    return dt


def main() -> None:
    tmp = Path(tempfile.mkdtemp()) / "bench.sqlite3"
    settings = Settings(database_url=f"sqlite:///{tmp}", _env_file=None)  # type: ignore[call-arg]
    db = Database(settings.database_url)
    db.create_all()
    build(db, random.Random(7))
    add_households(db, random.Random(11))
    assert len(digest.SECTIONS) and TEAMS == 1319
    section = households_digest.households_section
    digest.SECTIONS.remove(section)
    ref = timed(db, settings, "reference (digest without the households section)")
    digest.SECTIONS.append(section)
    with_hh = timed(db, settings, "with households, visits and cases")
    print(f"ratio with/without: {with_hh / ref:.2f}   [target: with < 5 s]  "
          f"(households section alone ≈ {with_hh - ref:.2f} s)")



if __name__ == "__main__":
    main()

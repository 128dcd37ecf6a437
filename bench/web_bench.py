"""The county workspace on the bench prefecture: 1,319 teams, 5,019 members, a month of
records (bench/digest_bench.py's data), every team put in ONE county so the county page
covers them all.

    .venv/bin/python bench/web_bench.py [--runs 15]

Prints the median and worst time to serve (in-process, through Starlette and the
templates, as a browser would get it) the county page [target < 300 ms], a township
page, a team page and a person page [target < 100 ms], and the time to build the county
workbook. A bench prints figures; it is not a test.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, update  # noqa: E402
from starlette.testclient import TestClient  # noqa: E402

from bench.digest_bench import NOW, build  # noqa: E402
from services import weblogin  # noqa: E402
from services.actors import actor_for_member  # noqa: E402
from services.clock import ManualClock  # noqa: E402
from services.config import Settings  # noqa: E402
from storage.db import Database  # noqa: E402
from storage.models import County, Member, Team, Township  # noqa: E402
from web.app import create_app  # noqa: E402


def timed(client: TestClient, path: str, runs: int) -> tuple[float, float, int]:
    client.get(path)  # warm: templates compiled, caches filled
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
    return statistics.median(times), max(times), len(r.content)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp()) / "web-bench.sqlite3"
    settings = Settings(database_url=f"sqlite:///{tmp}", web_base_url="https://bench.local",
                        _env_file=None)  # type: ignore[call-arg]
    db = Database(settings.database_url)
    db.create_all()
    build(db, random.Random(7))
    clock = ManualClock(NOW)
    with db.session() as s:
        county = s.scalar(select(County).order_by(County.id).limit(1))
        s.execute(update(Township).values(county_id=county.id))
        s.execute(update(Member).where(Member.county_id.is_not(None)).values(county_id=county.id))
        admin = s.scalar(select(Member).where(Member.role == "admin").limit(1))
        link = weblogin.issue_link(s, actor_for_member(admin), clock.now(), settings)
        new = weblogin.redeem(s, link.rsplit("/", 1)[1], clock.now(), settings)
        team = s.scalar(select(Team).order_by(Team.id).limit(1))
        town_id = team.village.township_id
        cadre = s.scalar(select(Member.id).where(Member.team_id == team.id,
                                                 Member.role == "cadre").limit(1))
        teams = s.query(Team).count()
        members = s.query(Member).filter(Member.team_id.is_not(None)).count()
    app = create_app(db, settings, clock)
    client = TestClient(app, base_url="https://bench.local")
    client.cookies.set("zc_session", new.cookie)
    print(f"county {county.name}: {teams} teams, {members} team members; month 2026-11; "
          f"{a.runs} runs each after one warm-up; SQLite")
    for label, path, target in [
            ("county page", f"/county/{county.id}?month=2026-11", "< 300 ms"),
            ("township page", f"/township/{town_id}?month=2026-11", ""),
            ("team page", f"/team/{team.id}?month=2026-11", ""),
            ("person page", f"/person/{cadre}?month=2026-11", "< 100 ms")]:
        med, worst, size = timed(client, path, a.runs)
        aim = f"   [target {target}]" if target else ""
        print(f"{label}: median {med:.0f} ms, worst {worst:.0f} ms, {size // 1024} KiB{aim}")
    t0 = time.perf_counter()
    r = client.get(f"/export/county/{county.id}?month=2026-11")
    print(f"county workbook (every team, one row per person per month, yearly columns): "
          f"{time.perf_counter() - t0:.1f} s, {len(r.content) // 1024} KiB")


if __name__ == "__main__":
    main()

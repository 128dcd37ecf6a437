"""Cost of due_reminders() for 10,000 series over a one-minute and a one-day window.

Run from the repo root:  python bench/recurrence_bench.py

Series: the 6 default series for ~1,000 teams plus ~4,000 varied specs (random times,
weekdays, day rules, zones, holiday flags), so that caches see realistic variety.
"cold" clears the per-spec trigger cache and the working-day cache first.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reminders import due, engine  # noqa: E402
from reminders.defaults import default_series  # noqa: E402
from reminders.recurrence import Lead, Recurrence, due_reminders  # noqa: E402

N = 10_000


def make_series(n: int, seed: int = 1) -> list[tuple[Recurrence, tuple[Lead, ...]]]:
    rnd = random.Random(seed)
    out = [(s.spec, s.leads) for s in default_series()] * 1000
    zones = ["Asia/Shanghai"] * 8 + ["Asia/Urumqi", "Europe/Berlin"]
    leadsets = [(Lead(days=1, at="18:00"), Lead(minutes=60)), (Lead(),), (Lead(days=10, at="09:00"), Lead(minutes=30))]
    while len(out) < n:
        t = f"{rnd.randrange(7, 21):02d}:{rnd.choice([0, 15, 30, 45]):02d}"
        flags = rnd.choice([{}, {"shift_holidays": True}, {"workdays_only": True}])
        kind = rnd.choice(["daily", "weekly", "monthly", "monthly_nth", "last_workday", "quarterly", "yearly"])
        tz = rnd.choice(zones)
        if kind == "daily":
            spec = Recurrence("daily", time=t, tz=tz, **flags)
        elif kind == "weekly":
            spec = Recurrence("weekly", time=t, weekdays=tuple(rnd.sample(range(7), rnd.randint(1, 3))), tz=tz, **flags)
        elif kind == "monthly":
            spec = Recurrence("monthly", time=t, day=rnd.randint(1, 28), tz=tz, **flags)
        elif kind == "monthly_nth":
            spec = Recurrence("monthly", time=t, nth=rnd.choice([1, 2, -1]), weekday=rnd.randrange(5), tz=tz, **flags)
        elif kind == "last_workday":
            spec = Recurrence("monthly", time=t, last_workday=True, tz=tz)
        elif kind == "quarterly":
            spec = Recurrence("quarterly", time=t, month=rnd.randint(1, 3), day=rnd.randint(1, 28), tz=tz, **flags)
        else:
            spec = Recurrence("yearly", time=t, month=rnd.randint(1, 12), day=rnd.randint(1, 28), tz=tz, **flags)
        out.append((spec, rnd.choice(leadsets)))
    return out[:n]


def run(series, since, now) -> tuple[float, int]:
    t0 = time.perf_counter()
    count = 0
    for spec, leads in series:
        count += len(due_reminders(spec, leads, since, now))
    return time.perf_counter() - t0, count


def clear_caches() -> None:
    engine._cron.cache_clear()
    engine._once_times.cache_clear()
    engine.is_working_day.cache_clear()
    due.clear_memo()


def main() -> None:
    series = make_series(N)
    distinct = len({s for s, _ in series})
    now = datetime(2026, 9, 30, 18, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    minute, day = timedelta(minutes=1), timedelta(days=1)
    print(f"{N} series ({distinct} distinct specs), now = {now.isoformat()}")

    clear_caches()
    cold, n = run(series, now - minute, now)
    print(f"one-minute window, cold caches      : {cold * 1000:7.1f} ms  ({n} reminders due)")
    ticks, total, due_total = 60, 0.0, 0
    for i in range(1, ticks + 1):
        dt, n = run(series, now + (i - 1) * minute, now + i * minute)
        total += dt
        due_total += n
    print(f"one-minute window, steady state     : {total / ticks * 1000:7.1f} ms per tick "
          f"(mean of {ticks} consecutive ticks, {total / ticks / N * 1e6:.1f} µs/series, {due_total} due)")

    clear_caches()
    cold, n = run(series, now - day, now)
    print(f"one-day window (catch-up), cold     : {cold * 1000:7.1f} ms  ({n} reminders due)")
    engine_only, _ = run(series, now - day + minute, now + minute)
    print(f"one-day window, 1 min later (memo)  : {engine_only * 1000:7.1f} ms")


if __name__ == "__main__":
    main()

"""Faults and speed of the spine, against the local fake Bot API.

    .venv/bin/python bench/fault_bench.py [--quick] [--db sqlite|postgresql|both]

Part 1, faults (the conformance stream of tests/conformance, bigger and harsher than in
`make test`): a stream of >= 300 updates of real flows (logs, leave with approvals,
anonymous complaints) with
  - kill -9 at random and at the worst moments (10 kills),
  - faults on 25% of sends (429, 500, connection reset, a 7 s slow answer),
  - the database refusing connections for 15 s,
and the counts: updates lost, applied twice, messages sent twice, replies lost, unknown
per kill, people told 系统有点忙.

Part 2, speed: updates per second of the bot (a real `bot.py run` process) answering
/help from many people at once, next to a plain python-telegram-bot echo bot
(bench/echo_ptb.py), each on its own fake, running at once with their bursts in turns
(three each, the medians reported), both with the rate limiter off and as shipped,
printed as a ratio; and the reply latency one person sees (p50/p99), and how
long the bot takes from start to polling, next to the echo bot's (a process that imports
python-telegram-bot and polls: the floor of any start on this machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("bot.py", "cli", "core", "channels", "conversations", "services", "reminders",
           "knowledge", "storage", "web")
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench import timing  # noqa: E402
from services.clock import utcnow  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.conformance.outage import SqliteLock, TcpProxy  # noqa: E402
from tests.conformance.population import populate  # noqa: E402
from tests.conformance.runner import BotProcess, run_stream  # noqa: E402
from tests.conformance.sides import TelegramSide  # noqa: E402
from tests.conformance.verify import verify  # noqa: E402
from tests.fake_telegram import FakeTelegram, Faults  # noqa: E402
from tests.live import TELEGRAM_TOKEN  # noqa: E402

PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class Databases:
    """Fresh databases for each run: a SQLite file, or a throw-away PostgreSQL database."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.made: list[str] = []

    def fresh(self, kind: str) -> str:
        name = f"zc_bench_{uuid.uuid4().hex[:10]}"
        if kind == "sqlite":
            return f"sqlite:///{self.tmp / (name + '.sqlite3')}"
        eng = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        eng.dispose()
        self.made.append(name)
        return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"

    def drop(self) -> None:
        eng = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            for name in self.made:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()


def bot_env(db_url: str, fake: FakeTelegram, **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_BASE_URL": fake.url,
            "WORKER_NAME": "bench", "REMINDERS_SEED_DEFAULTS": "false", "TICK_SECONDS": "3600",
            "WEB_ENABLED": "false",
            **extra}


# -- part 1: faults -------------------------------------------------------------------------
def fault_run(dbs: Databases, kind: str, case: str, tmp: Path, cadres: int, villagers: int,
              kills: int) -> str:
    url = dbs.fresh(kind)
    db = Database(url)
    db.migrate()
    pop = populate(db, "telegram", utcnow(), cadres, villagers)
    bot_url, outage, on_tick = url, None, None
    if case == "outage":
        from sqlalchemy.engine import make_url

        u = make_url(url)
        if kind == "sqlite":
            outage = SqliteLock(u.database or "")
        else:
            outage = TcpProxy(u.host or "127.0.0.1", u.port or 5432).start()
            bot_url = u.set(host="127.0.0.1", port=outage.port).render_as_string(hide_password=False)
        window = {"down": False, "up": False}

        def on_tick(elapsed: float) -> None:
            if not window["down"] and elapsed > 2:
                outage.down()  # type: ignore[union-attr]
                window["down"] = True
            elif window["down"] and not window["up"] and elapsed > 17:
                outage.up()  # type: ignore[union-attr]
                window["up"] = True
    with FakeTelegram(token=TELEGRAM_TOKEN) as fake:
        if case == "faults":
            fake.inject_faults(Faults(rate=0.25, slow_seconds=7.0, seed=1))
        side = TelegramSide(fake)
        bot = BotProcess(bot_env(bot_url, fake), tmp / f"{kind}-{case}.log")
        try:
            result = run_stream(side, pop, bot, db, kills=kills if case == "kill" else 0, seed=21,
                                timeout=900, on_tick=on_tick)
        finally:
            bot.stop()
            if isinstance(outage, TcpProxy):
                outage.stop()
        v = verify(db, "telegram", result, side.delivered_texts())
        faults = dict(sorted(fake.fault_counts.items()))
    db.dispose()
    extra = f" | faults {faults}" if faults else ""
    return f"{kind:<10} {case:<7} {v.row()} | gave up {v.gave_up} | {result.seconds:.0f} s{extra}"


# -- part 2: speed ----------------------------------------------------------------------------
def _start_and_wait(proc_args: list[str], env: dict[str, str], fake: FakeTelegram,
                    log: Path, cwd: Path = ROOT) -> tuple[subprocess.Popen[bytes], float]:
    """Start a bot process; return it and the seconds until its first getUpdates arrived."""
    n0 = len(fake.poll_arrivals())
    return timing.start(proc_args, env, lambda: len(fake.poll_arrivals()) > n0, log, cwd)


def _burst(fake: FakeTelegram, users: list[int], per_user: int, text: str) -> float:
    return timing.burst(fake.push_text, lambda: len(fake.sent_log()), users, per_user, text)


def _round_trips(fake: FakeTelegram, user: int, text: str, n: int) -> list[float]:
    return timing.round_trips(fake.push_text, lambda: len(fake.sent_log()), user, text, n)


def speed_run(dbs: Databases, kind: str, tmp: Path, users: int, per_user: int,
              pacing: bool, root: Path = ROOT) -> tuple[float, float, float, float, float, float]:
    """(bot updates/s, echo updates/s, bot p50 ms, bot p99 ms, bot's and echo's start to
    polling s);
    `root`: another checkout of the bot (an older commit, for before/after).

    Both bots run at once, each on its own fake, their bursts in turns (timing.in_turns);
    paced, the limiter decides and one round is enough."""
    url = dbs.fresh(kind)
    if root == ROOT:
        Database(url).migrate()
    else:  # that checkout's own schema
        subprocess.run([sys.executable, "bot.py", "migrate"], cwd=root, check=True,
                       env={**os.environ, "DATABASE_URL": url}, capture_output=True)
    db = Database(url)
    pop = populate(db, "telegram", utcnow(), users, 0)
    db.dispose()
    ids = [int(p.key) for p in pop.cadres]
    with FakeTelegram(token=TELEGRAM_TOKEN) as fake, \
            FakeTelegram(token=TELEGRAM_TOKEN) as echo_fake:
        env = bot_env(url, fake, SEND_PACING="true" if pacing else "false")
        bot, start_s = _start_and_wait([sys.executable, "bot.py", "run"], env, fake,
                                       tmp / f"speed-{kind}.log", cwd=root)
        args = [sys.executable, "bench/echo_ptb.py"] + ([] if not pacing else ["--rate-limiter"])
        echo, echo_start = _start_and_wait(args, {"BOT_TOKEN": TELEGRAM_TOKEN,
                                         "TELEGRAM_BASE_URL": echo_fake.url},
                                  echo_fake, tmp / "echo.log")
        try:
            _burst(fake, ids[:5], 2, "/help")  # warm up: knowledge of each person, caches
            _burst(echo_fake, ids[:5], 2, "/help")
            bot_s, echo_s = timing.in_turns(lambda: _burst(fake, ids, per_user, "/help"),
                                            lambda: _burst(echo_fake, ids, per_user, "/help"),
                                            rounds=1 if pacing else timing.ROUNDS)
            lat = _round_trips(fake, ids[0], "/help", 60)
        finally:
            bot.terminate()
            echo.terminate()
            bot.wait(15)
            echo.wait(15)
    n = len(ids) * per_user
    lat.sort()
    return (n / bot_s, n / echo_s, statistics.median(lat), lat[int(len(lat) * 0.99) - 1],
            start_s, echo_start)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="speed only, smaller")
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--skip-faults", action="store_true")
    ap.add_argument("--root", type=Path, default=ROOT,
                    help="measure the bot of another checkout (speed only), e.g. an older commit")
    a = ap.parse_args()
    # the bot's start is measured as a deployment starts: its byte-code already written
    # (`make run` / `make bench` do this; here too, when the script is run alone)
    subprocess.run([sys.executable, "-m", "compileall", "-q", *SOURCES], cwd=a.root, check=False)
    kinds = ["sqlite", "postgresql"] if a.db == "both" else [a.db]
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        dbs = Databases(tmp)
        try:
            if not (a.quick or a.skip_faults or a.root != ROOT):
                print("== faults: a stream of real flows (logs, leave + approvals, complaints) ==")
                for kind in kinds:
                    for case in ("kill", "faults", "outage"):
                        print(fault_run(dbs, kind, case, tmp, 20, 20, kills=10), flush=True)
            print("\n== speed: /help from many people at once, bot vs a plain PTB echo bot ==")
            users, per_user = (20, 10) if a.quick else (50, 20)
            print(f"{'database':<10} {'rate limiter':<13} {'bot upd/s':>9} {'echo upd/s':>10} "
                  f"{'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'to polling':>10} {'echo':>6}")
            for kind in kinds:
                for pacing in (False, True):
                    bot, echo, p50, p99, start, echo_start = speed_run(
                        dbs, kind, tmp, users, per_user, pacing, a.root.resolve())
                    print(f"{kind:<10} {'as shipped' if pacing else 'off':<13} {bot:>9.0f} "
                          f"{echo:>10.0f} {bot / echo:>6.0%} {p50:>7.1f} {p99:>7.1f} "
                          f"{start:>9.2f}s {echo_start:>5.2f}s",
                          flush=True)
        finally:
            dbs.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

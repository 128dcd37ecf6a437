"""Channels side by side: the bot's updates/s and reply latency on each channel, next to
a plain echo bot of the same framework measured in the same run.

    .venv/bin/python bench/channel_bench.py [--db URL] [--rows telegram-ptb,telegram-aiogram,dingtalk]
                                            [--users 50 --per-user 20] [--pacing]

For each row the real bot (`bot.py run`, its own process, a fresh database) answers
/help from many people at once against the channel's local fake server, and the
framework's echo bot (bench/echo_ptb.py, bench/echo_aiogram.py, bench/echo_dingtalk.py)
answers the same burst on a fake of its own; for Telegram both run at once and their
bursts take turns, three each, medians kept (bench/timing.py: in_turns). Printed as

    channel | updates/s | echo ceiling | ratio | p50/p99

where p50/p99 is the reply latency one person sees (push to the reply arriving at the
fake, one message at a time). The outbox's pacing is off by default (the bot's own cost,
as the echo bots have no limiter); --pacing measures the bot as shipped.

SQLite files by default; `--db URL` runs on PostgreSQL: URL is a server connection that
may create databases (one fresh database per row, dropped at the end).

Adding a channel: write a function `(Bench) -> Row` (start the bot with the channel's
environment against its fake, push a burst, time the round trips, run its framework's
echo on the same burst) and add it to ROWS; `main` prints whatever rows are chosen.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench import timing  # noqa: E402
from services.clock import utcnow  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.conformance.population import populate  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402
from tests.live import TELEGRAM_TOKEN  # noqa: E402


@dataclass(frozen=True)
class Row:
    channel: str
    updates_s: float
    echo_s: float
    p50_ms: float
    p99_ms: float
    echo_name: str = ""

    def line(self) -> str:
        return (f"{self.channel:<18} | {self.updates_s:>9.0f} | {self.echo_s:>12.0f} | "
                f"{self.updates_s / self.echo_s:>5.0%} | {self.p50_ms:>5.1f} / {self.p99_ms:.1f} ms"
                + (f"   (echo: {self.echo_name})" if self.echo_name else ""))


HEADER = (f"{'channel':<18} | {'updates/s':>9} | {'echo ceiling':>12} | {'ratio':>5} | "
          "p50/p99 reply")


class Bench:
    """What every row needs: fresh databases, a place for logs, the burst's size."""

    def __init__(self, tmp: Path, db_url: str | None, users: int, per_user: int,
                 round_trips: int, pacing: bool) -> None:
        self.tmp, self.server = tmp, db_url
        self.users, self.per_user, self.round_trips, self.pacing = (users, per_user,
                                                                    round_trips, pacing)
        self._made: list[str] = []

    def fresh_db(self) -> str:
        """A migrated, empty database: a new SQLite file, or a new PostgreSQL database."""
        name = f"zc_chbench_{uuid.uuid4().hex[:10]}"
        if not self.server:
            url = f"sqlite:///{self.tmp / (name + '.sqlite3')}"
        else:
            eng = create_engine(self.server, isolation_level="AUTOCOMMIT")
            with eng.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            eng.dispose()
            self._made.append(name)
            url = make_url(self.server).set(database=name).render_as_string(hide_password=False)
        Database(url).migrate()
        return url

    def drop(self) -> None:
        if not self._made:
            return
        eng = create_engine(self.server or "", isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            for name in self._made:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        eng.dispose()


# -- measuring against the fake Bot API ------------------------------------------------------
def _start(args: list[str], env: dict[str, str], fake: FakeTelegram,
           log: Path) -> subprocess.Popen[bytes]:
    """Start a bot process and wait for its first getUpdates."""
    n0 = len(fake.poll_arrivals())
    return timing.start(args, env, lambda: len(fake.poll_arrivals()) > n0, log)[0]


_stop = timing.stop


def _burst(fake: FakeTelegram, users: list[int], per_user: int, text_: str) -> float:
    return timing.burst(fake.push_text, lambda: len(fake.sent_log()), users, per_user, text_)


def _round_trips(fake: FakeTelegram, user: int, text_: str, n: int) -> list[float]:
    return timing.round_trips(fake.push_text, lambda: len(fake.sent_log()), user, text_, n)


def _p(values: list[float], q: float) -> float:
    return values[min(len(values) - 1, max(0, int(round(len(values) * q)) - 1))]


def telegram_row(b: Bench, library: str, echo_script: str) -> Row:
    """The bot on TELEGRAM_LIBRARY=`library` and `echo_script`, each on its own fake, their
    bursts in turns (timing.in_turns)."""
    url = b.fresh_db()
    db = Database(url)
    pop = populate(db, "telegram", utcnow(), b.users, 0)
    db.dispose()
    ids = [int(p.key) for p in pop.cadres]
    n = len(ids) * b.per_user
    env = {"DATABASE_URL": url, "BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_LIBRARY": library,
           "WORKER_NAME": "bench", "REMINDERS_SEED_DEFAULTS": "false", "TICK_SECONDS": "3600",
           "WEB_ENABLED": "false", "SEND_PACING": "true" if b.pacing else "false"}
    with FakeTelegram(token=TELEGRAM_TOKEN) as fake, \
            FakeTelegram(token=TELEGRAM_TOKEN) as echo_fake:
        bot = _start([sys.executable, "bot.py", "run"], {**env, "TELEGRAM_BASE_URL": fake.url},
                     fake, b.tmp / f"bot-{library}.log")
        echo = _start([sys.executable, f"bench/{echo_script}"],
                      {"BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_BASE_URL": echo_fake.url},
                      echo_fake, b.tmp / f"echo-{library}.log")
        try:
            _burst(fake, ids[:5], 2, "/help")  # warm up: caches, each person's first look-up
            _burst(echo_fake, ids[:5], 2, "/help")
            bot_s, echo_s = timing.in_turns(lambda: _burst(fake, ids, b.per_user, "/help"),
                                            lambda: _burst(echo_fake, ids, b.per_user, "/help"))
            lat = _round_trips(fake, ids[0], "/help", b.round_trips)
        finally:
            _stop(bot)
            _stop(echo)
    return Row(f"telegram ({library})", n / bot_s, n / echo_s, statistics.median(lat),
               _p(lat, 0.99), echo_script)


def dingtalk_row(b: Bench) -> Row:
    """The bot on the DingTalk channel against the fake gateway, then a bare
    dingtalk-stream SDK echo robot (bench/echo_dingtalk.py); bench/dingtalk_bench.py
    does the measuring, so both benches measure the same way."""
    from bench.dingtalk_bench import measure

    bot, echo, p50, p99, _, _ = measure(b.fresh_db(), b.tmp, b.users, b.per_user, b.pacing,
                                        b.round_trips)
    return Row("dingtalk", bot, echo, p50, p99, "echo_dingtalk.py")


ROWS: dict[str, Callable[[Bench], Row]] = {
    "telegram-ptb": lambda b: telegram_row(b, "ptb", "echo_ptb.py"),
    "telegram-aiogram": lambda b: telegram_row(b, "aiogram", "echo_aiogram.py"),
    "dingtalk": dingtalk_row,
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", metavar="URL", default=None,
                    help="PostgreSQL server URL (one fresh database per row); default SQLite")
    ap.add_argument("--rows", default=",".join(ROWS), help=f"comma-separated, of {', '.join(ROWS)}")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--per-user", type=int, default=20)
    ap.add_argument("--round-trips", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=1, help="measure every row this many times")
    ap.add_argument("--pacing", action="store_true", help="the outbox paces as shipped")
    a = ap.parse_args()
    names = [r.strip() for r in a.rows.split(",") if r.strip()]
    unknown = [r for r in names if r not in ROWS]
    if unknown:
        ap.error(f"unknown rows: {', '.join(unknown)}")
    kind = make_url(a.db).get_backend_name() if a.db else "sqlite"
    print(f"database {kind}; {a.users} people x {a.per_user} /help at once; "
          f"{a.round_trips} round trips for latency; pacing {'on' if a.pacing else 'off'}")
    print(HEADER)
    with tempfile.TemporaryDirectory() as d:
        bench = Bench(Path(d), a.db, a.users, a.per_user, a.round_trips, a.pacing)
        try:
            for _ in range(a.rounds):
                for name in names:
                    print(ROWS[name](bench).line(), flush=True)
        finally:
            bench.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

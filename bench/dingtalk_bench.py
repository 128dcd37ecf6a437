"""Speed of the DingTalk channel against the local fake gateway, next to a bare SDK echo
robot on the same fake in the same run.

    .venv/bin/python bench/dingtalk_bench.py [--quick] [--db sqlite|postgresql|both]

Each row: a real `bot.py run` process on the DingTalk channel answering 帮助 (/help typed
as a word) from many people at once — updates/s until every one was answered — next to
bench/echo_dingtalk.py (the SDK's own client and ChatbotHandler.reply_text) answering the
same burst; the ratio; and the reply latency one person sees (p50/p99 ms, one message
at a time). "pacing off" measures the bot's own cost; "as shipped" keeps DingTalk's send
limits (DINGTALK_PER_SECOND, 15 a second by default: the app's send APIs allow about 20
calls a second), so it is bounded by them, not by the bot.

Printed in the shape of bench/channel_bench.py's rows:
    channel | updates/s | echo ceiling | ratio | p50/p99
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import timing  # noqa: E402
from bench.fault_bench import Databases  # noqa: E402
from services.clock import utcnow  # noqa: E402
from storage.db import Database  # noqa: E402
from tests.conformance.population import populate  # noqa: E402
from tests.fakes.dingtalk import FakeDingTalk  # noqa: E402

APP_ID, APP_SECRET = "dingbenchapp0001", "bench-secret"


def _start(args: list[str], env: dict[str, str], fake: FakeDingTalk, log: Path
           ) -> subprocess.Popen[bytes]:
    """Start a process and wait for its stream connection."""
    n0 = len(fake.connections())
    return timing.start(args, env, lambda: len(fake.connections()) > n0, log)[0]


def _burst(fake: FakeDingTalk, users: list[str], per_user: int, text: str) -> float:
    return timing.burst(fake.push_text, lambda: len(fake.sent_messages()), users, per_user,
                        text, timeout=600.0)


def _round_trips(fake: FakeDingTalk, user: str, text: str, n: int) -> list[float]:
    return timing.round_trips(fake.push_text, lambda: len(fake.sent_messages()), user, text, n)


_stop = timing.stop


def run(dbs: Databases, kind: str, tmp: Path, users: int, per_user: int, pacing: bool
        ) -> tuple[float, float, float, float, float, float]:
    """(bot upd/s, echo upd/s, bot p50, bot p99, echo p50, echo p99)."""
    return measure(dbs.fresh(kind), tmp, users, per_user, pacing)


def measure(url: str, tmp: Path, users: int, per_user: int, pacing: bool,
            round_trips: int = 60) -> tuple[float, float, float, float, float, float]:
    """The same on a database of the caller's (bench/channel_bench.py's DingTalk row)."""
    db = Database(url)
    db.migrate()
    pop = populate(db, "dingtalk", utcnow(), users, 0)
    db.dispose()
    ids = [p.key for p in pop.cadres]
    env = {"DATABASE_URL": url, "DINGTALK_CLIENT_ID": APP_ID, "DINGTALK_CLIENT_SECRET": APP_SECRET,
           "BOT_TOKEN": "", "WORKER_NAME": "bench", "REMINDERS_SEED_DEFAULTS": "false",
           "WEB_ENABLED": "false", "TICK_SECONDS": "3600",
           "SEND_PACING": "true" if pacing else "false"}
    with FakeDingTalk(client_id=APP_ID, client_secret=APP_SECRET, group_limit=None) as fake:
        bot = _start([sys.executable, "bot.py", "run"], {**env, "DINGTALK_API_URL": fake.url},
                     fake, tmp / f"bot-{uuid.uuid4().hex[:8]}.log")
        try:
            _burst(fake, ids[:5], 2, "帮助")  # warm up
            bot_s = _burst(fake, ids, per_user, "帮助")
            lat = _round_trips(fake, ids[0], "帮助", round_trips)
        finally:
            _stop(bot)
    with FakeDingTalk(client_id=APP_ID, client_secret=APP_SECRET, group_limit=None) as fake:
        echo = _start([sys.executable, "bench/echo_dingtalk.py"],
                      {**env, "DINGTALK_OPENAPI_ENDPOINT": fake.url}, fake, tmp / "echo.log")
        try:
            _burst(fake, ids[:5], 2, "帮助")
            echo_s = _burst(fake, ids, per_user, "帮助")
            elat = _round_trips(fake, ids[0], "帮助", round_trips)
        finally:
            _stop(echo)
    n = len(ids) * per_user
    p99 = max(0, int(len(lat) * 0.99) - 1)
    return (n / bot_s, n / echo_s, statistics.median(lat), lat[p99],
            statistics.median(elat), elat[p99])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    a = ap.parse_args()
    kinds = ["sqlite", "postgresql"] if a.db == "both" else [a.db]
    users, per_user = (20, 10) if a.quick else (50, 20)
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        dbs = Databases(tmp)
        try:
            print(f"== DingTalk: 帮助 from {users} people x {per_user}, bot vs a bare "
                  f"dingtalk-stream SDK echo robot, same fake, same run ==")
            print(f"{'channel':<34} | {'updates/s':>9} | {'echo ceiling':>12} | {'ratio':>5} | "
                  f"{'p50/p99 ms':>13} | {'echo p50/p99 ms':>15}")
            for kind in kinds:
                for pacing in (False, True):
                    bot, echo, p50, p99, e50, e99 = run(dbs, kind, tmp, users, per_user, pacing)
                    name = f"dingtalk ({kind}, pacing {'as shipped' if pacing else 'off'})"
                    print(f"{name:<34} | {bot:>9.0f} | {echo:>12.0f} | {bot / echo:>5.0%} | "
                          f"{p50:>5.1f}/{p99:<7.1f} | {e50:>6.1f}/{e99:<8.1f}", flush=True)
        finally:
            dbs.drop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The conformance suite: the same stream of real flows on every channel and database,
with kill -9 at random moments, faults on a quarter of the sends and a database that
refuses connections; nothing accepted is lost, nothing is done or sent twice.

The Telegram stream runs under both libraries (TELEGRAM_LIBRARY=ptb and aiogram) for the
kill -9 and the fault cases; the database outage exercises the shared receive loop
(channels/telegram_base.py), so it runs once, on the default library."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from core import text as core_text
from services.clock import utcnow
from storage.db import Database
from storage.models import InboxUpdate
from tests.conformance.outage import SqliteLock, TcpProxy
from tests.conformance.population import populate
from tests.conformance.runner import BotProcess, run_console_stream, run_stream
from tests.conformance.sides import DingTalkSide, FaultyDingTalk, TelegramSide
from tests.conformance.verify import personal_data_in_log, verify
from tests.fake_telegram import FakeTelegram, Faults
from tests.fakes.dingtalk import FakeDingTalk
from tests.live import TELEGRAM_TOKEN

CADRES, VILLAGERS = 16, 16  # 16 x 10 + 16 approvals + 16 x 9 = 320 updates (>= 300 even if a
# person whose reply a crash left `unknown` gives up a flow)
FAST_SLOW = 1.0  # seconds a "slow" answer takes here; bench/fault_bench.py uses 7
OUTAGE_SECONDS = 15.0
BYSTANDERS = (799001, 799002, 799003)  # not registered: /help tells them how to start


def _telegram_env(db_url: str, fake: FakeTelegram, **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_BASE_URL": fake.url,
            "WORKER_NAME": "conformance", "REMINDERS_SEED_DEFAULTS": "false", "WEB_ENABLED": "false",
            "TICK_SECONDS": "3600", **extra}


LIBRARIES = pytest.mark.parametrize("library", ["ptb", "aiogram"])  # TELEGRAM_LIBRARY


@LIBRARIES
def test_telegram_stream_with_kill9(any_db_url: str, tmp_path: Path, library: str) -> None:
    db = Database(any_db_url)
    db.migrate()
    pop = populate(db, "telegram", utcnow(), CADRES, VILLAGERS)
    with FakeTelegram(token=TELEGRAM_TOKEN) as fake:
        side = TelegramSide(fake)
        bot = BotProcess(_telegram_env(any_db_url, fake, TELEGRAM_LIBRARY=library),
                         tmp_path / "bot.log")
        try:
            result = run_stream(side, pop, bot, db, kills=6, seed=7)
        finally:
            bot.stop()
        v = verify(db, "telegram", result, side.delivered_texts())
    print(v.row(), v.notes)
    assert v.updates >= 300 and v.kills >= 5
    assert v.updates_lost == 0 and v.applied_twice == 0 and v.effects_missing == 0, v.notes
    assert v.messages_twice == 0 and v.messages_lost == 0
    assert v.unknown <= v.kills
    assert not v.not_delivered, v.not_delivered
    assert not personal_data_in_log((tmp_path / "bot.log").read_text(encoding="utf-8"), pop)
    db.dispose()


@LIBRARIES
def test_telegram_stream_with_faults_on_a_quarter_of_the_sends(any_db_url: str, tmp_path: Path,
                                                               library: str) -> None:
    db = Database(any_db_url)
    db.migrate()
    pop = populate(db, "telegram", utcnow(), CADRES, VILLAGERS)
    with FakeTelegram(token=TELEGRAM_TOKEN) as fake:
        fake.inject_faults(Faults(rate=0.25, slow_seconds=FAST_SLOW, seed=11))
        side = TelegramSide(fake)
        bot = BotProcess(_telegram_env(any_db_url, fake, TELEGRAM_LIBRARY=library),
                         tmp_path / "bot.log")
        try:
            result = run_stream(side, pop, bot, db, kills=0, seed=3)
        finally:
            bot.stop()
        v = verify(db, "telegram", result, side.delivered_texts())
        faults = dict(fake.fault_counts)
    print(v.row(), faults, v.notes)
    assert v.updates >= 300 and sum(faults.values()) >= 0.2 * v.messages_sent
    assert set(faults) == {"429", "500", "reset", "slow"}
    assert v.updates_lost == 0 and v.applied_twice == 0 and v.effects_missing == 0, v.notes
    assert v.messages_twice == 0 and v.messages_lost == 0 and v.unknown == 0
    assert not v.not_delivered, v.not_delivered
    db.dispose()


def test_telegram_stream_while_the_database_refuses_connections(any_db_url: str,
                                                                tmp_path: Path) -> None:
    db = Database(any_db_url)
    db.migrate()
    pop = populate(db, "telegram", utcnow(), CADRES, VILLAGERS)
    url = make_url(any_db_url)
    if url.get_backend_name() == "sqlite":
        outage = SqliteLock(url.database or "")
        bot_url = any_db_url
    else:
        proxy = outage = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
        bot_url = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    window = {"down": False, "done": False}
    bystanders: list[str] = []  # people who write while the database is down

    def schedule(elapsed: float) -> None:
        polls = fake.poll_arrivals()
        if not polls:
            return  # the outage starts once the bot is up and serving
        up_for = time.monotonic() - polls[0]
        if not window["down"] and up_for > 2.0:
            outage.down()
            window["down"] = True
        elif window["down"] and not bystanders and up_for > 4.0:
            for uid in BYSTANDERS:
                bystanders.append(str(fake.push_text(uid, "/help")["update_id"]))
        elif window["down"] and not window["done"] and up_for > 2.0 + OUTAGE_SECONDS:
            outage.up()
            window["done"] = True

    with FakeTelegram(token=TELEGRAM_TOKEN) as fake:
        side = TelegramSide(fake)
        bot = BotProcess(_telegram_env(bot_url, fake), tmp_path / "bot.log")
        try:
            result = run_stream(side, pop, bot, db, kills=0, seed=5, on_tick=schedule)
        finally:
            bot.stop()
            if not window["done"]:
                outage.up()
            if isinstance(outage, TcpProxy):
                outage.stop()
        v = verify(db, "telegram", result, side.delivered_texts())
    print(v.row(), v.notes)
    assert window["done"] and v.updates >= 300
    assert v.updates_lost == 0 and v.applied_twice == 0 and v.effects_missing == 0, v.notes
    assert v.messages_twice == 0 and v.messages_lost == 0 and not v.not_delivered
    # people who wrote during the outage were told 系统有点忙 once, then answered
    delivered = side.delivered_texts()
    with db.read() as s:
        done = {k for (k,) in s.execute(select(InboxUpdate.update_key).where(
            InboxUpdate.status == "done"))}
    for uid, key in zip(BYSTANDERS, bystanders, strict=True):
        texts = delivered.get(str(uid), [])
        assert key in done and texts.count(core_text.BUSY) == 1 and len(texts) == 2, texts
    assert not personal_data_in_log((tmp_path / "bot.log").read_text(encoding="utf-8"), pop)
    db.dispose()


def _console_env(db_url: str) -> dict[str, str]:
    env = {"DATABASE_URL": db_url, "WORKER_NAME": "conformance", "REMINDERS_SEED_DEFAULTS": "false",
           "WEB_ENABLED": "false"}
    return env


def test_console_stream_with_kill9(any_db_url: str, tmp_path: Path) -> None:
    db = Database(any_db_url)
    db.migrate()
    pop = populate(db, "console", utcnow(), CADRES, VILLAGERS)
    result, delivered = run_console_stream(pop, tmp_path, _console_env(any_db_url), kills=5, seed=9)
    v = verify(db, "console", result, delivered, first_lines=True)
    print(v.row(), v.notes)
    assert v.updates >= 300 and v.kills >= 5
    assert v.updates_lost == 0 and v.applied_twice == 0 and v.effects_missing == 0, v.notes
    assert v.messages_twice == 0 and v.messages_lost == 0 and v.unknown <= v.kills
    assert not v.not_delivered, v.not_delivered
    db.dispose()


# -- DingTalk: the same stream through the Stream gateway and the robot send APIs ---------
DT_ID, DT_SECRET = "dingconformance01", "conformance-secret"


def _dingtalk_env(db_url: str, fake: FakeDingTalk, **extra: str) -> dict[str, str]:
    return {"DATABASE_URL": db_url, "DINGTALK_CLIENT_ID": DT_ID, "DINGTALK_CLIENT_SECRET": DT_SECRET,
            "DINGTALK_API_URL": fake.url, "BOT_TOKEN": "", "WORKER_NAME": "conformance",
            "REMINDERS_SEED_DEFAULTS": "false", "WEB_ENABLED": "false", "TICK_SECONDS": "3600",
            **extra}


def _dingtalk_checks(v, log: str, pop) -> None:  # type: ignore[no-untyped-def]
    assert v.updates >= 300
    assert v.updates_lost == 0 and v.applied_twice == 0 and v.effects_missing == 0, v.notes
    assert v.messages_twice == 0 and v.messages_lost == 0
    assert not v.not_delivered, v.not_delivered
    assert not personal_data_in_log(log, pop)


def test_dingtalk_stream_with_kill9(any_db_url: str, tmp_path: Path) -> None:
    """Frames the gateway handed over are acknowledged only once stored: with a gateway
    that redelivers unacknowledged frames, six kill -9 lose nothing."""
    db = Database(any_db_url)
    db.migrate()
    pop = populate(db, "dingtalk", utcnow(), CADRES, VILLAGERS)
    with FakeDingTalk(client_id=DT_ID, client_secret=DT_SECRET, redeliver="all",
                      ack_timeout=3.0) as fake:
        side = DingTalkSide(fake)
        bot = BotProcess(_dingtalk_env(any_db_url, fake), tmp_path / "bot.log")
        try:
            result = run_stream(side, pop, bot, db, kills=6, seed=7)
        finally:
            bot.stop()
        v = verify(db, "dingtalk", result, side.delivered_texts(), render=side.render)
    print(v.row(), v.notes)
    assert v.kills >= 5 and v.unknown <= v.kills
    _dingtalk_checks(v, (tmp_path / "bot.log").read_text(encoding="utf-8"), pop)
    db.dispose()


def test_dingtalk_stream_with_faults_on_a_quarter_of_the_sends(any_db_url: str,
                                                               tmp_path: Path) -> None:
    db = Database(any_db_url)
    db.migrate()
    pop = populate(db, "dingtalk", utcnow(), CADRES, VILLAGERS)
    with FaultyDingTalk(client_id=DT_ID, client_secret=DT_SECRET, rate=0.25,
                        slow_seconds=FAST_SLOW, seed=11) as fake:
        side = DingTalkSide(fake)
        bot = BotProcess(_dingtalk_env(any_db_url, fake), tmp_path / "bot.log")
        try:
            result = run_stream(side, pop, bot, db, kills=0, seed=3)
        finally:
            bot.stop()
        v = verify(db, "dingtalk", result, side.delivered_texts(), render=side.render)
        faults = dict(fake.fault_counts)
    print(v.row(), faults, v.notes)
    assert sum(faults.values()) >= 0.2 * v.messages_sent
    assert set(faults) == {"throttle", "5xx", "reset", "slow"}
    assert v.unknown == 0
    _dingtalk_checks(v, (tmp_path / "bot.log").read_text(encoding="utf-8"), pop)
    db.dispose()

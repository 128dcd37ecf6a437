"""Shared fixtures: databases (SQLite and the local PostgreSQL), a bot core, a chat harness."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, text

from core.app import BotCore
from services.clock import ManualClock
from services.config import Settings
from services.demo import load_demo
from storage.db import Database
from tests.fake_telegram import FakeTelegram
from tests.harness import ChatHarness
from tests.live import TELEGRAM_TOKEN, LiveBot, live_telegram

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(text_: str, tz: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.strptime(text_, "%Y-%m-%d %H:%M").replace(tzinfo=tz)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A throw-away PostgreSQL database; required in CI, skipped only on a laptop without it."""
    name = f"zc_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL not reachable ({exc.__class__.__name__}); run scripts/ensure_postgres.sh")
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset_pg(url: str) -> None:
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_url(request: pytest.FixtureRequest, tmp_path) -> str:  # type: ignore[no-untyped-def]
    """Runs a test once on SQLite and once on PostgreSQL, each on an empty database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite3'}"
    url = request.getfixturevalue("pg_server")
    _reset_pg(url)
    return url


@pytest.fixture
def db_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'bot.sqlite3'}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, bot_token=None, _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(at("2026-11-23 09:00"))


@pytest.fixture
def core(settings: Settings, clock: ManualClock) -> Iterator[BotCore]:
    db = Database(settings.database_url)
    db.create_all()
    c = BotCore.create(settings, clock, migrate=False, db=db)
    yield c
    db.dispose()


@pytest.fixture
def demo(core: BotCore, clock: ManualClock) -> BotCore:
    with core.db.session() as s:
        load_demo(s, clock.now())
    return core


@pytest.fixture
def chat(demo: BotCore, clock: ManualClock, tmp_path) -> ChatHarness:  # type: ignore[no-untyped-def]
    """The demo team driven through the real console channel."""
    return ChatHarness(demo, clock, tmp_path / "out")


@pytest.fixture
async def fake_tg() -> AsyncIterator[FakeTelegram]:
    """The local fake Bot API (127.0.0.1, free port)."""
    async with FakeTelegram(token=TELEGRAM_TOKEN, bot_username="zhucun_helper_bot") as f:
        yield f


@pytest.fixture(params=["ptb", "aiogram"])
def telegram_library(request: pytest.FixtureRequest) -> str:
    """Each Telegram end-to-end test runs on python-telegram-bot and on aiogram."""
    return str(request.param)


@pytest.fixture
async def tg(fake_tg: FakeTelegram, demo: BotCore, telegram_library: str) -> AsyncIterator[LiveBot]:
    """The demo team served by the real Telegram channel, pointed at the fake Bot API."""
    async with live_telegram(demo, fake_tg.url, telegram_library) as bot:
        yield bot


# -- what runs when ------------------------------------------------------------------------
# The conformance streams (tests/test_conformance.py) wait on a real bot process for a
# minute or more each; most of that is waiting, not CPU. `make test` runs pytest-xdist with
# work stealing: they are collected last, so the workers that finish their share of the
# quick tests take them over one by one and they run side by side, instead of queueing
# behind each other on the one worker whose share they would otherwise fall in.
SOAK_FILE = "test_conformance.py"


def _soak_on_postgres_of_a_second_runtime(item: pytest.Item) -> bool:
    """The aiogram and DingTalk streams on PostgreSQL: the same core and the same database
    code as the python-telegram-bot streams on PostgreSQL (in `make test`) and as their own
    SQLite streams (in `make test`); run in `make bench` to keep `make test` short."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    if params.get("any_db_url") != "postgresql":
        return False
    return params.get("library") == "aiogram" or item.name.startswith("test_dingtalk_")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name == SOAK_FILE and _soak_on_postgres_of_a_second_runtime(item):
            item.add_marker(pytest.mark.slow)
    items.sort(key=lambda it: it.path.name == SOAK_FILE)  # stable: soaks last, in order

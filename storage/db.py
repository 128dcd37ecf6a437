"""Engine and session setup for SQLite (default) and PostgreSQL.

SQLite gets WAL, foreign keys and a busy timeout so the bot, the CLI and the scheduler
can share one file; a busy database surfaces as DatabaseBusy, which the router turns
into a polite "please try again" instead of a crash or a half-written record.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class DatabaseBusy(RuntimeError):
    """The database stayed locked or unreachable past the timeout."""


def make_engine(url: str, *, busy_timeout_s: float = 10.0) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: a database error must not carry a message's text or a name
        # into an exception and from there into a log
        engine = create_engine(
            url, connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
            hide_parameters=True,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
            # pysqlite starts transactions lazily and not before a SAVEPOINT, so a savepoint
            # taken first would commit on release and survive a later rollback. Take the
            # transaction control away from the driver and emit BEGIN ourselves below.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
            if parsed.database and parsed.database != ":memory:":
                cur.execute("PRAGMA journal_mode=WAL")
                # WAL + NORMAL: a commit survives the process being killed (kill -9), and
                # the file is never corrupted; only an OS crash or power loss can undo the
                # last commits. FULL would fsync every commit: the bot commits 3-4 times
                # per message, and that was most of its time (docs/operations.md).
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:  # type: ignore[no-untyped-def]
            # IMMEDIATE: take the write lock up front. A deferred transaction that read
            # first cannot upgrade once another writer committed (SQLite answers "busy"
            # at once, without waiting), so concurrent writers would fail instead of queue.
            # Read-only sessions (Database.read) begin deferred and never wait for writers.
            if conn.get_execution_options().get("read_only"):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pool_pre_ping: it costs a round trip at every checkout (three per update). A
    # connection that died while pooled (the server restarted) fails its first statement
    # instead; SQLAlchemy then drops the whole pool, and the failure is transient to the
    # inbox and the sender, which retry (tests/test_conformance.py: the outage cases).
    return create_engine(url, hide_parameters=True)


class Database:
    """Owns the engine and hands out one transaction per unit of work."""

    def __init__(self, url: str, *, busy_timeout_s: float = 10.0) -> None:
        self.url = url
        self.engine = make_engine(url, busy_timeout_s=busy_timeout_s)
        self.busy_timeout_s = busy_timeout_s
        # SQLite has one writer at a time, and a writer that finds the lock taken polls
        # for it with growing sleeps (up to 100 ms each): under load, most of a reply's
        # time. Writers of this process queue here instead, in order; other processes
        # still meet SQLite's own busy timeout.
        self._write_lock = (threading.RLock()
                            if make_url(url).get_backend_name() == "sqlite" else None)
        self._factory = sessionmaker(self.engine, expire_on_commit=False)
        self._read_factory = sessionmaker(self.engine.execution_options(read_only=True),
                                          expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session inside one transaction: committed on success, rolled back on error."""
        lock = self._write_lock
        if lock is not None and not lock.acquire(timeout=self.busy_timeout_s):
            raise DatabaseBusy("waited too long for this process's other writers")
        s = self._factory()
        try:
            yield s
            s.commit()
        except OperationalError as exc:
            s.rollback()
            if _is_busy(exc):
                raise DatabaseBusy(str(exc)) from exc
            raise
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()
            if lock is not None:
                lock.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only: on SQLite it does not take the write lock, so the
        dispatcher and the sender can look for work while another process writes."""
        s = self._read_factory()
        try:
            yield s
            s.rollback()
        except OperationalError as exc:
            s.rollback()
            if _is_busy(exc):
                raise DatabaseBusy(str(exc)) from exc
            raise
        finally:
            s.close()

    def create_all(self) -> None:
        """Fast schema creation for tests; real databases use `migrate`."""
        from storage.models import Base

        Base.metadata.create_all(self.engine)

    def migrate(self) -> None:
        """Upgrade to the newest schema; a database already there is only looked at.

        `bot.py run` migrates on every start, and loading Alembic's script directory
        costs a quarter of a second of the one second the bot has to start polling."""
        if self.at_heads():
            return
        upgrade(self.url, engine=self.engine)

    def at_heads(self) -> bool:
        """True when the database's revisions are exactly the migration files' heads."""
        heads = script_heads()
        if heads is None:
            return False
        try:
            with self.engine.connect() as conn:
                stored = {r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
        except Exception:  # no table yet (a new database), or unreadable: let Alembic decide
            return False
        return stored == heads

    def dispose(self) -> None:
        self.engine.dispose()


def _is_busy(exc: OperationalError) -> bool:
    text = str(exc).lower()
    return any(s in text for s in ("database is locked", "database is busy", "could not connect",
                                   "connection refused", "lock timeout", "deadlock"))


def alembic_config(url: str):  # type: ignore[no-untyped-def]
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


_REVISION = re.compile(r"^revision\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.M)


def script_heads() -> frozenset[str] | None:
    """The head revisions, read from the migration files without importing Alembic
    (None if a file does not look as expected; the caller then asks Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        src = path.read_text(encoding="utf-8")
        rev, down = _REVISION.search(src), _DOWN.search(src)
        if rev is None or down is None:
            return None
        revisions.add(rev.group(1))
        parents.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = revisions - parents
    return frozenset(heads) if heads and parents <= revisions else None


def upgrade(url: str, *, engine: Engine | None = None, revision: str = "heads") -> None:
    """Bring any database to the newest schema (every feature branch head)."""
    from alembic import command

    cfg = alembic_config(url)
    # Always through make_engine: it creates the SQLite file's folder (data/ on a fresh
    # clone) and sets the same pragmas and transaction handling the bot uses.
    own = engine is None
    engine = engine or make_engine(url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
    finally:
        if own:
            engine.dispose()

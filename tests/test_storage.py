"""Storage on SQLite and PostgreSQL alike: migrations, UTC times, outbox keys, update ids."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, inspect, select

from core import outbox
from core.channel import SendResult
from core.messages import Reply
from storage.db import Database
from storage.models import Base, County, Identity, Member, OutboxMessage, Team, Township, Village


def _seed_member(s) -> Member:  # type: ignore[no-untyped-def]
    c = County(name="县")
    s.add(c)
    s.flush()
    t = Township(county_id=c.id, name="镇")
    s.add(t)
    s.flush()
    v = Village(township_id=t.id, name="村")
    s.add(v)
    s.flush()
    team = Team(name="队", village_id=v.id)
    s.add(team)
    s.flush()
    m = Member(name="张三", role="cadre", team_id=team.id)
    s.add(m)
    s.flush()
    s.add(Identity(platform="telegram", external_id="42", chat_id="42", member_id=m.id))
    s.flush()
    return m


def test_migrations_build_exactly_the_models(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.migrate()
    db.migrate()  # a second run is a no-op, not an error
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}),
                                Base.metadata)
    assert diff == [], f"models and migrations disagree: {diff}"
    assert "outbox" in inspect(db.engine).get_table_names()
    db.dispose()


def test_times_come_back_as_aware_utc(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.create_all()
    when = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    with db.session() as s:
        m = _seed_member(s)
        m.created_at = when
    with db.session() as s:
        got = s.get(Member, m.id).created_at
    assert got == when and got.tzinfo is not None
    db.dispose()


def test_outbox_key_is_queued_once_and_claimed_once(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.create_all()
    now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    with db.session() as s:
        m = _seed_member(s)
        assert outbox.enqueue(s, key="study:2026-12-04:m1", reply=Reply("周五学习"), now=now,
                              member_id=m.id)
        assert not outbox.enqueue(s, key="study:2026-12-04:m1", reply=Reply("周五学习"), now=now,
                                  member_id=m.id)
    first = outbox.claim_next(db, "telegram", now, "w1")
    second = outbox.claim_next(db, "telegram", now, "w2")
    assert first is not None and first.chat_id == "42" and second is None
    outbox.settle(db, first, SendResult("sent"), now, 1, 0)
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1
        assert s.scalar(select(OutboxMessage.status)) == "sent"
    db.dispose()


def test_outbox_crash_mid_send_is_not_resent_and_late_rows_are_missed(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.create_all()
    now = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
    with db.session() as s:
        m = _seed_member(s)
        outbox.enqueue(s, key="a", reply=Reply("甲"), now=now, member_id=m.id)
        outbox.enqueue(s, key="b", reply=Reply("乙"), now=now - timedelta(hours=8), member_id=m.id)
    assert outbox.expire(db, now, timedelta(hours=6)) == 1  # "b" is past the grace period
    claimed = outbox.claim_next(db, "telegram", now, "w1")
    assert claimed is not None and claimed.reply.text == "甲"
    assert outbox.recover(db, "w1", now, timedelta(minutes=5)) == 1  # "w1" crashed holding "a"
    assert outbox.claim_next(db, "telegram", now, "w1") is None
    with db.session() as s:
        status = dict(s.execute(select(OutboxMessage.key, OutboxMessage.status)).all())
    assert status == {"a": "unknown", "b": "missed"}
    db.dispose()


def test_message_to_someone_without_an_account_is_kept_as_undeliverable(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.create_all()
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with db.session() as s:
        m = _seed_member(s)
        m2 = Member(name="李四", role="cadre", team_id=m.team_id)
        s.add(m2)
        s.flush()
        outbox.enqueue(s, key="x", reply=Reply("hi"), now=now, member_id=m2.id)
    with db.session() as s:
        assert s.scalar(select(OutboxMessage.status)) == "undeliverable"
    db.dispose()


def test_a_start_skips_alembic_only_when_the_database_is_at_every_head(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """`bot.py run` migrates on every start; the quick look must never skip a real upgrade."""
    from storage.db import script_heads, upgrade

    url = f"sqlite:///{tmp_path}/old.sqlite3"
    db = Database(url)
    assert not db.at_heads()  # a new database: no alembic_version table yet
    upgrade(url, engine=db.engine, revision="0002_reports")  # an older deployment
    assert not db.at_heads()
    db.migrate()
    assert db.at_heads()
    assert "council_meeting" in inspect(db.engine).get_table_names()
    assert script_heads() is not None and "0010_council" in script_heads()  # type: ignore[operator]
    db.dispose()

"""outbox.enqueue_many: the set-based enqueue a prefecture-wide tick uses, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from core import outbox
from core.messages import Reply
from core.outbox import Outgoing
from storage.db import Database
from storage.models import Identity, Member, OutboxMessage, Villager
from tests.test_storage import _seed_member

NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _rows(db: Database) -> dict[str, tuple[str, str | None, str | None]]:
    with db.session() as s:
        return {r.key: (r.status, r.platform, r.chat_id)
                for r in s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}


def test_batch_resolves_identities_and_skips_known_and_repeated_keys(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.create_all()
    with db.session() as s:
        m = _seed_member(s)  # identity telegram:42
        newer = Member(name="李四", role="cadre", team_id=m.team_id)
        nobody = Member(name="王五", role="cadre", team_id=m.team_id)
        blocked = Member(name="赵六", role="cadre", team_id=m.team_id)
        s.add_all([newer, nobody, blocked])
        s.flush()
        s.add_all([
            Identity(platform="console", external_id="old", chat_id="old", member_id=newer.id,
                     last_seen_at=NOW - timedelta(days=3)),
            Identity(platform="telegram", external_id="new", chat_id="new", member_id=newer.id,
                     last_seen_at=NOW - timedelta(days=1)),
            Identity(platform="telegram", external_id="gone", chat_id="gone", member_id=newer.id,
                     last_seen_at=NOW, blocked_at=NOW),  # latest, but blocked: skipped
            Identity(platform="telegram", external_id="b", chat_id="b", member_id=blocked.id,
                     blocked_at=NOW),
        ])
        outbox.enqueue(s, key="already", reply=Reply("早"), now=NOW, member_id=m.id)
        ids = (m.id, newer.id, nobody.id, blocked.id)
    with db.session() as s:
        got = outbox.enqueue_many(s, [
            Outgoing("already", Reply("又来"), member_id=ids[0]),
            Outgoing("a", Reply("一"), member_id=ids[0]),
            Outgoing("b", Reply("二"), member_id=ids[1]),
            Outgoing("a", Reply("一（重复）"), member_id=ids[1]),
            Outgoing("c", Reply("三"), member_id=ids[2]),
            Outgoing("d", Reply("四"), member_id=ids[3]),
            Outgoing("e", Reply("五"), platform="telegram", chat_id="-100"),
            Outgoing("f", Reply("六"), member_id=ids[0], missed=True),
            Outgoing("g", Reply("七"), member_id=ids[2], missed=True),
        ], NOW)
    assert got == ["a", "b", "c", "d", "e", "f", "g"]
    assert _rows(db) == {
        "already": ("pending", "telegram", "42"),
        "a": ("pending", "telegram", "42"),  # the first of two items with one key wins
        "b": ("pending", "telegram", "new"),  # latest identity that is not blocked
        "c": ("undeliverable", None, None),  # no identity at all
        "d": ("undeliverable", None, None),  # only a blocked identity
        "e": ("pending", "telegram", "-100"),
        "f": ("missed", "telegram", "42"),
        "g": ("undeliverable", None, None),  # undeliverable wins over missed, as in enqueue
    }
    with db.session() as s:
        assert s.scalar(select(OutboxMessage.payload).where(OutboxMessage.key == "a")) == Reply("一").to_payload()
        assert outbox.enqueue_many(s, [Outgoing("a", Reply("一"), member_id=ids[0])], NOW) == []
        assert outbox.enqueue_many(s, [], NOW) == []
    db.dispose()


def test_villagers_and_not_before(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.create_all()
    with db.session() as s:
        m = _seed_member(s)
        v = Villager(name="村民甲", village_id=m.team.village_id)
        s.add(v)
        s.flush()
        s.add(Identity(platform="telegram", external_id="v1", chat_id="v1", villager_id=v.id))
        s.flush()
        later = NOW + timedelta(hours=2)
        outbox.enqueue_many(s, [Outgoing("v", Reply("通知"), villager_id=v.id, not_before=later)], NOW)
    with db.session() as s:
        row = s.scalars(select(OutboxMessage)).one()
        assert (row.chat_id, row.villager_id, row.member_id, row.status) == ("v1", v.id, None, "pending")
        assert row.not_before == later and row.created_at == NOW
    db.dispose()


def test_large_batch_is_a_few_queries_and_keeps_order(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.create_all()
    with db.session() as s:
        m = _seed_member(s)
        items = [Outgoing(f"k{i:04d}", Reply(str(i)), member_id=m.id) for i in range(1200)]
        statements: list[str] = []

        def seen(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", seen)
        assert len(outbox.enqueue_many(s, items, NOW)) == 1200
        event.remove(db.engine, "before_cursor_execute", seen)
    selects = [q for q in statements if q.lstrip().upper().startswith("SELECT")]
    assert len(selects) <= 6, selects  # 3 key batches + 3 identity batches at most
    with db.session() as s:
        keys = list(s.scalars(select(OutboxMessage.key).order_by(OutboxMessage.id)))
    assert keys == [f"k{i:04d}" for i in range(1200)]
    db.dispose()


def test_a_racing_worker_loses_only_its_duplicate(any_db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The unique key is the real guard: if another worker inserted a key between our
    check and our insert, the batch falls back to row-by-row and keeps everything else."""
    db = Database(any_db_url)
    db.create_all()
    with db.session() as s:
        m = _seed_member(s)
        mid = m.id
    real = outbox._existing_keys
    sqlite = db.engine.dialect.name == "sqlite"

    def racing(session, keys):  # type: ignore[no-untyped-def]
        found = real(session, keys)
        row = OutboxMessage(key="r2", payload=Reply("抢先").to_payload(), status="pending",
                            created_at=NOW, not_before=NOW)
        if sqlite:  # SQLite serialises writers, so the rival row is written in-session
            session.add(row)
            session.flush()
        else:  # the other worker commits "r2" right after our check
            with db.session() as other:
                other.add(row)
        return found

    monkeypatch.setattr(outbox, "_existing_keys", racing)
    with db.session() as s:
        got = outbox.enqueue_many(s, [Outgoing(f"r{i}", Reply(str(i)), member_id=mid) for i in range(4)], NOW)
    assert got == ["r0", "r1", "r3"]
    rows = _rows(db)
    assert set(rows) == {"r0", "r1", "r2", "r3"}
    with db.session() as s:
        assert s.scalar(select(OutboxMessage.payload).where(OutboxMessage.key == "r2"))["text"] == "抢先"
    db.dispose()


def test_single_enqueue_treats_a_constraint_violation_as_already_queued(any_db_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    db = Database(any_db_url)
    db.create_all()
    with db.session() as s:
        m = _seed_member(s)
        monkeypatch.setattr(outbox, "_existing_keys", lambda session, keys: set())
        assert outbox.enqueue(s, key="x", reply=Reply("一"), now=NOW, member_id=m.id)
        assert not outbox.enqueue(s, key="x", reply=Reply("二"), now=NOW, member_id=m.id)
    assert list(_rows(db)) == ["x"]
    db.dispose()

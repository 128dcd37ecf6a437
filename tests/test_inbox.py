"""The durable inbox: an update is kept from the moment it is accepted, handled once,
retried while the database is unavailable, and parked (with the administrators told)
when it keeps failing."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from core import inbox
from core.app import lane_of
from core.channel import Received
from core.messages import Incoming, Reply
from core.registry import Command
from services.roles import EVERYONE
from storage.models import AuditEvent, DialogState, InboxUpdate, OutboxMessage
from tests.harness import ChatHarness


def _accept(chat: ChatHarness, msg: Incoming) -> None:
    chat.core.accept(msg.platform, [Received(msg.update_key or "k", lane_of(msg), msg.to_payload(),
                                             chat_id=msg.chat_id)])


def _status(chat: ChatHarness, key: str) -> tuple[str, int]:
    with chat.core.db.session() as s:
        row = s.scalar(select(InboxUpdate).where(InboxUpdate.update_key == key))
        return row.status, row.attempts


def test_a_redelivered_update_is_handled_once(chat: ChatHarness) -> None:
    msg = Incoming(platform="console", user_id="x9", chat_id="x9", text="/help", update_key="1001")
    _accept(chat, msg)
    _accept(chat, msg)  # the platform sent it again (it never heard we had it)
    done = chat.core.process_pending()
    assert len(done) == 1
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(InboxUpdate)) == 1
        replies = s.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == "x9")).all()
    assert len(replies) == 1 and "还没有注册" in replies[0].payload["text"]
    assert replies[0].priority == 0 and replies[0].expires_at is not None


def test_a_locked_database_keeps_the_update_and_writes_nothing_half(chat: ChatHarness) -> None:
    path = make_url(chat.core.settings.database_url).database
    chat.core.db.dispose()
    from sqlalchemy.orm import sessionmaker

    from storage.db import make_engine

    chat.core.db.engine = make_engine(chat.core.settings.database_url, busy_timeout_s=0.2)
    chat.core.db._factory = sessionmaker(chat.core.db.engine, expire_on_commit=False)
    msg = Incoming(platform="console", user_id="x5", chat_id="x5", text="/start ABCD2345",
                   update_key="5")
    _accept(chat, msg)
    locker = sqlite3.connect(path)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        assert chat.core.process_pending() == []  # nothing processed, nothing lost
    finally:
        locker.rollback()
        locker.close()
    assert _status(chat, "5")[0] == "pending"
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(DialogState)) == 0
        s.execute(InboxUpdate.__table__.update().values(not_before=chat.clock.now()))
    done = chat.core.process_pending()
    assert len(done) == 1 and _status(chat, "5")[0] == "done"
    assert "注册码" in done[0].outcome.replies[0].text


def test_a_failing_step_rolls_back_is_retried_and_then_parked_for_the_admins(chat: ChatHarness) -> None:
    calls = []

    def boom(ctx, args):  # type: ignore[no-untyped-def]
        calls.append(1)
        ctx.audit("about to fail")  # written inside the step: must be rolled back too
        raise RuntimeError("disk on fire")

    chat.core.registry.command(Command("boom", "test", EVERYONE, run=boom, allow_unregistered=True))
    msg = Incoming(platform="console", user_id="cadre1", chat_id="cadre1", text="/boom",
                   update_key="4242")
    _accept(chat, msg)
    for attempt in range(1, inbox.MAX_ATTEMPTS + 1):
        chat.core.process_pending()
        assert _status(chat, "4242") == ("pending" if attempt < inbox.MAX_ATTEMPTS else "parked",
                                         attempt)
        chat.clock.advance(timedelta(seconds=inbox.backoff(attempt) + 1))
    chat.core.process_pending()
    assert len(calls) == inbox.MAX_ATTEMPTS  # parked: never retried again
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "about to fail")) == 0
        notes = {r.key: r for r in s.scalars(select(OutboxMessage)
                                             .where(OutboxMessage.key.like("parked:%")))}
    admin_note = next(r for k, r in notes.items() if k.endswith(":user") is False)
    assert "反复处理失败" in admin_note.payload["text"] and "/boom" not in admin_note.payload["text"]
    assert "转给管理员" in notes[next(k for k in notes if k.endswith(":user"))].payload["text"]


def test_a_later_update_of_the_same_person_waits_for_the_earlier_one(chat: ChatHarness) -> None:
    def boom(ctx, args):  # type: ignore[no-untyped-def]
        raise RuntimeError("first fails")

    chat.core.registry.command(Command("boom", "test", EVERYONE, run=boom, allow_unregistered=True))
    first = Incoming(platform="console", user_id="x7", chat_id="x7", text="/boom", update_key="a1")
    second = Incoming(platform="console", user_id="x7", chat_id="x7", text="/help", update_key="a2")
    other = Incoming(platform="console", user_id="x8", chat_id="x8", text="/help", update_key="b1")
    for m in (first, second, other):
        _accept(chat, m)
    chat.core.process_pending()
    assert _status(chat, "a1") == ("pending", 1)
    assert _status(chat, "a2") == ("pending", 0)  # held back: order within a person
    assert _status(chat, "b1")[0] == "done"  # another person is not held up


def test_an_administrator_lists_and_requeues_a_parked_update(chat: ChatHarness) -> None:
    broken = {"on": True}

    def flaky(ctx, args):  # type: ignore[no-untyped-def]
        if broken["on"]:
            raise RuntimeError("bug, fixed later")
        return [Reply("修好了")]

    chat.core.registry.command(Command("flaky", "test", EVERYONE, run=flaky, allow_unregistered=True))
    msg = Incoming(platform="console", user_id="x3", chat_id="x3", text="/flaky", update_key="77")
    _accept(chat, msg)
    for attempt in range(1, inbox.MAX_ATTEMPTS + 1):
        chat.core.process_pending()
        chat.clock.advance(timedelta(seconds=inbox.backoff(attempt) + 1))
    rows = inbox.parked(chat.core.db)
    assert [(r.key, r.attempts, r.error) for r in rows] == [("77", inbox.MAX_ATTEMPTS, "RuntimeError")]
    broken["on"] = False
    assert inbox.retry_parked(chat.core.db, rows[0].id, chat.clock.now())
    assert not inbox.retry_parked(chat.core.db, rows[0].id, chat.clock.now())  # pending now
    done = chat.core.process_pending()
    assert done[0].outcome.replies[0].text == "修好了" and inbox.parked(chat.core.db) == []


def test_handle_answers_a_new_update_and_drops_its_redelivery_on_every_database(any_db_url: str) -> None:
    """`store` counts what it really inserted (on PostgreSQL too, where the driver gives no
    row count for this INSERT): a new update is answered, the same key again is not."""
    from core.app import BotCore
    from services.config import Settings

    core = BotCore.create(Settings(database_url=any_db_url, reminders_seed_defaults=False))
    msg = Incoming(platform="console", user_id="stranger", chat_id="stranger", text="/help",
                   update_key="u-1")
    first = core.handle(msg)
    assert not first.duplicate and first.replies and "注册" in first.replies[0].text
    again = core.handle(Incoming(platform="console", user_id="stranger", chat_id="stranger",
                                 text="/help", update_key="u-1"))
    assert again.duplicate and not again.replies
    core.db.dispose()

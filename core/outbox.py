"""The delivery outbox: every notification to someone other than the sender goes here.

Rules it enforces (DESIGN: "exactly once to the user"):
- a row's key names what, which occurrence and whom; a second enqueue of the same key
  is a no-op, so a retried tick, a restart or a second worker never queues it twice;
- rows are written in the caller's transaction, so a leave approval and its notice
  are committed or rolled back together;
- a worker claims rows (pending -> sending) before sending; a row left in `sending`
  by a crash is marked `unknown` at the next start instead of being sent again,
  because resending could duplicate a message the user already has.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.messages import Reply
from storage.db import Database
from storage.models import Identity, OutboxMessage

log = logging.getLogger(__name__)
T = TypeVar("T")


BATCH = 500  # keys / ids per IN (...) list: well inside SQLite's and PostgreSQL's limits


@dataclass(frozen=True)
class Outgoing:
    """One message to queue: to a person (member or villager) or straight to a chat."""

    key: str
    reply: Reply
    member_id: int | None = None
    villager_id: int | None = None
    platform: str | None = None
    chat_id: str | None = None
    not_before: datetime | None = None
    missed: bool = False


def _chunks(seq: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(seq), BATCH):
        yield seq[i:i + BATCH]


def _latest_identities(session: Session, column: Any, ids: set[int]) -> dict[int, tuple[str, str]]:
    """Person id -> (platform, chat_id) of their most recently seen identity not blocked
    (on a tie, the older identity, as the one-row query returned on SQLite)."""
    out: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(sorted(ids)):
        rows = session.execute(
            select(column, Identity.platform, Identity.chat_id)
            .where(Identity.blocked_at.is_(None), column.in_(chunk))
            .order_by(Identity.last_seen_at.desc(), Identity.id))
        for pid, platform, chat_id in rows:
            out.setdefault(pid, (platform, chat_id))
    return out


def _existing_keys(session: Session, keys: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(keys):
        found.update(session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(chunk))))
    return found


def _insert(session: Session, rows: list[dict[str, Any]]) -> list[str]:
    """Insert a batch; if a racing worker queued one of the keys meanwhile, the unique
    constraint refuses the batch and we retry row by row, each in its own savepoint."""
    try:
        with session.begin_nested():
            session.execute(insert(OutboxMessage), rows)
        return [r["key"] for r in rows]
    except IntegrityError:
        pass
    done = []
    for row in rows:
        try:
            with session.begin_nested():
                session.execute(insert(OutboxMessage), [row])
            done.append(row["key"])
        except IntegrityError:  # another worker queued the same key a moment ago
            continue
    return done


def enqueue_many(session: Session, items: Iterable[Outgoing], now: datetime) -> list[str]:
    """Queue many messages with a handful of queries; returns the keys newly queued.

    Same rules as `enqueue`, set-based so a prefecture-wide tick stays cheap: a key
    already in the outbox (or repeated in `items`: the first wins) is skipped; people
    are resolved to their latest unblocked identity in one query per batch, and
    someone without one gets an `undeliverable` row; rows keep the order of `items`,
    which is the order they are delivered in.
    """
    todo: dict[str, Outgoing] = {}
    for it in items:
        todo.setdefault(it.key, it)
    if not todo:
        return []
    present = _existing_keys(session, list(todo))
    fresh = [it for k, it in todo.items() if k not in present]
    members = _latest_identities(session, Identity.member_id,
                                 {it.member_id for it in fresh if it.chat_id is None and it.member_id})
    villagers = _latest_identities(session, Identity.villager_id,
                                   {it.villager_id for it in fresh if it.chat_id is None
                                    and not it.member_id and it.villager_id})
    rows: list[dict[str, Any]] = []
    for it in fresh:
        platform, chat_id, status = it.platform, it.chat_id, "pending"
        if chat_id is None:
            found = members.get(it.member_id) if it.member_id else villagers.get(it.villager_id or 0)
            if found is None:
                status = "undeliverable"
            else:
                platform, chat_id = found
        if it.missed and status == "pending":
            status = "missed"
        rows.append({"key": it.key, "platform": platform, "chat_id": chat_id,
                     "member_id": it.member_id, "villager_id": it.villager_id,
                     "payload": it.reply.to_payload(), "status": status, "attempts": 0,
                     "created_at": now, "not_before": it.not_before or now})
    queued: list[str] = []
    for chunk in _chunks(rows):
        queued += _insert(session, list(chunk))
    return queued


def enqueue(session: Session, *, key: str, reply: Reply, now: datetime,
            member_id: int | None = None, villager_id: int | None = None,
            platform: str | None = None, chat_id: str | None = None,
            not_before: datetime | None = None, missed: bool = False) -> bool:
    """Queue a message for a person (resolved to their latest identity) or a chat.

    Returns False when the key was already queued: the caller need not care.
    `missed=True` records a reminder that fell due too long ago (bot was down past the
    grace period): the row keeps its key, so it is never sent later, and shows what
    was lost.
    """
    item = Outgoing(key=key, reply=reply, member_id=member_id, villager_id=villager_id,
                    platform=platform, chat_id=chat_id, not_before=not_before, missed=missed)
    return bool(enqueue_many(session, [item], now))


@dataclass
class SendResult:
    status: str  # "sent" | "blocked" | "retry" | "failed"
    retry_after: float = 0.0
    error: str | None = None


def recover_interrupted(db: Database, now: datetime) -> int:
    """Rows a crashed worker left half-sent become `unknown`, never resent blindly."""
    with db.session() as s:
        res = s.execute(
            update(OutboxMessage).where(OutboxMessage.status == "sending")
            .values(status="unknown", error="worker stopped while sending")
        )
        return res.rowcount or 0


def claim(db: Database, platform: str, now: datetime, limit: int = 50,
          grace: timedelta | None = None) -> list[tuple[int, str, Reply, int | None]]:
    """Take due rows for this platform; rows older than the grace period are `missed`."""
    with db.session() as s:
        if grace is not None:
            s.execute(
                update(OutboxMessage)
                .where(OutboxMessage.platform == platform, OutboxMessage.status == "pending",
                       OutboxMessage.not_before < now - grace)
                .values(status="missed")
            )
        q = (select(OutboxMessage)
             .where(OutboxMessage.platform == platform, OutboxMessage.status == "pending",
                    OutboxMessage.not_before <= now)
             .order_by(OutboxMessage.id).limit(limit))
        if s.bind is not None and s.bind.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        rows = list(s.scalars(q))
        for r in rows:
            r.status, r.claimed_at, r.attempts = "sending", now, r.attempts + 1
        return [(r.id, r.chat_id or "", Reply.from_payload(r.payload), r.member_id) for r in rows]


def settle(db: Database, row_id: int, result: SendResult, now: datetime) -> None:
    with db.session() as s:
        row = s.get(OutboxMessage, row_id)
        if row is None:
            return
        if result.status == "sent":
            row.status, row.sent_at = "sent", now
        elif result.status == "retry":
            row.status = "pending"
            row.not_before = now + timedelta(seconds=max(result.retry_after, 1))
        elif result.status == "blocked":
            row.status, row.error = "blocked", result.error
            s.execute(update(Identity).where(Identity.platform == row.platform,
                                             Identity.chat_id == row.chat_id)
                      .values(blocked_at=now))
        else:
            row.status = "failed" if row.attempts >= 5 else "pending"
            row.error = result.error
            row.not_before = now + timedelta(seconds=30 * row.attempts)


def deliver(db: Database, platform: str, send: Callable[[str, Reply], SendResult],
            now: datetime, grace: timedelta | None = None) -> int:
    """Send every due row for a synchronous channel (console, tests). Returns rows sent."""
    sent = 0
    while batch := claim(db, platform, now, grace=grace):
        for row_id, chat_id, reply, _ in batch:
            result = send(chat_id, reply)
            settle(db, row_id, result, now)
            sent += result.status == "sent"
        if len(batch) < 50:
            break
    return sent


async def deliver_async(db: Database, platform: str,
                        send: Callable[[str, Reply], Awaitable[SendResult]],
                        now: Callable[[], datetime], grace: timedelta | None = None) -> int:
    """The same for an asynchronous channel (Telegram); the rate limiter paces `send`."""
    import asyncio

    sent = 0
    while batch := await asyncio.to_thread(claim, db, platform, now(), 50, grace):
        for row_id, chat_id, reply, _ in batch:
            result = await send(chat_id, reply)
            await asyncio.to_thread(settle, db, row_id, result, now())
            sent += result.status == "sent"
        if len(batch) < 50:
            break
    return sent

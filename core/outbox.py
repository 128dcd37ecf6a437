"""The delivery outbox: every message the bot says goes here first, replies included.

Rules it enforces (DESIGN: "exactly once to the user"):
- a row's key names what, which occurrence and whom; a second enqueue of the same key
  is a no-op, so a retried tick, a restart or a second worker never queues it twice;
- rows are written in the caller's transaction, so a leave approval and its notice
  (or an update and its reply) are committed or rolled back together;
- a sender claims one row at a time (pending -> sending) just before sending it and
  settles it right after, so after a crash only the message really in flight is left
  in `sending`; it becomes `unknown` and is never sent again, because resending could
  give the user a message twice;
- messages to one chat leave in the order they were queued: only the oldest unsettled
  row of a chat can be claimed;
- a row still unsent past its expiry (replies: minutes; reminders: OUTBOX_GRACE_HOURS)
  is recorded as `missed` instead of arriving as stale news.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.channel import SendResult
from core.messages import Reply
from storage.db import Database
from storage.models import Identity, OutboxMessage

log = logging.getLogger(__name__)
T = TypeVar("T")


BATCH = 500  # keys / ids per IN (...) list: well inside SQLite's and PostgreSQL's limits
REPLY, NOTICE, BULK = 0, 1, 2  # priorities: a person waiting for an answer goes first


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
    priority: int = NOTICE
    expires_at: datetime | None = None


def _chunks(seq: Sequence[T]) -> Iterator[Sequence[T]]:
    for i in range(0, len(seq), BATCH):
        yield seq[i:i + BATCH]


def _latest_identities(session: Session, column: Any, ids: set[int]) -> dict[int, tuple[str, str]]:
    """Person id -> (platform, chat_id) of the identity they chose (接收平台), else the one
    they used last, never a blocked one (on a tie, the older identity)."""
    out: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(sorted(ids)):
        rows = session.execute(
            select(column, Identity.platform, Identity.chat_id)
            .where(Identity.blocked_at.is_(None), column.in_(chunk))
            .order_by(Identity.preferred.desc(), Identity.last_seen_at.desc(), Identity.id))
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
                     "created_at": now, "not_before": it.not_before or now,
                     "priority": it.priority, "expires_at": it.expires_at,
                     "parts_done": 0, "parts_skipped": 0})
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


@dataclass(frozen=True)
class Job:
    """A claimed row: one reply to deliver, possibly resumed after some of its parts."""

    id: int
    chat_id: str
    reply: Reply
    parts_done: int
    parts_skipped: int
    attempts: int
    priority: int


@dataclass(frozen=True)
class Outcome:
    """What became of a delivered row, to be written with the next claim."""

    job: Job
    result: SendResult
    parts_done: int
    parts_skipped: int
    at: datetime


def claim_next(db: Database, platform: str, now: datetime, worker: str,
               exclude_chats: Sequence[str] = (), paced_chats: Sequence[str] = (),
               settle: Outcome | None = None) -> Job | None:
    """Claim the most urgent row whose chat has nothing older still unsettled, writing
    the previous row's outcome in the same transaction (one commit per message).

    `exclude_chats` get nothing now (in flight, or a group at its limit); `paced_chats`
    (private chats that had their share) still get replies, nothing sent unasked."""
    with db.session() as s:
        if settle is not None:
            _settle(s, settle)
        return _claim(s, platform, now, worker, exclude_chats, paced_chats)


_O = OutboxMessage.__table__
_OLDER = OutboxMessage.__table__.alias("older")
_WAITING = (select(_OLDER.c.id).where(_OLDER.c.platform == _O.c.platform,
                                     _OLDER.c.chat_id == _O.c.chat_id, _OLDER.c.id < _O.c.id,
                                     _OLDER.c.status.in_(("pending", "sending"))).exists())
_CLAIMABLE = (select(_O.c.id)
              .where(_O.c.platform == bindparam("on_platform"), _O.c.status == "pending",
                     _O.c.not_before <= bindparam("now"), ~_WAITING)
              .order_by(_O.c.priority, _O.c.id).limit(1))
_JOB = (_O.c.id, _O.c.chat_id, _O.c.payload, _O.c.parts_done, _O.c.parts_skipped,
        _O.c.attempts, _O.c.priority)


def _take(pick):  # type: ignore[no-untyped-def]
    """Claim the row `pick` chooses and read it, in one statement (UPDATE ... RETURNING)."""
    return (update(_O).where(_O.c.id == pick.correlate(None).scalar_subquery())
            .values(status="sending", claimed_at=bindparam("now"), claimed_by=bindparam("worker"),
                    attempts=_O.c.attempts + 1)
            .returning(*_JOB))


# the usual claim (no chat excluded or paced), built once per dialect
_TAKE = {"sqlite": _take(_CLAIMABLE),
         "postgresql": _take(_CLAIMABLE.with_for_update(skip_locked=True, of=_O))}


def _claim(s: Session, platform: str, now: datetime, worker: str,
           exclude_chats: Sequence[str], paced_chats: Sequence[str]) -> Job | None:
    conn = s.connection()
    pg = conn.dialect.name == "postgresql"
    if exclude_chats or paced_chats:
        q = _CLAIMABLE
        if exclude_chats:
            q = q.where(_O.c.chat_id.not_in(list(exclude_chats)))
        if paced_chats:
            q = q.where(or_(_O.c.priority == REPLY, _O.c.chat_id.not_in(list(paced_chats))))
        stmt = _take(q.with_for_update(skip_locked=True, of=_O) if pg else q)
    else:
        stmt = _TAKE["postgresql" if pg else "sqlite"]
    row = conn.execute(stmt, {"on_platform": platform, "now": now, "worker": worker}).first()
    if row is None:
        return None
    return Job(row.id, row.chat_id or "", Reply.from_payload(row.payload), row.parts_done,
               row.parts_skipped, row.attempts, row.priority)


def progress(db: Database, job_id: int, parts_done: int, parts_skipped: int) -> None:
    """Some parts of a reply are out: a retry or a crash resumes after them."""
    with db.session() as s:
        s.execute(update(OutboxMessage).where(OutboxMessage.id == job_id)
                  .values(parts_done=parts_done, parts_skipped=parts_skipped))


def retry_delay(result: SendResult, attempts: int) -> float:
    """The platform's retry_after when it gave one (429), else exponential backoff."""
    if result.retry_after is not None:
        return max(0.0, result.retry_after)
    return min(60.0, 0.5 * 2 ** max(0, attempts - 1))


def settle(db: Database, job: Job, result: SendResult, now: datetime, parts_done: int,
           parts_skipped: int) -> None:
    """Record what became of a claimed row (its own short transaction)."""
    with db.session() as s:
        _settle(s, Outcome(job, result, parts_done, parts_skipped, now))


# one UPDATE by id per kind of outcome, built once
_BY_ID = update(_O).where(_O.c.id == bindparam("row_id"))
_PARTS = {"parts_done": bindparam("done"), "parts_skipped": bindparam("skipped"),
          "error": bindparam("why")}
_SETTLE_SENT = _BY_ID.values(status="sent", sent_at=bindparam("now"),
                             message_id=bindparam("msg_id"), **_PARTS)
_SETTLE_RETRY = _BY_ID.values(status="pending", not_before=bindparam("due"), **_PARTS)
_SETTLE_ENDED = _BY_ID.values(status=bindparam("ended"), **_PARTS)


def _settle(s: Session, o: Outcome) -> None:
    """One UPDATE by id (and the person's identity when they blocked the bot)."""
    result, now, job = o.result, o.at, o.job
    params: dict[str, Any] = {"row_id": job.id, "done": o.parts_done,
                              "skipped": o.parts_skipped,
                              "why": result.error[:500] if result.error else None}
    if result.status in ("sent", "skipped"):
        stmt = _SETTLE_SENT
        params.update(now=now, msg_id=result.message_id)
    elif result.status == "retry":
        stmt = _SETTLE_RETRY
        params["due"] = now + timedelta(seconds=retry_delay(result, job.attempts))
    else:  # blocked | failed | unknown
        stmt = _SETTLE_ENDED
        params["ended"] = result.status
    conn = s.connection()
    conn.execute(stmt, params)
    if result.status == "blocked":
        platform = conn.execute(select(_O.c.platform).where(_O.c.id == job.id)).scalar()
        conn.execute(update(Identity.__table__)
                     .where(Identity.__table__.c.platform == platform,
                            Identity.__table__.c.chat_id == job.chat_id)
                     .values(blocked_at=now))


def recover(db: Database, worker: str, now: datetime, lease: timedelta, *,
            own: bool = True) -> int:
    """Rows a crashed sender left in flight become `unknown`, never resent blindly.

    At a worker's start (`own`), its own rows from before the restart at once; later,
    periodically, another worker's rows once their claim is older than the lease (that
    worker died and did not come back)."""
    mine = OutboxMessage.claimed_by == worker
    stale = and_(OutboxMessage.claimed_at < now - lease, ~mine)
    with db.session() as s:
        res = s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "sending",
                   or_(mine, OutboxMessage.claimed_by.is_(None), stale) if own else stale)
            .values(status="unknown", error="sender stopped while sending"))
        return res.rowcount or 0


def release_orphans(db: Database, worker: str, platform: str, keep: Iterable[int]) -> int:
    """Rows this worker holds as `sending` that no sender of it is sending: a claim whose
    commit reached the database while its answer was lost (a connection reset during
    COMMIT). They were never handed to the platform, so they go back in line."""
    keep = sorted(set(keep))
    with db.session() as s:
        q = (update(OutboxMessage)
             .where(OutboxMessage.status == "sending", OutboxMessage.claimed_by == worker,
                    OutboxMessage.platform == platform))
        if keep:
            q = q.where(OutboxMessage.id.not_in(keep))
        res = s.execute(q.values(status="pending", claimed_by=None))
        return res.rowcount or 0


def expire(db: Database, now: datetime, grace: timedelta) -> int:
    """Pending rows past their expiry (or, without one, older than the grace) are missed."""
    with db.session() as s:
        res = s.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == "pending",
                   or_(OutboxMessage.expires_at < now,
                       and_(OutboxMessage.expires_at.is_(None),
                            OutboxMessage.not_before < now - grace)))
            .values(status="missed"))
        return res.rowcount or 0


def deliver_sync(db: Database, platform: str, send: Callable[[Job], SendResult],
                 now: datetime, worker: str, grace: timedelta) -> int:
    """Deliver every due row for a synchronous channel (console, tests): claim, send,
    settle, one row at a time. Returns rows sent."""
    expire(db, now, grace)
    sent = 0
    while (job := claim_next(db, platform, now, worker)) is not None:
        result = send(job)
        settle(db, job, result, now, job.parts_done, job.parts_skipped)
        sent += result.status == "sent"
    return sent

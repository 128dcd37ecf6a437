"""The durable inbox: accepted means kept.

A channel hands every update to `store` before it tells the platform the update arrived
(the polling offset moves, the webhook answers 200). Processing reads from here, one
update per transaction: the router's effects, the replies (as outbox rows) and the
"done" mark commit together, so a crash at any moment either leaves the update pending
(it is processed again, from scratch) or done (never again).

Updates of one lane (one person on one platform) are processed in arrival order; other
lanes run concurrently. A transient failure (database down, busy, lock timeout) is
retried with backoff; an update that keeps failing is parked and reported to the
administrators instead of being retried forever.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from core import outbox
from core import text as T
from core.channel import Received
from core.messages import Incoming, Reply
from core.router import Outcome, Refused, Router
from services.errors import UserError
from services.roles import Role
from storage.db import Database, DatabaseBusy
from storage.models import Identity, InboxUpdate, Member, OutboxMessage

log = logging.getLogger(__name__)

# An error in the code or a poisonous update: a few tries (it might have been a fluke),
# then park. A transient error (database unavailable or locked) gets more patience.
MAX_ATTEMPTS = 3
MAX_TRANSIENT_ATTEMPTS = 8
BACKOFF_CAP_S = 60.0


class Poison(Exception):
    """The stored update cannot be parsed: retrying will not help."""


def is_transient(exc: BaseException) -> bool:
    """A failure of the database, not of this update: worth retrying."""
    if isinstance(exc, DatabaseBusy | sa_exc.OperationalError | sa_exc.InterfaceError
                  | sa_exc.TimeoutError | sa_exc.DisconnectionError):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and bool(exc.connection_invalidated)


def backoff(attempts: int) -> float:
    return min(BACKOFF_CAP_S, 2.0 ** max(0, attempts - 1))


@dataclass(frozen=True)
class Head:
    """A pending update, as the dispatcher sees it."""

    id: int
    platform: str
    key: str
    lane: str
    payload: dict[str, Any]
    busy_told: bool
    not_before: datetime | None = None


def pending(db: Database, platforms: list[str], limit: int) -> list[Head]:
    """The oldest pending updates, in order. Being the lowest ids, they hold every lane's
    head among them, and each lane's later updates follow it: the dispatcher can run a
    lane's next update as soon as the one before is done, without asking again."""
    with db.read() as s:
        rows = s.execute(
            select(InboxUpdate.id, InboxUpdate.platform, InboxUpdate.update_key,
                   InboxUpdate.lane, InboxUpdate.payload, InboxUpdate.busy_told,
                   InboxUpdate.not_before)
            .where(InboxUpdate.status == "pending", InboxUpdate.platform.in_(platforms))
            .order_by(InboxUpdate.id).limit(limit)).all()
    return [Head(*r) for r in rows]


# Built once per dialect: an executemany of the same statement is compiled once and
# cached, where `.values(rows)` compiled a new statement for every batch size.
_STORE = {name: (ins(InboxUpdate.__table__)
                 .on_conflict_do_nothing(index_elements=["platform", "update_key"])
                 .returning(InboxUpdate.__table__.c.id, InboxUpdate.__table__.c.update_key))
          for name, ins in (("postgresql", pg_insert), ("sqlite", sqlite_insert))}


def store(db: Database, platform: str, batch: list[Received], now: datetime) -> list[Head]:
    """Store a batch in one transaction; the new rows as the dispatcher sees them, in id
    order (redelivered keys are dropped), so it can queue them without reading them back.

    The new rows are told apart by RETURNING: psycopg reports no rowcount for an INSERT
    ... ON CONFLICT DO NOTHING of many rows, so on PostgreSQL a count said every new
    update was a duplicate."""
    if not batch:
        return []
    rows = [{"platform": platform, "update_key": r.key[:64], "lane": r.lane[:96],
             "payload": r.payload, "status": "pending", "attempts": 0, "received_at": now,
             "not_before": now, "busy_told": False} for r in batch]
    with db.session() as s:
        conn = s.connection()
        new = {key: row_id for row_id, key in conn.execute(_STORE[conn.dialect.name], rows)}
    by_key = {row["update_key"]: row for row in rows}
    return sorted((Head(row_id, platform, key, by_key[key]["lane"], by_key[key]["payload"],
                        False, now) for key, row_id in new.items()), key=lambda h: h.id)


def heads(db: Database, platforms: list[str], now: datetime, limit: int) -> list[Head]:
    """The oldest pending update of each lane that is due, oldest lanes first.

    Only a lane's first pending update is ever eligible, so its later updates wait even
    while the first is in backoff: a person's messages are never handled out of order.
    """
    with db.read() as s:
        first = (select(func.min(InboxUpdate.id))
                 .where(InboxUpdate.status == "pending", InboxUpdate.platform.in_(platforms))
                 .group_by(InboxUpdate.lane).scalar_subquery())
        rows = s.execute(
            select(InboxUpdate.id, InboxUpdate.platform, InboxUpdate.update_key,
                   InboxUpdate.lane, InboxUpdate.payload, InboxUpdate.busy_told)
            .where(InboxUpdate.id.in_(first), InboxUpdate.not_before <= now)
            .order_by(InboxUpdate.id).limit(limit)).all()
    return [Head(*r) for r in rows]


@dataclass
class Processed:
    msg: Incoming | None
    outcome: Outcome | None


Parser = Callable[[str, dict[str, Any]], Incoming | None]


# The hot path's statements, built once: every update runs them (plain Core on the
# session's connection; the ORM's unit of work is for the features, not for this loop).
_I = InboxUpdate.__table__
_EARLIER = _I.alias("earlier")
_BEHIND = (select(_EARLIER.c.id).where(_EARLIER.c.lane == _I.c.lane,
                                       _EARLIER.c.status == "pending",
                                       _EARLIER.c.id < _I.c.id).exists())
# the row, and whether an earlier update of its lane still waits, in one query
_ROW = (select(_I.c.id, _I.c.platform, _I.c.lane, _I.c.payload, _I.c.status,
               _BEHIND.label("behind"))
        .where(_I.c.id == bindparam("row_id")))
_ROW_LOCKED = _ROW.with_for_update(skip_locked=True, of=_I)
_DONE = (update(_I).where(_I.c.id == bindparam("row_id"))
         .values(status="done", done_at=bindparam("now"), error=None))
_REPLY = insert(OutboxMessage.__table__)


def process(db: Database, router: Router, parse: Parser, row_id: int, now: datetime,
            reply_grace: timedelta, *, queue: bool = True) -> Processed | None:
    """Handle one stored update in one transaction; None if it was not pending any more
    (another worker took it) or an older update of its lane still waits. Raises on
    failure, having changed nothing. A refused step is rolled back whole and its refusal
    recorded in a second transaction (Router.route says why)."""
    try:
        return _process(db, router, parse, row_id, now, reply_grace, queue, None)
    except Refused as refused:
        return _process(db, router, parse, row_id, now, reply_grace, queue, refused.error)


def _process(db: Database, router: Router, parse: Parser, row_id: int, now: datetime,
             reply_grace: timedelta, queue: bool, refusal: UserError | None) -> Processed | None:
    with db.session() as s:
        conn = s.connection()
        pg = conn.dialect.name == "postgresql"
        row = conn.execute(_ROW_LOCKED if pg else _ROW, {"row_id": row_id}).first()
        if row is None or row.status != "pending" or row.behind:
            return None
        try:
            msg = parse(row.platform, row.payload)
        except Exception as exc:
            raise Poison(type(exc).__name__) from exc
        outcome = None
        if msg is not None:
            outcome = router.route(s, msg) if refusal is None else router.refuse(s, msg, refusal)
            if queue and outcome.replies:
                s.flush()  # the router's own changes first, then ours on the same connection
                queue_replies(conn, row_id, msg, outcome.replies, now, reply_grace)
        s.flush()
        conn.execute(_DONE, {"row_id": row_id, "now": now})
    return Processed(msg, outcome)


def queue_replies(conn: Connection, row_id: int, msg: Incoming, replies: list[Reply],
                  now: datetime, grace: timedelta) -> None:
    """Replies to the sender are outbox rows like any other message, first in line.

    Their keys name this inbox row, which is handled once, so they cannot exist yet: a
    plain insert, without the look-up and savepoint other messages need."""
    conn.execute(_REPLY, [
        {"key": f"re:{row_id}:{i}", "platform": msg.platform, "chat_id": msg.chat_id,
         "member_id": None, "villager_id": None, "payload": r.to_payload(),
         "status": "pending", "priority": outbox.REPLY, "attempts": 0, "created_at": now,
         "not_before": now, "expires_at": now + grace, "claimed_at": None,
         "claimed_by": None, "parts_done": 0, "parts_skipped": 0, "sent_at": None,
         "message_id": None, "error": None} for i, r in enumerate(replies)])


@dataclass(frozen=True)
class Failure:
    parked: bool
    tell_busy: bool  # first transient failure of this update: say 系统有点忙 once
    retry_at: datetime


def record_failure(db: Database, parse: Parser, row_id: int, exc: BaseException,
                   now: datetime) -> Failure:
    """Count the failure, schedule the retry or park the update (own transaction).

    Raises if the database is unreachable; the caller then backs off in memory.
    """
    transient = is_transient(exc)
    with db.session() as s:
        row = s.get(InboxUpdate, row_id)
        if row is None or row.status != "pending":
            return Failure(False, False, now)
        row.attempts += 1
        row.error = type(exc).__name__[:64]
        limit = MAX_TRANSIENT_ATTEMPTS if transient else MAX_ATTEMPTS
        tell = transient and not row.busy_told
        if transient:
            row.busy_told = True
        if isinstance(exc, Poison) or row.attempts >= limit:
            park(s, parse, row, now)
            return Failure(True, False, now)
        row.not_before = now + timedelta(seconds=backoff(row.attempts))
        return Failure(False, tell, row.not_before)


def park(s: Session, parse: Parser, row: InboxUpdate, now: datetime) -> None:
    """Stop retrying; tell the county's administrators (no message text) and the sender."""
    row.status, row.done_at = "parked", now
    kind, msg = "未知", None
    try:
        msg = parse(row.platform, row.payload)
    except Exception:
        kind = "无法解析"
    if msg is not None:
        kind = ("按钮" if msg.callback else "命令" if msg.command else "位置" if msg.location
                else "照片" if msg.photos else "文字" if msg.text else "其他")
    admins = _admins_for(s, row.platform, msg.user_id if msg else None)
    note = Reply(T.PARKED_ADMIN.format(attempts=row.attempts, id=row.id,
                                       key=f"{row.platform}/{row.update_key}",
                                       kind=kind, error=row.error or "?"))
    items = [outbox.Outgoing(key=f"parked:{row.id}:m{a}", reply=note, member_id=a) for a in admins]
    if msg is not None:
        items.append(outbox.Outgoing(key=f"parked:{row.id}:user", reply=Reply(T.PARKED_USER),
                                     platform=row.platform, chat_id=msg.chat_id,
                                     priority=outbox.REPLY))
    outbox.enqueue_many(s, items, now)
    log.error("parked update %s/%s after %d attempts (%s)", row.platform, row.update_key,
              row.attempts, row.error)


def _admins_for(s: Session, platform: str, user_id: str | None) -> list[int]:
    """Administrators of the sender's county, or every administrator if unknown."""
    q = select(Member.id).where(Member.role == Role.ADMIN.value, Member.active.is_(True))
    county = None
    if user_id is not None:
        ident = s.scalar(select(Identity).where(Identity.platform == platform,
                                                Identity.external_id == user_id))
        if ident is not None and ident.member_id is not None:
            m = s.get(Member, ident.member_id)
            if m is not None:
                county = m.county_id or (m.team.village.township.county_id if m.team else None)
    ids = list(s.scalars(q.where(Member.county_id == county))) if county else []
    return ids or list(s.scalars(q))


def prune(db: Database, now: datetime, keep: timedelta = timedelta(days=7)) -> int:
    """Forget handled updates older than any platform could redeliver (with margin)."""
    with db.session() as s:
        res = s.execute(delete(InboxUpdate).where(InboxUpdate.status == "done",
                                                  InboxUpdate.done_at < now - keep))
        return res.rowcount or 0


@dataclass(frozen=True)
class ParkedRow:
    id: int
    platform: str
    key: str
    attempts: int
    error: str | None
    at: datetime | None


def parked(db: Database) -> list[ParkedRow]:
    """Updates that kept failing, for the administrator (no message content)."""
    with db.read() as s:
        rows = s.execute(select(InboxUpdate.id, InboxUpdate.platform, InboxUpdate.update_key,
                                InboxUpdate.attempts, InboxUpdate.error, InboxUpdate.done_at)
                         .where(InboxUpdate.status == "parked").order_by(InboxUpdate.id)).all()
    return [ParkedRow(*r) for r in rows]


def retry_parked(db: Database, row_id: int, now: datetime) -> bool:
    """Put a parked update back in line (after the cause was fixed)."""
    with db.session() as s:
        res = s.execute(update(InboxUpdate).where(InboxUpdate.id == row_id,
                                                  InboxUpdate.status == "parked")
                        .values(status="pending", attempts=0, not_before=now, done_at=None))
        return bool(res.rowcount)

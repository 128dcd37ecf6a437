"""The one place that sends: outbox rows to a channel, paced by that channel's limits.

One `Sender` per channel and process. It claims a row just before sending it and
settles it right after (core.outbox), sends a reply's parts in order and resumes after
the parts already out when a fault interrupts it, honours 429 retry_after, backs off on
5xx / timeouts / resets, marks a person who blocked the bot, and paces messages with
token buckets: the whole bot, each private chat (a short burst, then about one a second)
and each group (about twenty a minute). Replies to the person who just wrote go first.

By default one message is in flight at a time, which bounds what a crash can leave
uncertain to that one message (`unknown`); SEND_CONCURRENCY raises throughput on slow
links at the cost of that bound (documented in docs/operations.md).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core import outbox
from core import text as T
from core.channel import Channel, Part, SendResult
from core.inbox import is_transient
from core.messages import Reply
from core.words import name_commands
from storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class Bucket:
    """A token bucket: `capacity` messages at once, refilled at `rate` a second."""

    rate: float
    capacity: float
    tokens: float = -1.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now

    def wait_time(self, now: float | None = None) -> float:
        """Seconds until one token is available (0 if now)."""
        now = time.monotonic() if now is None else now
        self._refill(now)
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate

    def take(self, now: float | None = None) -> None:
        """Use a token; never below empty, so a burst of replies (which do not wait for
        tokens) delays the next unasked message by one interval, not by the burst."""
        now = time.monotonic() if now is None else now
        self._refill(now)
        self.tokens = max(0.0, self.tokens - 1)


class Pacer:
    """Telegram-style limits for one channel, held in memory (per process)."""

    def __init__(self, channel: Channel, enabled: bool = True) -> None:
        self.caps, self.channel = channel.caps, channel
        rate = channel.caps.global_per_second if enabled else 1e9
        self.total = Bucket(rate, max(1.0, rate))
        self.chats: dict[str, Bucket] = {}
        self.enabled = enabled

    def chat(self, chat_id: str) -> Bucket:
        b = self.chats.get(chat_id)
        if b is None:
            if not self.enabled:
                b = Bucket(1e9, 1e9)
            elif self.channel.is_group(chat_id):
                b = Bucket(self.caps.group_per_minute / 60.0, self.caps.group_burst)
            else:
                b = Bucket(self.caps.private_per_second, self.caps.private_burst)
            self.chats[chat_id] = b
        return b

    def throttled(self) -> tuple[list[str], list[str]]:
        """(groups, private chats) that could not take a message right now: groups get
        nothing in the next claim, private chats only replies."""
        now = time.monotonic()
        full = [c for c, b in self.chats.items() if b.wait_time(now) == 0 and b.tokens >= b.capacity]
        for c in full:  # forget idle chats so the dict stays small
            del self.chats[c]
        busy = [c for c, b in self.chats.items() if b.wait_time(now) > 0]
        return ([c for c in busy if self.channel.is_group(c)],
                [c for c in busy if not self.channel.is_group(c)])

    def next_free(self) -> float:
        now = time.monotonic()
        waits = [b.wait_time(now) for b in self.chats.values()]
        return min((w for w in waits if w > 0), default=1.0)


class Sender:
    def __init__(self, db: Database, channel: Channel, *, worker: str,
                 clock: Callable[[], datetime], command_names: Mapping[str, str],
                 grace: timedelta, concurrency: int = 1, pacing: bool = True) -> None:
        self.db, self.channel, self.worker, self.clock = db, channel, worker, clock
        self.names = command_names
        self.grace = grace
        self.concurrency = max(1, concurrency)
        self.pacer = Pacer(channel, enabled=pacing)
        self.wake = asyncio.Event()
        self.sent = 0
        self._in_flight: set[str] = set()
        # rows claimed and not yet settled (and any whose outcome could not be recorded):
        # everything else this worker holds as `sending` is an orphan of a lost answer
        self._claimed: set[int] = set()
        self._suspect = False
        self._stopping = False
        self._last_expire = 0.0

    # -- rendering ------------------------------------------------------------------
    def render(self, reply: Reply) -> list[Part]:
        if not self.channel.caps.slash_commands:
            reply = Reply(name_commands(reply.text, self.names), reply.buttons,
                          reply.attachments, reply.request_location)
        return self.channel.parts(reply)

    # -- the loop --------------------------------------------------------------------
    async def run(self) -> None:
        workers = [asyncio.create_task(self._worker()) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*workers)
        finally:
            for w in workers:
                w.cancel()

    def stop(self) -> None:
        self._stopping = True
        self.wake.set()

    async def _worker(self) -> None:
        failures = 0
        unsettled: outbox.Outcome | None = None  # written with the next claim
        try:
            while not self._stopping:
                try:
                    if self._suspect:  # a claim failed: did its commit land all the same?
                        await asyncio.to_thread(outbox.release_orphans, self.db, self.worker,
                                                self.channel.platform, set(self._claimed))
                        self._suspect = False
                    worked, unsettled = await self.step(unsettled)
                    failures = 0
                except Exception as exc:  # the database is down: wait, never drop anything
                    failures += 1
                    self._suspect = True
                    delay = min(10.0, 0.5 * 2 ** failures)
                    if not is_transient(exc):
                        log.exception("sender for %s failed; retrying in %.1f s",
                                      self.channel.platform, delay)
                    else:
                        log.warning("sender for %s: database unavailable (%s); retrying in %.1f s",
                                    self.channel.platform, type(exc).__name__, delay)
                    await asyncio.sleep(delay)
                    continue
                if not worked:
                    try:
                        await asyncio.wait_for(self.wake.wait(),
                                               timeout=min(1.0, self.pacer.next_free()))
                    except TimeoutError:
                        pass
        finally:
            if unsettled is not None:  # stopping: record the last outcome before leaving
                await asyncio.shield(asyncio.to_thread(
                    outbox.settle, self.db, unsettled.job, unsettled.result, unsettled.at,
                    unsettled.parts_done, unsettled.parts_skipped))
                self._claimed.discard(unsettled.job.id)

    async def step(self, unsettled: outbox.Outcome | None = None
                   ) -> tuple[bool, outbox.Outcome | None]:
        """Write the last outcome, claim and deliver one row (one transaction for both);
        returns whether a row was delivered, and its outcome, still to be written."""
        self.wake.clear()  # before looking: a wake-up during the claim is not lost
        now_m = time.monotonic()
        if now_m - self._last_expire > 10:
            self._last_expire = now_m
            await asyncio.to_thread(outbox.expire, self.db, self.clock(), self.grace)
        wait = self.pacer.total.wait_time()
        if wait > 0:
            await asyncio.sleep(wait)
        groups, private = self.pacer.throttled()
        job = await asyncio.to_thread(outbox.claim_next, self.db, self.channel.platform,
                                      self.clock(), self.worker,
                                      sorted(set(groups) | self._in_flight), private, unsettled)
        if unsettled is not None:
            self._claimed.discard(unsettled.job.id)
            self.sent += unsettled.result.status == "sent"
        if job is None:
            return False, None
        self._in_flight.add(job.chat_id)
        self._claimed.add(job.id)  # until its outcome is written; never released before
        try:
            outcome = await self.deliver(job)
        finally:
            self._in_flight.discard(job.chat_id)
        return True, outcome

    async def deliver(self, job: outbox.Job) -> outbox.Outcome:
        """Send the row's parts; the outcome is written by the caller."""
        parts = self.render(job.reply)
        done, skipped = job.parts_done, job.parts_skipped
        result = SendResult("sent")
        for i in range(done, len(parts)):
            part = dict(parts[i])
            last = i == len(parts) - 1
            if last and skipped and "text" in part:
                part["text"] = (part["text"] + "\n" + T.PHOTOS_SKIPPED.format(n=skipped)).strip()
            bucket = self.pacer.chat(job.chat_id)
            # A person who just wrote gets the answer at once: the per-chat pace is for
            # what the bot sends unasked; groups and the bot-wide cap always apply.
            paced = job.priority != outbox.REPLY or self.channel.is_group(job.chat_id)
            while (w := max(bucket.wait_time() if paced else 0.0,
                            self.pacer.total.wait_time())) > 0:
                await asyncio.sleep(w)
            bucket.take()
            self.pacer.total.take()
            result = await self._send(job.chat_id, part)
            if result.status in ("sent", "skipped"):
                done += 1
                skipped += result.skipped or int(result.status == "skipped")
                if not last:
                    await self._persist(outbox.progress, self.db, job.id, done, skipped)
                continue
            break
        if result.status == "skipped":
            result = SendResult("sent", message_id=result.message_id)
        if result.status == "retry":
            log.info("send to a %s chat deferred (%s)", self.channel.platform, result.error)
        elif result.status not in ("sent",):
            log.warning("send on %s ended %s (%s)", self.channel.platform, result.status, result.error)
        return outbox.Outcome(job, result, done, skipped, self.clock())

    async def _send(self, chat_id: str, part: Part) -> SendResult:
        try:
            res = self.channel.send_part(chat_id, part)
            if inspect.isawaitable(res):
                res = await res
            return res
        except Exception as exc:  # a channel bug must not kill the sender
            log.exception("channel %s raised while sending", self.channel.platform)
            return SendResult("retry", error=type(exc).__name__)

    async def _persist(self, fn, *args) -> None:  # type: ignore[no-untyped-def]
        """Write the outcome, waiting out a database outage: it must be recorded, or the
        row would be `unknown` after the next restart although we know what happened."""
        delay = 0.2
        while True:
            try:
                await asyncio.to_thread(fn, *args)
                return
            except Exception as exc:
                if not is_transient(exc) or self._stopping and delay > 5:
                    raise
                log.warning("could not record a send (%s); retrying", type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(5.0, delay * 2)

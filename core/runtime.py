"""The long-running bot: receivers, the inbox dispatcher, one sender per channel and the
scheduler, once per process and outside any channel.

    receive (channel) -> inbox.store -> dispatcher -> inbox.process (thread pool, one
    transaction per update, lanes in order) -> outbox rows -> Sender (per channel)

Every stage reads its work from the database, so a kill -9 at any moment loses nothing
accepted: pending updates are processed after the restart, and the outbox sends what was
queued. The database being down only pauses the stages; receivers then leave updates
unconfirmed on the platform and each person is told 系统有点忙 once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core import inbox, outbox
from core import text as T
from core.app import BotCore
from core.channel import Channel, Received, StoreFailed
from core.messages import Reply
from core.sender import Sender

log = logging.getLogger(__name__)
FETCH = 500  # pending updates read at once by the dispatcher
BUSY_AFTER = 2.0  # seconds storing or handling one update may take before 系统有点忙


class _ChannelSink:
    """What one channel hands its updates to."""

    def __init__(self, runtime: Runtime, platform: str) -> None:
        self.runtime, self.platform = runtime, platform

    async def accept(self, batch: list[Received]) -> None:
        await self.runtime.accept(self.platform, batch)

    def waiting(self, batch: list[Received]) -> None:
        for r in batch:
            if r.chat_id:
                self.runtime.tell_busy(self.platform, r.key, r.chat_id)


class Runtime:
    def __init__(self, core: BotCore, channels: Iterable[Channel]) -> None:
        self.core = core
        self.channels: dict[str, Channel] = {c.platform: c for c in channels}
        for c in self.channels.values():
            core.parsers[c.platform] = c.parse
        st = core.settings
        self.senders = {p: Sender(core.db, c, worker=core.worker, clock=core.clock.now,
                                  command_names=core.command_names(), grace=core.grace,
                                  concurrency=st.send_concurrency, pacing=st.send_pacing)
                        for p, c in self.channels.items()}
        self.concurrency = max(1, st.process_concurrency)
        self.inbox_wake = asyncio.Event()
        self.busy_lanes: set[str] = set()
        self._running: set[int] = set()  # inbox ids being processed
        self._refetch = True
        self._fresh: list[inbox.Head] = []  # stored by this process, not yet queued
        self.retry_at: dict[int, float] = {}  # backoff kept in memory while the DB is down
        self.told_busy: set[tuple[str, str]] = set()
        self.processed = 0
        self.scheduler: AsyncIOScheduler | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._work: set[asyncio.Task[Any]] = set()
        self._stopping = False

    # -- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        await self._until_db_ok(self.core.recover)
        for c in self.channels.values():
            start = getattr(c, "start", None)
            if start is not None:
                await start()
        self._tasks = [asyncio.create_task(self._dispatch(), name="inbox-dispatcher")]
        for p, c in self.channels.items():
            self._tasks.append(asyncio.create_task(c.receive(_ChannelSink(self, p)),
                                                   name=f"receive-{p}"))
            self._tasks.append(asyncio.create_task(self.senders[p].run(), name=f"send-{p}"))
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(self.tick, "interval", seconds=self.core.settings.tick_seconds,
                               max_instances=1, coalesce=True, id="tick")
        self.scheduler.add_job(self.housekeeping, "interval", minutes=1, max_instances=1,
                               coalesce=True, id="housekeeping")
        self.scheduler.start()
        self._tasks.append(asyncio.create_task(self.tick(), name="first-tick"))

    async def stop(self) -> None:
        self._stopping = True
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        for s in self.senders.values():
            s.stop()
        for t in [*self._tasks, *self._work]:
            t.cancel()
        for t in [*self._tasks, *self._work]:
            with contextlib.suppress(BaseException):
                await t
        for c in self.channels.values():
            stop = getattr(c, "stop", None)
            if stop is not None:
                with contextlib.suppress(Exception):
                    await stop()

    async def serve_forever(self) -> None:
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    async def _until_db_ok(self, fn) -> Any:  # type: ignore[no-untyped-def]
        delay = 0.5
        while True:
            try:
                return await asyncio.to_thread(fn)
            except Exception as exc:
                if not inbox.is_transient(exc):
                    raise
                log.warning("database unavailable at start (%s); retrying", type(exc).__name__)
                await asyncio.sleep(delay)
                delay = min(10.0, delay * 2)

    # -- receiving --------------------------------------------------------------------------
    async def accept(self, platform: str, batch: list[Received]) -> None:
        """Store before the platform is told; on failure say 系统有点忙 once and refuse."""
        storing = asyncio.ensure_future(asyncio.to_thread(self.core.accept, platform, batch))
        done, _ = await asyncio.wait({storing}, timeout=BUSY_AFTER)
        if not done:  # the database is slow or locked: people are told while we wait
            for r in batch:
                if r.chat_id:
                    self.tell_busy(platform, r.key, r.chat_id)
        try:
            await storing
        except Exception as exc:
            if inbox.is_transient(exc):
                log.warning("could not store %d %s update(s): %s", len(batch), platform,
                            type(exc).__name__)
            else:
                log.error("could not store %d %s update(s): %s", len(batch), platform,
                          type(exc).__name__)
            for r in batch:
                if r.chat_id:
                    self.tell_busy(platform, r.key, r.chat_id)
            raise StoreFailed(type(exc).__name__) from exc
        self._fresh.extend(storing.result())
        self.inbox_wake.set()

    def tell_busy(self, platform: str, key: str, chat_id: str) -> None:
        """The one message that cannot wait for the database: sent directly, once per
        update and process (the database may be the thing that is down)."""
        if (platform, key) in self.told_busy or self._stopping:
            return
        self.told_busy.add((platform, key))
        channel = self.channels[platform]
        part = self.senders[platform].render(Reply(T.BUSY))[0]

        async def send() -> None:
            res = channel.send_part(chat_id, part)
            if asyncio.iscoroutine(res):
                await res

        task = asyncio.create_task(send())
        self._work.add(task)
        task.add_done_callback(self._work.discard)

    # -- processing -------------------------------------------------------------------------
    async def _dispatch(self) -> None:
        """Run pending updates: a lane's next one as soon as the one before is done, up
        to `concurrency` lanes at once. The pending list is read again only when it is
        used up or a retry was scheduled, not after every update: what this process
        stores is queued as it is stored (`accept`), without reading it back."""
        failures = 0
        queue: list[inbox.Head] = []
        while not self._stopping:
            self.inbox_wake.clear()
            fresh, self._fresh = self._fresh, []
            if self._refetch or not queue:
                self._refetch = False
                try:
                    queue = await asyncio.to_thread(inbox.pending, self.core.db,
                                                    list(self.channels), FETCH)
                    failures = 0
                except Exception as exc:
                    failures += 1
                    self._fresh[:0] = fresh  # still to queue once the database answers
                    self._refetch = True
                    log.warning("inbox unavailable (%s)", type(exc).__name__)
                    await asyncio.sleep(min(10.0, 0.5 * 2 ** failures))
                    continue
            if fresh:  # stored here since; a read that ran meanwhile may hold some already
                known = {h.id for h in queue}
                queue.extend(h for h in fresh if h.id not in known)
                queue.sort(key=lambda h: h.id)  # a lane's updates in the order they came
                if len(queue) > FETCH:  # read the rest when these are done
                    queue = queue[:FETCH]
            queue = [h for h in queue if h.id not in self._running]
            now, mono = self.core.clock.now(), time.monotonic()
            seen: set[str] = set()
            started: set[int] = set()
            for h in queue:
                if len(self.busy_lanes) >= self.concurrency:
                    break
                if h.lane in seen:
                    continue  # a later update of a lane: after the one before it
                seen.add(h.lane)
                if h.lane in self.busy_lanes or self.retry_at.get(h.id, 0) > mono \
                        or (h.not_before is not None and h.not_before > now):
                    continue
                self.busy_lanes.add(h.lane)
                self._running.add(h.id)
                started.add(h.id)
                task = asyncio.create_task(self._work_on(h))
                self._work.add(task)
                task.add_done_callback(self._work.discard)
            queue = [h for h in queue if h.id not in started]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.inbox_wake.wait(), timeout=0.5 if queue else 2.0)

    async def _work_on(self, h: inbox.Head) -> None:
        core = self.core
        try:
            working = asyncio.ensure_future(asyncio.to_thread(
                inbox.process, core.db, core.router, core.parse, h.id, core.clock.now(),
                core.reply_grace))
            done, _ = await asyncio.wait({working}, timeout=BUSY_AFTER)
            if not done and not h.busy_told:
                self._tell_about(h)
            p = await working
            self.retry_at.pop(h.id, None)
            if p is not None:
                self.processed += 1
                self._wake_senders()
                hook = getattr(self.channels.get(h.platform), "after_update", None)
                if hook is not None and p.msg is not None and p.outcome is not None:
                    await hook(p.msg, p.outcome.role)
        except Exception as exc:
            await self._failed(h, exc)
        finally:
            self.busy_lanes.discard(h.lane)
            self._running.discard(h.id)
            self.inbox_wake.set()

    async def _failed(self, h: inbox.Head, exc: Exception) -> None:
        self._refetch = True  # its retry time is in the database now
        transient = inbox.is_transient(exc)
        log.warning("update %s/%s failed: %s", h.platform, h.key, type(exc).__name__,
                    exc_info=not transient and not isinstance(exc, inbox.Poison))
        try:
            f = await asyncio.to_thread(inbox.record_failure, self.core.db, self.core.parse,
                                        h.id, exc, self.core.clock.now())
        except Exception:  # the database is down: remember the backoff here
            delay = inbox.backoff(2 + int(self.retry_at.get(h.id, 0) > 0))
            self.retry_at[h.id] = time.monotonic() + delay
            tell = transient and not h.busy_told
        else:
            tell = f.tell_busy
            if f.parked:
                self._wake_senders()
        if tell:
            self._tell_about(h)

    def _tell_about(self, h: inbox.Head) -> None:
        try:
            msg = self.core.parse(h.platform, h.payload)
        except Exception:
            msg = None
        if msg is not None:
            self.tell_busy(h.platform, h.key, msg.chat_id)

    def _wake_senders(self) -> None:
        for s in self.senders.values():
            s.wake.set()

    # -- scheduler --------------------------------------------------------------------------
    async def tick(self) -> None:
        try:
            await asyncio.to_thread(self.core.tick)
        except Exception as exc:
            log.warning("tick failed (%s)", type(exc).__name__)
        self._wake_senders()

    async def housekeeping(self) -> None:
        """Rows another (dead) worker left in flight, and handled updates past keeping."""
        core = self.core
        try:
            await asyncio.to_thread(outbox.recover, core.db, core.worker, core.clock.now(),
                                    timedelta(minutes=5), own=False)
            await asyncio.to_thread(inbox.prune, core.db, core.clock.now(),
                                    timedelta(days=core.settings.inbox_keep_days))
        except Exception as exc:
            log.warning("housekeeping failed (%s)", type(exc).__name__)

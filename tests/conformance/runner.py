"""Drive the stream against a bot running as a real process, with kill -9 at random
moments, and collect what is needed to prove nothing was lost or done twice.

Each person acts like a patient user: sends a step, waits for the reply it expects,
then sends the next. A reply the crash made `unknown` and that never arrived leaves
that person stuck, as it would a real one: after a while they give up that flow (the
checks then expect exactly the effects of what they did send).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from sqlalchemy import select

from storage.db import Database
from storage.models import InboxUpdate, OutboxMessage
from tests.conformance.population import Person, Population
from tests.conformance.scenario import APPROVE, Step, plan

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """`python bot.py run` as a real process; kill9() is SIGKILL, nothing is cleaned up."""

    def __init__(self, env: dict[str, str], log: Path, args: tuple[str, ...] = ("run",)) -> None:
        self.env = {**os.environ, **env}
        self.log, self.args = log, args
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0
        self.starts = 0
        self.started_at = 0.0

    def start(self) -> None:
        fh = self.log.open("ab")
        prefix = os.environ.get("CONFORMANCE_WRAP", "").split()
        self.proc = subprocess.Popen([*prefix, sys.executable, "bot.py", *self.args], cwd=ROOT, env=self.env,
                                     stdout=fh, stderr=subprocess.STDOUT)
        self.starts += 1
        self.started_at = time.monotonic()

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.kills += 1

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class Side(Protocol):
    """The platform as the users see it (a fake server): push updates, read replies."""

    platform: str

    def push(self, person: Person, step: Step, data: str | None) -> str: ...

    def replies(self, person: Person) -> list[tuple[str, dict[str, str]]]: ...


def button_data(side: Side, person: Person, label: str, skip: set[str] | None = None) -> str | None:
    """The data of the newest button `label` shown to the person (not in `skip`)."""
    for _, buttons in reversed(side.replies(person)):
        data = buttons.get(label)
        if data is not None and (skip is None or data not in skip):
            return data
    return None


@dataclass
class Actor:
    person: Person
    steps: list[Step]
    idx: int = 0
    waiting: bool = False
    mark: int = 0  # replies seen before the last push
    pushed_key: str = ""
    since: float = 0.0
    gave_up: bool = False
    pushed: list[tuple[Step, str]] = field(default_factory=list)  # (step, update key)

    @property
    def done(self) -> bool:
        return self.gave_up or (self.idx >= len(self.steps) and not self.waiting)


@dataclass
class StreamResult:
    pushed: list[tuple[Person, Step, str]]
    kills: int
    gave_up: list[str]
    seconds: float


def _reply_lost(db: Database, platform: str, key: str) -> bool:
    """The update was handled and one of its replies is `unknown` (the crash): the user
    may never see it, and waiting longer will not help."""
    with db.read() as s:
        row = s.scalar(select(InboxUpdate).where(InboxUpdate.platform == platform,
                                                 InboxUpdate.update_key == key))
        if row is None or row.status != "done":
            return False
        statuses = s.scalars(select(OutboxMessage.status)
                             .where(OutboxMessage.key.like(f"re:{row.id}:%"))).all()
    return "unknown" in statuses


def run_stream(side: Side, pop: Population, bot: BotProcess, db: Database, *, kills: int,
               seed: int, timeout: float = 240.0, patience: float = 6.0,
               on_tick=None) -> StreamResult:  # type: ignore[no-untyped-def]
    """Play the whole stream; kill the bot `kills` times at random moments."""
    rng = random.Random(seed)
    actors = [Actor(p, s) for p, s in plan(pop).items()]
    leader = Actor(pop.leader, [])
    approved: set[str] = set()
    pushed: list[tuple[Person, Step, str]] = []
    t0 = time.monotonic()
    # kills spread over the first part of the stream, when most is in flight
    kill_at = sorted(t0 + rng.uniform(0.5, 2.0) + i * rng.uniform(0.8, 1.6) for i in range(kills))
    bot.start()

    def push(a: Actor, step: Step) -> None:
        data = button_data(side, a.person, step.label, approved if step is APPROVE else None) \
            if step.label else None
        if step.label and data is None:
            raise AssertionError(f"{a.person.key}: no button {step.label}")
        a.mark = len(side.replies(a.person))
        a.pushed_key = side.push(a.person, step, data)
        if step is APPROVE and data is not None:
            approved.add(data)
        a.pushed.append((step, a.pushed_key))
        pushed.append((a.person, step, a.pushed_key))
        a.waiting, a.since = True, time.monotonic()

    def arrived(a: Actor, expect: str) -> bool:
        return any(expect in text for text, _ in side.replies(a.person)[a.mark:])

    while True:
        now = time.monotonic()
        if now - t0 > timeout:
            raise TimeoutError(f"stream not finished in {timeout:.0f}s: "
                               + ", ".join(f"{a.person.key}@{a.idx}" for a in actors if not a.done))
        if kill_at and now >= kill_at[0]:
            kill_at.pop(0)
            bot.kill9()
            bot.start()
        if not bot.alive():
            raise RuntimeError(f"the bot exited by itself; see {bot.log}")
        for a in actors:
            if a.done:
                continue
            if a.waiting:
                if arrived(a, a.steps[a.idx].expect):
                    a.waiting = False
                    a.idx += 1
                elif now - max(a.since, bot.started_at) > patience and \
                        _reply_lost(db, side.platform, a.pushed_key):
                    a.gave_up, a.waiting = True, False  # as a real user would, eventually
                continue
            if a.idx < len(a.steps):
                push(a, a.steps[a.idx])
        # the leader approves each request card as it arrives, one at a time
        if leader.waiting:
            if arrived(leader, APPROVE.expect):
                leader.waiting = False
            elif now - max(leader.since, bot.started_at) > patience and \
                    _reply_lost(db, side.platform, leader.pushed_key):
                leader.waiting = False
        if not leader.waiting and button_data(side, pop.leader, "批准", approved):
            push(leader, APPROVE)
        if on_tick is not None:
            on_tick(now - t0)
        if all(a.done for a in actors) and not leader.waiting and not kill_at and not button_data(side, pop.leader, "批准", approved):
            # settle: the last approvals' cards may still be on their way
            if _quiet(db, side.platform):
                break
        time.sleep(0.005)
    return StreamResult(pushed, bot.kills, [a.person.key for a in actors if a.gave_up],
                        time.monotonic() - t0)


def _quiet(db: Database, platform: str) -> bool:
    """Nothing pending in the inbox and nothing due in the outbox."""
    with db.read() as s:
        if s.scalar(select(InboxUpdate.id).where(InboxUpdate.status == "pending").limit(1)):
            return False
        return s.scalar(select(OutboxMessage.id).where(
            OutboxMessage.platform == platform,
            OutboxMessage.status.in_(("pending", "sending"))).limit(1)) is None


def counts(items: list[str]) -> Counter[str]:
    return Counter(items)

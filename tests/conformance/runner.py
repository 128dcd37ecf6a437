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

    def events(self) -> set[str]:
        """What the platform did since the last call: "received" (it handed updates to
        the bot), "sent" (it accepted a message from the bot)."""
        ...

    def forgotten(self, key: str) -> bool:
        """The platform will never deliver this update again (it was confirmed)."""
        ...


# When to kill: at a random moment, or at the worst ones: just after the platform
# handed over updates (before they are stored?) and just after it took a message from
# the bot (before the outbox row is settled?).
KILL_MOMENTS = ("random", "received", "sent")

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


class UpdateLost(AssertionError):
    """The platform has forgotten an update (a later offset was confirmed) that the bot
    never stored: exactly what the durable inbox must make impossible."""


def _reply_lost(db: Database, platform: str, key: str, forgotten: bool) -> bool:
    """The update was handled and one of its replies is `unknown` (the crash): the user
    may never see it, and waiting longer will not help. An update the platform has
    forgotten and the inbox never got is a lost update: fail at once."""
    with db.read() as s:
        row = s.scalar(select(InboxUpdate).where(InboxUpdate.platform == platform,
                                                 InboxUpdate.update_key == key))
        if row is None and forgotten:
            raise UpdateLost(f"update {key} was confirmed to the platform but never stored")
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
    # kills spread over the first part of the stream, when most is in flight; each armed
    # at its time fires at once (random) or at the next moment of its kind
    kill_at = sorted(t0 + rng.uniform(0.5, 2.0) + i * rng.uniform(0.8, 1.6) for i in range(kills))
    moments = [KILL_MOMENTS[i % len(KILL_MOMENTS)] for i in range(kills)]
    rng.shuffle(moments)
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
        seen = side.events()
        if kill_at and now >= kill_at[0] and now - bot.started_at > 1.0 and (
                moments[0] == "random" or moments[0] in seen or now - kill_at[0] > 5.0):
            kill_at.pop(0)
            moments.pop(0)
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
                        _reply_lost(db, side.platform, a.pushed_key, side.forgotten(a.pushed_key)):
                    a.gave_up, a.waiting = True, False  # as a real user would, eventually
                continue
            if a.idx < len(a.steps):
                push(a, a.steps[a.idx])
        # the leader approves each request card as it arrives, one at a time
        if leader.waiting:
            if arrived(leader, APPROVE.expect):
                leader.waiting = False
            elif now - max(leader.since, bot.started_at) > patience and \
                    _reply_lost(db, side.platform, leader.pushed_key,
                                side.forgotten(leader.pushed_key)):
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


def run_console_stream(pop: Population, workdir: Path, env: dict[str, str], *, kills: int,
                       seed: int, timeout: float = 240.0,
                       on_tick=None) -> tuple[StreamResult, dict[str, list[str]]]:  # type: ignore[no-untyped-def]
    """The stream as a console script (`bot.py console --input FILE`), killed with -9 at
    random moments and started again on the same file until it runs to its end: the
    console's platform is the file, which "redelivers" every line on each start."""
    from channels.console import script_prefix
    from tests.conformance.scenario import console_script

    lines = console_script(pop)
    script = workdir / "stream.txt"
    script.write_text("".join(f"{p.key}: {st.send}\n" for p, st in lines), encoding="utf-8")
    out = workdir / "console.out"
    rng = random.Random(seed)
    bot = BotProcess(env, workdir / "console.log", args=("console", "--input", str(script)))
    t0 = time.monotonic()
    while True:
        with out.open("ab") as fh:
            bot.proc = subprocess.Popen([sys.executable, "bot.py", *bot.args], cwd=ROOT,
                                        env=bot.env, stdout=fh, stderr=bot.log.open("ab"))
        bot.starts += 1
        kill_at = time.monotonic() + rng.uniform(1.0, 1.8) if bot.kills < kills else None
        while bot.proc.poll() is None:
            if time.monotonic() - t0 > timeout:
                bot.proc.kill()
                raise TimeoutError("the console stream did not finish")
            if kill_at is not None and time.monotonic() >= kill_at:
                bot.kill9()
                break
            if on_tick is not None:
                on_tick(time.monotonic() - t0)
            time.sleep(0.01)
        else:
            if bot.proc.returncode != 0:
                raise RuntimeError(f"the console exited with {bot.proc.returncode}; see {bot.log}")
            break
    prefix = script_prefix(script)
    pushed = [(p, st, f"{prefix}:{i + 1}") for i, (p, st) in enumerate(lines)]
    delivered: dict[str, list[str]] = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        if line.startswith("-> "):
            chat, _, text = line[3:].partition(": ")
            delivered.setdefault(chat, []).append(text)
    return StreamResult(pushed, bot.kills, [], time.monotonic() - t0), delivered

"""How the speed benches measure, once for every channel and its fake.

A fake is seen through two callables: `push(user, text)` delivers a message as the
platform would, and `answered()` counts the messages the bot has sent so far. The
Telegram and DingTalk fakes both fit (`push_text`, and the length of `sent_log()` or
`sent_messages()`), so fault_bench, channel_bench and dingtalk_bench time the same way.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
Push = Callable[[Any, str], object]
Answered = Callable[[], int]


def burst(push: Push, answered: Answered, users: list[Any], per_user: int, text: str,
          timeout: float = 300.0) -> float:
    """Push every update at once; seconds until every one was answered."""
    before = answered()
    t0 = time.monotonic()
    for _ in range(per_user):
        for u in users:
            push(u, text)
    want = before + len(users) * per_user
    while answered() < want:
        if time.monotonic() - t0 > timeout:
            raise TimeoutError(f"only {answered() - before} of {want - before} answered")
        time.sleep(0.002)
    return time.monotonic() - t0


def round_trips(push: Push, answered: Answered, user: Any, text: str, n: int) -> list[float]:
    """Milliseconds from pushing one message to its reply arriving, one at a time, sorted."""
    out = []
    for _ in range(n):
        before = answered()
        t0 = time.monotonic()
        push(user, text)
        while answered() == before:
            time.sleep(0.0005)
        out.append((time.monotonic() - t0) * 1000)
    return sorted(out)


def start(args: list[str], env: dict[str, str], ready: Callable[[], bool], log: Path,
          cwd: Path = ROOT, timeout: float = 60.0) -> tuple[subprocess.Popen[bytes], float]:
    """Start a bot process; return it and the seconds until `ready()` (its first poll, its
    stream connection) became true."""
    t0 = time.monotonic()
    proc = subprocess.Popen(args, cwd=cwd, env={**os.environ, **env},
                            stdout=log.open("ab"), stderr=subprocess.STDOUT)
    while not ready():
        if proc.poll() is not None or time.monotonic() - t0 > timeout:
            raise RuntimeError(f"{args[1]} did not come up; see {log}")
        time.sleep(0.002)
    return proc, time.monotonic() - t0


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


ROUNDS = 3


def in_turns(bot: Callable[[], float], echo: Callable[[], float],
             rounds: int = ROUNDS) -> tuple[float, float]:
    """Median seconds of the bot's and the echo's bursts, run in turns (bot, echo, bot ...).

    Both processes are up at once, each on its own fake: a busy moment of this shared
    machine then falls on both. Measured one after the other, it fell on one of them and
    swung the ratio by a third between runs."""
    bot_s, echo_s = [], []
    for _ in range(rounds):
        bot_s.append(bot())
        echo_s.append(echo())
    return statistics.median(bot_s), statistics.median(echo_s)

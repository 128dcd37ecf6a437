"""What one Bot API call costs the bot's process, by HTTP client.

    .venv/bin/python bench/ptb_http_bench.py [--calls N]

Sends N sendMessage calls, one after another, to the local fake Bot API (which runs in
its own thread, so its work is not counted) and prints the CPU time of the calling thread
per call, and the wall time, for:

- PTB as shipped by default: `Bot.send_message` over `HTTPXRequest` (what bench/echo_ptb.py
  and every plain PTB bot pays);
- PTB as the bot uses it: `RawBot.raw("sendMessage")` over `AiohttpRequest`
  (channels/ptb_aiohttp.py): PTB builds the request and raises its errors, aiohttp carries
  it, the answer stays JSON;
- the two clients bare, for reference: httpx and aiohttp posting the same form.

Every figure is also printed as a ratio to PTB's default measured in the same run: this
machine is shared and its absolute speed varies from run to run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import httpx  # noqa: E402
from telegram import Bot  # noqa: E402
from telegram.request import HTTPXRequest  # noqa: E402

from channels.ptb_aiohttp import AiohttpRequest  # noqa: E402
from channels.telegram import RawBot  # noqa: E402
from tests.fake_telegram import FakeTelegram  # noqa: E402

TOKEN = "123456:bench"
CHAT = 1001
TEXT = "收到，已记录今天的工作日志。"

Call = Callable[[], Awaitable[object]]


async def _timed(call: Call, n: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per call of this thread, after a short warm-up."""
    for _ in range(20):
        await call()
    c0, t0 = time.thread_time(), time.monotonic()
    for _ in range(n):
        await call()
    return (time.thread_time() - c0) * 1000 / n, (time.monotonic() - t0) * 1000 / n


async def ptb_default(url: str, n: int) -> tuple[float, float]:
    bot = Bot(TOKEN, request=HTTPXRequest(connection_pool_size=16), base_url=f"{url}/bot")
    async with bot:
        return await _timed(lambda: bot.send_message(CHAT, TEXT), n)


async def ptb_as_used(url: str, n: int) -> tuple[float, float]:
    bot = RawBot(TOKEN, request=AiohttpRequest(connection_pool_size=16), base_url=f"{url}/bot")
    async with bot:
        return await _timed(lambda: bot.raw("sendMessage", {"chat_id": CHAT, "text": TEXT}), n)


async def bare_httpx(url: str, n: int) -> tuple[float, float]:
    async with httpx.AsyncClient() as client:
        async def call() -> object:
            r = await client.post(f"{url}/bot{TOKEN}/sendMessage",
                                  data={"chat_id": str(CHAT), "text": TEXT})
            return json.loads(r.content)
        return await _timed(call, n)


async def bare_aiohttp(url: str, n: int) -> tuple[float, float]:
    async with aiohttp.ClientSession() as session:
        async def call() -> object:
            async with session.post(f"{url}/bot{TOKEN}/sendMessage",
                                    data={"chat_id": str(CHAT), "text": TEXT}) as r:
                return json.loads(await r.read())
        return await _timed(call, n)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=1500)
    a = ap.parse_args()
    rows = [("PTB send_message, httpx (default)", ptb_default),
            ("PTB raw sendMessage, aiohttp (bot)", ptb_as_used),
            ("httpx bare", bare_httpx), ("aiohttp bare", bare_aiohttp)]
    with FakeTelegram(token=TOKEN) as fake:
        fake.push_text(CHAT, "hi")  # the chat exists
        results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in rows}
        for _ in range(2):  # interleaved, so a noisy moment does not fall on one client
            for name, fn in rows:
                results[name].append(asyncio.run(fn(fake.url, a.calls)))
    ref = min(c for c, _ in results[rows[0][0]])
    print(f"== one sendMessage to the local fake, {a.calls} calls, best of 2 ==")
    print(f"{'client':<36} {'CPU ms/call':>11} {'wall ms':>8} {'CPU vs PTB default':>19}")
    for name, _ in rows:
        cpu = min(c for c, _ in results[name])
        wall = min(w for _, w in results[name])
        print(f"{name:<36} {cpu:>11.3f} {wall:>8.3f} {cpu / ref:>18.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Starting the bot: every configured channel in one process, or the console demo."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from services.config import Settings

log = logging.getLogger(__name__)


def quiet_libraries() -> None:
    """Library loggers that would print tokens (httpx logs request URLs) or messages."""
    for name in ("httpx", "httpcore", "telegram", "aiogram", "apscheduler", "aiohttp.access",
                 "bm25s", "uvicorn", "jieba", "websockets"):
        logging.getLogger(name).setLevel(logging.WARNING)
    # the SDK logs whole frames (message text, names) at warning and error
    logging.getLogger("dingtalk_stream").setLevel(logging.CRITICAL)


def configured_channels(settings: Settings, registry):  # type: ignore[no-untyped-def]
    """The networked channels this deployment has credentials for."""
    channels = []
    if settings.bot_token:
        channels.append(telegram_channel(settings, registry))
    if settings.dingtalk_client_id and settings.dingtalk_client_secret:
        from channels.dingtalk import DingTalkChannel

        channels.append(DingTalkChannel(settings, registry))
    return channels


def telegram_channel(settings: Settings, registry, **options):  # type: ignore[no-untyped-def]
    """The Telegram channel on the library TELEGRAM_LIBRARY names (ptb or aiogram); both
    are the platform "telegram", so switching keeps every identity and pending update."""
    if settings.telegram_library == "aiogram":
        from channels.telegram_aiogram import AiogramTelegramChannel

        return AiogramTelegramChannel(settings, registry, **options)
    from channels.telegram import TelegramChannel

    return TelegramChannel(settings, registry, **options)


def run_bot(settings: Settings) -> int:
    """`bot.py run`: every configured channel; the console demo when none is."""
    from core.app import BotCore
    from core.runtime import Runtime

    core = BotCore.create(settings)
    channels = configured_channels(settings, core.registry)
    if not channels:
        start_web(settings)
        print("未设置 BOT_TOKEN：启动控制台演示（幸福村驻村工作队）。"
              "（钉钉请设置 DINGTALK_CLIENT_ID 和 DINGTALK_CLIENT_SECRET）", flush=True)
        core.db.dispose()
        return run_console(settings, demo=True, echo=False, clock_at=None)
    logging.getLogger().setLevel(logging.INFO)
    quiet_libraries()
    runtime = Runtime(core, channels)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        task = asyncio.current_task()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, task.cancel)  # type: ignore[union-attr]
        await runtime.start()  # people first: polling starts before the workspace
        print("驻村助手已启动：" + "、".join(c.platform for c in channels), flush=True)
        await asyncio.to_thread(start_web, settings)
        try:
            await asyncio.Event().wait()
        finally:
            await runtime.stop()

    try:
        asyncio.run(main())
    except (KeyboardInterrupt, asyncio.CancelledError):
        pass
    return 0


def start_web(settings: Settings):  # type: ignore[no-untyped-def]
    """The county workspace beside the bot, in a thread of this process; its address is
    printed. A port already taken is reported and the bot runs on without it."""
    if not settings.web_enabled:
        return None
    from web.server import WebServer
    from web.text import START_FAILED, STARTED

    try:
        server = WebServer(settings).start()
    except (OSError, RuntimeError, SystemExit) as exc:
        print(START_FAILED.format(port=settings.web_port, error=type(exc).__name__), flush=True)
        return None
    print(STARTED.format(url=server.url), flush=True)
    return server


def run_web(settings: Settings, port: int | None, listen: str | None) -> int:
    """`bot.py web`: the workspace alone (the bot runs elsewhere against the same database)."""
    from storage.db import Database
    from web.server import WebServer
    from web.text import STARTED

    updates = {k: v for k, v in (("web_port", port), ("web_listen", listen)) if v is not None}
    settings = settings.model_copy(update=updates)
    db = Database(settings.database_url)
    db.migrate()
    server = WebServer(settings, db)
    print(STARTED.format(url=server.url), flush=True)
    server.serve_forever()
    return 0


def fresh_database(settings: Settings) -> Settings:
    """The same settings on a new, empty SQLite file: each example script starts from the
    demo alone, so a dialog one script leaves open never swallows the next one's lines."""
    import atexit
    import shutil
    import tempfile

    folder = tempfile.mkdtemp(prefix="zhucun-")
    atexit.register(shutil.rmtree, folder, True)
    return settings.model_copy(update={"database_url": f"sqlite:///{folder}/console.sqlite3"})


def run_console(settings: Settings, demo: bool, echo: bool, clock_at: str | None, *,
                input_path: str | None = None, words: bool = False) -> int:
    from channels.console import ConsoleChannel, script_prefix
    from core.app import BotCore
    from services.clock import ManualClock
    from services.demo import load_demo

    clock = ManualClock()
    if clock_at:
        clock.set(datetime.strptime(clock_at, "%Y-%m-%d %H:%M").replace(
            tzinfo=ZoneInfo(settings.timezone)))
    core = BotCore.create(settings, clock)
    if demo:
        with core.db.session() as s:
            load_demo(s, clock.now())
    source: TextIO = sys.stdin
    prefix = None
    if input_path:
        # a script replayed after a crash: its lines keep their keys, nothing twice
        source = Path(input_path).open(encoding="utf-8")
        prefix = script_prefix(input_path)
    elif sys.stdin.isatty():
        print("驻村助手 · 控制台。输入格式：用户名: 消息，例如  cadre1: /help\n"
              "演示用户：leader secretary cadre1 cadre2 supervisor admin villager ；"
              "按 Ctrl-D 退出。", flush=True)
    with source:
        return ConsoleChannel(core, clock, echo=echo, key_prefix=prefix,
                              slash_commands=not words, replay=bool(input_path)).run(source)

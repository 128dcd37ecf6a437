"""A plain aiogram 3 echo bot: the ceiling the aiogram channel's speed is compared with.

    python bench/echo_aiogram.py [--tasks]   (env: BOT_TOKEN, TELEGRAM_BASE_URL)

Long polling through aiogram's Dispatcher, one update at a time like bench/echo_ptb.py
(python-telegram-bot's default), each text answered with the same text; --tasks handles
updates as concurrent tasks (aiogram's own default). The bot itself does not use the
Dispatcher (see channels/telegram_aiogram.py): this is the framework's best case.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os

from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

router_echo = Dispatcher()


@router_echo.message(F.text)
async def echo(message: Message) -> None:
    await message.answer(message.text or "")


async def run(tasks: bool) -> None:
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_BASE_URL"]))
    bot = Bot(os.environ["BOT_TOKEN"], session=session)
    await router_echo.start_polling(bot, polling_timeout=10, handle_as_tasks=tasks,
                                    handle_signals=True, close_bot_session=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--tasks", action="store_true", help="handle updates concurrently")
    a = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(run(a.tasks))


if __name__ == "__main__":
    main()

"""A plain python-telegram-bot echo bot: the ceiling the bot's own speed is compared with.

    python bench/echo_ptb.py [--rate-limiter]   (env: BOT_TOKEN, TELEGRAM_BASE_URL)

Long polling through PTB's Application, one update at a time (PTB's default), each text
answered with the same text; --rate-limiter adds AIORateLimiter as a shipped bot would.
"""

from __future__ import annotations

import argparse
import logging
import os

from telegram import Update
from telegram.ext import AIORateLimiter, Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    if update.message is not None and update.message.text is not None:
        await update.message.reply_text(update.message.text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate-limiter", action="store_true")
    a = ap.parse_args()
    logging.basicConfig(level=logging.WARNING)
    base = os.environ["TELEGRAM_BASE_URL"].rstrip("/")
    b = (Application.builder().token(os.environ["BOT_TOKEN"])
         .base_url(f"{base}/bot").base_file_url(f"{base}/file/bot"))
    if a.rate_limiter:
        b = b.rate_limiter(AIORateLimiter(max_retries=3))
    app = b.build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.run_polling(poll_interval=0.0, timeout=10, allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()

"""The command line: `run | console | migrate | admin …` (bot.py hands over to main())."""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import datetime
from zoneinfo import ZoneInfo

from cli import admin
from services.config import Settings, get_settings
from services.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bot.py", description="驻村助手")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("run", help="start the bot (Telegram if BOT_TOKEN is set, else console demo)")
    c = sub.add_parser("console", help="console channel: read lines from stdin")
    c.add_argument("--demo", action="store_true", help="load the demo team and users")
    c.add_argument("--echo", action="store_true", help="print input lines too (transcripts)")
    c.add_argument("--clock", help="start time 'YYYY-MM-DD HH:MM' in the team time zone")
    sub.add_parser("migrate", help="upgrade the database schema")

    admin.add_parsers(sub)
    return p


def run_console(settings: Settings, demo: bool, echo: bool, clock_at: str | None) -> int:
    from channels.console import ConsoleChannel
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
    interactive = sys.stdin.isatty()
    if interactive:
        print("驻村助手 · 控制台。输入格式：用户名: 消息，例如  cadre1: /help\n"
              "演示用户：leader secretary cadre1 cadre2 supervisor admin villager ；"
              "按 Ctrl-D 退出。", flush=True)
    return ConsoleChannel(core, clock, echo=echo).run(sys.stdin)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = get_settings()
    try:
        if args.cmd == "migrate":
            from storage.db import upgrade

            upgrade(settings.database_url)
            print("数据库已升级到最新结构。")
            return 0
        if args.cmd == "console":
            return run_console(settings, args.demo, args.echo, args.clock)
        if args.cmd == "run":
            if settings.bot_token:
                from channels.telegram import run_telegram

                return run_telegram(settings)
            print("未设置 BOT_TOKEN：启动控制台演示（幸福村驻村工作队）。", flush=True)
            return run_console(settings, demo=True, echo=False, clock_at=None)
        return admin.ADMIN_COMMANDS[args.admin_cmd](args, settings)
    except UserError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2

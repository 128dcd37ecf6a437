"""The command line: `run | console | migrate | admin …` (bot.py hands over to main())."""

from __future__ import annotations

import argparse
import logging
import sys

from cli import admin
from cli.run import fresh_database, quiet_libraries, run_bot, run_console
from services.config import get_settings
from services.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bot.py", description="驻村助手")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("run", help="start every configured channel (console demo when none is)")
    c = sub.add_parser("console", help="console channel: read lines from stdin")
    c.add_argument("--demo", action="store_true", help="load the demo team and users")
    c.add_argument("--echo", action="store_true", help="print input lines too (transcripts)")
    c.add_argument("--clock", help="start time 'YYYY-MM-DD HH:MM' in the team time zone")
    c.add_argument("--input", help="read this script instead of stdin; replaying it after a "
                                   "crash applies each line once")
    c.add_argument("--words", action="store_true",
                   help="name commands as Chinese words (as on platforms without /commands)")
    c.add_argument("--fresh", action="store_true",
                   help="a new empty database of its own for this run (example scripts)")
    sub.add_parser("migrate", help="upgrade the database schema")
    w = sub.add_parser("web", help="serve the county workspace alone (bot.py run serves it too)")
    w.add_argument("--port", type=int, help="port (default WEB_PORT)")
    w.add_argument("--listen", help="address (default WEB_LISTEN)")

    admin.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    settings = get_settings()
    try:
        if args.cmd == "migrate":
            from storage.db import upgrade

            upgrade(settings.database_url)
            print("数据库已升级到最新结构。")
            return 0
        if args.cmd == "console":
            if args.fresh:
                settings = fresh_database(settings)
            return run_console(settings, args.demo, args.echo, args.clock,
                               input_path=args.input, words=args.words)
        if args.cmd == "run":
            return run_bot(settings)
        if args.cmd == "web":
            from cli.run import run_web

            return run_web(settings, args.port, args.listen)
        return admin.ADMIN_COMMANDS[args.admin_cmd](args, settings)
    except UserError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2

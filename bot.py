"""驻村助手 entry point.

    python bot.py run              every configured channel (console demo when nothing is)
    python bot.py console [--demo] read lines from stdin (see channels/console.py)
    python bot.py migrate          upgrade the database schema
    python bot.py admin ...        administration (python bot.py admin -h)
"""

import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())

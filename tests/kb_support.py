"""Helpers for the knowledge-base tests: a demo bot on a *migrated* database.

The CLI (`bot.py admin kb-...`) runs migrations on start, so tests that drive it as a
separate process against the bot's database need one built by migrations, not create_all.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.app import BotCore
from services.clock import ManualClock
from services.config import Settings
from services.demo import load_demo
from storage.db import Database

ROOT = Path(__file__).resolve().parent.parent


def shipped_count() -> int:
    """How many entries knowledge/data ships, so tests need no edit when one is added."""
    from knowledge.loader import load_paths
    from knowledge.segment import DATA_DIR

    return len(load_paths([DATA_DIR]))


SHIPPED = shipped_count()

NEW_ENTRY = """\
- id: village-road-lights
  question: 村里路灯坏了找谁修？
  alternatives:
    - 路灯不亮向谁报修
  answer: 先向村委会报修，村里登记后报乡镇建设办，一般7个工作日内安排维修。
  basis: 示范县《农村公共照明管护办法》（2026年）
  tags: [基础设施]
"""


def migrated_demo(db_url: str, clock: ManualClock, **settings: object) -> BotCore:
    s = Settings(**{"database_url": db_url, "bot_token": None, "_env_file": None,  # type: ignore[arg-type]
                    **settings})
    db = Database(db_url)
    db.migrate()
    core = BotCore.create(s, clock, migrate=False, db=db)
    with db.session() as session:
        load_demo(session, clock.now())
    return core


def bot_cli(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python bot.py ...` as another process, as an administrator runs it."""
    env = {**os.environ, "DATABASE_URL": db_url}
    env.pop("BOT_TOKEN", None)
    return subprocess.run([sys.executable, "bot.py", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)

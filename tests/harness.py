"""Drive the bot through the console channel and read back what it printed."""

from __future__ import annotations

import io
from pathlib import Path

from channels.console import ConsoleChannel
from core.app import BotCore
from services.clock import ManualClock


class ChatHarness:
    def __init__(self, core: BotCore, clock: ManualClock, files_dir: Path) -> None:
        self.core, self.clock = core, clock
        self.out = io.StringIO()
        self.channel = ConsoleChannel(core, clock, self.out, files_dir=files_dir)

    def line(self, line: str) -> str:
        """Feed one console line; return what it printed."""
        start = self.out.tell()
        self.channel.feed(line)
        return self.out.getvalue()[start:]

    def send(self, user: str, text: str) -> str:
        return self.line(f"{user}: {text}")

    def press(self, user: str, label: str) -> str:
        return self.line(f"{user}: [{label}]")

    def clock_to(self, when: str) -> str:
        return self.line(f"!clock {when}")

    def script(self, text: str) -> str:
        start = self.out.tell()
        for line in text.strip().splitlines():
            self.channel.feed(line)
        return self.out.getvalue()[start:]


def run_console_script(script: str, database_url: str, *, clock: str | None = "2026-11-23 09:00",
                       demo: bool = True, timeout: float = 120) -> str:
    """Run `python bot.py console` as a real process, exactly as a user would; return stdout."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    args = [sys.executable, "bot.py", "console", "--echo"]
    if demo:
        args.append("--demo")
    if clock:
        args += ["--clock", clock]
    env = {**os.environ, "DATABASE_URL": database_url}
    env.pop("BOT_TOKEN", None)
    proc = subprocess.run(args, input=script, capture_output=True, text=True, cwd=root, env=env,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout

"""Drive the bot through the console channel and read back what it printed."""

from __future__ import annotations

import io
from pathlib import Path

from conversations.app import BotCore
from handlers.console import ConsoleChannel
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

"""The console channel: the whole bot driven by lines of text, no Telegram needed.

Input lines:
  alice: 你好               alice sends a text
  alice: [批准]             alice presses the button labelled 批准 on the last message showing it
  alice: @location 26.25,107.51   alice shares a location
  alice: @photo FILE_ID 说明        alice sends a photo (optional caption)
  alice: @sticker           alice sends a sticker (something that is not text)
  !clock 2026-12-01 08:00   set the clock (team time zone), run what is due, deliver it
  # a comment               ignored
Every reply prints as "-> alice: text", its buttons on the next line as "   [a] [b]", and
each photo a user uploaded (shown by its file id) as "   （照片：FILE_ID）".
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core import outbox
from core.app import BotCore
from core.messages import Incoming, Reply
from reminders.dispatch import missed_since
from services.clock import ManualClock
from storage.models import OutboxMessage

PLATFORM = "console"


class ConsoleChannel:
    def __init__(self, core: BotCore, clock: ManualClock, out: TextIO = sys.stdout,
                 files_dir: Path | None = None, echo: bool = False) -> None:
        self.core, self.clock, self.out, self.echo = core, clock, out, echo
        self.files_dir = files_dir or Path("out")
        self._buttons: dict[str, dict[str, str]] = {}

    # -- input ------------------------------------------------------------------------
    def run(self, lines: Iterable[str]) -> int:
        self.core.recover()
        self.core.tick()  # as the Telegram channel does at start: catch up, seed defaults
        self.flush()
        for line in lines:
            self.feed(line.rstrip("\n"))
        return 0

    def feed(self, line: str) -> None:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            if self.echo and stripped:
                self._print(stripped)
            return
        if self.echo:
            self._print(f"<- {stripped}")
        if stripped.startswith("!"):
            self._console_command(stripped)
            return
        user, sep, text = line.partition(":")
        user = user.strip()
        if not sep or not user or " " in user:
            self._print("！无法识别这一行。格式：用户名: 消息内容，例如  cadre1: /help")
            return
        msg = self._incoming(user, text.strip())
        if msg is None:
            return
        outcome = self.core.handle(msg)
        for reply in outcome.replies:
            self.show(user, reply)
        self.flush()

    def _incoming(self, user: str, text: str) -> Incoming | None:
        base = {"platform": PLATFORM, "user_id": user, "chat_id": user, "username": user}
        if text.startswith("[") and text.endswith("]") and len(text) > 2:
            label = text[1:-1]
            data = self._buttons.get(user, {}).get(label)
            if data is None:
                self._print(f"-> {user}: （最近的消息里没有「{label}」按钮）")
                return None
            return Incoming(**base, callback=data, callback_id=f"cb-{label}")
        if text.startswith("@location"):
            try:
                lat, lon = (float(x) for x in text.removeprefix("@location").split(","))
            except ValueError:
                self._print("！位置格式：@location 纬度,经度  例如 @location 26.25,107.51")
                return None
            return Incoming(**base, location=(lat, lon))
        if text.startswith("@photo"):
            parts = text.split(maxsplit=2)
            file_id = parts[1] if len(parts) > 1 else "console-photo"
            return Incoming(**base, photos=[file_id], text=parts[2] if len(parts) > 2 else None)
        if text.startswith("@sticker"):
            return Incoming(**base, other_kind="sticker")
        return Incoming(**base, text=text)

    def _console_command(self, line: str) -> None:
        name, _, arg = line[1:].partition(" ")
        if name != "clock":
            self._print("！控制台命令只有 !clock YYYY-MM-DD HH:MM")
            return
        try:
            when = datetime.strptime(arg.strip(), "%Y-%m-%d %H:%M")
        except ValueError:
            self._print("！时间格式：!clock 2026-12-01 08:00")
            return
        self.clock.set(when.replace(tzinfo=ZoneInfo(self.core.settings.timezone)))
        self._print(f"# 时钟：{when:%Y-%m-%d %H:%M}")
        with self.core.db.session() as s:
            last_id = s.scalar(select(func.max(OutboxMessage.id))) or 0
        self.core.tick()
        self.flush()
        with self.core.db.session() as s:
            for who, head in missed_since(s, last_id):
                self._print(f"# ⚠ 已错过（超过宽限期 {self.core.settings.outbox_grace_hours} 小时，"
                            f"只记录不补发）：{who}：{head}")

    # -- output -----------------------------------------------------------------------
    def flush(self) -> None:
        outbox.deliver(self.core.db, PLATFORM, self._send, self.clock.now(), self.core.grace)

    def _send(self, chat_id: str, reply: Reply) -> outbox.SendResult:
        self.show(chat_id, reply)
        return outbox.SendResult("sent")

    def show(self, user: str, reply: Reply) -> None:
        text = reply.text.replace("\n", "\n   ")
        self._print(f"-> {user}: {text}")
        if reply.buttons:
            labels = self._buttons.setdefault(user, {})
            row_texts = []
            for row in reply.buttons:
                for b in row:
                    labels[b.label] = b.data
                row_texts.append(" ".join(f"[{b.label}]" for b in row))
            self._print("   " + " ".join(row_texts))
        if reply.request_location:
            self._print("   （发送位置：@location 纬度,经度）")
        for att in reply.attachments:
            if att.file_id is not None:  # a user's upload: the console can only name it
                self._print(f"   （{'照片' if att.kind == 'photo' else '文件'}：{att.file_id}）")
            else:
                assert att.path is not None
                self._print(f"   （{'图片' if att.kind == 'photo' else '文件'}已保存："
                            f"{self._keep(att.path, att.filename)}）")

    def _keep(self, path: str, filename: str | None) -> str:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        target = self.files_dir / (filename or Path(path).name)
        if Path(path).resolve() != target.resolve():
            shutil.copyfile(path, target)
        return str(target)

    def _print(self, text: str) -> None:
        print(text, file=self.out, flush=True)

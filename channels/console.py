"""The console channel: the whole bot driven by lines of text, no Telegram needed.

Input lines:
  alice: 你好               alice sends a text
  alice: [批准]             alice presses the button labelled 批准 on the last message showing it
  alice: @location 26.25,107.51   alice shares a location
  alice: @photo FILE_ID 说明        alice sends a photo (optional caption)
  alice: @voice FILE_ID     alice sends a voice note
  alice: @sticker           alice sends a sticker (something that is not text)
  !clock 2026-12-01 08:00   set the clock (team time zone), run what is due, deliver it
  # a comment               ignored
Every reply prints as "-> alice: text", its buttons on the next line as "   [a] [b]", and
each photo a user uploaded (shown by its file id) as "   （照片：FILE_ID）".
"""

from __future__ import annotations

import shutil
import sys
import time
import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from core import outbox
from core import text as T
from core.app import BotCore, lane_of
from core.channel import Capabilities, Part, Received, SendResult
from core.inbox import is_transient
from core.messages import Incoming, Reply
from core.words import name_commands
from reminders.dispatch import missed_since
from services.clock import ManualClock
from storage.models import InboxUpdate, OutboxMessage

PLATFORM = "console"


class ConsoleChannel:
    """Lines in, printed replies out; every line goes through the inbox and every reply
    through the outbox, exactly as on the networked channels.

    `key_prefix` names this input: lines are keyed "<prefix>:<n>", so a script replayed
    after a crash (`--input FILE`) is recognised line by line and nothing is applied
    twice. `slash_commands=False` shows commands by their Chinese names, as on DingTalk.
    """

    platform = PLATFORM

    def __init__(self, core: BotCore, clock: ManualClock, out: TextIO = sys.stdout,
                 files_dir: Path | None = None, echo: bool = False,
                 key_prefix: str | None = None, slash_commands: bool = True,
                 replay: bool = False) -> None:
        self.core, self.clock, self.out, self.echo = core, clock, out, echo
        self.files_dir = files_dir or Path("out")
        self._buttons: dict[str, dict[str, str]] = {}
        self.prefix = key_prefix or uuid.uuid4().hex[:12]
        self.seq = 0
        self.replay = replay
        self.caps = Capabilities(slash_commands=slash_commands, command_menu=False,
                                 global_per_second=1e9, private_per_second=1e9,
                                 private_burst=10**9, group_per_minute=1e9)
        self._names = core.command_names()

    # -- the channel contract ------------------------------------------------------------
    def parse(self, payload: dict) -> Incoming | None:  # type: ignore[type-arg]
        return Incoming.from_payload(payload)

    def parts(self, reply: Reply) -> list[Part]:
        return [reply.to_payload()]

    def send_part(self, chat_id: str, part: Part) -> SendResult:
        self.show(chat_id, Reply.from_payload(part))
        return SendResult("sent")

    def is_group(self, chat_id: str) -> bool:
        return False

    def invite_link(self, code: str) -> str | None:
        return None

    # -- input ------------------------------------------------------------------------
    def run(self, lines: Iterable[str]) -> int:
        self.core.recover()
        self._buttons = shown_buttons(self.core)  # what people saw before a restart
        self.core.process_pending([PLATFORM])  # what a crash left accepted but unhandled
        self.core.tick()  # as the networked channels do at start: catch up, seed defaults
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
        self.seq += 1
        key = f"{self.prefix}:{self.seq}"
        if self.replay and self._accepted(key):
            return  # a script replayed after a crash: this line was taken already
        msg = self._incoming(user, text.strip())
        if msg is None:
            return
        msg.update_key = key
        self._store(msg)
        self._handle(msg)
        self.flush()

    def _accepted(self, key: str) -> bool:
        with self.core.db.read() as s:
            return s.scalar(select(InboxUpdate.id).where(InboxUpdate.platform == PLATFORM,
                                                         InboxUpdate.update_key == key)) is not None

    def _store(self, msg: Incoming) -> None:
        """Accepted means kept: wait out a database that is down, say so once."""
        delay, told = 0.5, False
        while True:
            try:
                self.core.accept(PLATFORM, [Received(msg.update_key or "", lane_of(msg),
                                                     msg.to_payload(), chat_id=msg.chat_id)])
                return
            except Exception as exc:
                if not is_transient(exc):
                    raise
                told = self._busy(msg, told)
                time.sleep(delay)
                delay = min(5.0, delay * 2)

    def _handle(self, msg: Incoming) -> None:
        """Process until this line is handled (or parked); the console waits, as a person
        at a desk would, and is told 系统有点忙 once if it takes a while."""
        delay, told, first = 0.5, False, True
        while True:
            try:
                self.core.process_pending([PLATFORM], ignore_backoff=not first)
                with self.core.db.read() as s:
                    state = s.scalar(select(InboxUpdate.status).where(
                        InboxUpdate.platform == PLATFORM, InboxUpdate.update_key == msg.update_key))
                if state != "pending":
                    return
            except Exception as exc:
                if not is_transient(exc):
                    raise
            first = False
            told = self._busy(msg, told)
            time.sleep(delay)
            delay = min(5.0, delay * 2)

    def _busy(self, msg: Incoming, told: bool) -> bool:
        if not told:
            self._print(f"-> {msg.chat_id}: {T.BUSY}")
        return True

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
        if text.startswith("@voice"):
            parts = text.split(maxsplit=1)
            return Incoming(**base, voice=parts[1] if len(parts) > 1 else "console-voice",
                            other_kind="voice")
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
        self.core.deliver_sync(PLATFORM, self._send)

    def _send(self, job: outbox.Job) -> SendResult:
        return self.send_part(job.chat_id, self.parts(job.reply)[0])

    def show(self, user: str, reply: Reply) -> None:
        body = reply.text if self.caps.slash_commands else name_commands(reply.text, self._names)
        text = body.replace("\n", "\n   ")
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
                label = {"photo": "照片", "voice": "语音"}.get(att.kind, "文件")
                self._print(f"   （{label}：{att.file_id}）")
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


def shown_buttons(core: BotCore, last: int = 5000) -> dict[str, dict[str, str]]:
    """Label -> data of the buttons each console user was last shown, rebuilt from the
    outbox, so "[批准]" still works after a restart (nothing lives only in memory)."""
    out: dict[str, dict[str, str]] = {}
    with core.db.read() as s:
        rows = s.execute(select(OutboxMessage.chat_id, OutboxMessage.payload)
                         .where(OutboxMessage.platform == PLATFORM,
                                OutboxMessage.status.in_(("sent", "unknown")))
                         .order_by(OutboxMessage.id.desc()).limit(last)).all()
    for chat, payload in reversed(rows):
        for row in payload.get("buttons") or []:
            for label, data in row:
                out.setdefault(chat or "", {})[label] = data
    return out


def script_prefix(path: str | Path) -> str:
    """The key prefix of a script's lines: the same file replayed gives the same keys."""
    return f"file:{Path(path).resolve()}"[-40:]

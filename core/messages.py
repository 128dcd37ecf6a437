"""The narrow interface between channels and the core.

A channel turns a platform update into an Incoming and delivers Replies; nothing in
the core imports a platform library, so Telegram, the console and the tests share
every dialog.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from core.callbacks import MAX_CALLBACK_BYTES


@dataclass(frozen=True)
class Button:
    label: str
    data: str

    def __post_init__(self) -> None:
        if len(self.data.encode()) > MAX_CALLBACK_BYTES:
            raise ValueError(f"callback data too long: {self.data!r}")


@dataclass
class Incoming:
    """One thing a user did: sent text, pressed a button, shared a location or a file."""

    platform: str
    user_id: str
    chat_id: str
    text: str | None = None
    callback: str | None = None
    callback_id: str | None = None
    location: tuple[float, float] | None = None
    photos: list[str] = field(default_factory=list)
    document: str | None = None
    # A voice note, by the platform's file id (the channel also sets other_kind="voice",
    # so a feature that does not keep voice notes answers as before).
    voice: str | None = None
    # Set for content the bot cannot read as text (sticker, voice, video...).
    other_kind: str | None = None
    update_key: str | None = None
    username: str | None = None
    display_name: str | None = None
    is_private: bool = True

    def to_payload(self) -> dict[str, Any]:
        """As stored in the inbox by channels whose updates are already Incoming (console)."""
        return {"incoming": dataclasses.asdict(self)}

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Incoming:
        d = dict(payload["incoming"])
        if d.get("location") is not None:
            d["location"] = tuple(d["location"])
        return cls(**d)

    @property
    def command(self) -> tuple[str, str] | None:
        """('report', 'args') for '/report args' (also '/report@bot' and a full-width slash)."""
        if not self.text:
            return None
        text = self.text.strip()
        if not text or text[0] not in "/／":
            return None
        head, _, rest = text[1:].partition(" ")
        name = head.split("@", 1)[0].lower()
        if not name or not name.replace("_", "").isalnum() or not name.isascii():
            return None
        return name, rest.strip()


@dataclass
class Attachment:
    """A file to send: a chart or export by `path` on disk, or something a user uploaded,
    by the platform's own reference (`file_id`, e.g. a Telegram photo id), so photos that
    villagers and cadres sent can be shown to the people who must see them without the
    bot ever downloading them."""

    kind: str  # "photo" | "document" | "voice"
    path: str | None = None
    filename: str | None = None
    file_id: str | None = None

    def __post_init__(self) -> None:
        if (self.path is None) == (self.file_id is None):
            raise ValueError("an attachment needs exactly one of path and file_id")

    @classmethod
    def photo(cls, file_id: str) -> Attachment:
        return cls("photo", file_id=file_id)

    @classmethod
    def voice(cls, file_id: str) -> Attachment:
        """A voice note someone recorded, played back by its file id."""
        return cls("voice", file_id=file_id)

    def to_payload(self) -> dict[str, Any]:
        return {"kind": self.kind, "path": self.path, "filename": self.filename,
                "file_id": self.file_id}

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Attachment:
        return cls(p["kind"], p.get("path"), p.get("filename"), p.get("file_id"))


def photos(file_ids: list[str] | None) -> list[Attachment]:
    """Stored photo ids (complaints, reports) as attachments, in the order they came."""
    return [Attachment.photo(f) for f in file_ids or [] if f]


@dataclass
class Reply:
    """Something to say. `to` None means back to the chat the Incoming came from.

    Attachments are delivered before the text, so the text and its buttons come last and
    stay at hand; a channel may fold a short text into a single attachment's caption."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    request_location: bool = False

    def to_payload(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [[[b.label, b.data] for b in row] for row in self.buttons],
            "attachments": [a.to_payload() for a in self.attachments],
            "request_location": self.request_location,
        }

    @classmethod
    def from_payload(cls, p: dict[str, Any]) -> Reply:
        atts = list(p.get("attachments") or [])
        if p.get("attachment"):  # rows queued before attachments became a list
            atts.insert(0, p["attachment"])
        return cls(
            text=p["text"],
            buttons=[[Button(label, data) for label, data in row] for row in p.get("buttons", [])],
            attachments=[Attachment.from_payload(a) for a in atts],
            request_location=bool(p.get("request_location")),
        )


def buttons_row(*pairs: tuple[str, str]) -> list[list[Button]]:
    """One row of buttons from (label, data) pairs: the common case for confirmations."""
    return [[Button(label, data) for label, data in pairs]]

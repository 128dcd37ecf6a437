"""Photos and voice notes people attach to records (tasks, projects, council minutes,
the daily log), kept by the platform's file id and never downloaded.

One shape everywhere: a list of {"kind": "photo" | "voice", "file_id": "..."}, so every
feature attaches and plays back the same way (`from_incoming`, `attachments`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.messages import Attachment, Incoming

KINDS = ("photo", "voice")
MAX_ITEMS = 20  # per record: a handful of photos of a road, a minute of voice notes


def from_incoming(msg: Incoming) -> list[dict[str, str]]:
    """What a message carries besides text: its photos and its voice note."""
    out = [{"kind": "photo", "file_id": f} for f in msg.photos if f]
    if msg.voice:
        out.append({"kind": "voice", "file_id": msg.voice})
    return out


def merge(kept: Iterable[Any], new: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    """`kept` plus what is new in `new`, in order, at most MAX_ITEMS."""
    out = [dict(m) for m in kept if isinstance(m, dict) and m.get("kind") in KINDS]
    seen = {m["file_id"] for m in out}
    for m in new:
        if m.get("file_id") and m["file_id"] not in seen and m.get("kind") in KINDS:
            out.append({"kind": m["kind"], "file_id": m["file_id"]})
            seen.add(m["file_id"])
    return out[:MAX_ITEMS]


def count(media: Iterable[Any], kind: str) -> int:
    return sum(1 for m in media or () if isinstance(m, dict) and m.get("kind") == kind)


def attachments(media: Iterable[Any]) -> list[Attachment]:
    """Stored media as attachments to send back: photos first, then voice notes."""
    items = [m for m in media or () if isinstance(m, dict) and m.get("file_id")]
    photos = [Attachment.photo(m["file_id"]) for m in items if m.get("kind") == "photo"]
    voices = [Attachment.voice(m["file_id"]) for m in items if m.get("kind") == "voice"]
    return photos + voices

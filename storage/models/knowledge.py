"""Knowledge-base questions asked in chat, and entries administrators imported.

Questions are logged so administrators can see what the base does not answer yet.
Imported files live in the database (not on one machine's disk) so every running bot
process sees them; `kb_version` holds a token that changes on every import or reload,
which a process compares cheaply to know that it must rebuild its index.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from services.clock import utcnow

from .base import Base


class KbQuestion(Base):
    """One question asked of the knowledge base and what came of it."""

    __tablename__ = "kb_question"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"), index=True)
    villager_id: Mapped[int | None] = mapped_column(ForeignKey("villager.id"), index=True)
    text: Mapped[str] = mapped_column(Text)  # kept whole; shortened only for display
    kind: Mapped[str] = mapped_column(String(8))  # answer | choose | none
    entry_id: Mapped[str | None] = mapped_column(String(64))  # best (or chosen) entry
    score: Mapped[float | None] = mapped_column(Float)
    # Entry ids offered as "您是不是想问"; buttons carry the index, not the (long) id.
    choices: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    unresolved: Mapped[bool] = mapped_column(Boolean, default=False)  # [没解决] / [都不是]
    forwarded: Mapped[bool] = mapped_column(Boolean, default=False)  # [转给管理员]
    answered_by_admin: Mapped[bool] = mapped_column(Boolean, default=False)  # admin closed it


class KbImport(Base):
    """A YAML file an administrator imported with `admin kb-import` (content kept whole)."""

    __tablename__ = "kb_import"
    id: Mapped[int] = mapped_column(primary_key=True)
    filename: Mapped[str] = mapped_column(String(255), index=True)
    content: Mapped[str] = mapped_column(Text)
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Re-importing a file with the same name replaces (deactivates) the older copy.
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class KbVersion(Base):
    """Single row: a token that changes whenever the base must be rebuilt everywhere."""

    __tablename__ = "kb_version"
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

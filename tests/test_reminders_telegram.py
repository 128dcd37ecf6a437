"""Reminders delivered through the real Telegram stack: once, with their buttons."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from storage.models import Identity, Member, OutboxMessage
from tests.conftest import at
from tests.fake_telegram import FakeTelegram
from tests.live import LiveBot


async def test_evening_report_reminder_reaches_telegram_exactly_once(
        fake_tg: FakeTelegram, tg: LiveBot) -> None:
    core = tg.core
    with core.db.session() as s:
        m = s.scalar(select(Member).where(Member.name == "张驻村"))
        s.add(Identity(platform="telegram", external_id="3001", chat_id="3001", member_id=m.id,
                       last_seen_at=core.clock.now() + timedelta(minutes=1)))
    core.clock.set(at("2026-11-23 20:00"))
    await tg.tick()
    await tg.tick()  # a second tick (or a second worker) must not send it again
    sent = [c for c in fake_tg.calls("sendMessage") if str(c.params.get("chat_id")) == "3001"]
    assert len(sent) == 1
    assert "工作日志提醒" in sent[0].params["text"]
    assert "写日志" in str(sent[0].params.get("reply_markup"))
    with core.db.session() as s:
        statuses = {r.status for r in s.scalars(select(OutboxMessage).where(
            OutboxMessage.platform == "telegram"))}
    assert statuses == {"sent"}


async def test_reminder_to_someone_who_blocked_the_bot_is_skipped_not_retried(
        fake_tg: FakeTelegram, tg: LiveBot) -> None:
    core = tg.core
    with core.db.session() as s:
        m = s.scalar(select(Member).where(Member.name == "赵驻村"))
        s.add(Identity(platform="telegram", external_id="3002", chat_id="3002", member_id=m.id,
                       last_seen_at=core.clock.now() + timedelta(minutes=1)))
    fake_tg.block(3002)
    core.clock.set(at("2026-11-23 20:00"))
    await tg.tick()
    core.clock.set(at("2026-11-23 20:05"))
    await tg.tick()
    attempts = [c for c in fake_tg.calls("sendMessage") if str(c.params.get("chat_id")) == "3002"]
    assert len(attempts) == 1  # tried once, marked blocked, never hammered again
    with core.db.session() as s:
        assert s.scalar(select(Identity.blocked_at).where(Identity.external_id == "3002"))

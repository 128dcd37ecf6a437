"""Policy questions end to end through python-telegram-bot and the fake Bot API: a cadre
asks in Traditional characters and with homophone typos, gets the right answers with
their basis, presses [没解决], and the administrator's CLI (another process) lists it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from services.clock import ManualClock
from storage.models import Identity, KbQuestion, Member
from tests.conftest import TELEGRAM_TOKEN
from tests.fake_telegram import FakeTelegram, said
from tests.kb_support import bot_cli, migrated_demo
from tests.live import LiveBot, live_telegram

CADRE_TG, OTHER_TG, ADMIN_TG = 5151, 5252, 5353


@pytest.fixture
async def kb_tg(fake_tg: FakeTelegram, clock: ManualClock,
                tmp_path: Path, telegram_library: str) -> AsyncIterator[LiveBot]:
    """The demo team on a migrated database (the CLI runs against it), served on Telegram."""
    core = migrated_demo(f"sqlite:///{tmp_path / 'kbtg.sqlite3'}", clock,
                         bot_token=TELEGRAM_TOKEN, telegram_base_url=fake_tg.url)
    now = clock.now()
    with core.db.session() as s:
        for ident in s.scalars(select(Identity)):  # people use Telegram now, not the console
            ident.last_seen_at = now - timedelta(days=1)
        for ext, name in ((CADRE_TG, "张驻村"), (OTHER_TG, "赵驻村"), (ADMIN_TG, "刘管理")):
            m = s.scalar(select(Member).where(Member.name == name))
            s.add(Identity(platform="telegram", external_id=str(ext), chat_id=str(ext),
                           member_id=m.id, created_at=now, last_seen_at=now))
    async with live_telegram(core, fake_tg.url, telegram_library) as bot:
        yield bot
    core.db.dispose()






async def _ask(fake: FakeTelegram, user: int, text: str, expect: str):  # type: ignore[no-untyped-def]
    mark = fake.mark()
    fake.push_text(user, text)
    return await fake.wait_for(said(expect, user), since=mark, timeout=15)


async def test_cadre_asks_in_traditional_and_with_typos_then_reports_not_solved(
        fake_tg: FakeTelegram, kb_tg: LiveBot) -> None:
    c = CADRE_TG
    # Traditional characters; the first question also builds the index (lazily, once).
    allowance = await _ask(fake_tg, c, "駐村幹部每月補助多少", "【驻村干部每月生活补助多少？】")
    text = allowance.params["text"]
    assert "每月1100元生活补助" in text and "依据：《跑好乡村振兴第一棒" in text
    # homophone typos: 信代→信贷, 申情→申请 (plain text, no command)
    loan = await _ask(fake_tg, c, "小额信代怎么申情", "【小额信贷怎么申请？】")
    assert "合作银行" in loan.params["text"]
    # the same through /ask, Traditional + typo at once
    await _ask(fake_tg, c, "/ask 低寶怎麼申情", "【农村低保怎么申请？】")

    # someone else cannot press the cadre's [没解决]
    mark = fake_tg.mark()
    fake_tg.push_callback(OTHER_TG, allowance.buttons["没解决"])
    await fake_tg.wait_for(said("您不能替别人操作", OTHER_TG), since=mark, timeout=15)

    mark = fake_tg.mark()
    fake_tg.push_callback(c, allowance.buttons["没解决"])
    sorry = await fake_tg.wait_for(said("已经记下来了", c), since=mark, timeout=15)
    mark = fake_tg.mark()
    fake_tg.push_callback(c, sorry.buttons["转给管理员"])
    await fake_tg.wait_for(said("已转给管理员（刘管理）", c), since=mark, timeout=15)
    card = await fake_tg.wait_for(said("【政策提问转交】", ADMIN_TG), timeout=15)
    assert "问题：駐村幹部每月補助多少" in card.params["text"]

    with kb_tg.core.db.session() as s:
        rows = s.scalars(select(KbQuestion).order_by(KbQuestion.id)).all()
        assert [(q.entry_id, q.unresolved, q.forwarded) for q in rows] == [
            ("living-allowance", True, True), ("microcredit-apply", False, False),
            ("dibao", False, False)]

    listed = bot_cli(kb_tg.core.db.url, "admin", "kb-unanswered", "--days", "36500")
    assert listed.returncode == 0, listed.stderr
    assert "共 1 条" in listed.stdout and "駐村幹部每月補助多少" in listed.stdout
    assert "[没解决、已转交]" in listed.stdout and "张驻村（驻村干部）" in listed.stdout

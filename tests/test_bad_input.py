"""Bad input never crashes the bot, never corrupts a dialog, always gets a Chinese reply."""

from __future__ import annotations

import sqlite3

from sqlalchemy import func, select

from core.messages import Incoming
from storage.models import AuditEvent, DialogState, ProcessedUpdate
from tests.harness import ChatHarness


def test_unknown_command_and_unregistered_user(chat: ChatHarness) -> None:
    assert "没有 /launch 这个命令" in chat.send("cadre1", "/launch")
    out = chat.send("stranger", "/me")
    assert "还没有注册" in out and "/start" in out
    assert "还没有注册" in chat.send("stranger", "随便说点什么")


def test_empty_and_very_long_text_outside_a_dialog(chat: ChatHarness) -> None:
    assert "内容是空的" in chat.send("cadre1", "   ")
    out = chat.send("cadre1", "很" * 10_000)
    assert out.startswith("-> cadre1:") and "没有看懂" in out or "日志" in out


def test_text_over_the_hard_limit_is_refused_politely(chat: ChatHarness) -> None:
    out = chat.send("cadre1", "字" * 25_000)
    assert "太长" in out and "分成几条" in out


def test_forged_and_stale_buttons_are_refused_and_logged(chat: ChatHarness) -> None:
    router = chat.core
    forged = router.handle(Incoming(platform="console", user_id="cadre2", chat_id="cadre2",
                                    callback="lv:approve:1"))
    assert "失效" in forged.replies[0].text
    stale = router.handle(Incoming(platform="console", user_id="cadre2", chat_id="cadre2",
                                   callback="d:register:yes"))
    assert "失效" in stale.replies[0].text
    with chat.core.db.session() as s:
        # "approve" is no action of LeaveButton: the router refuses the data before any handler
        malformed = s.scalars(select(AuditEvent)
                              .where(AuditEvent.action == "button.malformed")).all()
        assert len(malformed) == 1 and malformed[0].detail["callback"] == "lv:approve:1"


def test_same_update_id_is_handled_once(chat: ChatHarness) -> None:
    msg = Incoming(platform="telegram", user_id="9", chat_id="9", text="/help", update_id=1001)
    first = chat.core.handle(msg)
    second = chat.core.handle(msg)
    assert first.replies and second.duplicate and second.replies == []
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1


def test_busy_database_gets_a_polite_reply_and_writes_nothing(chat: ChatHarness) -> None:
    from sqlalchemy.engine import make_url

    from storage.db import Database

    path = make_url(chat.core.settings.database_url).database
    chat.core.db.dispose()
    # A short timeout so the test does not wait ten seconds for the lock.
    impatient = Database(chat.core.settings.database_url)
    impatient.engine.dispose()
    from storage.db import make_engine
    impatient.engine = make_engine(chat.core.settings.database_url, busy_timeout_s=0.2)
    from sqlalchemy.orm import sessionmaker
    impatient._factory = sessionmaker(impatient.engine, expire_on_commit=False)
    chat.core.router.db = impatient
    locker = sqlite3.connect(path)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        out = chat.core.handle(Incoming(platform="console", user_id="x", chat_id="x",
                                               text="/start ABCD2345", update_id=5))
    finally:
        locker.rollback()
        locker.close()
    assert "系统有点忙" in out.replies[0].text
    with impatient.session() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
        assert s.scalar(select(func.count()).select_from(DialogState)) == 0


def test_sticker_photo_and_location_outside_a_dialog(chat: ChatHarness) -> None:
    assert "只能看懂文字" in chat.send("cadre1", "@sticker")
    assert chat.send("cadre1", "@location 26.25,107.51").startswith("-> cadre1:")
    assert "位置格式" in chat.send("cadre1", "@location here")


def test_malformed_console_lines(chat: ChatHarness) -> None:
    assert "无法识别" in chat.line("no colon here")
    assert "控制台命令只有" in chat.line("!bogus")
    assert "时间格式" in chat.line("!clock tomorrow")


def test_a_failed_step_leaves_no_trace_so_the_redelivered_update_is_handled(chat: ChatHarness) -> None:
    from core.registry import Command
    from services.roles import EVERYONE

    def boom(ctx, args):  # type: ignore[no-untyped-def]
        ctx.audit("about to fail")  # written inside the step: must be rolled back too
        raise RuntimeError("disk on fire")

    chat.core.registry.command(Command("boom", "test", EVERYONE, run=boom, allow_unregistered=True))
    msg = Incoming(platform="telegram", user_id="9", chat_id="9", text="/boom", update_id=4242)
    assert "没有保存" in chat.core.handle(msg).replies[0].text
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "about to fail")) == 0
    retry = chat.core.handle(Incoming(platform="telegram", user_id="9", chat_id="9",
                                             text="/help", update_id=4242))
    assert not retry.duplicate and "还没有注册" in retry.replies[0].text

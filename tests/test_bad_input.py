"""Bad input never crashes the bot, never corrupts a dialog, always gets a Chinese reply."""

from __future__ import annotations

from sqlalchemy import select

from core.messages import Incoming
from storage.models import AuditEvent
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


def test_sticker_photo_and_location_outside_a_dialog(chat: ChatHarness) -> None:
    assert "只能看懂文字" in chat.send("cadre1", "@sticker")
    assert chat.send("cadre1", "@location 26.25,107.51").startswith("-> cadre1:")
    assert "位置格式" in chat.send("cadre1", "@location here")


def test_malformed_console_lines(chat: ChatHarness) -> None:
    assert "无法识别" in chat.line("no colon here")
    assert "控制台命令只有" in chat.line("!bogus")
    assert "时间格式" in chat.line("!clock tomorrow")

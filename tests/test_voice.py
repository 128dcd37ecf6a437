"""Voice notes: kept by file id as part of the day's log, played back from /reports to the
author and the team's leaders only; a villager's voice note is still "text only"; the
Telegram channel maps a voice message to Incoming.voice and plays one back with sendVoice."""

from __future__ import annotations

from sqlalchemy import select

from channels import telegram
from conversations.reports.flow import ReportButton
from core.messages import Attachment, Reply
from services import reports as rs
from storage.models import AuditEvent, DailyReport
from tests.harness import ChatHarness
from tests.strangers import add_strangers, press_data, villager_as


def _report(chat: ChatHarness) -> DailyReport:
    with chat.core.db.session() as s:
        r = s.scalars(select(DailyReport)).one()
        s.expunge(r)
    return r


def test_a_voice_note_is_the_days_log_at_once(chat: ChatHarness) -> None:
    out = chat.send("cadre1", "@voice VOICE-1")
    assert "已存入11月23日（周一，今天）的工作日志（语音共 1 条）" in out
    r = _report(chat)
    assert (r.voices, r.done, r.submitted) == (["VOICE-1"], "", True)
    with chat.core.db.session() as s:  # it counts: 张驻村 is not listed as missing
        assert "张驻村" not in [m.name for m in rs.missing_reporters(s, r.team_id, r.report_date)]  # type: ignore[arg-type]
    assert "语音共 2 条" in chat.send("cadre1", "@voice VOICE-2")
    # a text added later keeps the voice notes, and the old version is kept as a revision
    chat.send("cadre1", "/report")
    chat.press("cadre1", "补充")
    chat.send("cadre1", "走访脱贫户3户")
    chat.press("cadre1", "提交")
    r = _report(chat)
    assert r.voices == ["VOICE-1", "VOICE-2"] and r.done == "走访脱贫户3户"
    with chat.core.db.session() as s:
        assert [v.reason for v in rs.revisions(s, r.id)] == ["append", "append"]


def test_a_voice_note_in_the_report_dialog_joins_the_draft(chat: ChatHarness) -> None:
    chat.send("cadre2", "/report")
    out = chat.send("cadre2", "@voice VOICE-9")
    assert "已收到语音（共 1 条）" in out and "工作内容：（语音日志，1 条）" in out and "[提交]" in out
    chat.press("cadre2", "提交")
    r = _report(chat)
    assert r.voices == ["VOICE-9"] and r.submitted


def test_leaders_play_voice_notes_back_and_nobody_else(chat: ChatHarness) -> None:
    add_strangers(chat)
    chat.send("cadre1", "@voice VOICE-1")
    out = chat.send("leader", "/reports")
    assert "✅ 张驻村🎙1：（语音日志）" in out
    out = chat.press("leader", "🎙 张驻村（1条）")
    assert "张驻村 11月23日（周一，今天）日志的语音（1条）" in out and "（语音：VOICE-1）" in out
    assert "[🎙 11月23日（1条）]" in chat.send("cadre1", "/myreports")
    rid = _report(chat).id
    twin = villager_as(chat, "cadre1")
    for user in (twin, "cadre2", "othercadre", "supervisor", "othersup"):
        out = press_data(chat, user, ReportButton("vo", rid).pack())
        assert "您不能查看这篇日志" in out, user
    with chat.core.db.session() as s:
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()) == 5


def test_a_villagers_voice_note_is_still_text_only(chat: ChatHarness) -> None:
    assert "我暂时只能看懂文字消息" in chat.send("villager", "@voice VOICE-V")
    assert "我暂时只能看懂文字消息" in chat.send("cadre1", "@sticker")  # stickers as before


def test_telegram_maps_a_voice_message_and_plays_one_back() -> None:
    from telegram import Update

    update = Update.de_json({"update_id": 9, "message": {
        "message_id": 1, "date": 1764000000, "chat": {"id": 42, "type": "private"},
        "from": {"id": 42, "is_bot": False, "first_name": "张"},
        "voice": {"file_id": "AwACAgUAAxkBAAI", "file_unique_id": "u1", "duration": 12}}}, None)
    msg = telegram.to_incoming(update)
    assert msg is not None and (msg.voice, msg.other_kind, msg.text) == ("AwACAgUAAxkBAAI", "voice", None)
    parts = telegram.parts(Reply("语音（1条）", attachments=[Attachment.voice("AwACAgUAAxkBAAI")]))
    assert parts == [{"kind": "voice", "file_id": "AwACAgUAAxkBAAI", "path": None, "filename": None,
                      "text": "语音（1条）", "markup": None}]

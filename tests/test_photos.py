"""Attachments: stored platform photos next to files on disk, one delivery mechanism on
Telegram (albums, captions, long texts, refused ids), and outbox rows from before."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.telegram_base import TelegramChannelBase as TelegramChannel
from cli.run import telegram_channel
from core.channel import SendResult
from core.messages import Attachment, Button, Reply, photos
from services.config import Settings
from tests.conftest import TELEGRAM_TOKEN
from tests.fake_telegram import FakeTelegram

CHAT = 5151
BUTTONS = [[Button("好", "x:ok")]]


def test_payload_round_trip_and_rows_queued_before_lists() -> None:
    reply = Reply("看照片", buttons=BUTTONS,
                  attachments=[Attachment.photo("F1"), Attachment("document", "/tmp/a.xlsx", "a.xlsx")])
    assert Reply.from_payload(reply.to_payload()) == reply
    old = {"text": "图", "buttons": [], "request_location": False,
           "attachment": {"kind": "photo", "path": "/tmp/c.png", "filename": "c.png"}}
    assert Reply.from_payload(old).attachments == [Attachment("photo", "/tmp/c.png", "c.png")]
    assert Reply.from_payload({"text": "t", "attachment": None}).attachments == []
    assert photos(["A", "", "B"]) == [Attachment.photo("A"), Attachment.photo("B")]
    with pytest.raises(ValueError):
        Attachment("photo")
    with pytest.raises(ValueError):
        Attachment("photo", "/tmp/x.png", file_id="F")


@pytest.fixture(params=["ptb", "aiogram"])
async def bot(fake_tg: FakeTelegram, request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """The Telegram channel on each library in turn: the same parts, the same calls."""
    channel = telegram_channel(Settings(bot_token=TELEGRAM_TOKEN, telegram_base_url=fake_tg.url,
                                        telegram_library=request.param, _env_file=None),  # type: ignore[call-arg]
                               None)
    await channel.api.start()
    yield channel
    await channel.api.close()


async def send_reply(channel: TelegramChannel, chat: str, reply: Reply) -> SendResult:
    """Every part of the reply in order, as the outbox sender sends them."""
    result = SendResult("sent")
    for part in channel.parts(reply):
        result = await channel.send_part(chat, part)
        if result.status not in ("sent", "skipped"):
            break
    return result


def _sent(fake: FakeTelegram) -> list[tuple[str, object]]:
    return [(c.method, c.params.get("photo") or c.params.get("media") or c.params.get("text"))
            for c in fake.calls() if c.ok and c.method.startswith("send")]


def _markup(fake: FakeTelegram) -> list[bool]:
    return [bool(c.params.get("reply_markup")) for c in fake.calls()
            if c.ok and c.method.startswith("send")]


async def test_one_photo_with_a_short_text_is_one_message(fake_tg: FakeTelegram, bot: TelegramChannel) -> None:
    fake_tg.make_photo(1, "F1")
    result = await send_reply(bot, str(CHAT), Reply("说明", buttons=BUTTONS,
                                                    attachments=photos(["F1"])))
    assert result.status == "sent"
    call = fake_tg.calls("sendPhoto")[0]
    assert (call.params["photo"], call.params["caption"]) == ("F1", "说明")
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "x:ok"
    assert len(fake_tg.sent_messages(CHAT)) == 1


async def test_many_photos_go_as_albums_then_the_text_with_buttons(fake_tg: FakeTelegram,
                                                                   bot: TelegramChannel) -> None:
    ids = [f"F{i}" for i in range(12)]
    for fid in ids:
        fake_tg.make_photo(1, fid)
    result = await send_reply(bot, str(CHAT), Reply("说明" * 3000, buttons=BUTTONS,
                                                    attachments=photos(ids)))
    assert result.status == "sent"
    sent = _sent(fake_tg)
    assert sent[:2] == [("sendMediaGroup", ids[:10]), ("sendMediaGroup", ids[10:])]
    assert [m for m, _ in sent[2:]] == ["sendMessage", "sendMessage"]  # 6000 chars: two parts
    assert _markup(fake_tg) == [False, False, False, True]
    assert fake_tg.sent_photo_ids(CHAT) == ids


async def test_a_single_photo_with_a_long_text_comes_before_the_text(fake_tg: FakeTelegram,
                                                                     bot: TelegramChannel) -> None:
    fake_tg.make_photo(1, "F1")
    text = "长" * 1500  # over the 1024-character caption limit
    await send_reply(bot, str(CHAT), Reply(text, buttons=BUTTONS, attachments=photos(["F1"])))
    assert _sent(fake_tg) == [("sendPhoto", "F1"), ("sendMessage", text)]
    assert "caption" not in fake_tg.calls("sendPhoto")[0].params
    assert _markup(fake_tg) == [False, True]


async def test_a_refused_photo_does_not_lose_the_text(fake_tg: FakeTelegram, bot: TelegramChannel) -> None:
    result = await send_reply(bot, str(CHAT), Reply("卡片", buttons=BUTTONS,
                                                    attachments=photos(["console-photo"])))
    assert result.status == "sent"
    assert _sent(fake_tg) == [("sendMessage", "卡片\n（有1张照片未能发送，可能已失效）")]
    assert _markup(fake_tg) == [True]


async def test_files_on_disk_use_the_same_path(fake_tg: FakeTelegram, bot: TelegramChannel,
                                               tmp_path: Path) -> None:
    chart, sheet = tmp_path / "c.png", tmp_path / "s.xlsx"
    chart.write_bytes(b"png")
    sheet.write_bytes(b"xlsx")
    await send_reply(bot, str(CHAT), Reply("图" * 2000, buttons=BUTTONS, attachments=[
        Attachment("photo", str(chart)), Attachment("document", str(sheet), "表.xlsx")]))
    assert [m for m, _ in _sent(fake_tg)] == ["sendPhoto", "sendDocument", "sendMessage"]
    assert fake_tg.sent_documents(CHAT)[0].content == b"xlsx"
    assert fake_tg.sent_documents(CHAT)[0].filename == "表.xlsx"
    assert _markup(fake_tg) == [False, False, True]
    missing = await send_reply(bot, str(CHAT), Reply("x", attachments=[
        Attachment("photo", str(tmp_path / "gone.png"))]))
    assert missing.status == "failed"  # a lost file of ours is an error, not a skip

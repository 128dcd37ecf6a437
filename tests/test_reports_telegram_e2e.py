"""Reports, check-in, the attendance chart and the Excel export through the real
python-telegram-bot stack against the fake Bot API."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from core.app import BotCore
from storage.models import DailyReport, Identity, Member
from tests.fake_telegram import FakeTelegram
from tests.live import LiveBot

CADRE, LEADER, OTHER = 4101, 4102, 4103


def _bind(core: BotCore, tg_id: int, name: str) -> None:
    with core.db.session() as s:
        m = s.scalar(select(Member).where(Member.name == name))
        s.add(Identity(platform="telegram", external_id=str(tg_id), chat_id=str(tg_id),
                       member_id=m.id, last_seen_at=core.clock.now()))


def _button(fake: FakeTelegram, chat: int, label: str) -> str:
    for msg in reversed(fake.sent_messages(chat)):
        for row in (msg.get("reply_markup") or {}).get("inline_keyboard", []):
            for b in row:
                if b["text"] == label:
                    return b["callback_data"]
    raise AssertionError(f"no button {label}")


async def _say(fake: FakeTelegram, chat: int, text: str, expect: str) -> str:
    mark = fake.mark()
    fake.push_text(chat, text)
    call = await fake.wait_for(lambda c: c.method in ("sendMessage", "sendPhoto", "sendDocument")
                               and expect in str(c.params.get("text") or c.params.get("caption")),
                               since=mark)
    return str(call.params.get("text") or call.params.get("caption"))


async def _press(fake: FakeTelegram, chat: int, label: str, expect: str) -> str:
    mark = fake.mark()
    fake.push_callback(chat, _button(fake, chat, label))
    call = await fake.wait_for(lambda c: c.method == "sendMessage" and expect in str(
        c.params.get("text")), since=mark)
    return str(call.params["text"])


async def test_cadre_reports_edits_checks_in_and_leader_gets_chart_and_excel(
        fake_tg: FakeTelegram, tg: LiveBot) -> None:
    _bind(tg.core, CADRE, "张驻村")
    _bind(tg.core, LEADER, "王组长")
    await _say(fake_tg, CADRE, "/report 走访脱贫户。走访：3户 问题：道路塌方 下一步：报镇交通办",
               "请核对")
    mark = fake_tg.mark()
    fake_tg.push_photo(CADRE, "TG-PHOTO-1", content=b"jpeg")
    await fake_tg.wait_for(lambda c: "已收到照片" in str(c.params.get("text")), since=mark)
    await _press(fake_tg, CADRE, "提交", "已提交")
    await _say(fake_tg, CADRE, "/report", "已经提交过了")
    await _press(fake_tg, CADRE, "修改", "要修改哪一项")
    await _press(fake_tg, CADRE, "发现问题", "请发送新的")
    await _say(fake_tg, CADRE, "村道塌方约20米", "请核对")
    await _press(fake_tg, CADRE, "提交", "已修改")
    with tg.core.db.session() as s:
        r = s.scalar(select(DailyReport))
        assert (r.problems, r.photos, r.households_count) == ("村道塌方约20米", ["TG-PHOTO-1"], 3)

    mark = fake_tg.mark()
    fake_tg.push_text(CADRE, "/checkin")
    ask = await fake_tg.wait_for(lambda c: c.method == "sendMessage" and "发送我的位置" in str(
        c.params.get("text")), since=mark)
    keyboard = ask.params["reply_markup"]["keyboard"]
    assert keyboard[0][0]["request_location"] is True
    mark = fake_tg.mark()
    fake_tg.push_location(CADRE, 26.2505, 107.5105)
    await fake_tg.wait_for(lambda c: "到村打卡成功" in str(c.params.get("text")), since=mark)
    mark = fake_tg.mark()
    fake_tg.push_location(CADRE, 26.40, 107.51)  # 16.7 km away, sent without /checkin
    out = await fake_tg.wait_for(lambda c: "村外" in str(c.params.get("text")), since=mark)
    assert "16.7 公里" in out.params["text"]

    table = await _say(fake_tg, LEADER, "/reports", "未报")
    assert "张驻村（走访3户）📷1" in table and "未报：李书记、赵驻村" in table
    # the photos come only when the leader asks for them, re-sent by their Telegram file id
    data = _button(fake_tg, LEADER, "📷 张驻村（1张）")
    mark = fake_tg.mark()
    fake_tg.push_callback(LEADER, data)
    photo = await fake_tg.wait_for("sendPhoto", since=mark)
    assert photo.params["photo"] == "TG-PHOTO-1" and photo.params["chat_id"] == LEADER
    assert "张驻村 11月23日（周一，今天）日志的照片（1张）" in photo.params["caption"]
    # a teammate replaying the button's data is refused and gets no photo
    _bind(tg.core, OTHER, "赵驻村")
    mark = fake_tg.mark()
    fake_tg.push_callback(OTHER, data)
    await fake_tg.wait_for(lambda c: c.method == "sendMessage" and c.params["chat_id"] == OTHER
                           and "您不能查看这篇日志" in c.params["text"], since=mark)
    assert fake_tg.sent_photo_ids(OTHER) == []
    mark = fake_tg.mark()
    fake_tg.push_text(LEADER, "/attendance")
    photo = await fake_tg.wait_for("sendPhoto", since=mark)
    assert "在村天数图" in photo.params["caption"]
    mark = fake_tg.mark()
    fake_tg.push_text(LEADER, "/export")
    await fake_tg.wait_for("sendDocument", since=mark)
    doc = fake_tg.sent_documents(LEADER)[-1]
    wb = load_workbook(io.BytesIO(doc.content))
    logs = wb["工作日志"]
    assert logs["B2"].value == "张驻村" and logs["G2"].value == "村道塌方约20米"
    assert logs["L2"].value == 1  # one revision kept
    row = next(r for r in wb["考勤"].iter_rows(values_only=True) if r[0] == "张驻村")
    assert row[2] == 1
    assert "只对" in await _say(fake_tg, CADRE, "/export", "只对")

"""Logs carry no personal data, and a person who left can be removed from the records'
names while the records themselves stay."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.messages import Incoming
from core.registry import Command
from services import admin
from services.errors import UserError
from services.roles import EVERYONE
from storage.models import DailyReport, DialogState, Identity, Member
from tests.harness import ChatHarness

SECRETS = ("张驻村", "孙大伯", "王组长", "村东头的水渠堵了", "家里老人住院", "走访脱贫户王五",
           "sun_dabo", "zhang_cadre")


def test_no_log_line_at_any_level_carries_a_name_or_a_message(chat: ChatHarness,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def boom(ctx, args):  # type: ignore[no-untyped-def]
        raise RuntimeError("handler bug")  # a crash while someone's message is in hand

    chat.core.registry.command(Command("boom", "test", EVERYONE, run=boom, allow_unregistered=True))
    chat.core.handle(Incoming("console", "cadre1", "cadre1", text="/report 走访脱贫户王五。走访：1户",
                              username="zhang_cadre"))
    chat.send("cadre1", "[提交]")
    chat.send("cadre1", "/leave")
    chat.press("cadre1", "事假")
    chat.send("cadre1", "明天")
    chat.press("cadre1", "确认")
    chat.send("cadre1", "家里老人住院")
    chat.press("leader", "批准")
    chat.send("villager", "/complain")
    for label in ("基础设施", "不针对具体人"):
        chat.press("villager", label)
    chat.send("villager", "村东头的水渠堵了")
    chat.send("villager", "上周")
    for label in ("没有照片", "匿名反映", "提交"):
        chat.press("villager", label)
    chat.send("villager", "/boom 村东头的水渠堵了")
    chat.clock.advance(timedelta(seconds=5))
    chat.send("villager", "/help")
    assert "leave" in caplog.text or "complaint" in caplog.text  # the logs did record work
    assert "RuntimeError" in caplog.text  # and the crash, by its class
    for secret in SECRETS:
        assert secret not in caplog.text, secret


def test_purge_member_after_the_retention_keeps_the_records_without_the_person(
        chat: ChatHarness) -> None:
    chat.send("cadre1", "/report 走访脱贫户。走访：3户 问题：无 下一步：继续")
    chat.press("cadre1", "提交")
    chat.send("cadre1", "/leave")  # a dialog left open when the person leaves
    with chat.core.db.session() as s:
        m = s.scalar(select(Member).where(Member.name == "张驻村"))
        mid = m.id
        with pytest.raises(UserError) as active:
            admin.purge_member(s, mid, chat.clock.now(), 365)
        assert active.value.code == "admin.purge_active"
        admin.deactivate(s, mid, chat.clock.now(), "任期结束")
    with chat.core.db.session() as s:
        with pytest.raises(UserError) as early:
            admin.purge_member(s, mid, chat.clock.now() + timedelta(days=364), 365)
        assert early.value.code == "admin.purge_too_early" and "365" in str(early.value)
    with chat.core.db.session() as s:
        m = admin.purge_member(s, mid, chat.clock.now() + timedelta(days=366), 365)
        assert m.name == f"已删除成员{mid}" and m.phone is None and m.purged_at is not None
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(Identity).where(Identity.member_id == mid)) == 0
        assert s.scalar(select(func.count()).select_from(DialogState)
                        .where(DialogState.external_id == "cadre1")) == 0
        assert s.scalar(select(func.count()).select_from(DailyReport)
                        .where(DailyReport.member_id == mid)) == 1  # the record stays
        with pytest.raises(UserError) as again:
            admin.purge_member(s, mid, chat.clock.now() + timedelta(days=400), 365)
        assert again.value.code == "admin.purged_already"
    # the account is gone: the person is a stranger to the bot now
    assert "还没有注册" in chat.send("cadre1", "/me")
    team = chat.send("leader", "/reports 2026-11-23")
    assert "张驻村" not in team and f"已删除成员{mid}" in team

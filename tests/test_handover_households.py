"""Households and monitoring cases on the handover sheet (issue #14's records through
issue #15's item registry): the outgoing member's households and open cases are listed,
the successor confirms them, and the households' contact cadre becomes the successor."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from services import monitoring
from storage.models import Household, Member
from tests.harness import ChatHarness
from tests.households_support import household_id, load_register
from tests.issue15_support import actor


def test_households_and_cases_are_handed_over(chat: ChatHarness) -> None:
    load_register(chat)
    now, zhou = chat.clock.now(), household_id(chat, "周八")
    with chat.core.db.session() as s:
        monitoring.flag_household(s, actor(s, "cadre2", now), zhou,
                                  "家中主要劳动力住院，医疗支出大", date(2026, 11, 23), now, 20)
    chat.core.tick()
    chat.send("admin", "/term 赵驻村 2026-12-20")
    chat.clock_to("2026-12-05 09:00")
    out = chat.send("cadre2", "/handover")
    assert "【联系的农户（共同走访）】" in out
    assert "王五户（一般户，二网格），还没有走访记录" in out and "周八户（边缘易致贫户，三网格）" in out
    assert "【防返贫监测在办案件】" in out and "（入户核实，" in out
    assert "住院" not in out  # a case is shown by number and stage, never with its words
    assert "孙大伯户" not in out  # 张驻村's household, not the outgoing member's
    assert "住院" not in chat.send("admin", "/handover")
    chat.send("leader", "/handover")
    chat.press("leader", "指定接任人")
    chat.press("leader", "张驻村")
    chat.send("cadre1", "/handover")
    assert "已确认接收 4 项" in chat.press("cadre1", "全部确认接收（4项）")
    with chat.core.db.session() as s:
        zhang = s.scalars(select(Member.id).where(Member.name == "张驻村")).one()
        contacts = {h.head_name: h.contact_member_id for h in s.scalars(select(Household))}
    assert contacts["周八"] == contacts["王五"] == zhang

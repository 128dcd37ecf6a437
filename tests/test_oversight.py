"""群众监督员 confirmations and the whereabouts board."""

from __future__ import annotations

from sqlalchemy import select

from services import attendance as att
from storage.models import Member
from tests.harness import ChatHarness
from tests.households_support import load_register


def test_confirmation_is_off_unless_the_village_switches_it_on(chat: ChatHarness) -> None:
    load_register(chat)
    assert "本村没有启用群众监督员确认" in chat.send("cadre1", "/confirmvisit")


def test_a_confirmed_visit_counts_as_a_day_in_the_village(chat: ChatHarness) -> None:
    load_register(chat, confirm=True, overseer=True)
    out = chat.send("cadre1", "请监督员确认 帮李四家办医保续费")
    assert "今天的签到码" in out
    assert "-> villager: 🪪 驻村干部张驻村请您确认" in out and "帮李四家办医保续费" in out
    code = out.split("今天的签到码：")[1][:4]
    assert "今天已经请过确认了" in chat.send("cadre1", "/confirmvisit")
    assert "今天没有签到码 0000" in chat.send("villager", "签到 0000")
    out = chat.send("villager", f"签到 {code}")
    assert "已确认张驻村今天到村" in out and "-> cadre1: ✅ 群众监督员孙大伯确认了您" in out
    with chat.core.db.session() as s:
        mid = s.scalar(select(Member.id).where(Member.name == "张驻村"))
        sm = att.month_summary(s, mid, 2026, 11, chat.clock.now().date(), chat.core.settings)
    assert chat.clock.now().date() in sm.village_dates
    assert "这次到村已经确认过了" in chat.send("villager", f"确认 {code}")


def test_a_decline_reaches_the_county_supervisors_and_the_cadre(chat: ChatHarness) -> None:
    load_register(chat, confirm=True, overseer=True)
    chat.send("cadre2", "/confirmvisit")
    chat.send("villager", "签到")
    assert "请写不属实的原因" in chat.press("villager", "赵驻村不属实")
    out = chat.send("villager", "今天没见到他来村里")
    assert "已记录您的意见，并转给县里的监督员" in out
    assert "-> supervisor: 🪪 幸福村群众监督员孙大伯认为驻村干部赵驻村" in out
    assert "-> cadre2: 群众监督员孙大伯认为您今天" in out


def test_whereabouts_board(chat: ChatHarness) -> None:
    load_register(chat, confirm=True, overseer=True)
    chat.send("cadre1", "@location 26.25,107.51")  # checked in inside the fence
    chat.send("cadre2", "/leave")
    chat.press("cadre2", "公差/出差")
    chat.send("cadre2", "今天")
    chat.press("cadre2", "确认")
    chat.send("cadre2", "县里培训")
    out = chat.send("villager", "驻村干部今天在不在村里")
    assert "· 张驻村（驻村干部）：在村" in out
    assert "· 赵驻村（驻村干部）：公差（开会、培训）" in out
    assert "· 李书记（第一书记）：未知" in out
    assert "工作队电话：0851-5550000" in out and "监督电话：12345" in out
    assert "培训" not in out.split("去向：")[1].split("工作队电话")[0].replace("公差（开会、培训）", "")
    assert "去向：" in chat.send("leader", "/whereabouts")

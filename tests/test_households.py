"""The household register and visits: an all-or-nothing import with row errors, small
changes in chat, visits by /visit and from daily logs (one tap when a name is shared),
the digest's households not visited, and the intent rule of the free-text entry."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from conversations.households.intent import classify, code_of
from reminders.digest import compute
from services import households as hs
from storage.models import Household, Team, Visit
from tests.harness import ChatHarness
from tests.households_support import SHEET, household_id, load_register, village_id


def count(chat: ChatHarness, model: type) -> int:
    with chat.core.db.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_import_with_bad_rows_writes_nothing_and_names_every_row(chat: ChatHarness) -> None:
    vid = village_id(chat)
    bad = [*SHEET, ["刘六", 3, "贫困户", "二网格", "赵驻村", "13800000006"],
           ["陈七", 1, "特困户", "三网格", "钱驻村", "138000"],
           ["张三", 2, "脱贫户", "一网格", "", ""]]
    with chat.core.db.session() as s:
        result = hs.import_rows(s, vid, bad, chat.clock.now())
    assert result.added == result.updated == 0
    assert [(e.row, e.code) for e in result.errors] == [
        (8, "row_bad_category"), (9, "row_bad_contact"), (9, "row_bad_phone"),
        (10, "row_duplicate")]
    assert result.errors[0].params["value"] == "贫困户"
    assert result.errors[3].params == {"value": "张三", "first": 3}
    assert count(chat, Household) == 0
    # the corrected sheet goes in whole; importing it again updates, never duplicates
    with chat.core.db.session() as s:
        assert hs.import_rows(s, vid, SHEET, chat.clock.now()).added == 6
    with chat.core.db.session() as s:
        again = hs.import_rows(s, vid, [SHEET[0], ["张三", 5, "监测户", "一网格", "", ""]],
                               chat.clock.now())
    assert (again.added, again.updated) == (0, 1)
    with chat.core.db.session() as s:
        h = s.scalar(select(Household).where(Household.head_name == "张三"))
        assert (h.category, h.size, h.phone) == ("监测户", 5, "13800000002")  # blank kept
    assert count(chat, Household) == 6


def test_sheet_without_the_needed_columns_is_refused_in_words(chat: ChatHarness) -> None:
    from services.errors import UserError

    with chat.core.db.session() as s, pytest.raises(UserError) as exc:
        hs.import_rows(s, village_id(chat), [["姓名", "电话"], ["张三", "13800000000"]],
                       chat.clock.now())
    assert exc.value.code == "households.sheet_columns"
    assert "表头缺少：属性" in str(exc.value)


def test_households_summary_search_card_and_add_in_chat(chat: ChatHarness) -> None:
    load_register(chat)
    out = chat.send("cadre1", "/households")
    assert "共 6 户" in out and "您联系 3 户，其中 3 户超过 60 天未走访：孙大伯、张三、李四" in out
    out = chat.send("cadre1", "农户 王五")
    assert "找到 2 户" in out and "[王五（二网格）]" in out
    out = chat.press("cadre1", "王五（三网格）")
    assert "王五　低保户" in out and "联系干部：赵驻村" in out and "0851-5551234" in out
    out = chat.send("cadre2", "/addhousehold 钱九 低保户 二网格 13900000009 3人")
    assert "已添加：钱九（低保户，二网格），联系干部是您" in out
    out = chat.send("cadre2", "/addhousehold 13900000009")
    assert "没看出户主姓名" in out


def test_edit_a_household_in_chat(chat: ChatHarness) -> None:
    load_register(chat)
    chat.send("cadre1", "/households 张三")
    assert "要修改张三的哪一项？" in chat.press("cadre1", "修改")
    assert "请选择张三的联系干部" in chat.press("cadre1", "联系干部")
    assert "已修改张三的联系干部：赵驻村" in chat.press("cadre1", "赵驻村")
    chat.send("cadre1", "/households 张三")
    chat.press("cadre1", "修改")
    chat.press("cadre1", "电话")
    assert "不像电话号码" in chat.send("cadre1", "12")
    assert "已修改张三的电话：13911112222" in chat.send("cadre1", "139 1111 2222")


def test_visit_by_command_and_one_tap_for_a_shared_name(chat: ChatHarness) -> None:
    load_register(chat)
    assert "✅ 已记走访：张三，今天" in chat.send("cadre1", "/visit 张三 了解务工收入")
    assert "今天已记过" in chat.send("cadre1", "走访 张三")
    out = chat.send("cadre1", "/visit 王五")
    assert "「王五」有 2 户" in out
    assert "已记走访：王五（三网格）" in chat.press("cadre1", "王五（三网格）")
    assert "已经选过" in chat.press("cadre1", "王五（二网格）")
    assert "台账里没有叫「钱九」" in chat.send("cadre1", "/visit 钱九")
    with chat.core.db.session() as s:
        h = s.get(Household, household_id(chat, "王五", "三网格"))
        assert h.last_visited_on == date(2026, 11, 23)
    assert count(chat, Visit) == 2


def test_visits_are_read_from_the_daily_log(chat: ChatHarness) -> None:
    load_register(chat)
    chat.send("cadre1", "/report 今天入户走访。走访：张三、李四、王五、钱九 问题：李四家医保未续")
    chat.press("cadre1", "提交")
    out = chat.clock_to("2026-11-23 09:05")
    assert "已从您11月23日的日志记下走访：张三、李四" in out
    assert "台账里没有：钱九" in out and "「王五」有 2 户" in out
    assert "已记走访：王五（二网格）" in chat.press("cadre1", "王五（二网格）")
    # the next tick reads nothing again: a log is read once per version
    assert "日志" not in chat.clock_to("2026-11-23 09:10")
    with chat.core.db.session() as s:
        visits = s.scalar(select(func.count()).select_from(Visit))
    assert visits == 3


def test_digest_lists_each_cadres_households_not_visited(chat: ChatHarness) -> None:
    load_register(chat)
    chat.send("cadre1", "/visit 张三")
    with chat.core.db.session() as s:
        team = s.scalar(select(Team))
        d = compute(s, [(team, date(2026, 11, 24))], chat.clock.now(), chat.core.settings)[team.id]
    line = next(x for x in d.extra if x.startswith("【走访】"))
    assert line == ("【走访】超过60天未走访：张驻村联系的2户（孙大伯、李四）；"
                    "赵驻村联系的3户（王五、王五、周八）")
    # cadres in member order, whatever their counts: no ranking of people


@pytest.mark.parametrize(("kind", "text", "intent"), [
    ("villager", "我想申请防返贫监测", "monitoring"),
    ("villager", "家里困难，能不能纳入监测", "monitoring"),
    ("villager", "防返贫监测怎么申请？", "monitoring"),
    ("member", "防返贫监测怎么申请？", None),  # a cadre asks the knowledge base
    ("villager", "监测", None),
    ("villager", "驻村干部今天在不在村里", "whereabouts"),
    ("villager", "第一书记在村吗", "whereabouts"),
    ("member", "工作队去向公示", "whereabouts"),
    ("member", "请问驻村干部在村里的时候每个月的生活补助标准到底是多少钱？", None),
    ("villager", "驻村干部今天来了吗", "whereabouts"),
    ("villager", "村里的路坏了好久没人修", None),
    ("villager", "确认签到", "sign"),
    ("villager", "签到 4821", "sign"),
    ("villager", "确认 4821", "sign"),
    ("member", "确认 4821", None),
    ("villager", "/complain", None),
])
def test_intent_rule(kind: str, text: str, intent: str | None) -> None:
    assert classify(kind, text) == intent


def test_sign_code() -> None:
    assert code_of("签到 4821") == "4821" and code_of("确认4821") == "4821"
    assert code_of("签到") is None


def test_name_matching_prefers_longer_names_and_reports_unknown() -> None:
    rows = [Household(id=1, head_name="张三", village_id=1, category="一般户"),
            Household(id=2, head_name="张三丰", village_id=1, category="一般户")]
    m = hs.match_names(rows, "走访张三丰家，王二麻子不在", "张三丰、王二麻子、3户")
    assert [h.id for h in m.found] == [2] and m.unknown == ["王二麻子"]

"""Shared set-up for the households tests: the demo village's register and board."""

from __future__ import annotations

from sqlalchemy import select

from services import households as hs
from services import oversight as ov
from storage.models import Household, Village, Villager
from tests.harness import ChatHarness

SHEET = [
    ["户主", "家庭成员", "属性", "网格", "联系干部", "联系电话"],
    ["孙大伯", "孙大伯、孙大妈", "脱贫户", "一网格", "张驻村", "13800000001"],
    ["张三", 4, "脱贫户", "一网格", "张驻村", "13800000002"],
    ["李四", "李四、王梅、李小明", "监测户", "一网格", "张驻村", "13800000003"],
    ["王五", 2, "一般户", "二网格", "赵驻村", ""],
    ["王五", 5, "低保户", "三网格", "赵驻村", "0851-5551234"],
    ["周八", 6, "边缘易致贫户", "三网格", "赵驻村", "13800000008"],
]


def village_id(chat: ChatHarness) -> int:
    with chat.core.db.session() as s:
        return s.scalar(select(Village.id).where(Village.name == "幸福村"))


def load_register(chat: ChatHarness, *, confirm: bool = False, overseer: bool = False) -> int:
    """Import the sheet into the demo village; optionally switch on 群众监督员 with 孙大伯."""
    vid = village_id(chat)
    now = chat.clock.now()
    with chat.core.db.session() as s:
        result = hs.import_rows(s, vid, SHEET, now)
        assert not result.errors and result.added == len(SHEET) - 1
        ov.set_board(s, vid, now, team_phone="0851-5550000", supervision_phone="12345",
                     confirm_visits=confirm)
        if overseer:
            v = s.scalar(select(Villager).where(Villager.name == "孙大伯"))
            ov.add_overseer(s, vid, v, now)
    return vid


def household_id(chat: ChatHarness, name: str, grid: str | None = None) -> int:
    with chat.core.db.session() as s:
        q = select(Household.id).where(Household.head_name == name)
        if grid:
            q = q.where(Household.grid == grid)
        return s.scalar(q)

"""The monthly record's buttons and the attendance commands from the wrong person (see
tests/strangers.py), and issue #10: a villager whose villager id equals a cadre's member id
pressed mr:submit and submitted the cadre's monthly work record."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from conversations.attendance import text as T
from conversations.attendance.flow import MonthlyButton
from services import export, monthly
from services.actors import actor_for_member, actor_for_villager
from services.errors import PermissionDenied, UserError
from storage.models import AuditEvent, CheckIn, Identity, Member, MonthlyRecord, Villager
from tests.conftest import at
from tests.harness import ChatHarness
from tests.strangers import (
    STRANGERS,
    UNREGISTERED,
    add_other_leader,
    add_strangers,
    press_data,
    refused_rows,
    villager_as,
)

WORK = "走访脱贫户，了解务工情况。走访：张三、李四 问题：屋顶漏雨 下一步：联系住建办"


WRONG = ("twin", *STRANGERS, UNREGISTERED)  # twin: the villager sharing cadre1's id


@pytest.fixture
def people(chat: ChatHarness) -> dict[str, str]:
    add_strangers(chat)
    users = {u: u for u in (*STRANGERS, UNREGISTERED)}
    users["twin"] = villager_as(chat, "cadre1")
    users["otherleader"] = add_other_leader(chat)
    return users


def _audits(chat: ChatHarness, action: str) -> list[AuditEvent]:
    with chat.core.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)))


def _draft(chat: ChatHarness) -> int:
    chat.send("cadre1", f"/report {WORK}")
    chat.press("cadre1", "提交")
    assert "[提交] [先不提交]" in chat.send("cadre1", "/monthly")
    with chat.core.db.session() as s:
        return s.scalar(select(MonthlyRecord.id))


def _status(chat: ChatHarness, record_id: int) -> str:
    with chat.core.db.session() as s:
        return s.get(MonthlyRecord, record_id).status


def _who(chat: ChatHarness, user: str) -> str:
    with chat.core.db.session() as s:
        ident = s.scalar(select(Identity).where(Identity.external_id == user))
        if ident is None:
            return f"console:{user}"
        return f"member:{ident.member_id}" if ident.member_id else f"villager:{ident.villager_id}"


def test_the_villager_with_the_cadres_id_cannot_submit_the_cadres_record(
        chat: ChatHarness, people: dict[str, str]) -> None:
    record_id = _draft(chat)
    with chat.core.db.session() as s:
        cadre = s.scalar(select(Member).where(Member.name == "张驻村"))
        villager = s.get(Villager, cadre.id)
        assert villager is not None and s.get(MonthlyRecord, record_id).member_id == cadre.id
        with pytest.raises(PermissionDenied) as exc:
            monthly.submit(s, record_id, actor_for_villager(villager), chat.clock.now())
        assert (exc.value.code, exc.value.params) == ("attendance.monthly_not_yours", {})
        assert monthly.require_owner(s, record_id, actor_for_member(cadre)).id == record_id
    out = press_data(chat, people["twin"], MonthlyButton("submit", record_id).pack())
    assert "这份工作记实不是您的" in out and "已提交" not in out
    assert _status(chat, record_id) == "draft"
    [row] = refused_rows(chat, [f"villager:{cadre.id}"])
    assert row.detail == {"detail": "attendance.monthly_not_yours",
                          "callback": f"mr:submit:{record_id}"}
    assert not _audits(chat, "monthly.submit")
    # the cadre's own button still works, and the leader is told once
    done = chat.press("cadre1", "提交")
    assert "已提交2026年11月驻村工作记实" in done and "-> leader: 张驻村提交了" in done


@pytest.mark.parametrize("who", [*WRONG, "otherleader"])
@pytest.mark.parametrize("action", ["submit", "later"])
def test_someone_elses_monthly_buttons_are_refused(chat: ChatHarness, people: dict[str, str],
                                                   who: str, action: str) -> None:
    record_id = _draft(chat)
    user, data = people[who], MonthlyButton(action, record_id).pack()
    out = press_data(chat, user, data)
    if who == UNREGISTERED:
        assert "还没有注册" in out
        assert _audits(chat, "button.unregistered")[-1].detail["callback"] == data
    else:
        assert "这份工作记实不是您的" in out
        row = refused_rows(chat, [_who(chat, user)])[-1]
        assert row.detail == {"detail": "attendance.monthly_not_yours", "callback": data}
    assert _status(chat, record_id) == "draft"


def test_later_buttons_sent_before_they_carried_the_record_still_answer(
        chat: ChatHarness, people: dict[str, str]) -> None:
    _draft(chat)
    assert "草稿已保存" in press_data(chat, "cadre1", "mr:later:0")
    assert "只有工作队成员" in press_data(chat, people["twin"], "mr:later:0")
    assert refused_rows(chat, [_who(chat, people["twin"])])


def test_forged_monthly_data_is_malformed(chat: ChatHarness, people: dict[str, str]) -> None:
    record_id = _draft(chat)
    for data in (f"mr:approve:{record_id}", "mr:submit:1x", "mr:submit:" + "9" * 30):
        assert "失效" in press_data(chat, "cadre1", data)
    assert len(_audits(chat, "button.malformed")) == 3
    assert _status(chat, record_id) == "draft"


@pytest.mark.parametrize("who", ["twin", "othersup", "otheradmin", UNREGISTERED])
def test_attendance_commands_refuse_people_outside_work_teams(
        chat: ChatHarness, people: dict[str, str], who: str) -> None:
    _draft(chat)
    user = people[who]
    code = "core.not_registered" if who == UNREGISTERED else "core.only_for"
    for command in ("/checkin", "打卡", "/attendance", "考勤", "/monthly", "工作记实", "/export",
                    "导出"):
        before = len(refused_rows(chat, [_who(chat, user)]))
        out = chat.send(user, command)
        assert ("还没有注册" if who == UNREGISTERED else "只对") in out, (user, command, out)
        assert "张驻村" not in out
        rows = refused_rows(chat, [_who(chat, user)])
        assert len(rows) == before + 1 and rows[-1].detail["detail"] == code


def test_a_villagers_location_is_not_a_check_in(chat: ChatHarness,
                                                people: dict[str, str]) -> None:
    chat.send(people["twin"], "@location 26.251,107.512")
    chat.send("villager", "@location 26.251,107.512")
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_a_cadre_of_another_team_may_not_export(chat: ChatHarness,
                                                people: dict[str, str]) -> None:
    assert "只对第一书记、组长（队长）开放" in chat.send("othercadre", "/export")
    assert refused_rows(chat, [_who(chat, "othercadre")])[-1].detail["detail"] == "core.only_for"


def test_a_leader_of_another_team_gets_only_their_own_team(chat: ChatHarness,
                                                           people: dict[str, str],
                                                           tmp_path: Path) -> None:
    _draft(chat)
    att = chat.send("otherleader", "/attendance")
    assert "邻村驻村工作队" in att and "张驻村" not in att
    chat.send("otherleader", "/export 2026-11")
    wb = load_workbook(tmp_path / "out" / "邻村驻村工作队-2026-11-驻村工作.xlsx")
    names = {row[0] for ws in (wb["考勤"], wb["驻村工作记实"])
             for row in ws.iter_rows(min_row=2, values_only=True)}
    assert "张驻村" not in names and "邻村干部" in names


def test_months_and_records_are_refused_with_typed_errors(chat: ChatHarness) -> None:
    today = date(2026, 11, 23)
    for text, code in (("明年", "attendance.month_unreadable"), ("2026-13", "attendance.month_invalid")):
        with pytest.raises(UserError) as exc:
            export.parse_month(text, today)
        assert (exc.value.code, exc.value.params) == (code, {"text": text})
    assert "看不懂月份「明年」" in chat.send("cadre1", "/monthly 明年")
    with chat.core.db.session() as s:
        cadre = s.scalar(select(Member).where(Member.name == "张驻村"))
        with pytest.raises(UserError) as exc:
            monthly.draft(s, cadre, 2026, 12, today, at("2026-11-23 09:00"), T.monthly_body)
        assert exc.value.code == "attendance.monthly_ahead"
        rec = monthly.draft(s, cadre, 2026, 11, today, at("2026-11-23 09:00"), T.monthly_body)
        assert rec.body.startswith("驻村工作记实（2026年11月）\n姓名：张驻村")
        monthly.submit(s, rec.id, actor_for_member(cadre), at("2026-11-23 09:05"))
        with pytest.raises(UserError) as exc:
            monthly.submit(s, rec.id, actor_for_member(cadre), at("2026-11-23 09:06"))
        assert (exc.value.code, exc.value.params) == ("attendance.monthly_submitted",
                                                      {"year": 2026, "month": 11})
        assert str(exc.value) == "2026年11月的工作记实已经提交过了，不用再提交。"

"""Every report button and command pressed or sent by the wrong person (tests/strangers.py):
a villager whose id equals the author's member id, a cadre and a leader of another team,
another county's supervisor and administrator, and someone never registered. Each is
refused in words, the refusal is audited, and nothing of the author's report is shown or
changed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conversations.reports.flow import MyReportsPage, OfferButton, ReportButton, TeamDayButton
from services import reports as rs
from services.actors import actor_for_member, actor_for_villager
from services.errors import PermissionDenied
from storage.models import AuditEvent, DailyReport, Identity, Member, PendingReportText, Villager
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

SECRET = "王五家屋顶漏雨，需要尽快修缮"
LONG_TEXT = "今天上午参加镇里的产业推进会，下午回村和村两委研究合作社分红方案，晚上入户宣传医保政策。"
# who may not press cadre1's buttons: "twin" stands for the villager sharing cadre1's id
WRONG = ("twin", *STRANGERS, UNREGISTERED)


@pytest.fixture
def people(chat: ChatHarness) -> dict[str, str]:
    """Console user of each wrong person, by role in these tests."""
    add_strangers(chat)
    users = {u: u for u in (*STRANGERS, UNREGISTERED)}
    users["twin"] = villager_as(chat, "cadre1")
    users["otherleader"] = add_other_leader(chat)
    return users


def _report(chat: ChatHarness) -> int:
    chat.send("cadre1", f"/report 走访脱贫户。走访：3户 问题：{SECRET}{'。' * 130}")
    chat.line("cadre1: @photo SECRET-PHOTO")
    assert "已提交" in chat.press("cadre1", "提交")
    with chat.core.db.session() as s:
        return s.scalar(select(DailyReport.id))


def _who(chat: ChatHarness, user: str) -> str:
    with chat.core.db.session() as s:
        ident = s.scalar(select(Identity).where(Identity.external_id == user))
        if ident is None:
            return f"console:{user}"
        return f"member:{ident.member_id}" if ident.member_id else f"villager:{ident.villager_id}"


def _unregistered_rows(chat: ChatHarness) -> list[AuditEvent]:
    with chat.core.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(
            AuditEvent.action == "button.unregistered").order_by(AuditEvent.id)))


def _refused(chat: ChatHarness, user: str, data: str, words: str, code: str) -> str:
    """Press as `user`; assert the refusal and its audit row; return what was said."""
    out = press_data(chat, user, data)
    if user == UNREGISTERED:
        assert "还没有注册" in out
        assert _unregistered_rows(chat)[-1].detail["callback"] == data
        return out
    assert words in out, (user, out)
    row = refused_rows(chat, [_who(chat, user)])[-1]
    assert row.detail == {"detail": code, "callback": data}
    return out


def test_the_villager_with_the_cadres_id_is_not_the_cadre(chat: ChatHarness,
                                                          people: dict[str, str]) -> None:
    """Issue #10: rp:full and rp:ph compared the report's member id with a bare actor id."""
    report_id = _report(chat)
    with chat.core.db.session() as s:
        cadre = s.scalar(select(Member).where(Member.name == "张驻村"))
        villager = s.get(Villager, cadre.id)
        assert villager is not None
        report = s.get(DailyReport, report_id)
        assert rs.require_reader(actor_for_member(cadre), report) is report
        with pytest.raises(PermissionDenied) as exc:
            rs.require_reader(actor_for_villager(villager), report)
        assert exc.value.code == "reports.not_reader"
        with pytest.raises(PermissionDenied):
            rs.require_team_viewer(actor_for_villager(villager))
    for action in ("full", "ph"):
        out = press_data(chat, people["twin"], ReportButton(action, report_id).pack())
        assert "您不能查看这篇日志" in out and SECRET not in out and "SECRET-PHOTO" not in out


@pytest.mark.parametrize("who", [*WRONG, "otherleader"])
@pytest.mark.parametrize("action", ["full", "ph"])
def test_someone_elses_report_is_not_shown(chat: ChatHarness, people: dict[str, str],
                                           who: str, action: str) -> None:
    report_id = _report(chat)
    data = ReportButton(action, report_id).pack()
    assert SECRET in press_data(chat, "leader", ReportButton("full", report_id).pack())
    out = _refused(chat, people[who], data, "您不能查看这篇日志", "reports.not_reader")
    assert SECRET not in out and "SECRET-PHOTO" not in out


@pytest.mark.parametrize("who", [*WRONG, "otherleader"])
@pytest.mark.parametrize("action", ["save", "no"])
def test_someone_elses_free_text_is_neither_saved_nor_dropped(
        chat: ChatHarness, people: dict[str, str], who: str, action: str) -> None:
    assert "[存为今日日志] [不用了]" in chat.send("cadre1", LONG_TEXT)
    with chat.core.db.session() as s:
        pid = s.scalar(select(PendingReportText.id))
    _refused(chat, people[who], OfferButton(action, pid).pack(), "不是您发的",
             "reports.pending_not_yours")
    with chat.core.db.session() as s:
        assert s.get(PendingReportText, pid).used_at is None
        assert s.scalar(select(DailyReport.id)) is None
    # the author's own button still works afterwards
    assert "请核对" in chat.press("cadre1", "存为今日日志")


@pytest.mark.parametrize("who", ["twin", "othersup", "otheradmin", UNREGISTERED])
def test_the_older_reports_page_is_for_team_members(chat: ChatHarness, people: dict[str, str],
                                                    who: str) -> None:
    _report(chat)
    out = _refused(chat, people[who], MyReportsPage(0).pack(), "只有工作队成员", "reports.team_only")
    assert SECRET not in out


def test_a_cadre_of_another_team_pages_through_their_own_reports(
        chat: ChatHarness, people: dict[str, str]) -> None:
    _report(chat)
    out = press_data(chat, "othercadre", MyReportsPage(0).pack())
    assert "您还没有提交过工作日志" in out and SECRET not in out


@pytest.mark.parametrize("who", ["twin", "othercadre", "othersup", "otheradmin", UNREGISTERED])
def test_the_day_before_button_is_for_the_teams_leaders(chat: ChatHarness,
                                                        people: dict[str, str], who: str) -> None:
    _report(chat)
    data = TeamDayButton(chat.clock.now().date()).pack()
    out = _refused(chat, people[who], data, "只有本队的组长和第一书记", "reports.viewers_only")
    assert SECRET not in out


def test_a_leader_of_another_team_sees_only_their_own_team(chat: ChatHarness,
                                                           people: dict[str, str]) -> None:
    _report(chat)
    out = press_data(chat, "otherleader", TeamDayButton(chat.clock.now().date()).pack())
    assert "邻村驻村工作队" in out and "张驻村" not in out and SECRET not in out
    assert "张驻村" not in chat.send("otherleader", "/reports")
    assert "张驻村" in chat.send("leader", "/reports")


@pytest.mark.parametrize("who", ["twin", "othersup", "otheradmin", UNREGISTERED])
def test_report_commands_refuse_people_outside_work_teams(chat: ChatHarness,
                                                          people: dict[str, str],
                                                          who: str) -> None:
    _report(chat)
    user = people[who]
    code = "core.not_registered" if who == UNREGISTERED else "core.only_for"
    for command in ("/report", "日志", "/myreports", "/reports"):
        before = len(refused_rows(chat, [_who(chat, user)]))
        out = chat.send(user, command)
        assert ("还没有注册" if who == UNREGISTERED else "只对") in out, (user, command, out)
        assert SECRET not in out
        rows = refused_rows(chat, [_who(chat, user)])
        assert len(rows) == before + 1 and rows[-1].detail["detail"] == code


def test_a_cadre_may_not_open_the_team_list(chat: ChatHarness, people: dict[str, str]) -> None:
    _report(chat)
    out = chat.send("othercadre", "/reports")
    assert "只对第一书记、组长（队长）开放" in out and SECRET not in out
    assert refused_rows(chat, [_who(chat, "othercadre")])[-1].detail["detail"] == "core.only_for"


def test_a_dialog_button_of_someone_elses_report_dialog_is_stale(
        chat: ChatHarness, people: dict[str, str]) -> None:
    chat.send("cadre1", f"/report 走访。问题：{SECRET}")
    for who in ("twin", "othercadre", "othersup"):
        assert "失效" in press_data(chat, people[who], "d:report:submit")
    assert "已提交" in chat.press("cadre1", "提交")

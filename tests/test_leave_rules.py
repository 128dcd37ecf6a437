"""services.leave: days, balance, overlap, approval chain, cancel, 销假 and the contracts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.app import BotCore
from services import leave as rules
from services.actors import Actor, actor_for_member
from services.config import Settings
from services.dates import DateRange
from services.errors import PermissionDenied, UserError
from storage.models import LeaveEvent, Member
from tests.conftest import at

NOW = at("2026-11-23 09:00")
TODAY = date(2026, 11, 23)
D = Decimal


@pytest.fixture
def s(demo: BotCore) -> Iterator[Session]:
    with demo.db.session() as session:
        yield session


@pytest.fixture
def policy() -> rules.LeavePolicy:
    return rules.LeavePolicy.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]


def who(s: Session, name: str) -> Member:
    return s.scalar(select(Member).where(Member.name == name))


def as_(s: Session, name_or_id: str | int) -> Actor:
    """The member as the typed actor services authorise."""
    m = s.get(Member, name_or_id) if isinstance(name_or_id, int) else who(s, name_or_id)
    return actor_for_member(m)


def ask(s: Session, policy: rules.LeavePolicy, name: str, start: date, end: date | None = None,
        kind: str = "事假", today: date = TODAY, halves: tuple = (None, None)):  # type: ignore[no-untyped-def]
    return rules.request_leave(s, policy, actor=as_(s, name), kind=kind,
                               r=DateRange(start, end or start, *halves), reason="家中有事",
                               today=today, now=NOW)


def approve(s: Session, lv, today: date = TODAY) -> rules.Decision:  # type: ignore[no-untyped-def]
    return rules.decide(s, lv.id, actor=as_(s, lv.approver_id), approve=True, now=NOW,
                        today=today)


# -- days --------------------------------------------------------------------------------
def test_working_days_follow_official_holidays_and_makeup_days() -> None:
    # 国庆 2026: 10月1日-7日 off, Saturday 10月10日 is an adjusted working day.
    r = DateRange(date(2026, 9, 30), date(2026, 10, 10))
    assert rules.count_days(r) == (D(11), D(4))  # 9/30, 10/8, 10/9, 10/10
    assert rules.working_days_in(r, date(2026, 10, 1), date(2026, 10, 31)) == D(3)


def test_half_days_count_half() -> None:
    afternoon = DateRange(date(2026, 12, 1), date(2026, 12, 1), "pm", "pm")
    assert rules.count_days(afternoon) == (D("0.5"), D("0.5"))
    pm_to_am = DateRange(date(2026, 12, 1), date(2026, 12, 3), "pm", "am")
    assert rules.count_days(pm_to_am) == (D(2), D(2))


def test_half_day_overlap_is_exact() -> None:
    am = DateRange(date(2026, 12, 1), date(2026, 12, 1), "am", "am")
    pm = DateRange(date(2026, 12, 1), date(2026, 12, 1), "pm", "pm")
    whole = DateRange(date(2026, 12, 1), date(2026, 12, 2))
    ends_am = DateRange(date(2026, 11, 30), date(2026, 12, 1), None, "am")
    assert not rules.overlaps(am, pm)
    assert rules.overlaps(am, whole) and rules.overlaps(pm, whole)
    assert not rules.overlaps(ends_am, pm) and rules.overlaps(ends_am, am)


# -- requests ----------------------------------------------------------------------------
def test_overlap_with_existing_leave_is_refused_cancelled_is_not(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    first = ask(s, policy, "张驻村", date(2026, 11, 30), date(2026, 12, 2))
    with pytest.raises(UserError, match="重叠：11月30日至12月2日 事假（待审批）") as exc:
        ask(s, policy, "张驻村", date(2026, 12, 2), date(2026, 12, 4))
    assert exc.value.code == "leave.overlap"
    assert exc.value.params == {"leave_id": first.id, "period": "11月30日至12月2日",
                                "kind": "事假", "status": "待审批"}
    ask(s, policy, "赵驻村", date(2026, 12, 2))  # someone else's leave is no clash
    rules.cancel(s, first.id, actor=as_(s, first.member_id), today=TODAY, now=NOW)
    assert ask(s, policy, "张驻村", date(2026, 12, 2), date(2026, 12, 4)).status == "pending"


def test_morning_and_afternoon_leave_on_the_same_day_are_both_allowed(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    ask(s, policy, "张驻村", date(2026, 12, 1), halves=("am", "am"))
    assert ask(s, policy, "张驻村", date(2026, 12, 1), halves=("pm", "pm"))


def test_past_dates_beyond_the_limit_are_refused(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    assert ask(s, policy, "张驻村", TODAY - timedelta(days=3), kind="病假")  # 补请 within 3 days
    with pytest.raises(UserError, match="已经过去4天，只能补请3天以内") as exc:
        ask(s, policy, "赵驻村", TODAY - timedelta(days=4), kind="病假")
    assert exc.value.code == "leave.too_far_back"
    assert exc.value.params == {"start": "11月19日", "days": 4, "limit": 3}


def test_flexible_balance_is_per_month_across_a_month_boundary(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 30), date(2026, 12, 2), kind="弹性休假")
    cadre = lv.member_id
    nov = rules.flexible_balance(s, policy, cadre, 2026, 11)
    dec = rules.flexible_balance(s, policy, cadre, 2026, 12)
    assert (nov.pending, nov.left) == (D(1), D(2)) and (dec.pending, dec.left) == (D(2), D(1))
    approve(s, lv)
    assert rules.flexible_balance(s, policy, cadre, 2026, 12).used == D(2)
    # December has 1 day left: two more working days are refused, one is fine.
    with pytest.raises(UserError, match="12月的弹性休假只剩1天（每月3天），这次12月要用2天") as exc:
        ask(s, policy, "张驻村", date(2026, 12, 7), date(2026, 12, 8), kind="弹性休假")
    assert exc.value.code == "leave.flexible_exceeded"
    assert exc.value.params == {"month": 12, "left": "1", "quota": "3", "need": "2"}
    ask(s, policy, "张驻村", date(2026, 12, 7), kind="弹性休假")
    # weekends do not use the allowance
    ask(s, policy, "张驻村", date(2026, 12, 12), date(2026, 12, 13), kind="弹性休假")


def test_report_only_kind_is_filed_at_once_and_uses_no_allowance(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 25), kind="公差/出差")
    assert lv.status == "approved" and lv.report_only
    assert [e.action for e in rules.events(s, lv.id)] == ["reported"]
    assert rules.flexible_balance(s, policy, lv.member_id, 2026, 11).left == D(3)


# -- approval chain ----------------------------------------------------------------------
def test_default_chain_leader_up_to_three_days_then_admin(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    assert ask(s, policy, "张驻村", date(2026, 11, 30), date(2026, 12, 2)).approver.name == "王组长"
    assert ask(s, policy, "张驻村", date(2026, 12, 7), date(2026, 12, 10)).approver.name == "刘管理"


def test_leaders_own_leave_goes_one_level_up(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    assert ask(s, policy, "王组长", date(2026, 11, 30)).approver.name == "刘管理"
    assert ask(s, policy, "李书记", date(2026, 11, 30)).approver.name == "王组长"


def test_chain_is_configuration(s: Session) -> None:
    five = rules.LeavePolicy.from_settings(Settings(  # type: ignore[call-arg]
        _env_file=None, leave_approval_chain="team_leader:5,admin"))
    assert ask(s, five, "张驻村", date(2026, 11, 30), date(2026, 12, 4)).approver.name == "王组长"
    assert ask(s, five, "张驻村", date(2026, 12, 7), date(2026, 12, 12)).approver.name == "刘管理"
    assert rules.parse_chain("first_secretary:2, team_leader:3, admin")[1] == rules.Tier(
        rules.Role.TEAM_LEADER, D(3))


def test_only_the_approver_decides_and_a_second_press_changes_nothing(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 30))
    with pytest.raises(PermissionDenied, match="只有王组长可以处理") as exc:
        rules.decide(s, lv.id, actor=as_(s, "赵驻村"), approve=True, now=NOW,
                     today=TODAY)
    assert (exc.value.code, exc.value.params) == ("leave.not_approver", {"approver": "王组长"})
    assert lv.status == "pending"
    assert approve(s, lv).changed
    again = rules.decide(s, lv.id, actor=as_(s, lv.approver_id), approve=False, now=NOW,
                         today=TODAY, note="不行")
    assert not again.changed and lv.status == "approved"


def test_rejection_needs_a_reason(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 30))
    with pytest.raises(UserError, match="驳回需要写明理由") as exc:
        rules.decide(s, lv.id, actor=as_(s, lv.approver_id), approve=False, now=NOW,
                     today=TODAY, note=" ")
    assert exc.value.code == "leave.reason_required"
    rules.decide(s, lv.id, actor=as_(s, lv.approver_id), approve=False, now=NOW, today=TODAY,
                 note="月底迎检，请改期")
    assert (lv.status, lv.decision_note) == ("rejected", "月底迎检，请改期")


def test_approval_after_the_start_date_is_allowed_and_flagged(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 24), kind="病假")
    d = approve(s, lv, today=date(2026, 11, 25))
    assert d.changed and d.after_start and lv.status == "approved"
    assert rules.leave_dates(s, lv.member_id, date(2026, 11, 1), date(2026, 11, 30)) == {
        date(2026, 11, 24): D(1)}


# -- cancel ------------------------------------------------------------------------------
def test_cancel_before_start_only_and_only_by_the_requester(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 30))
    approve(s, lv)
    with pytest.raises(PermissionDenied) as denied:
        rules.cancel(s, lv.id, actor=as_(s, "王组长"), today=TODAY, now=NOW)
    assert denied.value.code == "leave.not_own_cancel"
    with pytest.raises(UserError, match="已经开始，不能再取消") as exc:
        rules.cancel(s, lv.id, actor=as_(s, lv.member_id), today=date(2026, 11, 30), now=NOW)
    assert exc.value.code == "leave.cancel_started"
    assert rules.cancel(s, lv.id, actor=as_(s, lv.member_id), today=TODAY, now=NOW).changed
    assert lv.status == "cancelled"
    assert rules.leave_dates(s, lv.member_id, date(2026, 11, 1), date(2026, 12, 31)) == {}


# -- 销假 ---------------------------------------------------------------------------------
def test_early_return_shortens_the_leave(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 30), date(2026, 12, 2), kind="弹性休假")
    approve(s, lv)
    plan = rules.report_back(s, lv.id, actor=as_(s, lv.member_id), back_on=date(2026, 12, 1),
                             back_half=None, today=date(2026, 12, 1), now=NOW)
    assert plan.early and rules.count_days(plan.actual) == (D(1), D(1))
    assert rules.leave_dates(s, lv.member_id, date(2026, 11, 1), date(2026, 12, 31)) == {
        date(2026, 11, 30): D(1)}
    assert rules.flexible_balance(s, policy, lv.member_id, 2026, 12).left == D(3)
    assert [e.action for e in rules.events(s, lv.id)] == ["requested", "approved", "returned"]


def test_back_in_the_afternoon_counts_the_morning(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 30), date(2026, 12, 2))
    approve(s, lv)
    rules.report_back(s, lv.id, actor=as_(s, lv.member_id), back_on=date(2026, 12, 1),
                      back_half="pm", today=date(2026, 12, 1), now=NOW)
    assert rules.leave_dates(s, lv.member_id, date(2026, 11, 30), date(2026, 12, 2)) == {
        date(2026, 11, 30): D(1), date(2026, 12, 1): D("0.5")}


def test_back_on_the_first_day_means_no_leave_taken(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 30), date(2026, 12, 2))
    approve(s, lv)
    rules.report_back(s, lv.id, actor=as_(s, lv.member_id), back_on=date(2026, 11, 30),
                      back_half=None, today=date(2026, 11, 30), now=NOW)
    assert rules.leave_dates(s, lv.member_id, date(2026, 11, 1), date(2026, 12, 31)) == {}


def test_late_return_keeps_the_approved_days(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 30), date(2026, 12, 1), halves=(None, "am"))
    approve(s, lv)
    plan = rules.report_back(s, lv.id, actor=as_(s, lv.member_id), back_on=date(2026, 12, 4),
                             back_half=None, today=date(2026, 12, 4), now=NOW)
    assert plan.late_days == 2 and not plan.early
    assert rules.leave_dates(s, lv.member_id, date(2026, 11, 1), date(2026, 12, 31)) == {
        date(2026, 11, 30): D(1), date(2026, 12, 1): D("0.5")}


def test_back_is_refused_for_others_and_for_the_future(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 30))
    approve(s, lv)
    with pytest.raises(PermissionDenied) as denied:
        rules.report_back(s, lv.id, actor=as_(s, "赵驻村"),
                          back_on=date(2026, 11, 30), back_half=None, today=date(2026, 12, 1),
                          now=NOW)
    assert denied.value.code == "leave.not_own_back"
    with pytest.raises(UserError, match="不能晚于今天") as exc:
        rules.report_back(s, lv.id, actor=as_(s, lv.member_id), back_on=date(2026, 12, 2),
                          back_half=None, today=date(2026, 12, 1), now=NOW)
    assert exc.value.code == "leave.back_future"


# -- contracts ---------------------------------------------------------------------------
def test_contracts_pending_approvals_unreturned_leave_dates(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    a = ask(s, policy, "张驻村", date(2026, 11, 24))
    b = ask(s, policy, "赵驻村", date(2026, 11, 25), halves=("pm", "pm"))
    leader = who(s, "王组长")
    assert rules.pending_approvals(s, leader.id) == [a, b]
    approve(s, a)
    approve(s, b)
    assert rules.pending_approvals(s, leader.id) == []
    team = leader.team_id
    assert rules.unreturned(s, team, date(2026, 11, 25)) == [a]
    assert rules.unreturned(s, team, date(2026, 11, 26)) == [a, b]
    assert rules.leave_dates(s, b.member_id, date(2026, 11, 1), date(2026, 11, 30)) == {
        date(2026, 11, 25): D("0.5")}
    rules.report_back(s, a.id, actor=as_(s, a.member_id), back_on=date(2026, 11, 25),
                      back_half=None, today=date(2026, 11, 26), now=NOW)
    assert rules.unreturned(s, team, date(2026, 11, 26)) == [b]


def test_year_totals_use_days_actually_taken(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 24), date(2026, 11, 26), kind="病假")
    approve(s, lv)
    ask(s, policy, "张驻村", date(2026, 11, 27), kind="公差/出差")
    rules.report_back(s, lv.id, actor=as_(s, lv.member_id), back_on=date(2026, 11, 25),
                      back_half=None, today=date(2026, 11, 25), now=NOW)
    assert rules.year_totals(s, policy, lv.member_id, 2026) == {"病假": D(1), "公差/出差": D(1)}


def test_every_change_is_an_event_and_nothing_is_deleted(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    lv = ask(s, policy, "张驻村", date(2026, 11, 30))
    rules.cancel(s, lv.id, actor=as_(s, lv.member_id), today=TODAY, now=NOW)
    rows = s.scalars(select(LeaveEvent).where(LeaveEvent.leave_id == lv.id)).all()
    assert [(e.action, e.actor) for e in rows] == [
        ("requested", f"member:{lv.member_id}"), ("cancelled", f"member:{lv.member_id}")]
    assert rules.get(s, lv.id).status == "cancelled"


# -- neighbours: the export sheet and the attendance line --------------------------------
def test_leave_sheet_lists_the_months_leave_with_actual_days(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    from conversations.leave.sheet import leave_sheet

    lv = ask(s, policy, "张驻村", date(2026, 11, 30), date(2026, 12, 2), kind="弹性休假")
    approve(s, lv)
    rules.report_back(s, lv.id, actor=as_(s, lv.member_id), back_on=date(2026, 12, 1),
                      back_half=None, today=date(2026, 12, 1), now=NOW)
    ask(s, policy, "赵驻村", date(2027, 1, 5))  # another month: not listed
    headers, rows, widths = leave_sheet(s, lv.team_id, date(2026, 12, 1))
    assert len(headers) == len(widths) == len(rows[0])
    assert [r[:4] for r in rows] == [["张驻村", "弹性休假", "2026-11-30", "2026-12-02"]]
    assert rows[0][7] == "已销假" and rows[0][11] == 1.0
    assert leave_sheet(s, lv.team_id, "2026-11")[1] == rows


def test_approval_card_shows_month_to_date_attendance(s: Session, policy) -> None:  # type: ignore[no-untyped-def]
    from conversations.leave.approval import card_text

    lv = ask(s, policy, "张驻村", date(2026, 11, 30))
    # Nobody has checked in yet in the fixture: 0 days in the village, quota 15.
    assert "本月出勤：在村0天，应在村15天（定额15天，请假0天）" in card_text(s, policy, lv, TODAY)

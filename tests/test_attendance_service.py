"""Attendance rules: geofence, local dates at midnight, month edges, leap years, leave, pace."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from conversations.attendance.text import describe_distance
from core.app import BotCore
from services import attendance as att
from services import reports as rs
from services.config import Settings
from services.errors import UserError
from services.geo import haversine_m
from storage.models import Member
from tests.conftest import at

VILLAGE = (26.25, 107.51)


def _settings(**kw) -> Settings:  # type: ignore[no-untyped-def]
    return Settings(_env_file=None, **kw)  # type: ignore[call-arg]


def _m(s, name: str = "张驻村") -> Member:  # type: ignore[no-untyped-def]
    return s.scalar(select(Member).where(Member.name == name))


def test_haversine_matches_known_distances() -> None:
    assert haversine_m(*VILLAGE, *VILLAGE) == 0
    # Beijing Tiananmen -> Shanghai People's Square is about 1,067 km
    assert 1_060_000 < haversine_m(39.9087, 116.3975, 31.2304, 121.4737) < 1_075_000
    assert 110_000 < haversine_m(26.0, 107.51, 27.0, 107.51) < 111_500  # one degree of latitude
    assert describe_distance(350.4) == "350 米" and describe_distance(2400) == "2.4 公里"
    with pytest.raises(UserError) as exc:
        haversine_m(91, 0, 0, 0)
    assert exc.value.code == "attendance.bad_coordinates"


def test_checkin_inside_outside_and_repeated(demo: BotCore) -> None:
    s_ = _settings()
    now = at("2026-11-23 09:00")
    with demo.db.session() as s:
        m = _m(s)
        inside = att.record_checkin(s, m, 26.251, 107.512, now, s_)
        assert inside.inside and inside.first_today and 200 < inside.distance_m < 260
        again = att.record_checkin(s, m, 26.251, 107.512, now + timedelta(seconds=40), s_)
        assert again.repeated and again.checkin.id == inside.checkin.id
        later = att.record_checkin(s, m, 26.252, 107.511, now + timedelta(hours=3), s_)
        assert later.inside and not later.first_today and not later.repeated
        far = att.record_checkin(s, m, 39.9, 116.4, now + timedelta(hours=4), s_)
        assert not far.inside and far.distance_m > 1_000_000
        edge = att.record_checkin(s, m, 26.25 + 2100 / 111_195, 107.51, now + timedelta(hours=5), s_)
        assert not edge.inside  # 2.1 km with a 2 km fence
        sm = att.month_summary(s, m.id, 2026, 11, date(2026, 11, 23), s_)
        assert sm.days_in_village == 1  # several check-ins, one day
        with pytest.raises(UserError, match="坐标不正确") as exc:
            att.record_checkin(s, m, 95, 0, now, s_)
        assert (exc.value.code, exc.value.params) == ("attendance.bad_coordinates", {})
        with pytest.raises(UserError, match="没有启用") as exc:
            att.record_checkin(s, m, *VILLAGE, now, _settings(checkin_enabled=False))
        assert exc.value.code == "attendance.checkin_off"


def test_check_in_date_is_the_team_local_date_around_midnight(demo: BotCore) -> None:
    s_ = _settings()
    with demo.db.session() as s:
        m = _m(s)
        a = att.record_checkin(s, m, *VILLAGE, at("2026-11-30 23:59"), s_)  # 15:59 UTC Nov 30
        b = att.record_checkin(s, m, *VILLAGE, at("2026-12-01 00:01"), s_)  # 16:01 UTC Nov 30
        assert (a.checkin.local_date, b.checkin.local_date) == (date(2026, 11, 30), date(2026, 12, 1))
        assert b.first_today
        nov = att.month_summary(s, m.id, 2026, 11, date(2026, 12, 1), s_)
        dec = att.month_summary(s, m.id, 2026, 12, date(2026, 12, 1), s_)
        assert (nov.days_in_village, dec.days_in_village) == (1, 1)
        assert nov.village_dates == (date(2026, 11, 30),)


def test_quota_per_role_and_configurable(demo: BotCore) -> None:
    with demo.db.session() as s:
        today = date(2026, 11, 23)
        got = {n: att.month_summary(s, _m(s, n).id, 2026, 11, today, _settings()).quota
               for n in ("张驻村", "李书记", "王组长")}
        assert got == {"张驻村": 15, "李书记": 15, "王组长": 5}
        assert att.month_summary(s, _m(s).id, 2026, 11, today,
                                 _settings(quota_cadre_days=20)).quota == 20


def test_leave_lowers_the_requirement(demo: BotCore, monkeypatch: pytest.MonkeyPatch) -> None:
    leave = {date(2026, 11, 2): Decimal(1), date(2026, 11, 3): Decimal(1),
             date(2026, 11, 4): Decimal("0.5")}
    monkeypatch.setattr(att, "leave_dates_for", lambda *_a: leave)
    with demo.db.session() as s:
        sm = att.month_summary(s, _m(s).id, 2026, 11, date(2026, 11, 30), _settings())
        assert sm.leave_days == Decimal("2.5") and sm.required_days == 13  # ceil(15 - 2.5)
        monkeypatch.setattr(att, "leave_dates_for",
                            lambda *_a: {date(2026, 11, d): Decimal(1) for d in range(1, 31)})
        sm = att.month_summary(s, _m(s).id, 2026, 11, date(2026, 11, 30), _settings())
        assert sm.required_days == 0 and sm.met and not sm.behind  # floor 0


def test_pace_month_edges_and_leap_year(demo: BotCore) -> None:
    s_ = _settings()
    with demo.db.session() as s:
        m = _m(s)
        assert not att.month_summary(s, m.id, 2026, 11, date(2026, 11, 2), s_).behind
        mid = att.month_summary(s, m.id, 2026, 11, date(2026, 11, 23), s_)
        assert mid.expected_by_now == 11 and mid.behind  # floor(15 * 23 / 30)
        for day in (1, 15, 29):  # 2028 is a leap year: February has 29 days
            att.record_checkin(s, m, *VILLAGE, at(f"2028-02-{day:02d} 10:00"), s_)
        feb = att.month_summary(s, m.id, 2028, 2, date(2028, 3, 1), s_)
        assert feb.days_in_village == 3 and feb.expected_by_now == 15 and feb.behind
        assert att.month_bounds(2028, 2)[1] == date(2028, 2, 29)
        assert att.month_bounds(2027, 2)[1] == date(2027, 2, 28)
        future = att.month_summary(s, m.id, 2026, 12, date(2026, 11, 23), s_)
        assert future.expected_by_now == 0 and not future.behind
        behind = att.behind_quota(s, m.team_id, date(2026, 11, 23), s_)
        assert {x.name for x, _ in behind} == {"张驻村", "赵驻村", "李书记", "王组长"}


def test_reports_count_as_days_when_checkin_is_switched_off(demo: BotCore) -> None:
    off = _settings(checkin_enabled=False)
    with demo.db.session() as s:
        m = _m(s)
        for d in (20, 21):
            rs.save_report(s, member=m, day=date(2026, 11, d), draft={"done": "入户"}, mode="new",
                           now=at(f"2026-11-{d} 18:00"))
        sm = att.month_summary(s, m.id, 2026, 11, date(2026, 11, 23), off)
        assert (sm.days_in_village, sm.reported_days) == (2, 2)
        on = att.month_summary(s, m.id, 2026, 11, date(2026, 11, 23), _settings())
        assert (on.days_in_village, on.reported_days) == (0, 2)

from datetime import date

import pytest

from services import workdays as wd
from services.workdays import DayInfo, WorkdayCalendar

D = date


# --- National Day 2026: 10-01..10-07 off, Sun 09-20 and Sat 10-10 worked ---------


@pytest.mark.parametrize("d", [D(2026, 10, 1), D(2026, 10, 5), D(2026, 10, 7)])
def test_national_day_2026_is_off(d):
    assert not wd.is_working_day(d)
    assert wd.holiday_name(d) == "国庆节"


@pytest.mark.parametrize("d", [D(2026, 9, 20), D(2026, 10, 10)])
def test_national_day_2026_adjusted_working_days(d):
    assert d.weekday() >= 5
    info = wd.day_info(d)
    assert info == DayInfo(d, True, None, "国庆节", True)


def test_mid_autumn_2026_is_separate_from_national_day():
    assert wd.holiday_name(D(2026, 9, 25)) == "中秋节"
    assert not wd.is_working_day(D(2026, 9, 25))


# --- Spring Festival 2026: 02-15..02-23 off, Sat 02-14 and Sat 02-28 worked ------


def test_spring_festival_2026():
    assert all(not wd.is_working_day(D(2026, 2, day)) for day in range(15, 24))
    assert wd.holiday_name(D(2026, 2, 17)) == "春节"
    assert wd.is_working_day(D(2026, 2, 14))  # Saturday
    assert wd.is_working_day(D(2026, 2, 28))  # Saturday
    assert wd.day_info(D(2026, 2, 28)).makeup_for == "春节"
    assert wd.is_working_day(D(2026, 2, 24))


def test_month_counts_2026():
    assert wd.working_days_in_month(2026, 2) == 16
    assert wd.working_days_in_month(2026, 10) == 18
    assert wd.working_days_in_month(2026, 11) == 21


def test_last_working_day_of_month():
    assert wd.last_working_day_of_month(2026, 2) == D(2026, 2, 28)  # adjusted Saturday
    assert wd.last_working_day_of_month(2026, 10) == D(2026, 10, 30)
    assert wd.last_working_day_of_month(2026, 5) == D(2026, 5, 29)
    assert wd.last_working_day_of_month(2026, 1) == D(2026, 1, 30)


def test_next_working_day_skips_holiday_block():
    assert wd.next_working_day(D(2026, 9, 30)) == D(2026, 10, 8)
    assert wd.next_working_day(D(2026, 10, 8)) == D(2026, 10, 9)
    assert wd.next_working_day(D(2026, 10, 9)) == D(2026, 10, 10)  # Saturday worked
    assert wd.next_working_day(D(2026, 2, 13)) == D(2026, 2, 14)
    assert wd.next_working_day(D(2026, 2, 14)) == D(2026, 2, 24)
    assert wd.next_working_day(D(2026, 11, 23), include_today=True) == D(2026, 11, 23)
    assert wd.next_working_day(D(2026, 11, 28), include_today=True) == D(2026, 11, 30)


def test_working_days_between_inclusive():
    assert wd.working_days_between(D(2026, 11, 23), D(2026, 11, 23)) == 1
    assert wd.working_days_between(D(2026, 11, 23), D(2026, 11, 29)) == 5
    assert wd.working_days_between(D(2026, 9, 28), D(2026, 10, 7)) == 3  # 9/28-30 only
    assert wd.working_days_between(D(2026, 9, 28), D(2026, 10, 11)) == 6  # + 10/8, 10/9, 10/10
    assert wd.working_days_between(D(2026, 11, 24), D(2026, 11, 23)) == 0


def test_holidays_between():
    assert wd.holidays_between(D(2026, 9, 20), D(2026, 10, 10)) == ["中秋节", "国庆节"]
    assert wd.holidays_between(D(2026, 11, 1), D(2026, 11, 30)) == []


def test_ordinary_weekend_has_no_holiday_name():
    info = wd.day_info(D(2026, 11, 28))
    assert info == DayInfo(D(2026, 11, 28), False, None, None, True)


# --- years outside the package's data ---------------------------------------


def test_unknown_year_falls_back_to_monday_to_friday():
    monday, saturday = D(2099, 10, 5), D(2099, 10, 3)  # 2099-10-01 would be 国庆节
    assert monday.weekday() == 0 and saturday.weekday() == 5
    assert wd.is_working_day(D(2099, 10, 1))  # a Thursday: no data, so a working day
    info = wd.day_info(monday)
    assert info.is_working_day and not info.authoritative
    assert not wd.is_working_day(saturday)
    assert wd.holiday_name(D(2099, 10, 1)) is None
    assert wd.working_days_in_month(2099, 10) == 22
    assert wd.last_working_day_of_month(2099, 10) == D(2099, 10, 30)
    assert not wd.is_authoritative(D(2099, 1, 1))
    assert not wd.is_authoritative(D(2026, 12, 30), D(2099, 1, 2))


def test_known_year_is_authoritative():
    assert wd.is_authoritative(D(2026, 1, 1), D(2026, 12, 31))
    assert wd.day_info(D(2026, 11, 23)).authoritative
    assert wd.is_authoritative(D(2010, 5, 1))


def test_before_2004_falls_back_too():
    assert not wd.day_info(D(1999, 10, 1)).authoritative


def test_calendar_class_is_usable_directly():
    cal = WorkdayCalendar()
    assert cal.working_days_between(D(2026, 10, 1), D(2026, 10, 31)) == 18

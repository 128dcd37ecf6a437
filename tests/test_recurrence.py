import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from reminders.defaults import ROLES, SeriesTemplate, default_series
from reminders.recurrence import (
    Lead,
    Recurrence,
    SpecError,
    SpecParseError,
    describe,
    due_reminders,
    has_official_data,
    is_working_day,
    next_occurrence,
    occurrences,
    parse_lead,
    parse_spec,
    reminder_times,
)

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def sh(*a):
    return datetime(*a, tzinfo=SH)


def local(ts, tz=SH):
    return [t.astimezone(tz).replace(tzinfo=None) for t in ts]


def occ_year(spec, year, tz=SH):
    return occurrences(spec, datetime(year, 1, 1, tzinfo=tz), datetime(year + 1, 1, 1, tzinfo=tz))


# ---------------------------------------------------------------- basic rules / zones
def test_weekly_shanghai_returns_utc_and_interval_is_start_exclusive_end_inclusive():
    spec = parse_spec("weekly fri 15:00")
    got = occurrences(spec, sh(2026, 5, 1, 15, 0), sh(2026, 5, 15, 15, 0))
    assert got == [datetime(2026, 5, 8, 7, 0, tzinfo=UTC), datetime(2026, 5, 15, 7, 0, tzinfo=UTC)]
    assert all(t.tzinfo is UTC for t in got)
    assert occurrences(spec, sh(2026, 5, 2), sh(2026, 5, 1)) == []


def test_other_zone_urumqi():
    spec = parse_spec("weekly fri 15:00 tz=Asia/Urumqi")
    assert spec.tz == "Asia/Urumqi"
    got = next_occurrence(spec, datetime(2026, 5, 4, tzinfo=UTC))
    assert got == datetime(2026, 5, 8, 9, 0, tzinfo=UTC)  # UTC+6


def test_berlin_dst_keeps_wall_clock_time():
    spec = Recurrence("daily", time="09:00", tz="Europe/Berlin")
    got = occurrences(spec, datetime(2026, 3, 27, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    assert [t.hour for t in got] == [8, 8, 7, 7]  # CET -> CEST on 29 March
    assert all(t.astimezone(BERLIN).hour == 9 for t in got)


def test_berlin_nonexistent_time_moves_forward_and_repeated_time_fires_once():
    spec = Recurrence("daily", time="02:30", tz="Europe/Berlin")
    spring = occurrences(spec, datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 29, 12, tzinfo=UTC))
    assert spring == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]  # = 03:30 CEST
    autumn = occurrences(spec, datetime(2026, 10, 24, 12, tzinfo=UTC), datetime(2026, 10, 26, 12, tzinfo=UTC))
    assert autumn == [datetime(2026, 10, 25, 0, 30, tzinfo=UTC), datetime(2026, 10, 26, 1, 30, tzinfo=UTC)]


def test_naive_datetimes_rejected():
    with pytest.raises(ValueError):
        occurrences(parse_spec("daily 20:00"), datetime(2026, 1, 1), datetime(2026, 2, 1))


def test_month_end_day_31_is_skipped_in_short_months_and_last_is_clamped():
    got = local(occ_year(parse_spec("monthly 31 09:00"), 2026))
    assert [d.month for d in got] == [1, 3, 5, 7, 8, 10, 12]
    last = local(occ_year(parse_spec("每月最后一天 09:00"), 2026))
    assert [d.day for d in last] == [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]


def test_first_monday():
    got = local(occ_year(parse_spec("每月第一个周一 9:00"), 2026))
    assert [d.date() for d in got[:4]] == [date(2026, 1, 5), date(2026, 2, 2), date(2026, 3, 2), date(2026, 4, 6)]
    assert all(d.weekday() == 0 and d.day <= 7 and d.hour == 9 for d in got)
    assert len(got) == 12


def test_quarterly_and_yearly():
    q = local(occ_year(parse_spec("quarterly 1 first-mon 09:00"), 2026))
    assert [d.date() for d in q] == [date(2026, 1, 5), date(2026, 4, 6), date(2026, 7, 6), date(2026, 10, 5)]
    q2 = local(occ_year(parse_spec("每季度第二个月15日 9:00"), 2026))
    assert [d.date() for d in q2] == [date(2026, m, 15) for m in (2, 5, 8, 11)]
    y = occurrences(parse_spec("yearly 01-05 09:00"), sh(2025, 1, 1), sh(2028, 1, 1))
    assert local(y) == [datetime(2025, 1, 5, 9), datetime(2026, 1, 5, 9), datetime(2027, 1, 5, 9)]


def test_yearly_feb_29_only_in_leap_years():
    got = occurrences(parse_spec("yearly 02-29 09:00"), sh(2025, 1, 1), sh(2033, 1, 1))
    assert [t.year for t in got] == [2028, 2032]


# ---------------------------------------------------------------- China's calendar
def test_package_data_assumptions():
    # the facts the tests below rely on, straight from chinese_calendar
    assert not any(chinese_calendar.is_workday(date(2026, 10, d)) for d in range(1, 8))
    assert chinese_calendar.is_workday(date(2026, 10, 8))
    assert chinese_calendar.is_workday(date(2026, 10, 10))  # Saturday, 调休
    assert chinese_calendar.is_workday(date(2026, 2, 28))  # Saturday, 调休
    assert not chinese_calendar.is_workday(date(2026, 2, 23))
    assert not chinese_calendar.is_workday(date(2026, 9, 25))  # Mid-Autumn Festival, a Friday


def test_last_working_day_2026():
    got = local(occ_year(parse_spec("每月最后一个工作日 16:00"), 2026))
    days = [d.date() for d in got]
    assert date(2026, 9, 30) in days  # Wednesday before National Day
    assert date(2026, 1, 30) in days  # 31 Jan is a Saturday
    assert date(2026, 2, 28) in days  # Saturday but an adjusted working day after Spring Festival
    assert date(2026, 5, 29) in days  # 30/31 May weekend
    assert len(days) == 12 and all(d.hour == 16 for d in got)
    assert all(is_working_day(d) for d in days)


def test_holiday_shift_national_day():
    spec = parse_spec("monthly 1 09:00 shift")
    got = local(occurrences(spec, sh(2026, 9, 15), sh(2026, 11, 15)))
    assert got == [datetime(2026, 10, 8, 9), datetime(2026, 11, 2, 9)]  # 1 Nov is a Sunday
    # an occurrence shifted past the window start is still found
    assert local(occurrences(spec, sh(2026, 10, 5), sh(2026, 10, 31))) == [datetime(2026, 10, 8, 9)]
    assert next_occurrence(spec, sh(2026, 10, 7, 12)) == sh(2026, 10, 8, 9).astimezone(UTC)
    assert occurrences(spec, sh(2026, 10, 8, 9), sh(2026, 10, 31)) == []


def test_holiday_shift_spring_festival_and_collapse():
    spec = parse_spec("每天 9:00（遇法定节假日顺延）")
    got = local(occurrences(spec, sh(2026, 2, 13, 12), sh(2026, 2, 25, 12)))
    # 14 Feb (Sat) is an adjusted working day; 15–23 collapse onto 24 Feb
    assert got == [datetime(2026, 2, 14, 9), datetime(2026, 2, 24, 9), datetime(2026, 2, 25, 9)]


def test_adjusted_working_saturday_counts_as_working():
    spec = parse_spec("weekly sat 09:00 shift")
    got = local(occurrences(spec, sh(2026, 10, 1), sh(2026, 10, 18)))
    # 3 Oct (holiday) -> 8 Oct; 10 Oct (调休 Saturday) stays; 17 Oct (weekend) -> 19 Oct is outside
    assert got == [datetime(2026, 10, 8, 9), datetime(2026, 10, 10, 9)]


def test_workdays_only_drops_holidays():
    spec = parse_spec("weekly fri 15:00 workdays-only")
    got = local(occurrences(spec, sh(2026, 9, 17), sh(2026, 10, 17)))
    # 25 Sep is Mid-Autumn Festival, 2 Oct National Day: both Fridays are dropped
    assert [d.date() for d in got] == [date(2026, 9, 18), date(2026, 10, 9), date(2026, 10, 16)]
    daily = parse_spec("每个工作日 20:00")
    got = local(occurrences(daily, sh(2026, 10, 9), sh(2026, 10, 13)))
    assert [d.date() for d in got] == [date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12)]


def test_year_beyond_package_data_falls_back_to_mon_fri():
    future = date(2099, 5, 1)
    assert not has_official_data(future)
    assert not has_official_data(date(2003, 5, 1))
    assert is_working_day(date(2099, 5, 1))  # Friday
    assert not is_working_day(date(2099, 5, 2))  # Saturday
    lw = local(occ_year(parse_spec("monthly last-workday 16:00"), 2099))
    assert len(lw) == 12 and all(d.weekday() < 5 for d in lw)
    shifted = local(occurrences(parse_spec("monthly 1 09:00 shift"), sh(2099, 1, 2), sh(2099, 3, 1)))
    assert shifted == [datetime(2099, 2, 2, 9)]  # 1 Feb 2099 is a Sunday
    # crossing from a year with data into one without does not crash
    assert len(occurrences(parse_spec("每天 9:00（遇法定节假日顺延）"), sh(2026, 12, 1), sh(2027, 2, 1))) > 30


# ---------------------------------------------------------------- one-off
def test_one_off_in_the_past_and_future():
    spec = parse_spec("once 2026-12-05 10:00")
    assert spec.kind == "once" and spec.at == ("2026-12-05T10:00",)
    assert next_occurrence(spec, sh(2026, 1, 1)) == sh(2026, 12, 5, 10).astimezone(UTC)
    assert next_occurrence(spec, sh(2027, 1, 1)) is None
    assert occurrences(spec, sh(2027, 1, 1), sh(2028, 1, 1)) == []
    # 5 Dec 2026 is a Saturday
    shifted = Recurrence("once", at=("2026-12-05T10:00",), shift_holidays=True)
    assert next_occurrence(shifted, sh(2026, 1, 1)) == sh(2026, 12, 7, 10).astimezone(UTC)
    dues = due_reminders(spec, [Lead()], since=sh(2026, 12, 4), now=sh(2026, 12, 6))
    assert [(d.lead_key, d.status) for d in dues] == [("at", "missed")]


# ---------------------------------------------------------------- serialisation / parsing
@pytest.mark.parametrize(
    "en, cn",
    [
        ("weekly fri 15:00", "每周五 15:00"),
        ("monthly 5 09:00", "每月5日 9:00"),
        ("monthly first-mon 09:00", "每月第一个周一 9:00"),
        ("monthly last-workday 16:00", "每月最后一个工作日 16:00"),
        ("quarterly 1 first-mon 09:00", "每季度第一个周一 9点"),
        ("yearly 01-05 09:00", "每年1月5日 上午9点"),
        ("once 2026-12-05 10:00", "2026年12月5日 10:00"),
        ("daily 20:00", "每天 20:00"),
        ("weekly mon,wed,fri 15:30", "每周一、三、五 下午3点半"),
        ("monthly last-fri 16:00 shift", "每月最后一个周五 16:00 遇节假日顺延"),
    ],
)
def test_parse_english_and_chinese_agree(en, cn):
    spec = parse_spec(en)
    assert parse_spec(cn) == spec
    assert parse_spec(describe(spec)) == spec
    assert Recurrence.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec


@pytest.mark.parametrize(
    "text", ["", "   ", "hello", "weekly 15:00", "weekly xyz 15:00", "monthly 32 09:00", "monthly 5",
             "yearly 02-30 09:00", "每月第六个周一 9:00", "每周五 25:00", "once 2026-02-30 10:00",
             "weekly fri 15:00 tz=Mars/Base", "every now and then 9:00"],
)
def test_parse_garbage_gives_clear_error(text):
    with pytest.raises(SpecParseError) as exc:
        parse_spec(text)
    assert isinstance(exc.value, ValueError)
    assert "weekly fri 15:00" in str(exc.value) and "每周五 15:00" in str(exc.value)


def test_describe_strings():
    assert describe(parse_spec("weekly fri 15:00")) == "每周五 15:00"
    assert describe(parse_spec("monthly first-mon 9:00")) == "每月第一个周一 09:00"
    assert describe(parse_spec("monthly last-workday 16:00 shift")) == "每月最后一个工作日 16:00（遇法定节假日顺延）"
    assert describe(parse_spec("weekly mon-fri 8:30")) == "每周一至周五 08:30"
    assert describe(parse_spec("quarterly 1 15 09:00")) == "每季度第一个月15日 09:00"
    assert describe(parse_spec("daily 20:00 tz=Asia/Urumqi")) == "每天 20:00（时区 Asia/Urumqi）"
    assert describe(parse_spec("once 2026-12-05 10:00")) == "2026年12月5日 10:00（一次性）"


def test_spec_validation_and_dict_format():
    spec = parse_spec("每月最后一个工作日 16:00")
    assert spec.to_dict() == {"v": 1, "kind": "monthly", "time": "16:00", "last_workday": True, "tz": "Asia/Shanghai"}
    with pytest.raises(SpecError):
        Recurrence.from_dict({"kind": "monthly", "time": "16:00", "day": 5, "colour": "red"})
    with pytest.raises(SpecError):
        Recurrence("monthly", time="09:00", day=5, nth=1, weekday=0)
    with pytest.raises(SpecError):
        Recurrence("daily", time="09:00", shift_holidays=True, workdays_only=True)
    with pytest.raises(SpecError):
        Recurrence("weekly", time="9:00", weekdays=(7,))
    with pytest.raises(SpecError):
        Recurrence("daily", time="09:00", tz="Nowhere/Town")
    assert hash(spec) == hash(Recurrence.from_dict(spec.to_dict()))


# ---------------------------------------------------------------- leads
def test_reminder_times_and_keys():
    occ = sh(2026, 5, 8, 15, 0)  # Friday
    leads = [Lead(), Lead(minutes=60), Lead(days=1, at="18:00"), Lead(days=10, at="09:00")]
    got = reminder_times(occ, leads, "Asia/Shanghai")
    assert [(k, w.astimezone(SH).replace(tzinfo=None)) for k, w in got] == [
        ("d10@09:00", datetime(2026, 4, 28, 9, 0)),
        ("d1@18:00", datetime(2026, 5, 7, 18, 0)),
        ("m60", datetime(2026, 5, 8, 14, 0)),
        ("at", datetime(2026, 5, 8, 15, 0)),
    ]
    assert all(w.tzinfo is UTC for _, w in got)
    # a reminder after the occurrence is dropped
    assert reminder_times(sh(2026, 5, 8, 9), [Lead(days=0, at="18:00")], SH) == []


def test_calendar_lead_across_dst_keeps_wall_time():
    occ = datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN)  # CEST
    [(key, when)] = reminder_times(occ, [Lead(days=2, at="18:00")], "Europe/Berlin")
    assert key == "d2@18:00" and when.astimezone(BERLIN).replace(tzinfo=None) == datetime(2026, 3, 28, 18, 0)


@pytest.mark.parametrize(
    "text, lead",
    [
        ("at the time", Lead()), ("准时", Lead()),
        ("1 hour before", Lead(minutes=60)), ("提前1小时", Lead(minutes=60)), ("30m", Lead(minutes=30)),
        ("the day before at 18:00", Lead(days=1, at="18:00")), ("前一天 18:00", Lead(days=1, at="18:00")),
        ("10 days before at 09:00", Lead(days=10, at="09:00")), ("提前10天 9:00", Lead(days=10, at="09:00")),
        ("d1@18:00", Lead(days=1, at="18:00")),
    ],
)
def test_parse_lead(text, lead):
    got = parse_lead(text)
    assert got == lead
    assert parse_lead(got.describe()) == got
    assert Lead.from_dict(json.loads(json.dumps(got.to_dict()))) == got


def test_lead_errors():
    with pytest.raises(SpecError):
        parse_lead("sometime")
    with pytest.raises(SpecError):
        Lead(minutes=-5)
    with pytest.raises(SpecError):
        Lead(minutes=5, days=1)


# ---------------------------------------------------------------- due reminders
FRIDAY = parse_spec("weekly fri 15:00")
LEADS = [Lead(days=1, at="18:00"), Lead(minutes=60), Lead()]


def test_due_on_time():
    dues = due_reminders(FRIDAY, LEADS, since=sh(2026, 5, 7, 17, 59), now=sh(2026, 5, 7, 18, 0))
    assert len(dues) == 1
    d = dues[0]
    assert (d.lead_key, d.status, d.late_by) == ("d1@18:00", "on_time", timedelta(0))
    assert d.occurrence == sh(2026, 5, 8, 15).astimezone(UTC)
    assert d.outbox_key(42) == "42:20260508T070000Z:d1@18:00"
    assert due_reminders(FRIDAY, LEADS, since=sh(2026, 5, 7, 18, 0), now=sh(2026, 5, 7, 18, 1)) == []


def test_due_late_within_grace_and_missed_after():
    # bot down from Thursday 12:00 to Friday 14:30: the day-before reminder is 20.5 h old
    dues = due_reminders(FRIDAY, LEADS, since=sh(2026, 5, 7, 12), now=sh(2026, 5, 8, 14, 30))
    assert [(d.lead_key, d.status) for d in dues] == [("d1@18:00", "missed"), ("m60", "late")]
    # back at Thursday 23:00: day-before reminder is 5 h late, within the 6 h grace
    dues = due_reminders(FRIDAY, LEADS, since=sh(2026, 5, 7, 12), now=sh(2026, 5, 7, 23))
    assert [(d.lead_key, d.status) for d in dues] == [("d1@18:00", "late")]
    dues = due_reminders(FRIDAY, LEADS, since=sh(2026, 5, 7, 12), now=sh(2026, 5, 7, 23), grace=timedelta(hours=2))
    assert [(d.lead_key, d.status) for d in dues] == [("d1@18:00", "missed")]


def test_lead_reminder_after_meeting_started_is_missed():
    dues = due_reminders(FRIDAY, LEADS, since=sh(2026, 5, 8, 13, 30), now=sh(2026, 5, 8, 15, 30))
    assert [(d.lead_key, d.status) for d in dues] == [("m60", "missed"), ("at", "late")]


def test_due_windows_tile_without_gaps_or_duplicates():
    spec = parse_spec("每天 9:00（遇法定节假日顺延）")
    leads = [Lead(days=1, at="18:00"), Lead(minutes=15), Lead()]
    start = sh(2026, 9, 28)
    big = due_reminders(spec, leads, start, start + timedelta(days=14))
    small = []
    t = start
    while t < start + timedelta(days=14):
        small += due_reminders(spec, leads, t, t + timedelta(minutes=30))
        t += timedelta(minutes=30)
    key = lambda d: (d.occurrence, d.lead_key, d.remind_at)  # noqa: E731
    assert sorted(map(key, small)) == sorted(map(key, big))
    assert len({(d.occurrence, d.lead_key) for d in big}) == len(big)
    # 1 Oct–7 Oct collapse into 8 Oct, reminded once per lead
    assert sum(1 for d in big if d.occurrence == sh(2026, 10, 8, 9).astimezone(UTC)) == 3


# ---------------------------------------------------------------- defaults
def test_default_series():
    series = default_series()
    titles = [s.title for s in series]
    assert titles == ["每月防返贫监测会议", "每周五学习", "乡镇工作例会", "村民代表会议", "村民会议",
                      "民生任务进展提醒", "工作记实提醒（每月28日前报送）", "半年工作总结提醒（7月5日前报送）",
                      "年度工作总结提醒（1月5日前报送）", "工作日志提醒",
                      "在村天数提醒", "组长每日简报", "组长每周简报", "任期轮换提醒"]
    assert len({s.key for s in series}) == len(series)
    for s in series:
        assert set(s.audience) <= set(ROLES)
        assert SeriesTemplate.from_dict(json.loads(json.dumps(s.to_dict()))) == s
        assert next_occurrence(s.spec, sh(2026, 1, 1)) is not None
    by_key = {s.key: s for s in series}
    assert Lead(days=10, at="09:00") in by_key["villager_meeting"].leads
    assert by_key["villager_meeting"].spec.kind == "yearly"
    assert by_key["villager_representative_meeting"].spec.kind == "quarterly"
    assert describe(by_key["friday_study"].spec).startswith("每周五 15:00")
    assert describe(by_key["township_work_meeting"].spec).startswith("每月第一个周一 09:00")
    # township meeting in October 2026: first Monday is the 5th (holiday) -> 8th
    tw = by_key["township_work_meeting"].spec
    assert next_occurrence(tw, sh(2026, 10, 1)) == sh(2026, 10, 8, 9).astimezone(UTC)
    assert next_occurrence(by_key["daily_log_reminder"].spec, sh(2026, 10, 1)) == sh(2026, 10, 8, 20).astimezone(UTC)


def test_rule_that_never_matches_again_terminates():
    # Sundays are working days only when adjusted (2026-01-04, 2026-09-20); never in fallback years
    spec = parse_spec("weekly sun 18:30 workdays-only")
    assert local(occ_year(spec, 2026)) == [datetime(2026, 1, 4, 18, 30), datetime(2026, 9, 20, 18, 30)]
    assert next_occurrence(spec, sh(2026, 10, 1)) is None
    assert due_reminders(spec, [Lead(days=10, at="09:00")], sh(2027, 1, 1), sh(2027, 1, 2)) == []


def test_due_reminders_memo_matches_direct_computation():
    from reminders.due import clear_memo

    clear_memo()
    specs = [parse_spec(t) for t in ("weekly fri 15:00", "每月最后一个工作日 16:00", "每天 9:00（遇法定节假日顺延）",
                                      "weekly sun 18:30 workdays-only", "yearly 01-15 09:00 shift")]
    leads = [Lead(days=10, at="09:00"), Lead(days=1, at="18:00"), Lead(minutes=60), Lead()]
    start, stop = sh(2026, 9, 1), sh(2027, 2, 1)
    for spec in specs:
        expected = sorted(
            (occ, key, when)
            for occ in occurrences(spec, start - timedelta(days=1), stop + timedelta(days=12))
            for key, when in reminder_times(occ, leads, spec.tz)
            if start < when <= stop
        )
        got, t = [], start
        while t < stop:  # 6-hour ticks through the memo
            got += [(d.occurrence, d.lead_key, d.remind_at) for d in due_reminders(spec, leads, t, t + timedelta(hours=6))]
            t += timedelta(hours=6)
        assert sorted(got) == expected, describe(spec)


def test_spec_errors_are_codes_with_parameters():
    with pytest.raises(SpecParseError) as exc:
        parse_spec("monthly 32 09:00")
    assert exc.value.code == "reminders.spec_unreadable_because"
    assert exc.value.params["text"] == "monthly 32 09:00"
    why = exc.value.params["why"]
    assert isinstance(why, SpecError) and why.code == "reminders.spec_day_range"
    assert why.params == {"day": 32}
    with pytest.raises(SpecParseError) as exc:
        parse_spec("every now and then 9:00")
    assert exc.value.code == "reminders.spec_unreadable" and "why" not in exc.value.params
    with pytest.raises(SpecError) as exc:
        parse_lead("sometime")
    assert exc.value.code == "reminders.lead_unreadable" and exc.value.params == {"text": "sometime"}
    with pytest.raises(SpecError) as exc:
        Recurrence("yearly", time="09:00", month=2, day=30)
    assert exc.value.code == "reminders.spec_no_such_day" and str(exc.value) == "2月没有30日"

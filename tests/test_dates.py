"""Table-driven tests for services.dates. Today is Monday 2026-11-23."""

from datetime import date
from decimal import Decimal

import pytest

from services.dates import (
    DateRange,
    ParseError,
    describe_range,
    leave_days,
    parse_date_range,
    parse_date_range_or_error,
)

D = date
TODAY = D(2026, 11, 23)  # a Monday
assert TODAY.weekday() == 0


def R(start, end=None, start_half=None, end_half=None):
    return DateRange(start, end or start, start_half, end_half)


CASES = [
    # relative days
    ("今天", R(D(2026, 11, 23))),
    ("明天", R(D(2026, 11, 24))),
    ("后天", R(D(2026, 11, 25))),
    ("大后天", R(D(2026, 11, 26))),
    ("明天到后天", R(D(2026, 11, 24), D(2026, 11, 25))),
    # weekdays
    ("下周一", R(D(2026, 11, 30))),
    ("周五", R(D(2026, 11, 27))),
    ("这周五", R(D(2026, 11, 27))),
    ("周一", R(D(2026, 11, 23))),  # today is Monday: on or after today
    ("周日", R(D(2026, 11, 29))),
    ("星期天", R(D(2026, 11, 29))),
    ("礼拜三", R(D(2026, 11, 25))),
    ("上周五", R(D(2026, 11, 20))),
    ("下下周一", R(D(2026, 12, 7))),
    ("下周一到周三", R(D(2026, 11, 30), D(2026, 12, 2))),
    ("下周一至下周三", R(D(2026, 11, 30), D(2026, 12, 2))),
    ("本周四到下周二", R(D(2026, 11, 26), D(2026, 12, 1))),
    ("周五到下周一", R(D(2026, 11, 27), D(2026, 11, 30))),
    ("周三到周一", R(D(2026, 11, 25), D(2026, 11, 30))),
    ("下周三到周一", R(D(2026, 12, 2), D(2026, 12, 7))),
    ("明天到周五", R(D(2026, 11, 24), D(2026, 11, 27))),
    # month/day
    ("11月25日", R(D(2026, 11, 25))),
    ("11月25号", R(D(2026, 11, 25))),
    ("25号", R(D(2026, 11, 25))),
    ("11月25日-27日", R(D(2026, 11, 25), D(2026, 11, 27))),
    ("11月25日至27日", R(D(2026, 11, 25), D(2026, 11, 27))),
    ("11月28日-3日", R(D(2026, 11, 28), D(2026, 12, 3))),
    ("11月25日到12月2日", R(D(2026, 11, 25), D(2026, 12, 2))),
    ("12.1-12.3", R(D(2026, 12, 1), D(2026, 12, 3))),
    ("12/1-12/3", R(D(2026, 12, 1), D(2026, 12, 3))),
    ("2026-12-01", R(D(2026, 12, 1))),
    ("2026-12-01至2026-12-03", R(D(2026, 12, 1), D(2026, 12, 3))),
    ("2026/12/1", R(D(2026, 12, 1))),
    ("2026年12月1日", R(D(2026, 12, 1))),
    ("1月1日", R(D(2027, 1, 1))),  # next occurrence
    ("11月20日", R(D(2026, 11, 20))),  # 3 days ago: filed late, stays this year
    ("11月10日", R(D(2027, 11, 10))),  # more than a week ago: next year
    # durations (calendar days; no start means tomorrow)
    ("明天起3天", R(D(2026, 11, 24), D(2026, 11, 26))),
    ("从明天开始请三天", R(D(2026, 11, 24), D(2026, 11, 26))),
    ("3天", R(D(2026, 11, 24), D(2026, 11, 26))),
    ("三天", R(D(2026, 11, 24), D(2026, 11, 26))),
    ("两天", R(D(2026, 11, 24), D(2026, 11, 25))),
    ("请假两天", R(D(2026, 11, 24), D(2026, 11, 25))),
    ("明天起一周", R(D(2026, 11, 24), D(2026, 11, 30))),
    ("12月1日起请5天假", R(D(2026, 12, 1), D(2026, 12, 5))),
    ("12月1日到3日共3天", R(D(2026, 12, 1), D(2026, 12, 3))),
    ("下周一起3个工作日", R(D(2026, 11, 30), D(2026, 12, 2))),
    ("周五起2个工作日", R(D(2026, 11, 27), D(2026, 11, 30))),
    # half days
    ("下周一上午", R(D(2026, 11, 30), None, "am", "am")),
    ("明天上午", R(D(2026, 11, 24), None, "am", "am")),
    ("明天下午", R(D(2026, 11, 24), None, "pm", "pm")),
    ("明天上午半天", R(D(2026, 11, 24), None, "am", "am")),
    ("明天下午半天", R(D(2026, 11, 24), None, "pm", "pm")),
    ("明天下午到后天上午", R(D(2026, 11, 24), D(2026, 11, 25), "pm", "am")),
    ("明天下午到后天", R(D(2026, 11, 24), D(2026, 11, 25), "pm", None)),
    ("明天上午到后天下午", R(D(2026, 11, 24), D(2026, 11, 25))),  # canonical: whole days
    ("今天上午到下午", R(D(2026, 11, 23))),
    ("明天下午起1.5天", R(D(2026, 11, 24), D(2026, 11, 25), "pm", None)),
    ("明天上午起一天半", R(D(2026, 11, 24), D(2026, 11, 25), None, "am")),
    ("明天下午起2.5天", R(D(2026, 11, 24), D(2026, 11, 26), "pm", None)),
    # Chinese numerals, full width, Traditional characters
    ("十二月一日", R(D(2026, 12, 1))),
    ("十二月一日到三日", R(D(2026, 12, 1), D(2026, 12, 3))),
    ("二〇二六年十二月一日", R(D(2026, 12, 1))),
    ("廿五日", R(D(2026, 11, 25))),
    ("１２月１日", R(D(2026, 12, 1))),
    ("１２／１－１２／３", R(D(2026, 12, 1), D(2026, 12, 3))),
    ("２０２６－１２－０１至２０２６－１２－０３", R(D(2026, 12, 1), D(2026, 12, 3))),
    ("下週一到週三", R(D(2026, 11, 30), D(2026, 12, 2))),
    ("從明天開始請三天", R(D(2026, 11, 24), D(2026, 11, 26))),
    ("  明天 到 后天 ", R(D(2026, 11, 24), D(2026, 11, 25))),
    # boundaries
    ("12月30日到1月2日", R(D(2026, 12, 30), D(2027, 1, 2))),
    ("2028-02-28至2028-03-01", R(D(2028, 2, 28), D(2028, 3, 1))),
    ("2028年2月29日", R(D(2028, 2, 29))),
    ("2月29日", R(D(2028, 2, 29))),  # next leap year
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_parse_table(text, expected):
    assert parse_date_range(text, TODAY) == expected


def test_table_accuracy_is_total():
    hits = sum(parse_date_range(t, TODAY) == e for t, e in CASES)
    assert hits == len(CASES)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # year inference depends on today
        ("11月25日", D(2026, 12, 20), R(D(2027, 11, 25))),
        ("11月25日", D(2026, 11, 28), R(D(2026, 11, 25))),
        ("12月30日", D(2027, 1, 2), R(D(2026, 12, 30))),
        ("12月30日到1月2日", D(2027, 1, 2), R(D(2026, 12, 30), D(2027, 1, 2))),
        ("1月2日", D(2026, 12, 28), R(D(2027, 1, 2))),
        ("明天", D(2026, 12, 31), R(D(2027, 1, 1))),
        ("明天起3天", D(2028, 2, 27), R(D(2028, 2, 28), D(2028, 3, 1))),
        ("明天起3天", D(2027, 2, 27), R(D(2027, 2, 28), D(2027, 3, 2))),
        # weekdays late in the week
        ("周五", D(2026, 11, 28), R(D(2026, 12, 4))),  # Saturday: next Friday
        ("这周五", D(2026, 11, 28), R(D(2026, 11, 27))),  # this week's, already past
        ("下周一", D(2026, 11, 29), R(D(2026, 11, 30))),  # Sunday
        ("25号", D(2026, 11, 30), R(D(2026, 11, 25))),
        ("10号", D(2026, 11, 30), R(D(2026, 12, 10))),
    ],
)
def test_relative_to_today(text, today, expected):
    assert parse_date_range(text, today) == expected


# --- failures -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "fragment"),
    [
        ("12月3日到12月1日", "end_before_start", "结束日期12月1日(周二)早于开始日期12月3日(周四)"),
        ("下周三到本周一", "end_before_start", "早于开始日期"),
        ("11月25日到10月1日", "end_before_start", "早于开始日期"),
        ("11月25日到明天", "end_before_start", "早于开始日期"),
        ("明天下午到明天上午", "end_before_start", "上午早于开始日期11月24日(周二)下午"),
        ("asdfgh", "unparseable", "没看懂“asdfgh”"),
        ("我想请假", "unparseable", "例如"),
        ("", "empty", "请告诉我请假的日期"),
        ("   ", "empty", None),
        ("明天到", "unparseable", "缺少结束日期"),
        ("明天后天", "unparseable", "多个日期"),
        ("2月30日", "invalid_date", "日期不存在：2月30日"),
        ("2026年13月1日", "invalid_date", "日期不存在"),
        ("2027-02-29", "invalid_date", "日期不存在"),
        ("半天", "ambiguous", "上午还是下午"),
        ("明天半天", "ambiguous", "上午还是下午"),
        ("下午", "ambiguous", "哪一天的下午"),
        ("明天1.5天", "ambiguous", "上午还是下午"),
        ("一两天", "ambiguous", "具体的天数"),
        ("两三天", "ambiguous", "具体的天数"),
        ("请几天假", "ambiguous", "具体的天数"),
        ("12月1日到3日共4天", "inconsistent", "共3天，和所说的4天不一致"),
        ("2026-01-01至2027-06-01", "too_long", "超过一年"),
    ],
)
def test_failures_explain_themselves(text, code, fragment):
    result = parse_date_range_or_error(text, TODAY)
    assert isinstance(result, ParseError)
    assert result.code == code
    assert not result
    if fragment:
        assert fragment in result.message
    assert parse_date_range(text, TODAY) is None


def test_filler_around_a_date_is_ignored():
    # Known property, pinned so that changing it is a conscious decision.
    assert parse_date_range("今天天气不错", TODAY) == R(TODAY)
    assert parse_date_range("我想下周一请假，家里有事", TODAY) == R(D(2026, 11, 30))


def test_parser_does_not_read_the_clock(monkeypatch):
    import datetime as real

    class Exploding(real.date):
        @classmethod
        def today(cls):  # pragma: no cover - must not be called
            raise AssertionError("clock read")

    monkeypatch.setattr("services.dates.date", Exploding)
    assert parse_date_range("明天", TODAY) == R(D(2026, 11, 24))


# --- leave_days ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("r", "calendar_days", "working_days"),
    [
        (R(D(2026, 12, 1), D(2026, 12, 3)), "3", "3"),
        (R(D(2026, 11, 27), D(2026, 11, 30)), "4", "2"),
        (R(D(2026, 11, 24), None, "am", "am"), "0.5", "0.5"),
        (R(D(2026, 11, 28), None, "am", "am"), "0.5", "0"),  # Saturday
        (R(D(2026, 11, 24), D(2026, 11, 25), "pm", "am"), "1", "1"),
        (R(D(2026, 11, 24), D(2026, 11, 26), "pm", None), "2.5", "2.5"),
        (R(D(2026, 9, 30), D(2026, 10, 10), "pm", None), "10.5", "3.5"),  # 9/30 pm, 10/8-10/10
        (R(D(2026, 2, 13), D(2026, 2, 28)), "16", "7"),  # 春节: 2/13, 2/14, 2/24-27, 2/28
        (R(D(2028, 2, 28), D(2028, 3, 1)), "3", "3"),
        (R(D(2099, 10, 1), D(2099, 10, 7)), "7", "5"),  # no data: Mon–Fri
    ],
)
def test_leave_days(r, calendar_days, working_days):
    assert leave_days(r) == (Decimal(calendar_days), Decimal(working_days))


# --- describe_range -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("12月1日到12月3日", TODAY, "12月1日(周二) 至 12月3日(周四)，共3天，其中工作日3天"),
        ("明天", TODAY, "11月24日(周二)，共1天，其中工作日1天"),
        ("下周一上午", TODAY, "11月30日(周一)上午，共0.5天，其中工作日0.5天"),
        (
            "明天下午到后天上午",
            TODAY,
            "11月24日(周二)下午 至 11月25日(周三)上午，共1天，其中工作日1天",
        ),
        (
            "明天下午起2.5天",
            TODAY,
            "11月24日(周二)下午 至 11月26日(周四)，共2.5天，其中工作日2.5天",
        ),
        ("周五到下周一", TODAY, "11月27日(周五) 至 11月30日(周一)，共4天，其中工作日2天"),
        (
            "9月28日到10月10日",
            D(2026, 9, 1),
            "9月28日(周一) 至 10月10日(周六)，共13天，其中工作日6天"
            "（含国庆节假期；10月10日(周六)为调休上班日）",
        ),
        (
            "9月24日到9月28日",
            D(2026, 9, 1),
            "9月24日(周四) 至 9月28日(周一)，共5天，其中工作日2天（含中秋节假期）",
        ),
        (
            "2月13日至2月28日",
            D(2026, 2, 1),
            "2月13日(周五) 至 2月28日(周六)，共16天，其中工作日7天"
            "（含春节假期；2月14日(周六)、2月28日(周六)为调休上班日）",
        ),
    ],
)
def test_describe_range(text, today, expected):
    assert describe_range(parse_date_range(text, today)) == expected


def test_describe_range_across_new_year_shows_years():
    text = describe_range(parse_date_range("12月30日到1月2日", TODAY))
    assert text.startswith("2026年12月30日(周三) 至 2027年1月2日(周六)，共4天")


def test_describe_range_unknown_year():
    r = DateRange(D(2099, 12, 30), D(2100, 1, 2))
    text = describe_range(r)
    assert text.startswith("2099年12月30日(周三) 至 2100年1月2日(周六)，共4天，其中工作日")
    assert "2099年、2100年节假日安排尚未收录，工作日按周一至周五估算" in text


def test_describe_range_shows_year_when_not_this_year():
    r = DateRange(D(2099, 1, 5), D(2099, 1, 6))
    assert describe_range(r, today=TODAY).startswith("2099年1月5日(周一) 至 2099年1月6日(周二)")
    assert describe_range(r).startswith("1月5日(周一)")


def test_describe_range_accepts_a_calendar_object():
    from services.workdays import WorkdayCalendar

    r = DateRange(D(2026, 10, 1), D(2026, 10, 7))
    assert describe_range(r, WorkdayCalendar()) == (
        "10月1日(周四) 至 10月7日(周三)，共7天，其中工作日0天（含国庆节假期）"
    )


def test_cn2an_is_imported_lazily():
    import subprocess
    import sys

    code = (
        "import sys; from datetime import date; import services.dates as d;"
        "d.parse_date_range('12月1日', date(2026, 11, 23));"
        "assert 'cn2an' not in sys.modules, 'eager';"
        "d.parse_date_range('十二月一日', date(2026, 11, 23));"
        "assert 'cn2an' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)

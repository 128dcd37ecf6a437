"""Parse the date expressions cadres type when asking for leave.

    >>> from datetime import date
    >>> parse_date_range("下周一到周三", today=date(2026, 11, 23))
    DateRange(start=datetime.date(2026, 11, 30), end=datetime.date(2026, 12, 2), start_half=None, end_half=None)

The parser is pure: ``today`` (a date in the team's time zone) is always
passed in, the system clock is never read.

Public API
----------
``parse_date_range(text, today) -> DateRange | None``
    None when the text cannot be understood or is invalid.
``parse_date_range_or_error(text, today) -> DateRange | ParseError``
    Same, but says why in Chinese (``ParseError.message``) so the bot can
    answer the user directly.
``leave_days(r, workdays=None) -> (calendar_days, working_days)``
    Both ``Decimal``; half days count 0.5.
``describe_range(r, workdays=None) -> str``
    The echo text: "12月1日(周二) 至 12月3日(周四)，共3天，其中工作日3天".

Reading rules (decisions, all covered by tests)
-----------------------------------------------
* A date without a year is its nearest occurrence that is not more than
  7 days in the past: 11月25日 typed on 2026-11-28 is 2026-11-25 (a leave
  being filed late), typed on 2026-12-20 it is 2027-11-25; 12月30日 typed on
  2027-01-02 is 2026-12-30. The end of a range without a year is in the
  start's year, or the next one when its month comes earlier and the span
  stays within 92 days (12月30日到1月2日); so 12月3日到12月1日 is reported
  as ending before it starts rather than read as a year-long leave.
* An end without a month takes the start's month (11月25日-27日), rolling
  to the next month if that would end before the start (11月28日-3日).
* A bare weekday (周五) is the next one on or after today; 这周/本周 means the
  Monday-based current week even if the day is past; 下周/下下周/上周 shift
  it. In "下周一到周三" the end inherits the start's week.
* A duration without a start (3天, 请两天假) starts **tomorrow**: leave is
  normally asked for in advance, and a leave for today is said with 今天.
  The echo shows the dates, so a wrong guess is visible before confirming.
* Durations are calendar days (明天起3天 on a Thursday is Fri–Sun); the
  echo's "其中工作日N天" shows the working-day count. "N个工作日" counts
  working days on the official calendar instead.
* 上午/下午 make half days; a half day needs a day (明天上午). "半天" or
  "下午" without a day, or "明天半天" without saying 上午/下午, is refused
  with a question rather than guessed.
* Vague amounts (一两天, 两三天, 几天) are refused: cn2an would turn 一两天
  into 12天.

Library choice (measured 2026-11, Python 3.11, 2 cores; table of 32
expressions from tests/test_dates.py with today = Monday 2026-11-23)
-----------------------------------------------------------------------
* jionlp 1.5.31 (``parse_time``): 22/32 correct as-is, 23/32 after our own
  NFKC + 週→周 normalisation. Wrong *silently* on the cases that matter:
  下周一到周三 → 11-30..11-25 (end before start), 明天起3天 → one day,
  12月30日到1月2日 → end in the same year; 12.1-12.3 raises; bare durations
  come back as deltas. Install ≈170 MB (jiojio 148 MB, numpy, requests),
  import 0.2 s warm / 1.9 s cold, prints a banner to stdout on import.
* dateparser 1.5.0 (languages=["zh"]): 13/32, and several of those only by
  luck (下周一 read as "下周"); 11月25日 → 2027-11-17, no Chinese ranges.
  Import 0.06–0.26 s.
* cn2an 0.5.24: not a date parser, but converts Chinese numerals exactly
  where we need it (十二月三十日 → 12月30日, 两天半 → 2天半, 半天 → 0.5天,
  二〇二六年 → 2026年, 廿五日 → 25日). ≈0.5 MB with its one dependency,
  import 0.1–0.16 s, < 0.1 ms per call.

So: a small token grammar written here (32/32 on the table), cn2an for
numerals (imported lazily, only when the text has a Chinese numeral) and
OpenCC t2s for Traditional characters (also lazy). NFKC handles full-width
digits and punctuation (１２月１日, １２／１－１２／３).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Literal, Protocol

__all__ = [
    "DateRange",
    "Half",
    "ParseError",
    "describe_range",
    "leave_days",
    "parse_date_range",
    "parse_date_range_or_error",
]

Half = Literal["am", "pm"]

WEEKDAY_NAMES = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
HALF_NAMES = {"am": "上午", "pm": "下午"}
MAX_RANGE_DAYS = 366
_PAST_TOLERANCE = timedelta(days=7)
_MAX_WRAP_DAYS = 92  # an end month before the start month means next year only within this


class _Workdays(Protocol):  # services.workdays module or a WorkdayCalendar
    def day_info(self, d: date): ...


@dataclass(frozen=True, slots=True)
class DateRange:
    """An inclusive range of days, possibly starting or ending at half day.

    ``start_half="pm"``: only the afternoon of ``start`` is taken.
    ``end_half="am"``: only the morning of ``end`` is taken.
    A single half day has ``start == end`` and ``start_half == end_half``.
    Otherwise a boundary that is a whole day is None, so each period has
    exactly one spelling (明天上午到后天下午 == 明天到后天).
    """

    start: date
    end: date
    start_half: Half | None = None
    end_half: Half | None = None

    @property
    def is_single_half_day(self) -> bool:
        return (
            self.start == self.end
            and self.start_half is not None
            and (self.start_half == self.end_half)
        )


@dataclass(frozen=True, slots=True)
class ParseError:
    """Why a text could not be read; ``message`` is Chinese, for the user."""

    code: Literal[
        "empty",
        "unparseable",
        "end_before_start",
        "invalid_date",
        "ambiguous",
        "too_long",
        "inconsistent",
    ]
    message: str

    def __bool__(self) -> bool:  # lets callers write `if not result:`
        return False


class _Fail(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.error = ParseError(code, message)


_EXAMPLES = "例如：明天、下周一到周三、12月1日至12月3日、明天起3天、明天上午"


# --------------------------------------------------------------------------
# normalisation


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    from opencc import OpenCC

    return OpenCC("t2s").convert


_CN_NUM_CHARS = set("零〇一二三四五六七八九十廿卅两百半")
_VAGUE = re.compile(
    r"(几|[一二三四五六七八九十两][两二三四五六七八九十])(个)?(天|日|周|星期|工作日)"
)


def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).strip().lower()
    if any("\u4e00" <= ch <= "\u9fff" for ch in s):
        s = _t2s()(s)
    s = re.sub(r"\s+", "", s)
    s = s.replace("礼拜", "星期").replace("星期", "周")
    s = re.sub(r"[—–~～_]+|－", "-", s)
    vague = _VAGUE.search(s)
    if vague and not re.search(r"[十廿卅]", vague.group(1)):
        raise _Fail("ambiguous", "请说具体的天数，例如：明天起请2天")
    if any(ch in _CN_NUM_CHARS for ch in s):
        # "周日/周天" must stay words; cn2an leaves 日/天 alone but would read
        # "一" in 周一 as 1, which the grammar accepts.
        import cn2an  # lazy: ~0.15 s import

        try:
            s = cn2an.transform(s, "cn2an")
        except Exception:  # pragma: no cover - cn2an is lenient; keep the text
            pass
    return s


# --------------------------------------------------------------------------
# tokens


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # abs, rel, wday, half, sep, from, dur, wdur
    value: tuple


_REL_WORDS = {
    "大后天": 3,
    "后天": 2,
    "明天": 1,
    "明日": 1,
    "今天": 0,
    "今日": 0,
    "昨天": -1,
    "昨日": -1,
    "前天": -2,
}
_WEEK_PREFIX = {
    "下下": 2,
    "下个": 1,
    "下": 1,
    "这个": 0,
    "这": 0,
    "本": 0,
    "今": 0,
    "上个": -1,
    "上": -1,
}

_PATTERNS: list[tuple[str, re.Pattern]] = [
    # durations first, so "1.5天" is not read as month.day
    ("wdur", re.compile(r"(\d+(?:\.5)?)个?工作日")),
    ("dur", re.compile(r"(\d+(?:\.5)?)个?(天|周)(半)?")),
    ("abs", re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[日号]?")),
    ("abs", re.compile(r"(?:(\d{4})年)?(\d{1,2})月(\d{1,2})[日号]?")),
    ("abs", re.compile(r"()(\d{1,2})[./](\d{1,2})(?![\d])")),
    ("abs", re.compile(r"()()(\d{1,2})[日号]")),
    ("rel", re.compile("|".join(sorted(_REL_WORDS, key=len, reverse=True)))),
    ("wday", re.compile(r"(下下|下个|下|这个|这|本|今|上个|上)?周([1-7]|日|天)")),
    ("half", re.compile(r"上午|早上|下午|午后")),
    ("sep", re.compile(r"到|至|-")),
    ("from", re.compile(r"起|开始")),
]


def _tokenise(s: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i = 0
    while i < len(s):
        for kind, pat in _PATTERNS:
            m = pat.match(s, i)
            if m and m.end() > i:
                toks.append(_make_tok(kind, m))
                i = m.end()
                break
        else:
            i += 1  # filler: 请假, 从, 我, 共, punctuation ...
    return toks


def _make_tok(kind: str, m: re.Match) -> _Tok:
    g = m.groups()
    if kind == "abs":
        year, month, day = (int(x) if x else None for x in g)
        return _Tok("abs", (year, month, day))
    if kind == "rel":
        return _Tok("rel", (_REL_WORDS[m.group(0)],))
    if kind == "wday":
        offset = _WEEK_PREFIX[g[0]] if g[0] else None
        dow = 6 if g[1] in ("日", "天") else int(g[1]) - 1
        return _Tok("wday", (offset, dow))
    if kind == "half":
        return _Tok("half", ("am" if m.group(0) in ("上午", "早上") else "pm",))
    if kind == "dur":
        n = Decimal(g[0]) * (7 if g[1] == "周" else 1) + (Decimal("0.5") if g[2] else 0)
        return _Tok("dur", (n,))
    if kind == "wdur":
        return _Tok("wdur", (Decimal(g[0]),))
    return _Tok(kind, ())


# --------------------------------------------------------------------------
# resolving points


@dataclass(slots=True)
class _Point:
    tok: _Tok | None  # the date token; None when only 上午/下午 was given
    half: Half | None = None


def _make_date(y: int, m: int, d: int) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise _Fail(
            "invalid_date", f"日期不存在：{m}月{d}日" + (f"（{y}年）" if m == 2 and d == 29 else "")
        ) from None


def _valid_md(y: int, m: int, d: int) -> bool:
    return 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1]


def _resolve_start(tok: _Tok, today: date) -> date:
    if tok.kind == "rel":
        return today + timedelta(days=tok.value[0])
    if tok.kind == "wday":
        offset, dow = tok.value
        if offset is None:
            return today + timedelta(days=(dow - today.weekday()) % 7)
        monday = today - timedelta(days=today.weekday())
        return monday + timedelta(weeks=offset, days=dow)
    year, month, day = tok.value
    if month is None:
        month = today.month
        if year is None:
            # "25日": this month, or next month if more than a week past
            cand = _make_date(today.year, month, day) if _valid_md(today.year, month, day) else None
            if cand is None or cand < today - _PAST_TOLERANCE:
                ny, nm = (today.year + (today.month == 12), today.month % 12 + 1)
                return _make_date(ny, nm, day)
            return cand
    if year is not None:
        return _make_date(year, month, day)
    if not 1 <= month <= 12:
        raise _Fail("invalid_date", f"日期不存在：{month}月{day}日")
    candidates = [
        date(y, month, day)
        for y in (today.year - 1, today.year, today.year + 1)
        if _valid_md(y, month, day)
    ]
    for c in candidates:
        if c >= today - _PAST_TOLERANCE:
            return c
    if month == 2 and day == 29:  # next leap year
        y = today.year + 1
        while not calendar.isleap(y):
            y += 1
        return date(y, 2, 29)
    raise _Fail("invalid_date", f"日期不存在：{month}月{day}日")


def _resolve_end(tok: _Tok, start_tok: _Tok, start: date, today: date) -> date:
    if tok.kind == "rel":
        return today + timedelta(days=tok.value[0])
    if tok.kind == "wday":
        offset, dow = tok.value
        if offset is None and start_tok.kind == "wday" and start_tok.value[0] is not None:
            # 下周一到周三: 周三 of 下周 (unless that is before the start: 下周三到周一)
            same_week = _resolve_start(_Tok("wday", (start_tok.value[0], dow)), today)
            if same_week >= start:
                return same_week
        if offset is None:
            return start + timedelta(days=(dow - start.weekday()) % 7)
        return _resolve_start(_Tok("wday", (offset, dow)), today)
    year, month, day = tok.value
    if year is not None:
        return _make_date(year, month, day)
    if month is None:  # "11月25日-27日"
        y, m = start.year, start.month
        if day < start.day:
            y, m = y + (m == 12), m % 12 + 1
        return _make_date(y, m, day)
    if not 1 <= month <= 12:
        raise _Fail("invalid_date", f"日期不存在：{month}月{day}日")
    # Wrap into the next year only for a short span over New Year
    # (12月30日到1月2日); "12月3日到12月1日" is a mistake to report, not a
    # leave until next December.
    if month < start.month and _valid_md(start.year + 1, month, day):
        wrapped = date(start.year + 1, month, day)
        if (wrapped - start).days <= _MAX_WRAP_DAYS:
            return wrapped
    return _make_date(start.year, month, day)


# --------------------------------------------------------------------------
# grammar


def _parse(text: str, today: date, workdays: _Workdays | None) -> DateRange:
    if not text or not text.strip():
        raise _Fail("empty", "请告诉我请假的日期，" + _EXAMPLES)
    toks = _tokenise(_normalise(text))
    if not toks:
        raise _Fail("unparseable", f"没看懂“{text.strip()}”里的日期，" + _EXAMPLES)

    # group into:  point [sep point] [from] [duration]
    points: list[_Point] = []
    duration: _Tok | None = None
    seps = 0
    for tok in toks:
        if duration is not None:
            raise _Fail(
                "unparseable", f"没看懂“{text.strip()}”，请把日期写在天数前面，" + _EXAMPLES
            )
        if tok.kind in ("abs", "rel", "wday"):
            if points and points[-1].tok is None and len(points) > seps:
                points[-1].tok = tok  # "上午" was said before the day? keep order simple
            elif len(points) > seps:
                raise _Fail(
                    "unparseable",
                    f"“{text.strip()}”里有多个日期，请用“到”连接起止日期，" + _EXAMPLES,
                )
            else:
                points.append(_Point(tok))
        elif tok.kind == "half":
            if len(points) > seps:
                if points[-1].half is not None:
                    raise _Fail("unparseable", f"没看懂“{text.strip()}”，" + _EXAMPLES)
                points[-1].half = tok.value[0]
            else:
                points.append(_Point(None, tok.value[0]))
        elif tok.kind == "sep":
            if seps or not points:
                raise _Fail("unparseable", f"没看懂“{text.strip()}”，" + _EXAMPLES)
            seps = 1
        elif tok.kind == "from":
            continue
        else:  # dur / wdur
            duration = tok
    if seps and len(points) < 2:
        raise _Fail("unparseable", f"“{text.strip()}”缺少结束日期，" + _EXAMPLES)
    if len(points) > 2:  # pragma: no cover - prevented above
        raise _Fail("unparseable", f"没看懂“{text.strip()}”，" + _EXAMPLES)

    # start
    if points and points[0].tok is not None:
        start = _resolve_start(points[0].tok, today)
    elif points:  # only 上午/下午
        raise _Fail(
            "ambiguous",
            f"请说明是哪一天的{HALF_NAMES[points[0].half]}，例如：明天{HALF_NAMES[points[0].half]}",
        )
    elif duration is not None:
        start = today + timedelta(days=1)  # documented default: from tomorrow
    else:  # pragma: no cover - a lone sep/from was refused above
        raise _Fail("unparseable", f"没看懂“{text.strip()}”，" + _EXAMPLES)
    start_half = points[0].half if points else None

    if len(points) == 2:
        p = points[1]
        end = start if p.tok is None else _resolve_end(p.tok, points[0].tok, start, today)
        end_half = p.half
        r = DateRange(start, end, start_half, end_half)
        _validate(r, text)
        r = _canonical(r)
        if duration is not None:
            _check_duration(r, duration, workdays)
        return r

    if duration is None:  # a single day or half day
        return _canonical(DateRange(start, start, start_half, start_half))

    if duration.kind == "wdur":
        return _from_working_days(start, start_half, duration.value[0], workdays)
    n = duration.value[0]
    if n <= 0:
        raise _Fail("unparseable", "请假天数要大于0")
    units = int(n * 2)  # half-day slots
    if units % 2 and start_half is None:
        if units == 1:
            raise _Fail("ambiguous", "请说明是哪天上午还是下午，例如：明天上午、明天下午")
        raise _Fail(
            "ambiguous",
            f"请说明{_fmt_days(n)}天从哪天上午还是下午开始，例如：明天下午起{_fmt_days(n)}天",
        )
    if units == 1:
        return DateRange(start, start, start_half, start_half)
    first = 1 if start_half == "pm" else 0  # slot index within start day
    last = first + units - 1
    end = start + timedelta(days=last // 2)
    r = DateRange(start, end, "pm" if first else None, "am" if last % 2 == 0 else None)
    _check_length(r)
    return _canonical(r)


def _from_working_days(start: date, start_half, n: Decimal, workdays) -> DateRange:
    wd = _workdays(workdays)
    if n <= 0 or n != int(n) or start_half == "pm":
        raise _Fail("ambiguous", "按工作日请假请给整数天，从某天开始，例如：下周一起3个工作日")
    cur = start
    while not wd.day_info(cur).is_working_day:
        cur += timedelta(days=1)
    first, left = cur, int(n) - 1
    while left:
        cur += timedelta(days=1)
        if wd.day_info(cur).is_working_day:
            left -= 1
    r = DateRange(first, cur)
    _check_length(r)
    return r


def _canonical(r: DateRange) -> DateRange:
    """One spelling per meaning: whole-day boundaries are None."""
    if r.start == r.end:
        first, last = r.start_half or "am", r.end_half or "pm"
        if first == last:
            return DateRange(r.start, r.end, first, last)
        return DateRange(r.start, r.end)
    return DateRange(
        r.start,
        r.end,
        "pm" if r.start_half == "pm" else None,
        "am" if r.end_half == "am" else None,
    )


def _validate(r: DateRange, text: str) -> None:
    if r.end < r.start or (r.end == r.start and r.start_half == "pm" and r.end_half == "am"):
        raise _Fail(
            "end_before_start",
            f"结束日期{_fmt_point(r.end, r.end_half)}早于开始日期{_fmt_point(r.start, r.start_half)}，"
            "请检查后重新输入",
        )
    _check_length(r)


def _check_length(r: DateRange) -> None:
    if (r.end - r.start).days + 1 > MAX_RANGE_DAYS:
        raise _Fail("too_long", "请假时间超过一年，请检查日期是否写对")


def _check_duration(r: DateRange, duration: _Tok, workdays) -> None:
    cal, work = leave_days(r, workdays)
    said = duration.value[0]
    actual = work if duration.kind == "wdur" else cal
    if said != actual:
        unit = "个工作日" if duration.kind == "wdur" else "天"
        raise _Fail(
            "inconsistent",
            f"{_fmt_point(r.start, r.start_half)}到{_fmt_point(r.end, r.end_half)}共"
            f"{_fmt_days(actual)}{unit}，和所说的{_fmt_days(said)}{unit}不一致，请确认",
        )


def _workdays(workdays):
    if workdays is None:
        from services import workdays as default

        return default
    return workdays


# --------------------------------------------------------------------------
# public API


def parse_date_range_or_error(
    text: str, today: date, *, workdays: _Workdays | None = None
) -> DateRange | ParseError:
    """Read a leave period from ``text`` relative to ``today``.

    ``workdays`` (default: services.workdays) is only consulted for
    "N个工作日" and for checking "…共N个工作日".
    """
    try:
        return _parse(text, today, workdays)
    except _Fail as f:
        return f.error


def parse_date_range(
    text: str, today: date, *, workdays: _Workdays | None = None
) -> DateRange | None:
    """Like :func:`parse_date_range_or_error` but returns None on failure."""
    r = parse_date_range_or_error(text, today, workdays=workdays)
    return r if isinstance(r, DateRange) else None


def _day_fractions(r: DateRange):
    if r.start == r.end:
        if r.start_half and r.start_half == r.end_half:
            yield r.start, Decimal("0.5")
        else:
            yield r.start, Decimal(1)
        return
    cur = r.start
    while cur <= r.end:
        if cur == r.start and r.start_half == "pm":
            yield cur, Decimal("0.5")
        elif cur == r.end and r.end_half == "am":
            yield cur, Decimal("0.5")
        else:
            yield cur, Decimal(1)
        cur += timedelta(days=1)


def leave_days(r: DateRange, workdays: _Workdays | None = None) -> tuple[Decimal, Decimal]:
    """(calendar days, working days) in ``r``; half days count 0.5."""
    wd = _workdays(workdays)
    cal = work = Decimal(0)
    for d, frac in _day_fractions(r):
        cal += frac
        if wd.day_info(d).is_working_day:
            work += frac
    return cal, work


def _fmt_days(n: Decimal) -> str:
    n = Decimal(n)
    return str(int(n)) if n == int(n) else format(n.normalize(), "f")


def _fmt_point(d: date, half: Half | None, with_year: bool = False) -> str:
    s = f"{d.year}年" if with_year else ""
    s += f"{d.month}月{d.day}日({WEEKDAY_NAMES[d.weekday()]})"
    return s + (HALF_NAMES[half] if half else "")


def month_bounds(year: int, month: int) -> tuple[date, date]:
    """First and last day of a month (leap years included): every monthly rule counts on it."""
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def month_day(d: date) -> str:
    """"11月23日": the short date every message and digest uses."""
    return f"{d.month}月{d.day}日"


def describe_range(
    r: DateRange, workdays: _Workdays | None = None, *, today: date | None = None
) -> str:
    """Echo text for a confirmation message.

    "12月1日(周二) 至 12月3日(周四)，共3天，其中工作日3天"
    Years are shown when the range crosses a year or (given ``today``) is
    not in today's year. Official holidays and 调休 working days in the
    range are named; a note is added when a year has no official data yet.
    """
    wd = _workdays(workdays)
    with_year = r.start.year != r.end.year or (today is not None and r.start.year != today.year)
    cal, work = leave_days(r, wd)
    if r.start == r.end:
        half = r.start_half if r.is_single_half_day else None
        head = _fmt_point(r.start, half, with_year)
    else:
        start_half = "pm" if r.start_half == "pm" else None
        end_half = "am" if r.end_half == "am" else None
        head = (
            f"{_fmt_point(r.start, start_half, with_year)} 至 "
            f"{_fmt_point(r.end, end_half, with_year)}"
        )
    text = f"{head}，共{_fmt_days(cal)}天，其中工作日{_fmt_days(work)}天"

    notes: list[str] = []
    holidays: list[str] = []
    makeups: list[str] = []
    unknown_years: list[int] = []
    for d, _ in _day_fractions(r):
        info = wd.day_info(d)
        if not info.authoritative and d.year not in unknown_years:
            unknown_years.append(d.year)
        if info.holiday_name and info.holiday_name not in holidays:
            holidays.append(info.holiday_name)
        if info.makeup_for:
            makeups.append(f"{d.month}月{d.day}日({WEEKDAY_NAMES[d.weekday()]})")
    if holidays:
        notes.append("含" + "、".join(holidays) + "假期")
    if makeups:
        notes.append("、".join(makeups) + "为调休上班日")
    if unknown_years:
        years = "、".join(f"{y}年" for y in unknown_years)
        notes.append(f"{years}节假日安排尚未收录，工作日按周一至周五估算")
    if notes:
        text += "（" + "；".join(notes) + "）"
    return text

"""``parse_spec(text)``: recurrence specs typed by administrators.

English::

    daily 20:00                     daily workdays 20:00
    weekly fri 15:00                weekly mon,wed,fri 15:00     weekly mon-fri 08:30
    monthly 5 09:00                 monthly last 09:00           (last calendar day)
    monthly first-mon 09:00         monthly last-fri 15:00       monthly 2nd-tue 09:00
    monthly last-workday 16:00
    quarterly 1 first-mon 09:00     (month 1 of each quarter; the month may be omitted)
    quarterly 2 15 09:00            (15th of the 2nd month of each quarter)
    yearly 01-05 09:00              yearly 12 last-workday 16:00
    once 2026-12-05 10:00

Chinese::

    每天 20:00  每个工作日 20:00  每周五 15:00  每周一、三、五 15:00  每月5日 9:00
    每月5号 9点  每月最后一天 9:00  每月第一个周一 9:00  每月最后一个工作日 16:00
    每季度第一个月5日 9:00  每季度第一个周一 9:00  每年1月5日 9:00  2026年12月5日 10:00

Options, anywhere: ``shift`` / ``顺延`` / ``（遇法定节假日顺延）`` (shift_holidays),
``workdays-only`` / ``（遇法定节假日取消）`` (workdays_only), ``tz=Asia/Urumqi`` /
``（时区 Asia/Urumqi）``.

Times: ``9:00``, ``09:00``, ``9：00``, ``9点``, ``9点半``, ``下午3点``, ``15点30分``.
Anything else raises :class:`SpecParseError` (its words, with examples, are in
conversations/reminders/text.py).
"""

from __future__ import annotations

import re
from datetime import date

from .spec import DEFAULT_TZ, WEEKDAY_NAMES, Recurrence, SpecError, check_tz


class SpecParseError(SpecError):
    pass


_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_CN_WD = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "七": 6}
_EN_ORD = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
           "fifth": 5, "5th": 5, "last": -1}
_EN_WD = {name: i for i, name in enumerate(WEEKDAY_NAMES)} | {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}


def _fail(text: str, why: SpecError | None = None) -> SpecParseError:
    """The error for an unreadable schedule; `why` (a SpecError) says what was wrong, the
    catalogue adds examples in English and Chinese."""
    if why is None:
        return SpecParseError("reminders.spec_unreadable", text=text)
    return SpecParseError("reminders.spec_unreadable_because", text=text, why=why)


def _why(key: str, **params: object) -> SpecError:
    return SpecError(f"reminders.spec_{key}", **params)


def _cn_int(s: str) -> int:
    if s.isdigit():
        return int(s)
    if s in _CN_NUM:
        return _CN_NUM[s]
    if s.startswith("十") and len(s) == 2:
        return 10 + _CN_NUM[s[1]]
    if len(s) in (2, 3) and s[1] == "十":
        return _CN_NUM[s[0]] * 10 + (_CN_NUM[s[2]] if len(s) == 3 else 0)
    raise ValueError(s)


# ---------------------------------------------------------------------- time of day
_TIME_RE = re.compile(
    r"(?:^|\s)(?P<ampm>上午|早上|中午|下午|晚上)?\s*(?P<h>\d{1,2})"
    r"(?:[:](?P<m>\d{2})|点(?:(?P<half>半)|(?P<m2>\d{1,2})分?)?)\s*$"
)


def _split_time(s: str, text: str) -> tuple[str, str]:
    m = _TIME_RE.search(s)
    if not m:
        raise _fail(text, _why("missing_time"))
    h = int(m.group("h"))
    mi = int(m.group("m") or m.group("m2") or (30 if m.group("half") else 0))
    ampm = m.group("ampm")
    if ampm in ("下午", "晚上") and h < 12:
        h += 12
    if not (0 <= h <= 23 and 0 <= mi <= 59):
        raise _fail(text, _why("invalid_time"))
    return s[: m.start()].strip(), f"{h:02d}:{mi:02d}"


# ---------------------------------------------------------------------- options
def _take_options(s: str) -> tuple[str, dict]:
    opts: dict = {}
    m = re.search(r"[（(]\s*时区\s*([A-Za-z_+\-/0-9]+)\s*[)）]|\btz[=\s]([A-Za-z_+\-/0-9]+)", s)
    if m:
        opts["tz"] = m.group(1) or m.group(2)
        s = s[: m.start()] + " " + s[m.end():]
    for pat in (r"[（(]\s*(?:遇)?(?:法定)?节假日顺延\s*[)）]", r"(?:遇)?(?:法定)?节假日顺延", r"顺延",
                r"(?<![\w-])shift(?:-holidays)?(?![\w-])"):
        s, n = re.subn(pat, " ", s)
        if n:
            opts["shift_holidays"] = True
    for pat in (r"[（(]\s*(?:遇)?(?:法定)?节假日取消\s*[)）]", r"(?:遇)?(?:法定)?节假日取消",
                r"(?<![\w-])workdays-only(?![\w-])"):
        s, n = re.subn(pat, " ", s)
        if n:
            opts["workdays_only"] = True
    s = re.sub(r"[（(]\s*一次性?\s*[)）]", " ", s)
    return re.sub(r"\s+", " ", s).strip(), opts


# ---------------------------------------------------------------------- day rules
def _en_day_rule(tok: str, text: str) -> dict:
    if tok.isdigit():
        return {"day": int(tok)}
    if tok == "last":
        return {"day": -1}
    if tok in ("last-workday", "last-working-day", "lastworkday"):
        return {"last_workday": True}
    m = re.fullmatch(r"([a-z0-9]+)-([a-z]+)", tok)
    if m and m.group(1) in _EN_ORD and m.group(2) in _EN_WD:
        return {"nth": _EN_ORD[m.group(1)], "weekday": _EN_WD[m.group(2)]}
    raise _fail(text, _why("unknown_day_rule", rule=tok))


_CN_WD_RE = r"(?:周|星期|礼拜)([一二三四五六日天七])"


def _cn_day_rule(s: str, text: str) -> dict:
    s = s.strip().lstrip("的")
    if s in ("最后一个工作日", "最后工作日"):
        return {"last_workday": True}
    if s in ("最后一天", "月末", "最后一日"):
        return {"day": -1}
    m = re.fullmatch(r"(\d{1,2}|[一二三四五六七八九十]{1,3})[日号]", s)
    if m:
        return {"day": _cn_int(m.group(1))}
    m = re.fullmatch(r"(?:第([一二三四五1-5])个?|(最后一个))" + _CN_WD_RE, s)
    if m:
        nth = -1 if m.group(2) else _cn_int(m.group(1))
        return {"nth": nth, "weekday": _CN_WD[m.group(3)]}
    raise _fail(text, _why("unknown_day_rule", rule=s))


def _parse_en(body: str, text: str, time: str) -> dict:
    toks = body.lower().split()
    kind, args = toks[0], toks[1:]
    if kind == "daily":
        if args == ["workdays"] or args == ["workday"]:
            return {"kind": "daily", "time": time, "workdays_only": True}
        if args:
            raise _fail(text)
        return {"kind": "daily", "time": time}
    if kind == "weekly":
        if len(args) != 1:
            raise _fail(text, _why("weekly_days"))
        days: set[int] = set()
        for part in args[0].split(","):
            if "-" in part:
                a, b = part.split("-", 1)
                if a not in _EN_WD or b not in _EN_WD or _EN_WD[a] > _EN_WD[b]:
                    raise _fail(text, _why("weekday_span", span=part))
                days.update(range(_EN_WD[a], _EN_WD[b] + 1))
            elif part in _EN_WD:
                days.add(_EN_WD[part])
            else:
                raise _fail(text, _why("unknown_weekday", day=part))
        return {"kind": "weekly", "time": time, "weekdays": tuple(days)}
    if kind == "monthly":
        if len(args) != 1:
            raise _fail(text)
        return {"kind": "monthly", "time": time, **_en_day_rule(args[0], text)}
    if kind == "quarterly":
        if len(args) == 1:
            return {"kind": "quarterly", "time": time, **_en_day_rule(args[0], text)}
        if len(args) == 2 and args[0].isdigit():
            return {"kind": "quarterly", "time": time, "month": int(args[0]), **_en_day_rule(args[1], text)}
        raise _fail(text)
    if kind == "yearly":
        if len(args) == 1 and re.fullmatch(r"\d{1,2}-\d{1,2}", args[0]):
            mo, d = (int(x) for x in args[0].split("-"))
            return {"kind": "yearly", "time": time, "month": mo, "day": d}
        if len(args) == 2 and args[0].isdigit():
            return {"kind": "yearly", "time": time, "month": int(args[0]), **_en_day_rule(args[1], text)}
        raise _fail(text)
    raise _fail(text)


def _parse_cn(body: str, text: str, time: str) -> dict:
    b = body.replace(" ", "")
    if b in ("每天", "每日"):
        return {"kind": "daily", "time": time}
    if b in ("每个工作日", "每工作日", "工作日每天"):
        return {"kind": "daily", "time": time, "workdays_only": True}
    m = re.fullmatch(r"每(?:周|星期|礼拜)([一二三四五六日天七、，,和至到周]+)", b)
    if m:
        spec = m.group(1)
        r = re.fullmatch(r"([一二三四五六日天七])(?:至|到)(?:周|星期)?([一二三四五六日天七])", spec)
        if r:
            a, z = _CN_WD[r.group(1)], _CN_WD[r.group(2)]
            if a > z:
                raise _fail(text, _why("weekday_span", span=spec))
            days = tuple(range(a, z + 1))
        else:
            parts = [p.removeprefix("周") for p in re.split(r"[、，,和]", spec) if p]
            if not parts or any(p not in _CN_WD for p in parts):
                raise _fail(text, _why("unknown_weekday", day=spec))
            days = tuple(_CN_WD[p] for p in parts)
        return {"kind": "weekly", "time": time, "weekdays": days}
    m = re.fullmatch(r"每(?:个)?月(.+)", b)
    if m:
        return {"kind": "monthly", "time": time, **_cn_day_rule(m.group(1), text)}
    m = re.fullmatch(r"每(?:个)?季度(?:(首月|第一个月|第二个月|第三个月|末月|第[123]个月))?(?:的)?(.+)", b)
    if m:
        mon = {"首月": 1, "第一个月": 1, "第1个月": 1, "第二个月": 2, "第2个月": 2, "第三个月": 3,
               "第3个月": 3, "末月": 3, None: None}[m.group(1)]
        d = {"kind": "quarterly", "time": time, **_cn_day_rule(m.group(2), text)}
        if mon is not None:
            d["month"] = mon
        return d
    m = re.fullmatch(r"每年(\d{1,2}|[一二三四五六七八九十]{1,3})月(.+)", b)
    if m:
        return {"kind": "yearly", "time": time, "month": _cn_int(m.group(1)), **_cn_day_rule(m.group(2), text)}
    raise _fail(text)


def _parse_once(body: str, text: str, time: str) -> dict | None:
    b = body.strip()
    if b.lower().startswith("once"):
        b = b[4:].strip()
    m = re.fullmatch(r"(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*日?", b)
    if not m:
        return None
    try:
        d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise _fail(text, _why("no_date", day=b)) from exc
    return {"kind": "once", "at": (f"{d.isoformat()}T{time}",)}


def parse_spec(text: str, default_tz: str = DEFAULT_TZ) -> Recurrence:
    """Parse an admin's schedule string (English or Chinese) into a :class:`Recurrence`."""
    if not isinstance(text, str) or not text.strip():
        raise _fail(str(text), _why("empty"))
    s = re.sub(r"\s+", " ", text.strip().replace("：", ":").replace("，", ","))
    s, opts = _take_options(s)
    body, time = _split_time(s, text)
    if not body:
        raise _fail(text, _why("missing_rule"))
    fields = _parse_once(body, text, time)
    if fields is None:
        fields = _parse_en(body, text, time) if re.match(r"[A-Za-z]", body) else _parse_cn(body, text, time)
    fields.update(opts)
    fields.setdefault("tz", default_tz)
    try:
        check_tz(fields["tz"])
        return Recurrence(**fields)
    except SpecError as exc:
        if isinstance(exc, SpecParseError):
            raise
        raise _fail(text, exc) from exc

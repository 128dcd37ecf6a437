"""Chinese, human-readable description of a :class:`Recurrence`.

The output is accepted back by :func:`reminders.parse.parse_spec`, so
``parse_spec(describe(s)) == s`` for every spec.
"""

from __future__ import annotations

from datetime import datetime

from .spec import DEFAULT_TZ, Recurrence

CN_WEEKDAY = "一二三四五六日"
CN_ORDINAL = {1: "第一个", 2: "第二个", 3: "第三个", 4: "第四个", 5: "第五个", -1: "最后一个"}
CN_QUARTER_MONTH = {1: "第一个月", 2: "第二个月", 3: "第三个月"}
SHIFT_NOTE = "（遇法定节假日顺延）"
SKIP_NOTE = "（遇法定节假日取消）"


def _day_rule(spec: Recurrence) -> str:
    if spec.last_workday:
        return "最后一个工作日"
    if spec.day == -1:
        return "最后一天"
    if spec.day is not None:
        return f"{spec.day}日"
    assert spec.nth is not None and spec.weekday is not None
    return f"{CN_ORDINAL[spec.nth]}周{CN_WEEKDAY[spec.weekday]}"


def describe(spec: Recurrence) -> str:
    """E.g. "每周五 15:00", "每月第一个周一 09:00",
    "每月最后一个工作日 16:00（遇法定节假日顺延）"."""
    k = spec.kind
    if k == "once":
        parts = []
        for s in spec.at:
            dt = datetime.fromisoformat(s)
            parts.append(f"{dt.year}年{dt.month}月{dt.day}日 {dt:%H:%M}")
        text = "、".join(parts) + "（一次性）"
    elif k == "daily":
        text = f"{'每个工作日' if spec.workdays_only else '每天'} {spec.time}"
    elif k == "weekly":
        wd = spec.weekdays
        if len(wd) >= 3 and wd == tuple(range(wd[0], wd[-1] + 1)):
            days = f"{CN_WEEKDAY[wd[0]]}至周{CN_WEEKDAY[wd[-1]]}"
        else:
            days = "、".join(CN_WEEKDAY[d] for d in wd)
        text = f"每周{days} {spec.time}"
    elif k == "monthly":
        text = f"每月{_day_rule(spec)} {spec.time}"
    elif k == "quarterly":
        text = f"每季度{CN_QUARTER_MONTH[spec.quarter_month]}{_day_rule(spec)} {spec.time}"
    else:
        rule = _day_rule(spec)
        sep = "" if spec.day is not None and spec.day > 0 else "的"
        text = f"每年{spec.month}月{sep}{rule} {spec.time}"
    if spec.shift_holidays:
        text += SHIFT_NOTE
    if spec.workdays_only and k != "daily":
        text += SKIP_NOTE
    if spec.tz != DEFAULT_TZ:
        text += f"（时区 {spec.tz}）"
    return text

"""Default recurring series created for every new team (data, not DB rows).

Choices (admins can edit each series per team; sources in /work/shared/DOMAIN.md):

* 每月防返贫监测会议 — seed 002 only says "monthly". We pick the **10th at 09:00**:
  after the township meeting (first Monday, always day 1–7, so never the same
  morning) and after the 5 Jan / 5 Jul report deadlines, leaving time to collect the
  previous month's household data. Shifted to the next working day on holidays.
* 每周五学习 — Friday 15:00. A Friday that is a statutory holiday is *dropped*
  (``workdays_only``), not moved: a study session moved into the next week collides
  with the next one.
* 乡镇工作例会 — first Monday 09:00, shifted on holidays (Oct: 10-05 → 10-08).
* 村民代表会议 — "at least once a quarter": 15th of the second month of each
  quarter (Feb, May, Aug, Nov), 09:00, shifted. Three days' notice plus the evening
  before. (The first month would put January's on the same morning as the yearly
  村民会议; the middle month also leaves the quarter's first weeks to prepare.)
* 村民会议 — "at least once a year, announced 10 days ahead": 15 January 09:00
  (before Spring Festival travel peaks, after year-end reports), shifted, with a
  10-days-before-at-09:00 lead for the public notice.
* 工作日志提醒 — 20:00 on working days only; the anti-formalism rules say the bot must
  lighten the load, so no nagging on weekends and holidays. Only members without
  today's report (and not on leave) get it.
* 在村天数提醒 — the 20th at 09:00: members behind their monthly days-in-village pace,
  with ten days left to catch up.
* 组长每日简报 / 每周简报 — every morning (``digest_time``, default 08:00) and Monday
  morning for leaders; sent only when there is something to act on.
* 任期轮换提醒 — a daily 09:00 check of members' term ends (60/30/15 days before; the
  15-day stage opens the handover checklist).

The two villager meetings are kind "council" and active from the start (issue #15: a
paused default reminded nobody): each notice carries the agenda built from what waits
for the council, and the village moves the dates with /council (改时间).

Deadlines from provincial practice (kind "deadline", only to those who have not
submitted yet, with one button that opens the drafted record):

* 工作记实提醒 — the monthly work record is due by the 28th: the 25th at 09:00, shifted
  to the next working day (at worst the 28th itself).
* 半年 / 年度工作总结提醒 — due 5 July and 5 January: a week ahead, 28 June and 29 December
  at 09:00, shifted (29 Dec to 4 Jan is never all holiday, so it stays before the 5th).
* 民生任务进展提醒 (kind "task_progress") — the 22nd at 10:00, shifted: each owner of an
  open livelihood task without progress this month is asked for it, one message back.

Audience role names are the values of ``services.roles.Role`` (first_secretary,
cadre, team_leader, supervisor, admin, villager), so a series' audience can be matched
against ``Member.role`` directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.roles import TEAM_ROLES, Role

from .leads import Lead
from .spec import DEFAULT_TZ, Recurrence

ROLES: tuple[str, ...] = tuple(r.value for r in Role)


@dataclass(frozen=True)
class SeriesTemplate:
    key: str  # stable identifier, e.g. to avoid seeding a team twice
    title: str  # Simplified Chinese
    spec: Recurrence
    leads: tuple[Lead, ...]
    audience: tuple[str, ...]
    # event | report_reminder | quota_warning | digest | weekly_digest | rotation, and the
    # kinds features register with reminders.dispatch.kind (council, deadline, task_progress)
    kind: str = "event"
    active: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "spec": self.spec.to_dict(),
            "leads": [lead.to_dict() for lead in self.leads],
            "audience": list(self.audience),
            "kind": self.kind,
            "active": self.active,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SeriesTemplate:
        return cls(
            key=d["key"],
            title=d["title"],
            spec=Recurrence.from_dict(d["spec"]),
            leads=tuple(Lead.from_dict(x) for x in d["leads"]),
            audience=tuple(d["audience"]),
            kind=d.get("kind", "event"),
            active=d.get("active", True),
        )


DAY_BEFORE_18 = Lead(days=1, at="18:00")
ONE_HOUR = Lead(minutes=60)


def default_series(tz: str = DEFAULT_TZ, digest_time: str = "08:00") -> list[SeriesTemplate]:
    """The series every team starts with, in ``tz`` (default Asia/Shanghai)."""
    leaders = (Role.TEAM_LEADER.value, Role.FIRST_SECRETARY.value)
    team = (Role.FIRST_SECRETARY.value, Role.CADRE.value)
    reporting = (Role.CADRE.value, Role.FIRST_SECRETARY.value)
    return [
        SeriesTemplate(
            "poverty_monitoring_meeting", "每月防返贫监测会议",
            Recurrence("monthly", time="09:00", day=10, tz=tz, shift_holidays=True),
            (DAY_BEFORE_18, ONE_HOUR), team,
        ),
        SeriesTemplate(
            "friday_study", "每周五学习",
            Recurrence("weekly", time="15:00", weekdays=(4,), tz=tz, workdays_only=True),
            (ONE_HOUR,), team,
        ),
        SeriesTemplate(
            "township_work_meeting", "乡镇工作例会",
            Recurrence("monthly", time="09:00", nth=1, weekday=0, tz=tz, shift_holidays=True),
            (DAY_BEFORE_18, ONE_HOUR), (*team, Role.TEAM_LEADER.value),
        ),
        SeriesTemplate(
            "villager_representative_meeting", "村民代表会议",
            Recurrence("quarterly", time="09:00", month=2, day=15, tz=tz, shift_holidays=True),
            (Lead(days=3, at="09:00"), DAY_BEFORE_18), (*team, Role.TEAM_LEADER.value, Role.VILLAGER.value),
            kind="council",
        ),
        SeriesTemplate(
            "villager_meeting", "村民会议",
            Recurrence("yearly", time="09:00", month=1, day=15, tz=tz, shift_holidays=True),
            (Lead(days=10, at="09:00"), DAY_BEFORE_18), (*team, Role.TEAM_LEADER.value, Role.VILLAGER.value),
            kind="council",
        ),
        SeriesTemplate(
            "task_progress", "民生任务进展提醒",
            Recurrence("monthly", time="10:00", day=22, tz=tz, shift_holidays=True),
            (Lead(),), tuple(sorted(r.value for r in TEAM_ROLES)), kind="task_progress",
        ),
        SeriesTemplate(
            "monthly_record_deadline", "工作记实提醒（每月28日前报送）",
            Recurrence("monthly", time="09:00", day=25, tz=tz, shift_holidays=True),
            (Lead(),), reporting, kind="deadline",
        ),
        SeriesTemplate(
            "half_year_report_deadline", "半年工作总结提醒（7月5日前报送）",
            Recurrence("yearly", time="09:00", month=6, day=28, tz=tz, shift_holidays=True),
            (Lead(),), reporting, kind="deadline",
        ),
        SeriesTemplate(
            "annual_report_deadline", "年度工作总结提醒（1月5日前报送）",
            Recurrence("yearly", time="09:00", month=12, day=29, tz=tz, shift_holidays=True),
            (Lead(),), reporting, kind="deadline",
        ),
        SeriesTemplate(
            "daily_log_reminder", "工作日志提醒",
            Recurrence("daily", time="20:00", tz=tz, workdays_only=True),
            (Lead(),), (Role.CADRE.value, Role.FIRST_SECRETARY.value), kind="report_reminder",
        ),
        SeriesTemplate(
            "quota_warning", "在村天数提醒",
            Recurrence("monthly", time="09:00", day=20, tz=tz),
            (Lead(),), tuple(sorted(r.value for r in TEAM_ROLES)), kind="quota_warning",
        ),
        SeriesTemplate(
            "leader_digest", "组长每日简报",
            Recurrence("daily", time=digest_time, tz=tz),
            (Lead(),), leaders, kind="digest",
        ),
        SeriesTemplate(
            "leader_weekly_digest", "组长每周简报",
            Recurrence("weekly", time=digest_time, weekdays=(0,), tz=tz),
            (Lead(),), leaders, kind="weekly_digest",
        ),
        SeriesTemplate(
            "rotation", "任期轮换提醒",
            Recurrence("daily", time="09:00", tz=tz),
            (Lead(),), tuple(sorted(r.value for r in TEAM_ROLES)), kind="rotation",
        ),
    ]

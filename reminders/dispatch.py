"""The reminders tick: from the series table to outbox rows, exactly once.

For every series the window is (last_ticked_at, now]: the watermark in the database
makes catch-up after downtime exact and lets any number of ticks (a retry, a restart,
a second worker) overlap, because every row has a unique key
(series, occurrence, lead, recipient). What fell due more than the grace period ago is
recorded as `missed` instead of being sent. All rows and the watermark move in one
transaction: a crash mid-tick leaves nothing half-done, and rows a crash did commit
are skipped by their keys.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from conversations.messages import Button, Reply
from reminders import outbox
from reminders.digest import compute, county_rollup, pending_approvals, render, render_county
from reminders.due import Due, due_reminders
from reminders.series import (
    Recipient,
    leads_of,
    recipients,
    seed_missing_teams,
    spec_of,
    when_label,
)
from services import handover
from services.clock import local
from services.config import Settings
from services.roles import Role
from storage.models import EventSeries, Member, Team, Township, Village

log = logging.getLogger(__name__)
DIGEST_KINDS = ("digest", "weekly_digest")


def _occ(due: Due) -> str:
    return due.occurrence.strftime("%Y%m%dT%H%MZ")


def _late(due: Due) -> str:
    if due.status != "late":
        return ""
    hours = max(1, round(due.late_by.total_seconds() / 3600))
    return f"\n（系统刚恢复，这条提醒晚了约{hours}小时，请谅解。）"


def _put(s: Session, key: str, reply: Reply, r: Recipient, due: Due, now: datetime) -> None:
    outbox.enqueue(s, key=key, reply=reply, now=now, member_id=r.member_id,
                   villager_id=r.villager_id, missed=due.status == "missed")


# -- one handler per kind -----------------------------------------------------------------
def _event(s: Session, row: EventSeries, due: Due, now: datetime, st: Settings) -> None:
    tz = spec_of(row).tz
    when = when_label(due.occurrence, tz)
    note = f"\n{row.note}" if row.note else ""
    soon = "现在开始。" if due.lead_key == "at" else f"提醒：{_lead_words(due)}。"
    for r in recipients(s, row):
        head = f"📢 村里通知：{row.title}" if r.villager_id else f"⏰ {row.title}"
        reply = Reply(f"{head} · {when}\n{soon}{note}{_late(due)}")
        _put(s, f"ev:{row.id}:{_occ(due)}:{due.lead_key}:{r.tag}", reply, r, due, now)


def _lead_words(due: Due) -> str:
    gap = due.occurrence - due.remind_at
    if gap >= timedelta(days=2):
        return f"还有{round(gap / timedelta(days=1))}天"
    if gap >= timedelta(hours=12):
        return "明天就要开始"
    hours, minutes = divmod(round(gap.total_seconds() / 60), 60)
    return f"还有{hours}小时" + (f"{minutes}分钟" if minutes else "") if hours else f"还有{minutes}分钟"


def _report(s: Session, row: EventSeries, due: Due, now: datetime, st: Settings) -> None:
    from services.reports import missing_reporters

    day = local(due.occurrence, spec_of(row).tz).date()
    roles = set((row.audience or {}).get("roles", []))
    for m in missing_reporters(s, row.team_id, day):
        if roles and m.role not in roles:
            continue
        reply = Reply(f"📝 工作日志提醒 · {day.month}月{day.day}日\n{m.name}，晚上好。今天的工作日志还没写，有空时点下面的按钮或发送 /report ，"
                      "一两句话就行；今天在休息就不用管这条。" + _late(due),
                      buttons=[[Button("写日志", "rm:run:report")]])
        _put(s, f"rr:{row.id}:{day.isoformat()}:m{m.id}", reply, Recipient(member_id=m.id), due, now)


def _quota(s: Session, row: EventSeries, due: Due, now: datetime, st: Settings) -> None:
    from services.attendance import behind_quota

    day = local(due.occurrence, spec_of(row).tz).date()
    for m, sm in behind_quota(s, row.team_id, day, st):
        reply = Reply(f"{m.name}，本月已在村 {sm.days_in_village} 天，按进度应有 {sm.expected_by_now} 天"
                      f"（本月要求 {sm.required_days} 天）。离月底还有些日子，安排好时间就好；"
                      "如有请假或特殊情况，请和组长说一声。" + _late(due),
                      buttons=[[Button("我的考勤", "rm:run:attendance")]])
        _put(s, f"qw:{row.id}:{day:%Y-%m}:m{m.id}", reply, Recipient(member_id=m.id), due, now)


def _rotation(s: Session, row: EventSeries, due: Due, now: datetime, st: Settings) -> None:
    if due.status == "missed":
        return  # stages are "days left <= N": tomorrow's check sends it, nothing is lost
    day = local(due.occurrence, spec_of(row).tz).date()
    stages = sorted({int(x) for x in st.rotation_days.split(",") if x.strip()})
    if not stages:
        return
    members = s.scalars(select(Member).where(
        Member.team_id == row.team_id, Member.active.is_(True), Member.term_end.is_not(None)))
    for m in members:
        assert m.term_end is not None
        left = (m.term_end - day).days
        if left < 0 or left > stages[-1]:
            continue
        stage = min(x for x in stages if left <= x)
        h = handover.open_handover(s, m, now) if left <= st.handover_days else None
        tail = ("\n交接期已开始，请双方在交接表里逐项确认（文件、项目、共同走访农户、双方签字、乡镇审批）。"
                if h is not None else "\n请提前准备交接：文件资料、在建项目、需要一起走访的农户。")
        buttons = [[Button("交接表", "rm:run:handover")]] if h is not None else []
        people = {m.id: "self"}
        for other in s.scalars(select(Member).where(
                Member.active.is_(True),
                ((Member.team_id == row.team_id) & (Member.role == Role.TEAM_LEADER.value))
                | ((Member.county_id == _county(s, row.team_id)) & (Member.role == Role.ADMIN.value)))):
            people.setdefault(other.id, "other")
        for mid, who in people.items():
            text = (f"🔄 {m.name}，您的驻村任期将于 {m.term_end:%Y-%m-%d} 结束（还有 {left} 天）。"
                    if who == "self" else
                    f"🔄 {m.name}的驻村任期将于 {m.term_end:%Y-%m-%d} 结束（还有 {left} 天）。")
            if h is not None:
                text += "\n" + handover.render(h, m.name)
            _put(s, f"ro:{m.id}:{m.term_end:%Y%m%d}:{stage}:m{mid}", Reply(text + tail, buttons=buttons),
                 Recipient(member_id=mid), due, now)


def _county(s: Session, team_id: int) -> int | None:
    return s.scalar(select(Township.county_id).join(Village, Village.township_id == Township.id)
                    .join(Team, Team.village_id == Village.id).where(Team.id == team_id))


HANDLERS = {"event": _event, "report_reminder": _report, "quota_warning": _quota,
            "rotation": _rotation}


# -- digests: batched over every team due at this tick --------------------------------------
def _digests(s: Session, due_rows: list[tuple[EventSeries, Due]], now: datetime, st: Settings,
             commands: frozenset[str]) -> None:
    for weekly in (False, True):
        batch = [(r, d) for r, d in due_rows if (r.kind == "weekly_digest") == weekly]
        if not batch:
            continue
        teams = {t.id: t for t in s.scalars(select(Team).where(Team.id.in_({r.team_id for r, _ in batch})))}
        pairs = {r.team_id: (teams[r.team_id], local(d.occurrence, teams[r.team_id].timezone).date())
                 for r, d in batch}
        digests = compute(s, pairs.values(), now, st, weekly=weekly)
        due_of = {r.team_id: (r, d) for r, d in batch}
        leaders = s.scalars(select(Member).where(
            Member.team_id.in_(list(pairs)), Member.active.is_(True),
            Member.role.in_([Role.TEAM_LEADER.value, Role.FIRST_SECRETARY.value])))
        for m in leaders:
            row, due = due_of[m.team_id]  # type: ignore[index]
            if m.role not in set((row.audience or {}).get("roles", [])):
                continue
            reply = render(digests[m.team_id], pending=pending_approvals(s, m.id),  # type: ignore[index]
                           commands=commands)
            if reply is not None:
                reply.text += _late(due)
                _put(s, f"dg:{row.id}:{_occ(due)}:m{m.id}", reply, Recipient(member_id=m.id), due, now)
        # county-wide counts for admins and supervisors, once per county and day
        county_of = dict(tuple(r) for r in (s.execute(select(Team.id, Township.county_id)
                                   .join(Village, Team.village_id == Village.id)
                                   .join(Township, Village.township_id == Township.id)
                                   .where(Team.id.in_(list(pairs))))))
        rollup = county_rollup(digests.values(), county_of, now, s, st)
        if not rollup:
            continue
        any_due = batch[0][1]
        for m in s.scalars(select(Member).where(
                Member.county_id.in_(list(rollup)), Member.active.is_(True),
                Member.role.in_([Role.ADMIN.value, Role.SUPERVISOR.value]))):
            c = rollup[m.county_id]  # type: ignore[index]
            reply = render_county(c, weekly)
            if reply is not None:
                kind = "w" if weekly else "d"
                _put(s, f"dc:{kind}:{m.county_id}:{c.day.isoformat()}:m{m.id}", reply,
                     Recipient(member_id=m.id), any_due, now)


# -- the tick ------------------------------------------------------------------------------
def run(s: Session, now: datetime, st: Settings, commands: frozenset[str] = frozenset()) -> int:
    """Queue everything due in (watermark, now] for every series; returns rows considered."""
    grace = timedelta(hours=st.outbox_grace_hours)
    if st.reminders_seed_defaults:
        seed_missing_teams(s, now, grace, st.digest_time)
    rows = list(s.scalars(select(EventSeries).order_by(EventSeries.id)))
    ticked: list[int] = []
    digests: list[tuple[EventSeries, Due]] = []
    count = 0
    for row in rows:
        since = row.last_ticked_at or row.created_at
        if now <= since:
            continue
        if row.active:
            try:
                with s.begin_nested():
                    for due in due_reminders(spec_of(row), leads_of(row), since, now, grace):
                        count += 1
                        if row.kind in DIGEST_KINDS:
                            digests.append((row, due))
                        else:
                            HANDLERS[row.kind](s, row, due, now, st)
            except Exception:
                log.exception("reminder series %s failed at %s; will retry next tick", row.id, now)
                continue
        ticked.append(row.id)
    if digests:
        # the latest occurrence per series is enough: yesterday's digest is stale news
        latest: dict[int, tuple[EventSeries, Due]] = {}
        for r, d in digests:
            latest[r.id] = (r, d)
        _digests(s, list(latest.values()), now, st, commands)
    for i in range(0, len(ticked), 500):
        s.execute(update(EventSeries).where(EventSeries.id.in_(ticked[i:i + 500]))
                  .values(last_ticked_at=now))
    return count


def missed_since(s: Session, after_id: int) -> list[tuple[str, str]]:
    """(chat or person, first line) of rows recorded as missed after an outbox id."""
    from storage.models import OutboxMessage

    out = []
    groups: dict[str, list[str]] = defaultdict(list)
    for r in s.scalars(select(OutboxMessage).where(OutboxMessage.id > after_id,
                                                   OutboxMessage.status == "missed")
                       .order_by(OutboxMessage.id)):
        groups[r.payload["text"].split("\n")[0]].append(r.chat_id or "?")
    for head, chats in groups.items():
        out.append(("、".join(dict.fromkeys(chats)), head))
    return out

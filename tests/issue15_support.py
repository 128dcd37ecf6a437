"""Shared set-up for the tests of issue #15 (council, tasks, projects, handover, summaries):
the demo team's objects made through the services, as the people who would make them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import actors, council, projects, tasks
from services.actors import Actor
from storage.models import Member, Team
from tests.harness import ChatHarness


def actor(s: Session, user: str, now: datetime) -> Actor:
    a = actors.resolve(s, "console", user, now)
    assert a is not None, user
    return a


def member(s: Session, name: str) -> Member:
    return s.scalars(select(Member).where(Member.name == name)).one()


def demo_team(s: Session) -> Team:
    return s.scalars(select(Team).where(Team.name == "幸福村驻村工作队")).one()


@dataclass
class Objects:
    proposed: int  # a project still waiting for the council (owner 张驻村)
    approved: int  # a project the council approved (owner 张驻村), not started
    task: int  # an open task of 张驻村
    checking: int  # a task of 张驻村 reported done, waiting for the check
    held: int  # a meeting that took place, decisions not recorded
    recorded: int  # a recorded meeting with minutes and a photo


def make_objects(chat: ChatHarness) -> Objects:
    """Objects of the demo team at chat.clock.now(), made the way people make them."""
    now = chat.clock.now()
    with chat.core.db.session() as s:
        team = demo_team(s)
        cadre1, leader = actor(s, "cadre1", now), actor(s, "leader", now)
        zhang = member(s, "张驻村")
        p_ok = projects.create(s, cadre1, team, title="村东组道路硬化", fund_source="财政衔接资金",
                               amount_fen=12_000_000, now=now)
        t_checking = tasks.create(s, cadre1, team, problem="三组自来水水压低", owner=zhang,
                                  due_month=date(2027, 1, 1), now=now)
        # a meeting an hour from now takes them both onto its agenda, then is held
        m1 = council.call_meeting(s, leader, team, "representative", now + timedelta(hours=1), now,
                                  "村民代表会议（加开）")
        agenda = council.items(s, m1.id)
        later = now + timedelta(hours=3)
        council.record(s, leader, m1, [council.Decision(i.id, council.APPROVED, (20, 1, 0)) for i in agenda],
                       "纪要", [{"kind": "photo", "file_id": "MIN-1"}], later)
        p_wait = projects.create(s, cadre1, team, title="饮水管网改造", fund_source="帮扶单位资金",
                                 amount_fen=8_500_000, now=now)
        t_open = tasks.create(s, cadre1, team, problem="村小学门口没有路灯", owner=zhang,
                              due_month=date(2027, 3, 1), now=now)
        tasks.report_done(s, cadre1, t_checking, "水压正常", [{"kind": "photo", "file_id": "W-1"}], now)
        m2 = council.call_meeting(s, leader, team, "representative", now + timedelta(hours=2), now,
                                  "村民代表会议（加开）")
        m2.scheduled_at = now - timedelta(hours=1)  # it took place: waiting for its decisions
        ids = Objects(p_wait.id, p_ok.id, t_open.id, t_checking.id, m2.id, m1.id)
    return ids

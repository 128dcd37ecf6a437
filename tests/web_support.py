"""A month of records for the demo team, and a workspace served on a free port, for the
workspace tests (tests/test_web_*.py). Records are written as the bot would store them."""

from __future__ import annotations

import random
import socket
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from services.config import Settings
from storage.db import Database
from storage.models import (
    CheckIn,
    Complaint,
    DailyReport,
    KbQuestion,
    LeaveRequest,
    Member,
    OutboxMessage,
    Team,
    Township,
    TownshipLead,
    Village,
    Villager,
)

DONE = ["走访脱贫户，了解务工情况", "召开村两委会议，研究危房改造", "到合作社了解茶叶销售",
        "入户核实低保对象", "陪同镇里检查饮水工程"]
HOUSEHOLDS = ["张三、李四", "王五", "赵六、孙七、周八", "吴九"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def web_settings(db_url: str, port: int | None = None) -> Settings:
    return Settings(database_url=db_url, bot_token=None, web_port=port or free_port(),
                    _env_file=None)  # type: ignore[call-arg]


def seed_month(db: Database, today: date, now: datetime, rnd: random.Random | None = None) -> None:
    """November for the demo team: check-ins (some outside the fence), logs, one leave
    ended without 销假, an anonymous complaint about a cadre, an unanswered question,
    a missed reminder; and a township leader for 示范镇."""
    rnd = rnd or random.Random(5)
    with db.session() as s:
        team = s.scalar(select(Team).where(Team.name == "幸福村驻村工作队"))
        village = s.get(Village, team.village_id)
        members = list(s.scalars(select(Member).where(Member.team_id == team.id)))
        for m in members:
            keen = {"team_leader": 0.3, "first_secretary": 0.85, "cadre": 0.6}[m.role]
            for k in range(today.day - 1):
                d = today.replace(day=1) + timedelta(days=k)
                at = datetime(d.year, d.month, d.day, 1, 30, tzinfo=UTC)
                if rnd.random() < keen:
                    inside = rnd.random() > 0.08
                    dlat = rnd.uniform(-0.012, 0.012) if inside else 0.03
                    s.add(CheckIn(member_id=m.id, team_id=team.id, village_id=village.id,
                                  checked_at=at, local_date=d, latitude=village.latitude + dlat,
                                  longitude=village.longitude + rnd.uniform(-0.012, 0.012),
                                  distance_m=500, inside=inside))
                if m.role != "team_leader" and rnd.random() < keen:
                    s.add(DailyReport(member_id=m.id, team_id=team.id, report_date=d,
                                      done=rnd.choice(DONE), households=rnd.choice(HOUSEHOLDS),
                                      problems="村道破损" if rnd.random() < 0.3 else None,
                                      submitted=True, created_at=at, updated_at=at,
                                      submitted_at=at))
        cadre = next(m for m in members if m.role == "cadre")
        s.add(LeaveRequest(member_id=cadre.id, team_id=team.id, kind="事假",
                           start=today - timedelta(days=6), end=today - timedelta(days=5),
                           reason="家里有事", status="approved", created_at=now - timedelta(days=8),
                           decided_at=now - timedelta(days=7)))
        villager = s.scalar(select(Villager))
        s.add(Complaint(ticket_no="TS-20261110-001", day=today - timedelta(days=13), seq=1,
                        county_id=s.get(Township, village.township_id).county_id,
                        village_id=village.id, team_id=team.id, subject_member_id=cadre.id,
                        villager_id=villager.id, anonymous=True, category="不在岗",
                        text="周三上午来村委会没找到人", status="accepted",
                        created_at=now - timedelta(days=13), accepted_at=now - timedelta(days=12)))
        s.add(KbQuestion(member_id=cadre.id, text="村级光伏电站收益怎么分配？", kind="none",
                         created_at=now - timedelta(days=2), unresolved=True))
        s.add(OutboxMessage(key="seed:missed:1", member_id=cadre.id, payload={"text": "提醒"},
                            status="missed", created_at=now - timedelta(days=3),
                            not_before=now - timedelta(days=3)))
        town = s.get(Township, village.township_id)
        lead = Member(name="周镇长", role="township_leader", county_id=town.county_id,
                      created_at=now)
        s.add(lead)
        s.flush()
        s.add(TownshipLead(member_id=lead.id, township_id=town.id))

"""Upgrading a database made before issue #15: the two villager-meeting series a team
already has (plain events, paused) become council series; their switch stays as it was."""

from __future__ import annotations

from alembic import command
from sqlalchemy import create_engine, text

from storage.db import alembic_config, upgrade


def test_existing_meeting_series_become_council_series(any_db_url: str) -> None:
    cfg = alembic_config(any_db_url)
    for rev in ("0002_reports", "0005_reminders"):  # the schema 0010 upgrades from
        command.upgrade(cfg, rev)
    engine = create_engine(any_db_url)
    with engine.begin() as c:
        c.execute(text("INSERT INTO county (id, name) VALUES (1, '示范县')"))
        c.execute(text("INSERT INTO township (id, county_id, name) VALUES (1, 1, '示范镇')"))
        c.execute(text("INSERT INTO village (id, township_id, name, fence_radius_m) VALUES (1, 1, '幸福村', 2000)"))
        c.execute(text("INSERT INTO team (id, name, village_id, timezone, active, created_at) "
                       "VALUES (1, '幸福村驻村工作队', 1, 'Asia/Shanghai', true, '2026-01-01 00:00:00')"))
        for i, key in enumerate(("villager_representative_meeting", "villager_meeting", "friday_study"), 1):
            c.execute(text("INSERT INTO event_series (id, team_id, key, kind, title, spec, leads, audience, "
                           "active, created_at) VALUES (:i, 1, :k, 'event', 't', '{}', '[]', '{}', false, "
                           "'2026-01-01 00:00:00')"), {"i": i, "k": key})
    upgrade(any_db_url)
    with engine.begin() as c:
        rows = c.execute(text("SELECT key, kind, active FROM event_series ORDER BY id")).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [("villager_representative_meeting", "council", False),
                                        ("villager_meeting", "council", False),
                                        ("friday_study", "event", False)]

"""Who sees what in the workspace, page by page, without a browser (Starlette's test
client), and /web in chat from every wrong actor. The browser tests drive the same pages
through Chromium (tests/test_web_browser.py)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from services import weblogin
from services.workspace import assessment
from storage.models import AuditEvent, Identity, Member, SpotCheck, Team, WebLoginToken
from tests.harness import ChatHarness
from tests.strangers import add_other_leader, add_strangers, refused_rows, villager_as
from tests.web_support import seed_month
from web.app import create_app

LINK = re.compile(r"/login/([\w-]+)")


@pytest.fixture
def web(chat: ChatHarness):  # type: ignore[no-untyped-def]
    add_strangers(chat)
    add_other_leader(chat)
    seed_month(chat.core.db, chat.clock.now().date(), chat.clock.now())
    with chat.core.db.session() as s:
        lead = s.scalar(select(Member).where(Member.role == "township_leader"))
        s.add(Identity(platform="console", external_id="township", chat_id="township",
                       member_id=lead.id, created_at=chat.clock.now(),
                       last_seen_at=chat.clock.now()))
    app = create_app(chat.core.db, chat.core.settings, chat.clock)
    return TestClient(app, base_url="https://testserver", follow_redirects=False)


def sign_in(chat: ChatHarness, client: TestClient, user: str) -> str:
    """/web in chat, then the button on the link's page; returns where it landed."""
    said = chat.send(user, "/web")
    token = LINK.search(said).group(1)  # type: ignore[union-attr]
    client.cookies.clear()
    assert "进入工作台" in client.get(f"/login/{token}").text
    r = client.post(f"/login/{token}")
    assert r.status_code == 303, r.text
    return r.headers["location"]


def ids(chat: ChatHarness) -> dict[str, int]:
    with chat.core.db.session() as s:
        own = s.scalar(select(Team.id).where(Team.name == "幸福村驻村工作队"))
        other = s.scalar(select(Team.id).where(Team.name == "邻村驻村工作队"))
        cadre = s.scalar(select(Member.id).where(Member.name == "张驻村"))
        othercadre = s.scalar(select(Member.id).where(Member.name == "邻村干部"))
        town = s.get(Team, own).village.township_id
        county = s.get(Team, own).village.township.county_id
        far = s.scalar(select(Team.id).where(Team.name.is_not(None), Team.id.not_in([own, other])))
    return {"own": own, "other": other, "cadre": cadre, "othercadre": othercadre,
            "town": town, "county": county, "far": far or 0}


# (user, path template, expected status): every role against every level
CASES = [
    ("leader", "/team/{own}", 200), ("leader", "/person/{cadre}", 200),
    ("leader", "/team/{other}", 403), ("leader", "/person/{othercadre}", 403),
    ("leader", "/township/{town}", 403), ("leader", "/county/{county}", 403),
    ("leader", "/person/{cadre}/sheet/2026/Y", 403), ("leader", "/export/team/{own}", 200),
    ("leader", "/export/township/{town}", 403), ("leader", "/export/county/{county}", 403),
    ("secretary", "/team/{own}", 200), ("secretary", "/team/{other}", 403),
    ("otherleader", "/team/{other}", 200), ("otherleader", "/team/{own}", 403),
    ("otherleader", "/person/{cadre}", 403),
    ("township", "/township/{town}", 200), ("township", "/team/{own}", 200),
    ("township", "/team/{other}", 200), ("township", "/county/{county}", 403),
    ("township", "/person/{cadre}/sheet/2026/Y", 200),
    ("supervisor", "/county/{county}", 200), ("supervisor", "/person/{cadre}", 200),
    ("admin", "/county/{county}", 200), ("admin", "/export/county/{county}", 200),
    ("otheradmin", "/county/{county}", 403), ("otheradmin", "/team/{own}", 403),
    ("otheradmin", "/person/{cadre}", 403), ("otheradmin", "/township/{town}", 403),
    ("otheradmin", "/export/county/{county}", 403),
    ("othersup", "/team/{own}", 403), ("othersup", "/person/{cadre}/sheet/2026/Y", 403),
]


def test_every_role_sees_its_own_level_and_is_refused_the_rest(chat: ChatHarness, web) -> None:  # type: ignore[no-untyped-def]
    known = ids(chat)
    by_user: dict[str, list[tuple[str, int]]] = {}
    for user, path, status in CASES:
        by_user.setdefault(user, []).append((path.format(**known), status))
    for user, cases in by_user.items():
        sign_in(chat, web, user)
        before = len(refused_rows(chat))
        for path, status in cases:
            r = web.get(path)
            assert r.status_code == status, (user, path, r.status_code)
            if status == 403:
                assert "没有权限" in r.text
        assert len(refused_rows(chat)) - before == sum(s == 403 for _, s in cases), user


def test_anonymous_complainant_is_named_on_no_page_and_in_no_export(chat: ChatHarness, web) -> None:  # type: ignore[no-untyped-def]
    known = ids(chat)
    sign_in(chat, web, "admin")
    pages = [f"/county/{known['county']}", f"/team/{known['own']}", f"/person/{known['cadre']}",
             f"/person/{known['cadre']}/sheet/2026/Y"]
    for path in pages:
        text = web.get(path).text
        assert "孙大伯" not in text, path
    assert "周三上午来村委会没找到人" in web.get(f"/team/{known['own']}").text
    for q in ("", "?what=assessment&period=Y"):
        r = web.get(f"/export/county/{known['county']}{q}")
        assert r.status_code == 200
        import io

        from openpyxl import load_workbook

        wb = load_workbook(io.BytesIO(r.content))
        cells = [str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row]
        assert not any("孙大伯" in c for c in cells)


def test_forms_need_the_sessions_csrf_token(chat: ChatHarness, web) -> None:  # type: ignore[no-untyped-def]
    known = ids(chat)
    sign_in(chat, web, "admin")
    form = {"checked_on": "2026-11-20", "checker": "督查组", "result": "absent"}
    r = web.post(f"/person/{known['cadre']}/spot", data=form)
    assert r.status_code == 403
    r = web.post(f"/person/{known['cadre']}/spot", data={**form, "csrf": "forged"})
    assert r.status_code == 403
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(SpotCheck)) == 0


def test_a_team_leader_may_not_record_spot_checks_of_the_own_team(chat: ChatHarness, web) -> None:  # type: ignore[no-untyped-def]
    known = ids(chat)
    sign_in(chat, web, "leader")
    page = web.get(f"/person/{known['cadre']}").text
    assert "记录抽查" not in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = web.post(f"/person/{known['cadre']}/spot", data={
        "csrf": csrf, "checked_on": "2026-11-20", "checker": "自己", "result": "present"})
    assert r.status_code == 403
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(SpotCheck)) == 0


def test_the_one_two_three_rule_caps_the_rating() -> None:
    assert assessment.allowed_ratings(0)[0] == "优秀"
    assert "优秀" not in assessment.allowed_ratings(1)
    assert assessment.allowed_ratings(2) == ("基本称职", "不称职")
    assert assessment.allowed_ratings(5) == ("不称职",)
    assert assessment.weighted_total({"daily": 90, "half": 85, "year": 88}, "Y") == 87.5
    assert assessment.weighted_total({"daily": 90, "half": 85}, "Y") is None


def test_a_session_ends_when_it_expires_or_the_member_is_deactivated(chat: ChatHarness, web) -> None:  # type: ignore[no-untyped-def]
    known = ids(chat)
    sign_in(chat, web, "leader")
    assert web.get(f"/team/{known['own']}").status_code == 200
    chat.clock.set(chat.clock.now() + timedelta(hours=chat.core.settings.web_session_hours, minutes=1))
    assert web.get(f"/team/{known['own']}").status_code == 401
    chat.clock.set(chat.clock.now() - timedelta(hours=chat.core.settings.web_session_hours, minutes=1))
    sign_in(chat, web, "leader")
    with chat.core.db.session() as s:
        s.scalar(select(Member).where(Member.name == "王组长")).active = False
    assert web.get(f"/team/{known['own']}").status_code == 401


def test_links_are_single_use_expire_and_are_stored_only_as_hashes(chat: ChatHarness, web) -> None:  # type: ignore[no-untyped-def]
    said = chat.send("admin", "/web")
    token = LINK.search(said).group(1)  # type: ignore[union-attr]
    with chat.core.db.session() as s:
        row = s.scalar(select(WebLoginToken))
        assert row.token_hash == weblogin.digest(token) and token not in row.token_hash
    assert web.post(f"/login/{token}").status_code == 303
    r = web.post(f"/login/{token}")
    assert r.status_code == 400 and "已经用过了" in r.text
    said = chat.send("admin", "/web")
    token = LINK.search(said).group(1)  # type: ignore[union-attr]
    chat.clock.set(chat.clock.now() + timedelta(minutes=chat.core.settings.web_link_minutes))
    r = web.get(f"/login/{token}")
    assert r.status_code == 400 and "已过期" in r.text
    assert "无效" in web.get("/login/not-a-token").text


def test_web_command_from_wrong_actors_is_refused_and_audited(chat: ChatHarness) -> None:
    add_strangers(chat)
    lookalike = villager_as(chat, "cadre1")
    for user in ("cadre1", "cadre2", "villager", lookalike, "othercadre"):
        said = chat.send(user, "/web")
        assert "/login/" not in said, user
    assert "/login/" not in chat.send("stranger", "/web")
    actors = {r.actor for r in refused_rows(chat)}
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(WebLoginToken)) == 0
        cadre = s.scalar(select(Member.id).where(Member.name == "张驻村"))
        vid = s.scalar(select(Identity.villager_id).where(Identity.external_id == lookalike))
    assert f"member:{cadre}" in actors and f"villager:{vid}" in actors
    # and the Chinese name works where there are no slash commands
    assert "/login/" in chat.send("leader", "工作台")


def test_audit_trail_records_sign_in_and_refusals(chat: ChatHarness, web) -> None:  # type: ignore[no-untyped-def]
    known = ids(chat)
    sign_in(chat, web, "otherleader")
    web.get(f"/team/{known['own']}")
    with chat.core.db.session() as s:
        actions = [a for (a,) in s.execute(select(AuditEvent.action))]
    assert "web.signin" in actions and "web.link" in actions and "refused" in actions


def test_the_person_page_counts_the_days_its_own_calendar_shows(chat: ChatHarness, web) -> None:  # type: ignore[no-untyped-def]
    """The month tile, the team table and the county's on-pace count come from
    people_figures; the calendar from person_days. A cadre with days in the village this
    month must see the same number in both (a shadowed variable once made it 0 for all)."""
    from services.workspace import figures

    today = chat.clock.now().date()
    period = figures.Period(today.year, today.month, today)
    lo, hi = period.month_range
    with chat.core.db.session() as s:
        cadre = s.scalar(select(Member).where(Member.name == "张驻村"))
        marks = figures.person_days(s, cadre.id, lo, min(hi, today), chat.core.settings)
        shown = sum(1 for d, m in marks.items() if lo <= d <= hi and m.in_village)
        me = next(p for p in figures.people_figures(s, [cadre.team_id], period, chat.core.settings)
                  if p.id == cadre.id)
    assert shown > 0 and me.month_days == shown and me.year_days >= shown
    sign_in(chat, web, "admin")
    page = web.get(f"/person/{cadre.id}").text
    assert f"本月在村<b>{shown} / " in page

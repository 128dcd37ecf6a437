"""Binding a second platform's account: who may, with what code, and what is left after
a person is purged (SQLite and PostgreSQL, where foreign keys are enforced)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from core.app import BotCore
from core.messages import Incoming
from services import admin, links
from services.actors import resolve
from services.clock import ManualClock
from services.config import Settings
from services.demo import load_demo
from storage.models import AuditEvent, Identity, LinkCode, Member


def _core(url: str) -> BotCore:
    core = BotCore.create(Settings(database_url=url, reminders_seed_defaults=False,
                                   web_enabled=False), ManualClock())
    with core.db.session() as s:
        load_demo(s, core.clock.now())
    return core


def _say(core: BotCore, platform: str, user: str, text: str, private: bool = True) -> str:
    out = core.handle(Incoming(platform, user, user if private else "g:cid", text=text,
                               is_private=private))
    return "\n".join(r.text for r in out.replies)


def _code(text: str) -> str:
    assert "：" in text, text
    return text.split("：", 1)[1].split("\n", 1)[0].strip()


def test_codes_are_single_use_personal_and_refused_where_they_must_be(db_url: str) -> None:
    core = _core(db_url)
    first = _code(_say(core, "console", "cadre1", "/link"))
    second = _code(_say(core, "console", "cadre1", "绑定"))
    assert first != second
    # a new code voids the older one; an account that is already someone cannot bind
    assert "失效" in _say(core, "dingtalk", "d1", f"绑定 {first}")
    assert "已经注册为「赵驻村」" in _say(core, "console", "cadre2", f"/link {second}")
    assert "群里" in _say(core, "dingtalk", "d1", f"绑定 {second}", private=False)
    # typed in lower case and without the hyphen it still works, once
    assert "绑定成功" in _say(core, "dingtalk", "d1", "绑定 " + second.replace("-", "").lower())
    assert "绑定成功" not in _say(core, "dingtalk", "d2", f"绑定 {second}")
    # one account per platform: a second DingTalk account for the same person is refused
    third = _code(_say(core, "console", "cadre1", "/link"))
    assert "已经绑定过" in _say(core, "dingtalk", "d3", f"绑定 {third}")
    with core.db.read() as s:
        zhang = s.scalar(select(Member.id).where(Member.name == "张驻村"))
        bound = s.scalars(select(Identity.platform).where(Identity.member_id == zhang)).all()
        assert sorted(bound) == ["console", "dingtalk"]
        actions = s.scalars(select(AuditEvent.action).where(
            AuditEvent.action.in_(("link.issue", "link.bind", "refused")))).all()
        assert actions.count("link.issue") == 3 and actions.count("link.bind") == 1
        assert actions.count("refused") >= 3
    core.db.dispose()


def test_wrong_codes_lock_an_account_out_for_an_hour(db_url: str) -> None:
    core = _core(db_url)
    for _ in range(5):
        assert "不对" in _say(core, "dingtalk", "guesser", "绑定 AAAA-AAAA")
    good = _code(_say(core, "console", "cadre1", "/link"))
    assert "太多" in _say(core, "dingtalk", "guesser", f"绑定 {good}")
    core.clock.advance(timedelta(hours=1, minutes=1))  # type: ignore[attr-defined]
    good = _code(_say(core, "console", "cadre1", "/link"))
    assert "绑定成功" in _say(core, "dingtalk", "guesser", f"绑定 {good}")
    core.db.dispose()


def test_purging_a_member_removes_their_link_codes_with_their_accounts(any_db_url: str) -> None:
    """Through the services: on PostgreSQL core.handle took its own first update for a
    duplicate here (inbox.store's rowcount came back 0), so it is not used."""
    core = _core(any_db_url)
    now = core.clock.now()
    with core.db.session() as s:
        mid = s.scalar(select(Member.id).where(Member.name == "张驻村"))
        zhang = resolve(s, "console", "cadre1", now)
        assert zhang is not None
        code = links.issue(s, zhang, now).code
        links.redeem(s, code=code, platform="dingtalk", external_id="d1", chat_id="d1", now=now)
        links.issue(s, zhang, now)  # one more, unused
    with core.db.session() as s:
        admin.deactivate(s, mid, now)
    with core.db.session() as s:
        admin.purge_member(s, mid, now + timedelta(days=400), 365)
    with core.db.read() as s:
        assert s.scalar(select(func.count()).select_from(LinkCode)) == 0
        assert s.scalar(select(func.count()).select_from(Identity)
                        .where(Identity.member_id == mid)) == 0
    core.db.dispose()

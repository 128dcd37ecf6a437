"""Registration by invite code, /me, /help per role, /cancel, restart mid-dialog."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.app import BotCore
from services import admin, invites
from services.roles import Role
from storage.db import Database
from storage.models import Identity, Member, Team, Villager
from tests.harness import ChatHarness


def _invite(core: BotCore, role: Role, **kw) -> str:  # type: ignore[no-untyped-def]
    with core.db.session() as s:
        team = s.scalar(select(Team))
        if role == Role.VILLAGER:
            inv = invites.create_invite(s, role=role, now=core.clock.now(), village=team.village,
                                        max_uses=None, valid_days=None, **kw)
        else:
            inv = invites.create_invite(s, role=role, now=core.clock.now(), team=team, **kw)
        return inv.code


def test_cadre_registers_with_code_and_sees_who_they_are(chat: ChatHarness) -> None:
    code = _invite(chat.core, Role.CADRE)
    out = chat.send("alice", f"/start {code}")
    assert "幸福村驻村工作队" in out and "驻村干部" in out and "姓名" in out
    out = chat.send("alice", "张 三")
    assert "注册成功" in out
    me = chat.send("alice", "/me")
    assert "姓名：张 三" in me and "身份：驻村干部" in me and "任期：2025-03-01 至 2027-03-01" in me


def test_a_used_code_cannot_register_a_second_person(chat: ChatHarness) -> None:
    code = _invite(chat.core, Role.CADRE)
    chat.send("alice", f"/start {code}")
    chat.send("alice", "张三")
    out = chat.send("bob", f"/start {code}")
    assert "已经被使用过" in out
    assert "没有注册" in chat.send("bob", "/me") or "还没有注册" in chat.send("bob", "/me")


def test_code_used_while_first_person_was_typing_their_name_is_refused(chat: ChatHarness) -> None:
    code = _invite(chat.core, Role.CADRE)
    chat.send("alice", f"/start {code}")
    chat.send("bob", f"/start {code}")
    assert "注册成功" in chat.send("bob", "李四")
    assert "已经被使用过" in chat.send("alice", "张三")
    with chat.core.db.session() as s:
        assert [m.name for m in s.scalars(select(Member).where(Member.name.in_(["张三", "李四"])))] == ["李四"]


def test_expired_and_unknown_and_malformed_codes_get_clear_replies(chat: ChatHarness) -> None:
    code = _invite(chat.core, Role.CADRE, valid_days=1)
    chat.clock.set(chat.clock.now() + timedelta(days=2))
    assert "已过期" in chat.send("alice", f"/start {code}")
    assert "不存在" in chat.send("alice", "/start ZZZZ2222")
    assert "格式不对" in chat.send("alice", "/start 🙂🙂")
    assert "/start ABCD2345" in chat.send("alice", "/start")


def test_pasting_the_code_alone_works_like_start(chat: ChatHarness) -> None:
    code = _invite(chat.core, Role.TEAM_LEADER)
    assert "组长" in chat.send("newleader", code.lower())


def test_name_with_emoji_or_too_long_is_asked_again_and_nothing_is_saved(chat: ChatHarness) -> None:
    code = _invite(chat.core, Role.CADRE)
    chat.send("alice", f"/start {code}")
    assert "只能有文字" in chat.send("alice", "张三😀")
    assert "太长" in chat.send("alice", "张" * 30)
    assert "这一步需要文字" in chat.send("alice", "@sticker")
    assert "注册成功" in chat.send("alice", "张三")


def test_villager_code_is_reusable_and_villager_menu_differs_from_leader(chat: ChatHarness) -> None:
    code = _invite(chat.core, Role.VILLAGER)
    for user, name in (("v1", "钱大妈"), ("v2", "周大爷")):
        chat.send(user, f"/start {code}")
        assert "注册成功" in chat.send(user, name)
    villager_help = chat.send("v1", "/help")
    leader_help = chat.send("leader", "/help")
    assert "您是村民" in villager_help and "您是组长（队长）" in leader_help
    assert "/start" not in villager_help  # registered people are not offered /start
    with chat.core.db.session() as s:
        assert len(s.scalars(select(Villager)).all()) == 3  # the demo villager and two new


def test_preset_name_is_confirmed_with_a_button(chat: ChatHarness) -> None:
    code = _invite(chat.core, Role.CADRE, name="周敏")
    out = chat.send("zm", f"/start {code}")
    assert "周敏" in out and "[是我，确认注册]" in out
    assert "注册成功" in chat.press("zm", "是我，确认注册")


def test_cancel_leaves_the_dialog_and_keeps_the_code_usable(chat: ChatHarness) -> None:
    code = _invite(chat.core, Role.CADRE)
    chat.send("alice", f"/start {code}")
    assert "已取消「注册」" in chat.send("alice", "/cancel")
    assert "现在没有进行中的操作" in chat.send("alice", "/cancel")
    chat.send("alice", f"/start {code}")
    assert "注册成功" in chat.send("alice", "张三")


def test_dialog_survives_a_restart(chat: ChatHarness, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code = _invite(chat.core, Role.CADRE)
    chat.send("alice", f"/start {code}")
    chat.core.db.dispose()
    # A new process: new engine, new registry, same database file.
    fresh = BotCore.create(chat.core.settings, chat.clock, migrate=False,
                           db=Database(chat.core.settings.database_url))
    again = ChatHarness(fresh, chat.clock, tmp_path)
    assert "注册成功" in again.send("alice", "张三")


def test_deactivated_member_is_told_plainly_and_can_do_nothing(chat: ChatHarness) -> None:
    with chat.core.db.session() as s:
        m = s.scalar(select(Member).where(Member.name == "张驻村"))
        admin.deactivate(s, m.id, chat.clock.now())
    assert "账号已经停用" in chat.send("cadre1", "/me")
    assert "账号已经停用" in chat.send("cadre1", "今天走访了三户脱贫户，了解务工和医保缴费情况，王五家屋顶漏雨")


def test_member_deactivated_in_the_middle_of_a_dialog_gets_a_clear_refusal(chat: ChatHarness) -> None:
    assert "请假" in chat.send("cadre1", "/leave")
    with chat.core.db.session() as s:
        m = s.scalar(select(Member).where(Member.name == "张驻村"))
        admin.deactivate(s, m.id, chat.clock.now())
    out = chat.send("cadre1", "明天")
    assert "账号已经停用" in out and "出了点问题" not in out
    assert "账号已经停用" in chat.send("cadre1", "[事假]")


def test_one_person_may_have_telegram_and_console_identities(chat: ChatHarness) -> None:
    with chat.core.db.session() as s:
        m = s.scalar(select(Member).where(Member.name == "张驻村"))
        s.add(Identity(platform="telegram", external_id="777", chat_id="777", member_id=m.id))
    assert "已绑定：控制台、Telegram" in chat.send("cadre1", "/me")


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_county_roles_need_a_county(chat: ChatHarness, role: Role) -> None:
    with chat.core.db.session() as s, pytest.raises(invites.InviteError, match="县") as exc:
        invites.create_invite(s, role=role, now=chat.clock.now())
    assert exc.value.code == "admin.invite_needs_county"
    assert exc.value.params == {"role": {"supervisor": "监督员", "admin": "管理员"}[role.value]}


def test_invite_codes_and_names_are_refused_with_typed_errors(chat: ChatHarness) -> None:
    from services.errors import NotFound, UserError
    from services.text import clean_name

    code = _invite(chat.core, Role.CADRE, valid_days=1)
    now = chat.clock.now()
    with chat.core.db.session() as s:
        for bad, expected in ((code, None), ("ZZZZ2222", "registration.code_unknown")):
            if expected is None:
                assert invites.check_code(s, bad, now).code == code
                continue
            with pytest.raises(invites.InviteError) as exc:
                invites.check_code(s, bad, now)
            assert (exc.value.code, exc.value.params) == (expected, {})
        with pytest.raises(invites.InviteError) as exc:
            invites.check_code(s, code, now + timedelta(days=2))
        assert exc.value.code == "registration.code_expired"
        with pytest.raises(invites.InviteError) as exc:
            invites.redeem(s, code=code, platform="console", external_id="cadre1", chat_id="cadre1",
                           name="张驻村", now=now)
        assert exc.value.code == "registration.already_registered"
        invites.redeem(s, code=code, platform="console", external_id="new", chat_id="new",
                       name="新人", now=now)
        with pytest.raises(invites.InviteError) as exc:
            invites.check_code(s, code, now)
        assert exc.value.code == "registration.code_used"
        with pytest.raises(NotFound) as nf:
            admin.find_team(s, "不存在的队")
        assert (nf.value.code, nf.value.params) == ("admin.team_not_found", {"ref": "不存在的队"})
        assert str(nf.value) == "找不到工作队「不存在的队」。用 admin list-teams 查看已有的工作队。"
    for text, expected, params in (("", "registration.name_empty", {}),
                                   ("张" * 21, "registration.name_too_long", {"limit": 20}),
                                   ("张三3", "registration.name_chars", {})):
        with pytest.raises(UserError) as err:
            clean_name(text)
        assert (err.value.code, err.value.params) == (expected, params)


def test_me_start_and_the_confirm_button_speak_of_the_person_not_the_id(chat: ChatHarness) -> None:
    """A villager whose id equals a cadre's member id is the villager everywhere, and nobody
    can press someone else's registration button."""
    from tests.strangers import STRANGERS, UNREGISTERED, add_strangers, press_data, villager_as

    add_strangers(chat)
    twin = villager_as(chat, "cadre1")
    me = chat.send(twin, "/me")
    assert "身份：村民" in me and "所在村：示范县示范镇幸福村" in me
    assert "张驻村" not in me and "工作队" not in me and "任期" not in me
    assert "您已经注册为村民" in chat.send(twin, "/start")
    assert "您是村民" in chat.send(twin, "/help")
    code = _invite(chat.core, Role.CADRE, name="周敏")
    assert "[是我，确认注册]" in chat.send("zm", f"/start {code}")
    for user in (twin, *STRANGERS, UNREGISTERED):
        assert "失效" in press_data(chat, user, "d:register:yes")
    assert "注册成功" in chat.press("zm", "是我，确认注册")
    assert "还没有注册" in chat.send(UNREGISTERED, "/me")

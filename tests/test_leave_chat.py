"""Leave through the console channel: what each person sees, button by button."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from core.messages import Incoming
from services import leave as rules
from storage.models import AuditEvent, LeaveRequest
from tests.harness import ChatHarness, run_console_script

ROOT = Path(__file__).resolve().parent.parent


def ask(chat: ChatHarness, user: str, kind: str, when: str, reason: str = "家里有事") -> str:
    chat.send(user, "/leave")
    chat.press(user, kind)
    chat.send(user, when)
    chat.press(user, "确认")
    return chat.send(user, reason)


def leave_row(chat: ChatHarness) -> LeaveRequest:
    with chat.core.db.session() as s:
        lv = s.scalars(select(LeaveRequest).order_by(LeaveRequest.id.desc())).first()
        s.expunge(lv)
        return lv


def test_ask_approve_forge_return_early_and_see_the_balance(chat: ChatHarness) -> None:
    assert "[事假] [病假] [弹性休假]" in chat.send("cadre1", "/leave")
    chat.press("cadre1", "弹性休假")
    echo = chat.send("cadre1", "下周一到周三")
    assert "11月30日(周一) 至 12月2日(周三)，共3天，其中工作日3天" in echo
    assert "[确认] [修改] [取消]" in echo
    chat.press("cadre1", "确认")
    out = chat.send("cadre1", "回家照顾生病的母亲")
    assert "-> cadre1: 已提交弹性休假申请" in out and "等待王组长（组长）审批" in out
    assert "-> leader: 【请假审批】张驻村申请弹性休假" in out and "[批准] [驳回]" in out
    assert "11月已用0天、待批1天、剩2天；12月已用0天、待批2天、剩1天" in out

    # cadre2 replays the leader's exact callback data: refused, audited, nothing changes
    lv = leave_row(chat)
    forged = chat.core.handle(Incoming(platform="console", user_id="cadre2",
                                              chat_id="cadre2", callback=f"lv:a:{lv.id}"))
    assert "您不是这条请假的审批人" in forged.replies[0].text
    assert leave_row(chat).status == "pending"
    with chat.core.db.session() as s:
        refused = s.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()
        assert len(refused) == 1 and refused[0].detail["callback"] == f"lv:a:{lv.id}"
        assert [e.action for e in rules.events(s, lv.id)] == ["requested"]

    out = chat.press("leader", "批准")
    assert "-> leader: 已批准张驻村的弹性休假（11月30日至12月2日）" in out
    assert "-> cadre1: 您的弹性休假（11月30日至12月2日）已由王组长批准" in out
    assert "已经处理过了：已批准（王组长 11月23日 09:00）" in chat.press("leader", "批准")

    chat.clock_to("2026-12-01 09:00")
    assert "12月弹性休假：每月3天，已用2天，待批0天，剩余1天" in chat.send("cadre1", "/myleave")
    out = chat.send("cadre1", "/back")
    assert "返岗：12月1日，实际请假1天（工作日1天）" in out and "提前返岗" in out
    out = chat.press("cadre1", "确认销假")
    assert "-> cadre1: 已销假，欢迎回来！实际请假1天" in out
    assert "-> leader: 张驻村已销假" in out
    out = chat.send("cadre1", "/myleave")
    assert "12月弹性休假：每月3天，已用0天，待批0天，剩余3天" in out
    assert "2026年请假合计（已批准及已休，按工作日）：弹性休假1天" in out
    assert "11月30日至12月2日 弹性休假 — 已销假，实际1天" in out


def test_bad_dates_get_clear_replies_and_the_dialog_waits(chat: ChatHarness) -> None:
    chat.send("cadre1", "/leave")
    chat.press("cadre1", "事假")
    assert "结束" in chat.send("cadre1", "12月3日到12月1日")
    assert "只能补请3天以内的假" in chat.send("cadre1", "2026-11-01")
    out = chat.send("cadre1", "明天下午")
    assert "11月24日(周二)下午，共0.5天，其中工作日0.5天" in out
    chat.press("cadre1", "修改")
    assert "11月25日(周三)" in chat.send("cadre1", "11月25日")
    chat.press("cadre1", "确认")
    chat.send("cadre1", "看病")
    chat.send("cadre1", "/leave")
    chat.press("cadre1", "病假")
    out = chat.send("cadre1", "11月25日-27日")
    assert "这段时间与您已有的请假重叠：11月25日 事假（待审批）" in out
    assert "11月26日(周四)" in chat.send("cadre1", "11月26日")  # still in the dialog


def test_rejection_asks_the_approver_for_a_reason(chat: ChatHarness) -> None:
    ask(chat, "cadre1", "事假", "12.1-12.3")
    assert "请输入驳回张驻村事假（12月1日至12月3日）的理由" in chat.press("leader", "驳回")
    out = chat.send("leader", "月初迎检，请改到中旬")
    assert "-> leader: 已驳回张驻村的请假" in out
    assert "-> cadre1: 您的事假（12月1日至12月3日）没有被批准。" in out
    assert "王组长的意见：月初迎检，请改到中旬" in out
    assert "事假 — 已驳回：月初迎检，请改到中旬" in chat.send("cadre1", "/myleave")


def test_cadre2_cannot_reject_either(chat: ChatHarness) -> None:
    ask(chat, "cadre1", "事假", "明天")
    lv = leave_row(chat)
    out = chat.core.handle(Incoming(platform="console", user_id="cadre2",
                                           chat_id="cadre2", callback=f"lv:r:{lv.id}"))
    assert "您不是这条请假的审批人" in out.replies[0].text
    with chat.core.db.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "refused")) == 1


def test_cancel_from_myleave_tells_the_approver(chat: ChatHarness) -> None:
    ask(chat, "cadre1", "轮休", "下周一到周三")
    chat.press("leader", "批准")
    assert "[取消 11月30日至12月2日 轮休]" in chat.send("cadre1", "/myleave")
    out = chat.press("cadre1", "取消 11月30日至12月2日 轮休")
    assert "-> cadre1: 已取消轮休（11月30日至12月2日）" in out
    assert "-> leader: 张驻村取消了轮休（11月30日至12月2日），无需再处理。" in out
    assert "已取消" in chat.send("cadre1", "/myleave")


def test_undecided_request_is_sent_again_after_24_hours_once(chat: ChatHarness) -> None:
    ask(chat, "cadre1", "事假", "下周一")
    assert "【提醒：已等待" not in chat.clock_to("2026-11-24 08:59")
    out = chat.clock_to("2026-11-24 09:01")
    assert "-> leader: 【提醒：已等待24小时的请假审批】张驻村申请事假" in out
    assert "【提醒：已等待" not in chat.clock_to("2026-11-24 12:00")  # idempotent within the period
    assert "已等待48小时" in chat.clock_to("2026-11-25 09:30")
    chat.press("leader", "批准")
    assert "【提醒：已等待" not in chat.clock_to("2026-11-26 10:00")


def test_leave_ended_without_return_is_flagged_next_morning(chat: ChatHarness) -> None:
    ask(chat, "cadre1", "病假", "明天")
    chat.press("leader", "批准")
    assert "还没有销假" not in chat.clock_to("2026-11-25 07:30")
    out = chat.clock_to("2026-11-25 08:00")
    assert "-> cadre1: 您的病假（11月24日）已经结束，还没有销假" in out and "[销假]" in out
    assert "-> leader: 提醒：张驻村的病假（11月24日）已经结束，本人还没有销假" in out
    assert "还没有销假" not in chat.clock_to("2026-11-26 08:00")  # once, not every morning
    out = chat.press("cadre1", "销假")  # a day later: back since yesterday, in fact
    assert "返岗：11月26日" in out and "比假期晚回1天" in out
    chat.press("cadre1", "改返岗日期")
    assert "返岗：11月25日，实际请假1天" in chat.send("cadre1", "昨天")
    assert "已销假" in chat.press("cadre1", "确认销假")


def test_leaders_own_leave_goes_to_the_admin_and_admin_sees_it(chat: ChatHarness) -> None:
    out = ask(chat, "leader", "事假", "后天")
    assert "等待刘管理（管理员）审批" in out and "-> admin: 【请假审批】王组长申请事假" in out
    out = chat.send("admin", "/myleave")
    assert "有1条请假等待您审批" in out and "王组长申请事假" in out
    assert "已批准王组长的事假" in chat.press("admin", "批准")


def test_long_leave_goes_to_the_admin(chat: ChatHarness) -> None:
    out = ask(chat, "cadre1", "事假", "12.1-12.4")
    assert "-> admin: 【请假审批】张驻村申请事假" in out and "-> leader:" not in out


def test_business_trip_is_reported_not_requested(chat: ChatHarness) -> None:
    out = ask(chat, "cadre1", "公差/出差", "明天", "县里培训")
    assert "-> cadre1: 已报备公差/出差：11月24日，已告知王组长（组长）" in out
    assert "-> leader: 【报备】张驻村申请公差/出差" in out and "[批准]" not in out
    assert "公差/出差 — 已报备" in chat.send("cadre1", "/myleave")


def test_back_without_leave_and_villager_cannot_ask(chat: ChatHarness) -> None:
    assert "没有需要销假的请假" in chat.send("cadre1", "/back")
    assert "只对" in chat.send("villager", "/leave")
    assert "请选择请假类型" in chat.send("cadre1", "请假")  # the Chinese word alone works


def test_console_script_shows_the_whole_flow(tmp_path: Path) -> None:
    out = run_console_script((ROOT / "examples" / "leave.txt").read_text(),
                             f"sqlite:///{tmp_path / 'leave.sqlite3'}")
    assert "11月30日(周一) 至 12月2日(周三)，共3天，其中工作日3天" in out
    assert "-> leader: 【请假审批】张驻村申请弹性休假" in out
    assert "-> cadre1: 您的弹性休假（11月30日至12月2日）已由王组长批准" in out
    assert "-> cadre2: （最近的消息里没有「批准」按钮）" in out
    assert "-> cadre1: 已销假，欢迎回来！实际请假1天（工作日1天）" in out
    assert "12月弹性休假：每月3天，已用0天，待批0天，剩余3天" in out


def test_record_roles_get_a_copy_of_approvals(chat: ChatHarness) -> None:
    from services.config import Settings

    settings = Settings(database_url=chat.core.settings.database_url, _env_file=None,  # type: ignore[call-arg]
                        leave_record_roles="admin")
    chat.core.settings = chat.core.router.settings = settings
    ask(chat, "cadre1", "事假", "明天")
    out = chat.press("leader", "批准")
    assert "-> admin: 【请假备案·已批准】张驻村 事假 11月24日，审批人王组长。" in out

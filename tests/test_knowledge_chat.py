"""Policy questions through the console channel: answers, choices, [没解决], forwarding,
forged buttons, which text goes where, /reload, and an import from another process."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from core.messages import Incoming
from services.clock import ManualClock
from storage.models import AuditEvent, KbQuestion
from tests.harness import ChatHarness, run_console_script
from tests.kb_support import NEW_ENTRY, ROOT, SHIPPED, bot_cli, migrated_demo

LONG_QUESTION = "请问驻村干部在村里的时候每个月的生活补助标准到底是多少钱，是按天算还是按月发放的？"
LONG_STATEMENT = ("今天上午走访了三户脱贫户，了解了他们家的收入情况和产业发展遇到的困难，"
                  "下午参加村两委会议，讨论了明年的产业项目安排。")


def _questions(chat: ChatHarness) -> list[KbQuestion]:
    with chat.core.db.session() as s:
        return list(s.scalars(select(KbQuestion).order_by(KbQuestion.id)))


def test_traditional_and_typo_questions_are_answered_with_basis(chat: ChatHarness) -> None:
    out = chat.send("cadre1", "駐村幹部每月補助多少")
    assert "1100元" in out and "依据：" in out and "[没解决]" in out
    out = chat.send("cadre1", "/ask 小额信代怎么申情")
    assert "【小额信贷怎么申请？】" in out and "合作银行" in out
    qs = _questions(chat)
    assert [(q.kind, q.entry_id) for q in qs] == [("answer", "living-allowance"),
                                                   ("answer", "microcredit-apply")]
    assert qs[0].text == "駐村幹部每月補助多少" and qs[0].member_id is not None
    assert not qs[0].unresolved


def test_not_solved_is_logged_and_can_be_forwarded(chat: ChatHarness) -> None:
    chat.send("cadre1", "駐村幹部每月補助多少")
    out = chat.press("cadre1", "没解决")
    assert "已经记下来了" in out and "[转给管理员]" in out
    out = chat.press("cadre1", "转给管理员")
    assert "-> cadre1: 已转给管理员（刘管理）" in out
    assert "-> admin: 【政策提问转交】编号 1" in out and "提问人：张驻村（驻村干部）" in out
    assert "问题：駐村幹部每月補助多少" in out
    again = chat.press("cadre1", "转给管理员")
    assert "已经转给管理员了" in again and "-> admin" not in again
    q = _questions(chat)[0]
    assert q.unresolved and q.forwarded


def test_near_tie_offers_the_questions_then_answers_the_chosen_one(chat: ChatHarness) -> None:
    # policy vs how to apply: both plausible for a bare topic, so the asker picks
    out = chat.send("cadre1", "小额信贷")
    assert "您是不是想问：" in out and "[小额信贷怎么申请？]" in out and "[都不是]" in out
    out = chat.press("cadre1", "小额信贷怎么申请？")
    assert "合作银行" in out
    q = _questions(chat)[0]
    assert q.kind == "choose" and 2 <= len(q.choices) <= 3 and q.entry_id == "microcredit-apply"


def test_none_of_these_is_unresolved(chat: ChatHarness) -> None:
    chat.send("cadre1", "小额信贷")
    out = chat.press("cadre1", "都不是")
    assert "已经记下来了" in out
    assert _questions(chat)[0].unresolved


def test_nothing_found_offers_the_administrator(chat: ChatHarness) -> None:
    out = chat.send("cadre2", "村里WiFi怎么装？")
    assert "没有找到这个问题的答案" in out and "[转给管理员]" in out
    assert _questions(chat)[0].kind == "none"


def test_small_talk_gets_what_the_bot_can_do_not_the_base(chat: ChatHarness) -> None:
    out = chat.send("cadre2", "今天天气不错")
    assert "我可以帮您" in out and "/report" in out and "没有找到" not in out
    leave = chat.send("cadre2", "我要请假")  # a request to use a feature names its command first
    assert "我可以帮您" in leave and leave.index("/leave") < leave.index("/ask")
    assert "我可以帮您" in chat.send("cadre2", "谢谢")
    out = chat.send("villager", "谢谢你们")
    assert "我可以帮您" in out and "/complain" in out and "/report" not in out
    assert _questions(chat) == []  # small talk is not logged as a policy question


def test_ask_alone_asks_for_the_question(chat: ChatHarness) -> None:
    out = chat.send("secretary", "/ask")
    assert "请问您想了解什么政策？" in out
    out = chat.send("secretary", "雨露計劃補多少")
    assert "【雨露计划补助谁，补多少？】" in out
    out = chat.send("secretary", "提问")  # the Chinese alias starts the same dialog
    assert "请问您想了解什么政策？" in out


def test_buttons_of_someone_elses_question_are_refused(chat: ChatHarness) -> None:
    chat.send("cadre1", "小额信贷")
    qid, entry_before = _questions(chat)[0].id, _questions(chat)[0].entry_id
    # well-formed data the service refuses: someone else's question, an index out of range
    for data in (f"kb:n:{qid}", f"kb:f:{qid}", f"kc:{qid}:0", f"kc:{qid}:9"):
        who = "cadre1" if data == f"kc:{qid}:9" else "cadre2"
        out = chat.core.handle(Incoming("console", who, who, callback=data))
        assert "按钮" in out.replies[0].text, data
    # data that does not parse is refused by the router before any handler runs
    for data in ("kb:n:x", "kb:zz:1", f"kb:c:{qid}:0"):
        out = chat.core.handle(Incoming("console", "cadre2", "cadre2", callback=data))
        assert "按钮" in out.replies[0].text, data
    q = _questions(chat)[0]
    assert not q.unresolved and not q.forwarded and q.entry_id == entry_before
    with chat.core.db.session() as s:
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "refused")).all()) == 4
        assert len(s.scalars(select(AuditEvent).where(
            AuditEvent.action == "button.malformed")).all()) == 3


# -- which handler gets free text (rule in docs/knowledge.md) ------------------------------
def test_long_question_goes_to_the_knowledge_base(chat: ChatHarness) -> None:
    """Routing, not the verdict: the base replies with the living-allowance entry (answered,
    or offered to choose when the scorer is not sure enough), never with the log offer."""
    out = chat.send("cadre1", LONG_QUESTION)
    assert ("1100元" in out or "驻村干部每月生活补助多少" in out) and "日志" not in out


def test_long_statement_is_offered_as_report(chat: ChatHarness) -> None:
    out = chat.send("cadre1", LONG_STATEMENT)
    assert "存为今日日志" in out and "依据" not in out
    assert _questions(chat) == []


def test_short_statement_goes_to_the_knowledge_base(chat: ChatHarness) -> None:
    out = chat.send("cadre1", "帮我查一下小额信贷的政策")
    assert "【脱贫人口小额信贷有什么政策？】" in out and "日志" not in out


def test_villager_question_is_answered_statement_offered_as_complaint(chat: ChatHarness) -> None:
    out = chat.send("villager", "低保怎么申请？")
    assert "【农村低保怎么申请？】" in out and "我要反映问题" not in out
    out = chat.send("villager", "村里的路灯坏了一个月了")
    assert "[我要反映问题]" in out and "依据" not in out
    out = chat.send("villager", "张驻村为什么总不来")  # a question the base cannot answer
    assert "[转给管理员] [我要反映问题]" in out
    out = chat.press("villager", "转给管理员")
    assert "-> admin: 【政策提问转交】" in out and "提问人：孙大伯（村民" in out
    assert _questions(chat)[-1].villager_id is not None


def test_reload_is_for_administrators(chat: ChatHarness) -> None:
    assert "/reload 只对管理员开放" in chat.send("cadre1", "/reload")
    assert f"知识库已重新加载，共 {SHIPPED} 条" in chat.send("admin", "/reload")


# -- administration from another process ----------------------------------------------------
@pytest.fixture
def mchat(tmp_path: Path, clock: ManualClock) -> ChatHarness:
    core = migrated_demo(f"sqlite:///{tmp_path / 'kb.sqlite3'}", clock)
    yield ChatHarness(core, clock, tmp_path / "out")
    core.db.dispose()


def test_import_in_another_process_reaches_the_running_bot(mchat: ChatHarness,
                                                           tmp_path: Path) -> None:
    url = mchat.core.db.url
    assert "没有找到这个问题的答案" in mchat.send("cadre1", "路灯不亮向谁报修")
    mchat.press("cadre1", "转给管理员")
    listed = bot_cli(url, "admin", "kb-unanswered", "--days", "36500")
    assert listed.returncode == 0, listed.stderr
    assert "共 1 条" in listed.stdout and "路灯不亮向谁报修" in listed.stdout
    assert "张驻村（驻村干部）" in listed.stdout and "已转交" in listed.stdout

    bad = tmp_path / "坏文件.yaml"
    bad.write_text("- id: Bad Id\n  question: 没有答案的问题\n", encoding="utf-8")
    res = bot_cli(url, "admin", "kb-import", str(bad))
    assert res.returncode == 2
    assert "知识库文件《坏文件.yaml》无法导入" in res.stderr and "缺少答案 answer" in res.stderr
    assert "文件没有导入" in res.stderr

    good = tmp_path / "lights.yaml"
    good.write_text(NEW_ENTRY, encoding="utf-8")
    res = bot_cli(url, "admin", "kb-import", str(good))
    assert res.returncode == 0, res.stderr
    assert "已导入《lights.yaml》：1 条（village-road-lights）" in res.stdout
    assert f"知识库现有 {SHIPPED + 1} 条" in res.stdout
    # the running bot (this process) picks it up on the next question, no restart
    out = mchat.send("cadre1", "路灯不亮向谁报修")
    assert "乡镇建设办" in out and "依据：示范县《农村公共照明管护办法》" in out

    done = bot_cli(url, "admin", "kb-unanswered", "--done", "1")
    assert "已标记 1 个问题" in done.stdout
    assert "没有未解决" in bot_cli(url, "admin", "kb-unanswered", "--days", "36500").stdout
    assert f"共 {SHIPPED + 1} 条（导入 1 条）" in bot_cli(url, "admin", "kb-reload").stdout


def test_console_script(tmp_path: Path) -> None:
    script = (ROOT / "examples" / "knowledge.txt").read_text(encoding="utf-8")
    out = run_console_script(script, f"sqlite:///{tmp_path / 'c.sqlite3'}")
    assert "-> cadre1: 【驻村干部每月生活补助多少？】" in out and "1100元" in out
    assert "-> cadre1: 【小额信贷怎么申请？】" in out
    assert "-> cadre1: 您是不是想问：" in out
    assert "-> admin: 【政策提问转交】" in out
    assert "-> villager: 【农村低保怎么申请？】" in out
    assert "存为今日日志" in out
    assert f"-> admin: 知识库已重新加载，共 {SHIPPED} 条" in out

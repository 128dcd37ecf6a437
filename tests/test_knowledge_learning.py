"""Learning from use: link an unanswered question to an entry in one step, the unanswered
log grouped by meaning, what is asked most and answered worst, stale entries flagged."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from core.app import BotCore
from services import actors
from services import knowledge as svc
from services.errors import PermissionDenied, UserError
from storage.models import AuditEvent, KbImport, KbQuestion


def _actor(core: BotCore, user: str) -> actors.Actor:
    with core.db.session() as s:
        a = actors.resolve(s, "console", user, core.clock.now())
        assert a is not None
        return a


def test_linking_an_unanswered_question_teaches_the_base_its_wording(demo: BotCore) -> None:
    cadre = _actor(demo, "cadre1")
    now = demo.clock.now()
    # (the earlier wording, 驻村的娃儿上学那个补贴咋整的嘛咱这边, is now answered by education-aid)
    odd = "学生崽那个开销国家兜不兜底嘛咱这边"  # no entry answers this wording well
    with demo.db.session() as s:
        q, v = svc.ask(s, cadre, odd, now, match_chars=300)
        assert v.kind != "answer" or v.best.entry.id != "education-aid"  # type: ignore[union-attr]
        r = svc.link_question(s, q.id, "education-aid", now)
        assert r.added and r.phrasing == odd and r.entry.id == "education-aid"
        assert q.entry_id == "education-aid" and q.answered_by_admin and not q.unresolved
        assert svc.unanswered(s, now - timedelta(days=1)) == []
        assert s.scalars(select(AuditEvent).where(AuditEvent.action == "kb.link")).one()
    with demo.db.session() as s:  # every process rebuilds: the marker changed
        kb = svc.shared(s)
        assert odd in kb.get("education-aid").phrasings  # type: ignore[union-attr]
        v = kb.answer(odd)
        assert v.kind == "answer" and v.best is not None and v.best.entry.id == "education-aid"


def test_relinking_moves_the_question_and_a_known_wording_adds_nothing(demo: BotCore) -> None:
    cadre = _actor(demo, "cadre1")
    now = demo.clock.now()
    with demo.db.session() as s:
        q, _ = svc.ask(s, cadre, "村里WiFi怎么装", now, match_chars=300)
        svc.link_question(s, q.id, "drinking-water", now)
        svc.link_question(s, str(q.id), "hotline-12345", now)  # the admin changed their mind
        rows = s.scalars(select(KbImport).where(KbImport.filename == f"kb-link-{q.id}.yaml")).all()
        assert [r.active for r in rows] == [False, True]
        assert svc.linked_phrasings(s) == {"hotline-12345": ("村里WiFi怎么装",)}
        q2, _ = svc.ask(s, cadre, "驻村干部怎么请假？", now, match_chars=300)
        assert not svc.link_question(s, q2.id, "leave-how-to", now).added  # already a phrasing


def test_a_long_message_is_linked_by_its_question_part(demo: BotCore) -> None:
    cadre = _actor(demo, "cadre1")
    text = ("各位领导好，我是刚到石桥村的驻村干部小王，这里情况还不太熟悉，我们村有几户想搞大棚蔬菜，"
            "想问一下大棚种植有没有补助？谢谢！")
    with demo.db.session() as s:
        q, _ = svc.ask(s, cadre, text, demo.clock.now(), match_chars=300)
        r = svc.link_question(s, q.id, "industry-support", demo.clock.now())
        assert "大棚种植有没有补助" in r.phrasing and "领导" not in r.phrasing
        assert len(r.phrasing) <= svc.PHRASING_CHARS


def test_bad_links_are_refused_in_chinese(demo: BotCore) -> None:
    cadre = _actor(demo, "cadre1")
    with demo.db.session() as s:
        q, _ = svc.ask(s, cadre, "低保", demo.clock.now(), match_chars=300)
        with pytest.raises(UserError, match="找不到问题编号 999"):
            svc.link_question(s, 999, "dibao", demo.clock.now())
        with pytest.raises(UserError, match="没有 id 为「no-such」的条目"):
            svc.link_question(s, q.id, "no-such", demo.clock.now())
        with pytest.raises(UserError, match="kb-link-"):
            svc.import_file(s, "kb-link-7.yaml", demo.clock.now())


def test_the_forwarded_question_button_links_for_administrators_only(demo: BotCore) -> None:
    cadre, admin = _actor(demo, "cadre1"), _actor(demo, "admin")
    now = demo.clock.now()
    with demo.db.session() as s:
        q, _ = svc.ask(s, cadre, "小额信贷", now, match_chars=300)
        offered = [e.id for e in svc.link_suggestions(s, q)]
        assert offered[:2] == q.choices[:2] and len(offered) <= 3 and len(set(offered)) == len(offered)
        with pytest.raises(PermissionDenied):
            svc.link_by_button(s, cadre, str(q.id), offered[0], now)
        with pytest.raises(PermissionDenied):
            svc.link_by_button(s, admin, str(q.id), "x" * 65, now)
        with pytest.raises(UserError):
            svc.link_by_button(s, admin, "abc", offered[0], now)
        r = svc.link_by_button(s, admin, str(q.id), offered[1], now)
        assert r.entry.id == offered[1] and q.entry_id == offered[1]


def test_unanswered_questions_are_grouped_by_meaning(demo: BotCore) -> None:
    cadre, villager = _actor(demo, "cadre1"), _actor(demo, "villager")
    now = demo.clock.now()
    with demo.db.session() as s:
        for who, text in [(cadre, "村里宽带怎么装"), (villager, "村里宽带咋个装"), (cadre, "村里的宽带怎么安装"),
                          (villager, "党费按什么标准交"), (cadre, "党费怎么交标准是啥"),
                          (cadre, "驾照到期怎么换")]:
            svc.ask(s, who, text, now, match_chars=300)
        groups = svc.group_similar(s, svc.unanswered(s, now - timedelta(days=1)))
        texts = [[q.text for q in g] for g in groups]
        assert texts[0] == ["村里宽带怎么装", "村里宽带咋个装", "村里的宽带怎么安装"]
        assert ["党费按什么标准交", "党费怎么交标准是啥"] in texts and ["驾照到期怎么换"] in texts
        assert len(groups) == 3


def test_stats_show_what_is_asked_most_and_answered_worst(demo: BotCore) -> None:
    cadre = _actor(demo, "cadre1")
    now = demo.clock.now()
    with demo.db.session() as s:
        for _ in range(3):
            svc.ask(s, cadre, "驻村干部每月补助多少", now, match_chars=300)
        bad = [svc.ask(s, cadre, "驻村干部怎么请假", now, match_chars=300)[0] for _ in range(2)]
        for q in bad:
            svc.mark_unresolved(s, cadre, str(q.id))
        svc.ask(s, cadre, "村里宽带怎么装", now, match_chars=300)
        st = svc.stats(s, now - timedelta(days=30), now.date())
        assert st.questions == 6 and st.kinds["none"] == 1
        assert [(u.entry_id, u.asked) for u in st.most_asked[:2]] == [("living-allowance", 3),
                                                                      ("leave-how-to", 2)]
        assert [(u.entry_id, u.unresolved) for u in st.worst] == [("leave-how-to", 2)]
        assert [[q.text for q in g] for g in st.unanswered][-1] == ["村里宽带怎么装"]
        assert st.stale == []  # every shipped entry was reviewed within the year


def test_entries_not_reviewed_for_a_year_are_flagged(demo: BotCore) -> None:
    with demo.db.session() as s:
        entries = svc.shared(s).entries
        newest = max(e.reviewed for e in entries)  # type: ignore[type-var]
        oldest = min(e.reviewed for e in entries)  # type: ignore[type-var]
        assert svc.stale_entries(s, oldest + timedelta(days=365)) == []
        later = svc.stale_entries(s, oldest + timedelta(days=366))  # a year and a day after
        assert later and all(e.reviewed == oldest for e in later)
        assert len(later) < len(entries)  # those re-checked later are not flagged yet
        assert len(svc.stale_entries(s, newest + timedelta(days=366))) == len(entries)
        assert len(svc.stale_entries(s, date(2030, 1, 1))) == len(entries)


def test_stale_flag_counts_an_entry_without_a_review_date(demo: BotCore, monkeypatch: pytest.MonkeyPatch) -> None:
    with demo.db.session() as s:
        kb = svc.shared(s)
        undated = dataclasses.replace(kb.entries[0], reviewed=None)
        monkeypatch.setattr(type(kb), "entries", property(lambda self: [undated]))
        assert svc.stale_entries(s, date(2026, 11, 29)) == [undated]


def test_small_talk_is_answered_with_the_commands_and_not_logged(demo: BotCore) -> None:
    class Cmd:
        def __init__(self, name: str, description: str) -> None:
            self.name, self.description = name, description

    menu = [Cmd("help", "查看可用的命令"), Cmd("ask", "政策问答"), Cmd("report", "写今天的工作日志"),
            Cmd("leave", "请假（事假、病假）"), Cmd("checkin", "到村打卡")]
    from conversations.knowledge import text as T

    hint = svc.help_hint("我要请假", "cadre", menu)
    assert hint is not None
    text = T.help_hint(hint)
    assert text.index("/leave") < text.index("/ask") and "/help —" not in text
    assert svc.help_hint("低保怎么申请", "villager", menu) is None  # a question: the base answers
    with demo.db.session() as s:
        assert s.scalars(select(KbQuestion)).all() == []


def test_admin_cli_links_in_one_step_and_reports_stats(tmp_path, clock) -> None:  # type: ignore[no-untyped-def]
    from tests.kb_support import bot_cli, migrated_demo

    core = migrated_demo(f"sqlite:///{tmp_path / 'kb.sqlite3'}", clock)
    url = core.db.url
    cadre = _actor(core, "cadre1")
    with core.db.session() as s:
        q, _ = svc.ask(s, cadre, "村里宽带咋个装", clock.now(), match_chars=300)
        svc.ask(s, cadre, "村里宽带怎么装", clock.now(), match_chars=300)
        qid = q.id
    listed = bot_cli(url, "admin", "kb-unanswered", "--days", "36500")
    assert "共 2 条（1 类）" in listed.stdout and "问了2次" in listed.stdout and "kb-link" in listed.stdout
    stats = bot_cli(url, "admin", "kb-stats", "--days", "36500")
    assert stats.returncode == 0, stats.stderr
    assert "政策提问 2 条" in stats.stdout and "（2次）  村里宽带咋个装" in stats.stdout
    assert "所有条目都在一年内复核过" in stats.stdout
    linked = bot_cli(url, "admin", "kb-link", str(qid), "hotline-12345")
    assert linked.returncode == 0, linked.stderr
    assert f"问题 {qid}「村里宽带咋个装」→ 条目 hotline-12345" in linked.stdout and "已加为" in linked.stdout
    bad = bot_cli(url, "admin", "kb-link", str(qid), "no-such-entry")
    assert bad.returncode == 2 and "没有 id 为「no-such-entry」的条目" in bad.stderr
    with core.db.session() as s:  # the running bot picks it up at its next question
        v = svc.shared(s).answer("村里宽带咋个装")
        assert v.best is not None and v.best.entry.id == "hotline-12345"
    core.db.dispose()


def test_admin_links_a_forwarded_question_with_one_tap(chat) -> None:  # type: ignore[no-untyped-def]
    out = chat.send("cadre1", "社保卡丢了咋补办")
    assert "没有找到" in out
    card = chat.press("cadre1", "转给管理员")
    assert "-> admin: 【政策提问转交】" in card and "[加为问法：" in card
    label = card.split("[加为问法：", 1)[1].split("]", 1)[0]
    assert "已把问题 1 加为" in chat.press("admin", f"加为问法：{label}")
    with chat.core.db.session() as s:
        q = s.scalars(select(KbQuestion)).one()
        linked = q.entry_id
    assert linked is not None
    again = chat.send("cadre2", "社保卡丢了咋补办")
    assert "没有找到" not in again and label[:6] in again

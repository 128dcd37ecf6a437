"""Rules behind the chat: one shared index built once, rebuilt when the marker changes,
imports replacing shipped entries, the question log and its ownership checks."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from core.app import BotCore
from knowledge import KnowledgeFileError
from services import actors
from services import knowledge as svc
from services.errors import PermissionDenied, UserError
from storage.models import KbImport, Villager
from tests.kb_support import SHIPPED

OVERRIDE = """\
- id: living-allowance
  question: 驻村干部每月生活补助多少？
  answer: 本县标准：驻村干部每月生活补助1300元，按实际驻村天数发放。
  basis: 示范县驻村工作补助办法（2026年）
"""


def _actor(core: BotCore, user: str) -> actors.Actor:
    with core.db.session() as s:
        a = actors.resolve(s, "console", user, core.clock.now())
        assert a is not None
        return a


def _villager_twin(s, villager: actors.Actor, member_id: int) -> actors.Actor:  # type: ignore[no-untyped-def]
    """The villager (created if needed) whose villager id is `member_id`, as an actor."""
    v = s.get(Villager, member_id)
    if v is None:
        v = Villager(id=member_id, name="同号村民", village_id=villager.village_id,
                     created_at=datetime(2026, 11, 23, tzinfo=UTC))
        s.add(v)
        s.flush()
    twin = actors.actor_for_villager(v)
    assert twin.kind == "villager" and twin.id == member_id
    return twin


def test_index_is_built_once_even_when_many_threads_ask_at_once(
        demo: BotCore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(svc, "_built", None)
    builds: list[int] = []
    real = svc._build
    monkeypatch.setattr(svc, "_build", lambda *args: (builds.append(1), real(*args)))
    got: list[object] = []

    def ask() -> None:
        with demo.db.session() as s:
            got.append(svc.shared(s))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and len(got) == 8 and all(kb is got[0] for kb in got)


def test_import_replaces_a_shipped_entry_and_bumps_the_marker(demo: BotCore, tmp_path: Path) -> None:
    f = tmp_path / "county.yaml"
    f.write_text(OVERRIDE, encoding="utf-8")
    with demo.db.session() as s:
        before = svc.version_token(s)
        r = svc.import_file(s, f, demo.clock.now())
        assert r.replaced_shipped == ["living-allowance"] and not r.replaced_file
        assert svc.version_token(s) != before
    with demo.db.session() as s:
        kb = svc.shared(s)
        assert len(kb) == SHIPPED and "1300元" in kb.get("living-allowance").answer  # type: ignore[union-attr]
        assert kb.answer("駐村幹部每月補助多少").best.entry.answer.startswith("本县标准")  # type: ignore[union-attr]
    # re-importing the same file name deactivates the older copy
    f.write_text(OVERRIDE.replace("1300", "1400"), encoding="utf-8")
    with demo.db.session() as s:
        assert svc.import_file(s, f, demo.clock.now()).replaced_file
    with demo.db.session() as s:
        assert [r.active for r in s.scalars(select(KbImport).order_by(KbImport.id))] == [False, True]
        assert "1400元" in svc.shared(s).get("living-allowance").answer  # type: ignore[union-attr]


def test_a_bad_file_is_refused_whole_with_a_chinese_message(demo: BotCore, tmp_path: Path) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text("- id: ok-one\n  question: 问\n  answer: 答\n  basis: 依据\n- id: x\n  question: 问\n",
                 encoding="utf-8")
    with demo.db.session() as s, pytest.raises(KnowledgeFileError) as err:
        svc.import_file(s, f, demo.clock.now())
    assert "《bad.yaml》无法导入" in str(err.value) and "缺少答案 answer" in str(err.value)
    with demo.db.session() as s:
        assert s.scalars(select(KbImport)).all() == []
    with pytest.raises(KnowledgeFileError, match="文件不存在"):
        with demo.db.session() as s:
            svc.import_file(s, tmp_path / "missing.yaml", demo.clock.now())


def test_questions_are_logged_and_only_their_asker_may_press(demo: BotCore) -> None:
    cadre, other, villager = (_actor(demo, u) for u in ("cadre1", "cadre2", "villager"))
    now = demo.clock.now()
    long_text = "驻村干部每月生活补助多少" + "。" * 5988  # a pasted question with trailing junk
    with demo.db.session() as s:
        q, v = svc.ask(s, cadre, "小额信贷", now, match_chars=300)
        assert v.kind == "choose" and q.choices == [m.entry.id for m in v.matches]
        qv, _ = svc.ask(s, villager, "村里WiFi怎么装", now, match_chars=300)
        assert qv.kind == "none" and qv.villager_id == villager.id and qv.member_id is None
        ql, _ = svc.ask(s, cadre, long_text, now, match_chars=300)
        assert ql.text == long_text  # kept whole
        assert svc.for_display(ql.text).endswith("…（共6000字）")
        for bad in (str(q.id), "abc", "999"):
            with pytest.raises(PermissionDenied) as refused:
                svc.mark_unresolved(s, other, bad)
            assert refused.value.code == "knowledge.not_yours"
        with pytest.raises(PermissionDenied):
            svc.own_question(s, villager, str(q.id))
        # a villager whose villager id equals the asker's member id is not the asker
        twin = _villager_twin(s, villager, cadre.id)
        with pytest.raises(PermissionDenied) as refused:
            svc.own_question(s, twin, str(q.id))
        assert refused.value.code == "knowledge.not_yours"
        with pytest.raises(PermissionDenied) as refused:
            svc.choose(s, cadre, str(q.id), "7")
        assert refused.value.code == "knowledge.bad_choice"
        q2, entry = svc.choose(s, cadre, str(q.id), "1")
        assert entry.id == q.choices[1] == q2.entry_id
        _, admins, first = svc.forward(s, villager, str(qv.id))
        assert first and [a.name for a in admins] == ["刘管理"]
        assert not svc.forward(s, villager, str(qv.id))[2]
        assert svc.asker_label(s, qv).startswith("孙大伯（村民")
        listed = svc.unanswered(s, now - timedelta(days=30))
        assert [x.id for x in listed] == [qv.id]
        assert svc.close_questions(s, [qv.id]) == 1
        assert svc.unanswered(s, now - timedelta(days=30)) == []
        with pytest.raises(UserError, match="找不到这些问题编号：12345") as unknown:
            svc.close_questions(s, [12345])
        assert unknown.value.code == "knowledge.unknown_ids" and unknown.value.params == {"ids": "12345"}


def test_reload_marker_and_warm_up(demo: BotCore, monkeypatch: pytest.MonkeyPatch) -> None:
    with demo.db.session() as s:
        kb = svc.shared(s)
        assert svc.warm_up(s) is None  # already built: only checks the marker
        assert svc.reload_now(s, demo.clock.now()) == SHIPPED
        assert svc.shared(s) is not kb  # rebuilt for the new token
    monkeypatch.setattr(svc, "_built", None)
    with demo.db.session() as s:
        t = svc.warm_up(s)
    assert t is not None
    t.join(timeout=30)
    assert svc._built is not None
    with demo.db.session() as s:
        assert svc.shared(s) is svc._built.kb


"""Admin imports: bad files are rejected with clear Chinese messages."""

from pathlib import Path

import pytest

from knowledge import KnowledgeBase, KnowledgeFileError, load_file

GOOD = """
- id: test-new-entry
  question: 测试用的新问题防汛物资怎么领取
  alternatives: [防汛物资去哪领]
  answer: 到乡镇应急办领取。
  basis: 测试文件
  reviewed: 2026-11-23
"""


def write(tmp_path: Path, text: str, name: str = "kb.yaml") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_missing_question_and_answer(tmp_path: Path) -> None:
    p = write(tmp_path, "- id: x1\n  basis: 某文件\n")
    with pytest.raises(KnowledgeFileError) as err:
        load_file(p)
    msg = str(err.value)
    assert "kb.yaml" in msg and "缺少问题" in msg and "缺少答案" in msg


def test_duplicate_id(tmp_path: Path) -> None:
    entry = "- id: dup\n  question: 问\n  answer: 答\n  basis: 依据\n"
    with pytest.raises(KnowledgeFileError, match="重复"):
        load_file(write(tmp_path, entry + entry))


def test_broken_yaml_reports_line(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeFileError, match="YAML 格式错误第 .* 行"):
        load_file(write(tmp_path, "- id: a\n  question: [未闭合\n  answer: 答\n"))


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeFileError, match="条目列表"):
        load_file(write(tmp_path, ""))


def test_import_without_restart_then_reload(tmp_path: Path) -> None:
    kb = KnowledgeBase.from_directory()
    before = len(kb)
    assert kb.answer("防汛物资去哪里领").kind == "none"
    p = write(tmp_path, GOOD, "extra.yaml")
    assert kb.import_file(p) == 1
    v = kb.answer("防汛物资去哪里领")
    assert v.kind == "answer" and v.best is not None and v.best.entry.id == "test-new-entry"
    assert kb.reload() == before + 1  # imported files survive a reload


def test_import_clashing_id_rejected(tmp_path: Path) -> None:
    kb = KnowledgeBase.from_directory()
    p = write(tmp_path, "- id: dibao\n  question: 问\n  answer: 答\n  basis: 依据\n")
    with pytest.raises(KnowledgeFileError, match="dibao"):
        kb.add_entries(load_file(p))
    assert kb.get("dibao") is not None and kb.get("dibao").answer != "答"  # type: ignore[union-attr]

"""Reading and validating knowledge-base YAML files.

Administrators edit these files by hand, so every problem is reported in
Chinese with the file name and the entry it concerns, and a bad file is
rejected as a whole rather than half-imported.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .models import Entry

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_\-]*$")
MAX_ANSWER_CHARS = 600  # generous hard limit; the style guide asks for ≤ ~300
# libyaml's parser when PyYAML was built with it (the wheels are): parsing the shipped base
# takes a third of the time, which is a noticeable share of the bot's start-up.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Lexicons that live beside the entries in data/ but are not entries themselves.
NON_ENTRY_FILES = frozenset({"synonyms.yaml", "english.yaml"})


class KnowledgeFileError(ValueError):
    """A knowledge file could not be imported; ``str(err)`` is user-facing Chinese."""

    def __init__(self, path: str | Path, problems: list[str]) -> None:
        self.path = str(path)
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"知识库文件《{Path(path).name}》无法导入，共 {len(problems)} 处问题：\n{lines}")


def _as_str_list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, (str, int, float)) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    return None


def _parse_entry(raw: Any, pos: int, path: Path, problems: list[str]) -> Entry | None:
    label = f"第 {pos} 条"
    if not isinstance(raw, dict):
        problems.append(f"{label}不是“键: 值”格式的条目")
        return None
    eid = str(raw.get("id") or "").strip()
    if eid:
        label = f"第 {pos} 条（id: {eid}）"
        if not _ID_RE.match(eid):
            problems.append(f"{label} id 只能包含小写字母、数字、下划线和连字符")
    else:
        problems.append(f"{label}缺少 id")
    fields: dict[str, str] = {}
    for key, name in (("question", "问题 question"), ("answer", "答案 answer"), ("basis", "文件依据 basis")):
        val = raw.get(key)
        if not isinstance(val, str) or not val.strip():
            problems.append(f"{label}缺少{name}")
        else:
            fields[key] = val.strip()
    if len(fields.get("answer", "")) > MAX_ANSWER_CHARS:
        problems.append(f"{label}答案过长（超过 {MAX_ANSWER_CHARS} 字），请精简")
    alts = _as_str_list(raw.get("alternatives"))
    if alts is None:
        problems.append(f"{label} alternatives 必须是文字列表")
    tags = _as_str_list(raw.get("tags"))
    if tags is None:
        problems.append(f"{label} tags 必须是文字列表")
    reviewed = raw.get("reviewed")
    if isinstance(reviewed, str):
        try:
            reviewed = dt.date.fromisoformat(reviewed)
        except ValueError:
            problems.append(f"{label} reviewed 日期格式应为 YYYY-MM-DD")
            reviewed = None
    elif reviewed is not None and not isinstance(reviewed, dt.date):
        problems.append(f"{label} reviewed 日期格式应为 YYYY-MM-DD")
        reviewed = None
    if not eid or len(fields) < 3 or alts is None or tags is None:
        return None
    return Entry(
        id=eid,
        question=fields["question"],
        answer=fields["answer"],
        basis=fields["basis"],
        alternatives=tuple(dict.fromkeys(alts)),
        tags=tuple(tags),
        reviewed=reviewed,
        source_file=str(path),
    )


def load_file(path: str | Path) -> list[Entry]:
    """Parse and validate one YAML file (a list of entries, or ``{entries: [...]}``).

    Raises ``KnowledgeFileError`` listing every problem found, so an admin
    can fix the file in one go.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KnowledgeFileError(path, ["文件不存在"]) from None
    except UnicodeDecodeError:
        raise KnowledgeFileError(path, ["文件不是 UTF-8 编码，请另存为 UTF-8 后重试"]) from None
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 (a safe loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第 {mark.line + 1} 行附近" if mark else ""
        raise KnowledgeFileError(path, [f"YAML 格式错误{where}（请检查缩进和冒号）"]) from None
    if isinstance(data, dict) and "entries" in data:
        data = data["entries"]
    if not isinstance(data, list) or not data:
        raise KnowledgeFileError(path, ["文件内容应为条目列表（每条以“- id:”开头），当前为空或格式不对"])
    problems: list[str] = []
    entries: list[Entry] = []
    for pos, raw in enumerate(data, start=1):
        entry = _parse_entry(raw, pos, path, problems)
        if entry is not None:
            entries.append(entry)
    check_unique_ids(entries, problems)
    if problems:
        raise KnowledgeFileError(path, problems)
    return entries


def check_unique_ids(entries: Iterable[Entry], problems: list[str]) -> None:
    """Append a Chinese message for every id used more than once."""
    seen: dict[str, str] = {}
    for e in entries:
        if e.id in seen:
            problems.append(f"id “{e.id}” 重复（{Path(seen[e.id]).name} 与 {Path(e.source_file).name}）")
        else:
            seen[e.id] = e.source_file


def load_paths(paths: Iterable[str | Path]) -> list[Entry]:
    """Load several files (directories expand to their ``*.yaml``), ids unique across all."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            files.extend(f for f in sorted(p.glob("*.yaml")) if f.name not in NON_ENTRY_FILES)
        else:
            files.append(p)
    entries: list[Entry] = []
    for f in files:
        entries.extend(load_file(f))
    problems: list[str] = []
    check_unique_ids(entries, problems)
    if problems:
        raise KnowledgeFileError(files[0] if len(files) == 1 else "多个文件", problems)
    return entries

"""Rules for policy questions in chat: the shared index, the question log, imports, buttons.

Why one index per process, built lazily: building takes about a second (jieba, pinyin
tables), a question well under a millisecond. Every process (the bot, a second worker,
the console) builds it once, on first use or from the start-up tick in a background
thread, and rebuilds only when the `kb_version` token in the database changed. That
token is how `admin kb-import` / `admin kb-reload` run in another process reach a
running bot without a restart: each question compares it (one primary-key read).

Imported files are stored whole in `kb_import`, so every process rebuilds from the same
source; an imported entry whose id exists in the shipped files replaces it.

Button payloads name a question log row; they are untrusted, so every handler checks
that the row belongs to whoever pressed (same kind of person and same id). Refusals are
codes (knowledge.*); their words are in conversations/knowledge/text.py.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import tempfile
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services.actors import Actor
from services.errors import PermissionDenied, UserError
from services.roles import Role
from storage.models import KbImport, KbQuestion, KbVersion, Member, Villager

if TYPE_CHECKING:  # the matcher (numpy, jieba, pypinyin) loads on first use, not at start-up
    from knowledge import Entry, KnowledgeBase, Verdict
    from knowledge.segment import TextProcessor

log = logging.getLogger(__name__)

DISPLAY_CHARS = 2000  # a logged question is kept whole, shown at most this long


# -- the shared index --------------------------------------------------------------------
@dataclass(frozen=True)
class _Built:
    kb: KnowledgeBase
    token: str | None  # the kb_version token the index was built for


_lock = threading.Lock()
_built: _Built | None = None
_proc: TextProcessor | None = None  # kept across rebuilds: jieba loads only once


def version_token(session: Session) -> str | None:
    """The cheap marker: changes on every import or reload (None on a fresh database)."""
    return session.scalar(select(KbVersion.token).where(KbVersion.id == 1))


def bump_version(session: Session, now: datetime) -> str:
    token = uuid.uuid4().hex
    row = session.get(KbVersion, 1)
    if row is None:
        session.add(KbVersion(id=1, token=token, changed_at=now))
    else:
        row.token, row.changed_at = token, now
    session.flush()
    return token


def parse_import(filename: str, content: str) -> list[Entry]:
    """Validate stored or uploaded YAML exactly as the loader does (errors name the file)."""
    from knowledge import load_file

    name = Path(filename).name or "import.yaml"
    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / name
        path.write_text(content, encoding="utf-8")
        entries = load_file(path)
    return [dataclasses.replace(e, source_file=name) for e in entries]


def imported_entries(session: Session) -> list[Entry]:
    """Active imports, oldest first; a later import of the same id wins."""
    from knowledge import KnowledgeFileError

    merged: dict[str, Entry] = {}
    for row in session.scalars(select(KbImport).where(KbImport.active.is_(True))
                               .order_by(KbImport.id)):
        try:
            entries = parse_import(row.filename, row.content)
        except KnowledgeFileError:  # validated on import; only a hand-edited row gets here
            log.exception("stored knowledge import %s (%s) is invalid; skipped", row.id, row.filename)
            continue
        for e in entries:
            merged.pop(e.id, None)
            merged[e.id] = e
    return list(merged.values())


def _shipped() -> list[Entry]:
    from knowledge import load_paths
    from knowledge.segment import DATA_DIR

    return load_paths([DATA_DIR])


def merge(shipped: list[Entry], imported: list[Entry]) -> list[Entry]:
    ids = {e.id for e in imported}
    return [e for e in shipped if e.id not in ids] + imported


def _build(imported: list[Entry], token: str | None) -> None:
    """Build a new index and swap it in (caller holds _lock). Readers keep the old one."""
    global _built, _proc
    from knowledge import KnowledgeBase
    first = _built is None
    kb = KnowledgeBase(merge(_shipped(), imported), processor=_proc)
    _proc = kb.proc
    _built = _Built(kb, token)
    if first:
        # The index is long-lived: keep full collections from walking it mid-question.
        gc.collect()
        gc.freeze()
    log.info("knowledge base built: %d entries (%d imported)", len(kb), len(imported))


def shared(session: Session) -> KnowledgeBase:
    """The process's knowledge base, rebuilt first if the database says it changed.

    Thread-safe: one thread builds; while it rebuilds, others keep answering from the
    previous index instead of waiting. Only the very first build makes others wait.
    """
    token = version_token(session)
    cur = _built
    if cur is not None and cur.token == token:
        return cur.kb
    if cur is not None and not _lock.acquire(blocking=False):
        return cur.kb  # someone is rebuilding right now
    if cur is None:
        _lock.acquire()
    try:
        cur = _built
        if cur is None or cur.token != token:
            try:
                _build(imported_entries(session), token)
            except Exception:
                if cur is None:
                    raise
                log.exception("knowledge base rebuild failed; keeping the previous index")
                return cur.kb
        assert _built is not None
        return _built.kb
    finally:
        _lock.release()


def warm_up(session: Session) -> threading.Thread | None:
    """Bot start: build in a background thread so start-up and ticks are not held up.

    Reads what it needs from the database now (the session is not shared with the
    thread). Once built, later calls just check the marker and rebuild if it changed.
    """
    if _built is not None:
        shared(session)
        return None
    if _lock.locked():
        return None
    token, imported = version_token(session), imported_entries(session)

    def run() -> None:
        with _lock:
            if _built is None:
                _build(imported, token)

    t = threading.Thread(target=run, name="kb-warm-up", daemon=True)
    t.start()
    return t


def reload_now(session: Session, now: datetime) -> int:
    """Admin /reload: tell every process to rebuild, rebuild here at once; entry count."""
    bump_version(session, now)
    return len(shared(session))


# -- questions ---------------------------------------------------------------------------
def ask(session: Session, actor: Actor, text: str, now: datetime, *,
        match_chars: int) -> tuple[KbQuestion, Verdict]:
    """Match and log one question (every question is logged, whatever the verdict)."""
    verdict = shared(session).answer(text[:match_chars])
    best = verdict.best
    q = KbQuestion(
        member_id=actor.id if actor.kind == "member" else None,
        villager_id=actor.id if actor.kind == "villager" else None,
        text=text, kind=verdict.kind, created_at=now,
        entry_id=best.entry.id if best else None, score=best.score if best else None,
        choices=[m.entry.id for m in verdict.matches] if verdict.kind == "choose" else [])
    session.add(q)
    session.flush()
    return q, verdict


def own_question(session: Session, actor: Actor, raw_id: str) -> KbQuestion:
    """The logged question a button names, only if the presser asked it."""
    q = session.get(KbQuestion, int(raw_id)) if raw_id.isdigit() else None
    if q is None:
        raise PermissionDenied("knowledge.not_yours")
    owner = q.member_id if actor.kind == "member" else q.villager_id
    if owner != actor.id:
        raise PermissionDenied("knowledge.not_yours")
    return q


def choose(session: Session, actor: Actor, raw_id: str, raw_index: str) -> tuple[KbQuestion, Entry]:
    """The asker picked one of the offered questions; remember which."""
    q = own_question(session, actor, raw_id)
    if not raw_index.isdigit() or int(raw_index) >= len(q.choices):
        raise PermissionDenied("knowledge.bad_choice")
    entry = shared(session).get(q.choices[int(raw_index)])
    if entry is None:
        raise UserError("knowledge.gone")
    q.entry_id, q.unresolved = entry.id, False
    return q, entry


def mark_unresolved(session: Session, actor: Actor, raw_id: str) -> KbQuestion:
    q = own_question(session, actor, raw_id)
    q.unresolved = True
    return q


def forward(session: Session, actor: Actor, raw_id: str) -> tuple[KbQuestion, list[Member], bool]:
    """Mark the question forwarded; returns (question, admins to tell, first time?)."""
    q = own_question(session, actor, raw_id)
    first = not q.forwarded
    q.forwarded = True
    return q, administrators(session, actor.county_id), first


def administrators(session: Session, county_id: int | None) -> list[Member]:
    """The county's active administrators; all administrators if the county has none."""
    base = select(Member).where(Member.role == Role.ADMIN.value, Member.active.is_(True))
    if county_id is not None:
        found = list(session.scalars(base.where(Member.county_id == county_id).order_by(Member.id)))
        if found:
            return found
    return list(session.scalars(base.order_by(Member.id)))


def asker_label(session: Session, q: KbQuestion) -> str:
    if q.member_id is not None:
        m = session.get(Member, q.member_id)
        from services.roles import ROLE_LABELS

        return f"{m.name}（{ROLE_LABELS[Role(m.role)]}）" if m else "成员"
    v = session.get(Villager, q.villager_id) if q.villager_id is not None else None
    return f"{v.name}（村民，{v.village.full_name}）" if v else "村民"


def for_display(text: str, limit: int = DISPLAY_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + f"…（共{len(text)}字）"


# -- administration ----------------------------------------------------------------------
def unanswered(session: Session, since: datetime) -> list[KbQuestion]:
    """Questions the base did not settle: no match, [没解决]/[都不是], or forwarded."""
    return list(session.scalars(select(KbQuestion).where(
        KbQuestion.created_at >= since, KbQuestion.answered_by_admin.is_(False),
        or_(KbQuestion.kind == "none", KbQuestion.unresolved.is_(True),
            KbQuestion.forwarded.is_(True))).order_by(KbQuestion.id)))


def close_questions(session: Session, ids: list[int]) -> int:
    """Admin marks questions dealt with (e.g. an entry was added); they leave the list."""
    rows = list(session.scalars(select(KbQuestion).where(KbQuestion.id.in_(ids))))
    for q in rows:
        q.answered_by_admin = True
    missing = set(ids) - {q.id for q in rows}
    if missing:
        raise UserError("knowledge.unknown_ids", ids="、".join(map(str, sorted(missing))))
    return len(rows)


@dataclass(frozen=True)
class ImportResult:
    row: KbImport
    entries: list[Entry]
    replaced_shipped: list[str]  # ids that override a shipped entry
    replaced_file: bool  # an earlier import of the same file name was deactivated


def import_file(session: Session, path: str | Path, now: datetime) -> ImportResult:
    """Validate a YAML file and store it; running bots pick it up on their next question."""
    from knowledge import load_file

    path = Path(path)
    entries = load_file(path)  # raises KnowledgeFileError with a Chinese message
    content = path.read_text(encoding="utf-8")
    older = list(session.scalars(select(KbImport).where(
        KbImport.filename == path.name, KbImport.active.is_(True))))
    for row in older:
        row.active = False
    row = KbImport(filename=path.name, content=content, imported_at=now, active=True)
    session.add(row)
    shipped = {e.id for e in _shipped()}
    bump_version(session, now)
    return ImportResult(row, entries, [e.id for e in entries if e.id in shipped], bool(older))


def check_all(session: Session) -> tuple[int, int]:
    """Validate shipped files and stored imports without building: (total, imported)."""
    imported = imported_entries(session)
    return len(merge(_shipped(), imported)), len(imported)

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import yaml
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from services import audit
from services.actors import Actor
from services.errors import PermissionDenied, UserError
from services.roles import TEAM_ROLES, Role
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
        if is_link_row(row.filename):
            continue
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


def _build(imported: list[Entry], token: str | None,
           links: dict[str, tuple[str, ...]] | None = None) -> None:
    """Build a new index and swap it in (caller holds _lock). Readers keep the old one."""
    global _built, _proc
    from knowledge import KnowledgeBase
    first = _built is None
    kb = KnowledgeBase(with_links(merge(_shipped(), imported), links or {}), processor=_proc)
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
                _build(imported_entries(session), token, linked_phrasings(session))
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
    links = linked_phrasings(session)

    def run() -> None:
        with _lock:
            if _built is None:
                _build(imported, token, links)

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
    if is_link_row(path.name):
        raise UserError("knowledge.reserved_filename", prefix=LINK_PREFIX)
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


# -- free text that is neither a question, a log nor a complaint ---------------------------
class _Command(Protocol):
    name: str
    description: str


HELP_COMMANDS = 5  # commands listed in the short reply; /help lists them all


@dataclass(frozen=True)
class HelpHint:
    """What to offer instead of an answer: who is asking and the commands that fit."""

    audience: str  # "villager" | "team" | "staff"
    commands: tuple[_Command, ...]


def help_hint(text: str, role: Role | str, commands: Sequence[_Command]) -> HelpHint | None:
    """When free text is not for the base (greetings, thanks, "我要请假", a short remark),
    the commands to offer (else None); the words are the knowledge catalogue's.

    ``commands`` is the role's menu (Registry.menu_for), so the reply names the commands
    this person can really use; those whose description shares words with the message come
    first ("我要请假" → /leave, "看看我的日志" → /myreports).
    """
    from services.text_intent import free_text_route

    if free_text_route(text, role) not in ("help", "offer_report"):
        return None
    r = Role(role)
    audience = "villager" if r == Role.VILLAGER else "team" if r in TEAM_ROLES else "staff"
    flat = "".join(text.split())
    pairs = {flat[i:i + 2] for i in range(len(flat) - 1)}
    usable = [c for c in commands if c.name not in ("help", "cancel", "me", "start")]
    asked_for = [c for c in usable if any(p in c.description for p in pairs)]
    shown = (asked_for + [c for c in usable if c not in asked_for])[:HELP_COMMANDS]
    return HelpHint(audience, tuple(shown))


# -- learning from use: an administrator links a question to an entry ----------------------
LINK_PREFIX = "kb-link-"  # kb_import rows named kb-link-<question id>.yaml carry one phrasing
PHRASING_CHARS = 60  # a linked question longer than this keeps only its asking clauses


def is_link_row(filename: str) -> bool:
    return Path(filename).name.startswith(LINK_PREFIX)


def linked_phrasings(session: Session) -> dict[str, tuple[str, ...]]:
    """Entry id → phrasings added by `admin kb-link`, oldest first.

    Stored as rows of kb_import (no new table: every process already rebuilds from it),
    one row per linked question, so a wrong link is undone by deactivating its row.
    """
    out: dict[str, list[str]] = {}
    for row in session.scalars(select(KbImport).where(
            KbImport.active.is_(True), KbImport.filename.startswith(LINK_PREFIX))
            .order_by(KbImport.id)):
        try:
            data = yaml.safe_load(row.content) or {}
            eid, phrasing = str(data["entry"]), str(data["phrasing"]).strip()
        except (yaml.YAMLError, KeyError, TypeError):
            log.warning("kb link row %s is unreadable; skipped", row.id)
            continue
        if phrasing and phrasing not in out.setdefault(eid, []):
            out[eid].append(phrasing)
    return {k: tuple(v) for k, v in out.items()}


def with_links(entries: list[Entry], links: dict[str, tuple[str, ...]]) -> list[Entry]:
    """Entries with their linked phrasings appended as alternatives (unknown ids ignored)."""
    if not links:
        return entries
    out = []
    for e in entries:
        extra = tuple(p for p in links.get(e.id, ()) if p not in e.phrasings)
        out.append(dataclasses.replace(e, alternatives=e.alternatives + extra) if extra else e)
    return out


def phrasing_of(text: str) -> str:
    """What of a logged question becomes a phrasing: the question itself, or for a long
    message only the clauses that ask (greetings and stories dropped), shortened."""
    flat = " ".join(text.split())
    if len(flat) <= PHRASING_CHARS:
        return flat
    from knowledge.query import question_part

    asking = [c for c, w in question_part(flat, 0.0) if w >= 1.0]
    return ("，".join(asking) or flat)[:PHRASING_CHARS]


@dataclass(frozen=True)
class LinkResult:
    question: KbQuestion
    entry: Entry
    phrasing: str
    added: bool  # False when the entry already had this phrasing


def _question(session: Session, raw_id: str | int) -> KbQuestion:
    q = session.get(KbQuestion, int(raw_id)) if str(raw_id).isdigit() else None
    if q is None:
        raise UserError("knowledge.question_not_found", ref=raw_id)
    return q


def link_question(session: Session, raw_question_id: str | int, entry_id: str, now: datetime,
                  by: str = "cli") -> LinkResult:
    """`admin kb-link QUESTION_ID ENTRY_ID`: the question becomes a phrasing of the entry.

    One step: the phrasing is stored, the question leaves the unanswered list with the
    entry recorded as its answer, and every running bot rebuilds on its next question.
    Linking the same question again moves it to the new entry.
    """
    q = _question(session, raw_question_id)
    entry = shared(session).get(entry_id.strip())
    if entry is None:
        raise UserError("knowledge.entry_not_found", ref=entry_id)
    phrasing = phrasing_of(q.text)
    name = f"{LINK_PREFIX}{q.id}.yaml"
    for row in session.scalars(select(KbImport).where(KbImport.filename == name,
                                                      KbImport.active.is_(True))):
        row.active = False
    added = phrasing not in entry.phrasings
    if added:
        content = yaml.safe_dump({"entry": entry.id, "phrasing": phrasing, "question": q.id,
                                  "by": by}, allow_unicode=True, sort_keys=False)
        session.add(KbImport(filename=name, content=content, imported_at=now, active=True))
    q.entry_id, q.answered_by_admin, q.unresolved = entry.id, True, False
    audit.record(session, by, "kb.link", now, subject=f"kb_question:{q.id}", entry=entry.id)
    bump_version(session, now)
    return LinkResult(q, entry, phrasing, added)


def link_suggestions(session: Session, q: KbQuestion, limit: int = 3) -> list[Entry]:
    """Entries to offer as buttons on a forwarded question: what the asker was offered
    first, then the base's best guesses for the text now."""
    kb = shared(session)
    out: list[Entry] = []
    for eid in [*(q.choices or []), *([q.entry_id] if q.entry_id else []),
                *(m.entry.id for m in kb.search(q.text[:DISPLAY_CHARS], limit=limit))]:
        e = kb.get(eid)
        if e is not None and e not in out:
            out.append(e)
    return out[:limit]


def link_by_button(session: Session, actor: Actor, raw_question_id: str, raw_entry_id: str,
                   now: datetime) -> LinkResult:
    """The [加为问法] button on a forwarded question; the payload is untrusted."""
    if actor.kind != "member" or actor.role != Role.ADMIN:
        raise PermissionDenied("knowledge.admins_link")
    if len(raw_entry_id) > 64:
        raise PermissionDenied("knowledge.bad_link")
    q = _question(session, raw_question_id)
    if _asker_county(session, q) not in (None, actor.county_id):
        raise PermissionDenied("knowledge.bad_link")  # another county's question
    return link_question(session, q.id, raw_entry_id, now, by=actor.key)


def _asker_county(session: Session, q: KbQuestion) -> int | None:
    from services.actors import actor_for_member, actor_for_villager
    from storage.models import Member, Villager

    if q.member_id is not None:
        m = session.get(Member, q.member_id)
        return actor_for_member(m).county_id if m is not None else None
    if q.villager_id is not None:
        v = session.get(Villager, q.villager_id)
        return actor_for_villager(v).county_id if v is not None else None
    return None


# -- the unanswered log, grouped; what is asked most and answered worst ---------------------
SIMILAR = 0.6  # share of shared words (Jaccard) from which two questions are one group


def group_similar(session: Session, questions: Sequence[KbQuestion]) -> list[list[KbQuestion]]:
    """Questions grouped by meaning, most asked first: 低保怎么申请 / 低保咋申请 / 想申请低保.

    Words are the matcher's own canonical tokens (synonyms and dialect folded, courtesy
    dropped); a question joins the first group whose first question shares at least
    ``SIMILAR`` of their words, or whose characters are nearly the same (typos).
    """
    from rapidfuzz import fuzz

    proc = shared(session).proc
    groups: list[tuple[frozenset[str], str, list[KbQuestion]]] = []
    for q in questions:
        read = proc.query(q.text[:DISPLAY_CHARS])
        words, canon = frozenset(read.weights), read.canon
        for g_words, g_canon, members in groups:
            union = len(words | g_words)
            if (union and len(words & g_words) / union >= SIMILAR) or \
                    (canon and fuzz.ratio(canon, g_canon) >= 85):
                members.append(q)
                break
        else:
            groups.append((words, canon, [q]))
    ordered = [g[2] for g in groups]
    return sorted(ordered, key=lambda g: (-len(g), g[0].id))


@dataclass(frozen=True)
class EntryUse:
    entry_id: str
    question: str
    asked: int  # questions answered with it or where it was chosen
    unresolved: int  # of those, marked [没解决]/[都不是] or forwarded


@dataclass(frozen=True)
class KbStats:
    questions: int
    kinds: dict[str, int]  # answer / choose / none
    most_asked: list[EntryUse]
    worst: list[EntryUse]  # most unresolved, at least two asks
    unanswered: list[list[KbQuestion]]  # grouped, most asked first
    stale: list[Entry]  # not reviewed for a year (or never)


def stale_entries(session: Session, today: date, max_age_days: int = 365) -> list[Entry]:
    """Entries whose review date is older than ``max_age_days`` (or missing): to re-check."""
    limit = today - timedelta(days=max_age_days)
    return sorted((e for e in shared(session).entries if e.reviewed is None or e.reviewed < limit),
                  key=lambda e: (e.reviewed or date.min, e.id))


def stats(session: Session, since: datetime, today: date, top: int = 10) -> KbStats:
    """`admin kb-stats`: what people ask most, which answers leave them unsatisfied."""
    rows = list(session.scalars(select(KbQuestion).where(KbQuestion.created_at >= since)
                                .order_by(KbQuestion.id)))
    kinds = {k: sum(q.kind == k for q in rows) for k in ("answer", "choose", "none")}
    kb = shared(session)
    asked: dict[str, int] = {}
    bad: dict[str, int] = {}
    for q in rows:  # the answered entry, or the chosen (else the first offered) one
        if q.entry_id is None:
            continue
        asked[q.entry_id] = asked.get(q.entry_id, 0) + 1
        if q.unresolved or q.forwarded:
            bad[q.entry_id] = bad.get(q.entry_id, 0) + 1

    def use(eid: str) -> EntryUse:
        e = kb.get(eid)
        return EntryUse(eid, e.question if e else "（条目已删除）", asked[eid], bad.get(eid, 0))

    most = [use(eid) for eid in sorted(asked, key=lambda k: (-asked[k], k))[:top]]
    worst = sorted((use(eid) for eid in bad if asked[eid] >= 2),
                   key=lambda u: (-u.unresolved / u.asked, -u.unresolved, u.entry_id))[:top]
    return KbStats(len(rows), kinds, most, worst,
                   group_similar(session, unanswered(session, since))[:top],
                   stale_entries(session, today))

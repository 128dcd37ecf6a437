"""The household register of a village (农户台账) and visits to households (走访).

Decisions (tests/test_households_*.py):
* a household belongs to a village; the village's work team reads and edits it, nobody
  else in chat (supervisors, villagers, other teams are refused and audited); the
  administrator imports whole sheets from the command line;
* an import is all or nothing: every row is checked first (户主 present, 属性 one of
  CATEGORIES, 联系干部 an active member of the village's team, phone a phone number, no
  row twice), and one bad row writes nothing — the sheet comes back with row numbers;
* a row whose 户主 and 网格 match an active household updates it, others are added;
* a visit is one row per (household, member, day); `Household.last_visited_on` keeps
  the latest so the digest finds households not visited for N days with one scan;
* names in a daily log are matched against the village's heads of household; a name
  shared by several households is asked about (one tap), never guessed.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.actors import Actor
from services.errors import NotFound, PermissionDenied, UserError
from services.roles import TEAM_ROLES
from storage.models import Household, Member, Team, Village, Visit

# 属性: data labels (they are what the sheets say), in the order lists show them.
CATEGORIES = ("脱贫户", "监测户", "低保户", "特困户", "边缘易致贫户", "突发严重困难户", "一般户")
TEAM_ROLE_VALUES = tuple(r.value for r in TEAM_ROLES)

# Column titles accepted in a sheet, per field (the first is what exports write).
COLUMNS: dict[str, tuple[str, ...]] = {
    "head_name": ("户主", "户主姓名", "姓名"),
    "members": ("家庭成员", "成员", "家庭人口", "人口"),
    "category": ("属性", "户属性", "户类型", "类别"),
    "grid": ("网格", "所属网格", "网格名称"),
    "contact": ("联系干部", "帮扶干部", "包户干部", "帮扶责任人"),
    "phone": ("联系电话", "电话", "手机", "手机号"),
}
MAX_ROWS = 5000
# mobile, landline with or without area code, and service hotlines such as 12317 / 12345
_PHONE = re.compile(r"^(1\d{10}|0\d{2,3}-?\d{7,8}|\d{7,8}|1\d{4})$")
_NAME = re.compile(r"^[\u4e00-\u9fff·A-Za-z]{2,16}$")
_SPLIT = re.compile(r"[、,，;；\s/]+")


# -- who may touch a village's register ----------------------------------------------------
def team_member(session: Session, actor: Actor | None) -> Member:
    """The actor as an active member of a work team (kind and id), or a refusal."""
    member = session.get(Member, actor.id) if actor is not None and actor.kind == "member" else None
    if member is None or not member.active or member.role not in TEAM_ROLE_VALUES \
            or member.team_id is None:
        raise PermissionDenied("households.team_only")
    return member


def village_of(session: Session, member: Member) -> Village:
    team = session.get(Team, member.team_id) if member.team_id else None
    if team is None:
        raise NotFound("households.no_team")
    return team.village


def team_of_village(session: Session, village_id: int) -> Team | None:
    return session.scalar(select(Team).where(Team.village_id == village_id,
                                             Team.active.is_(True)).order_by(Team.id).limit(1))


def require_household(session: Session, actor: Actor | None, household_id: int) -> Household:
    """The household, if the actor is on the work team of its village."""
    member = team_member(session, actor)
    h = session.get(Household, household_id)
    if h is None or not h.active:
        raise NotFound("households.household_gone")
    if village_of(session, member).id != h.village_id:
        raise PermissionDenied("households.other_village")
    return h


def team_people(session: Session, village_id: int) -> list[Member]:
    """Active members of the village's team (contact cadres are chosen among them)."""
    team = team_of_village(session, village_id)
    if team is None:
        return []
    return list(session.scalars(select(Member).where(
        Member.team_id == team.id, Member.active.is_(True),
        Member.role.in_(TEAM_ROLE_VALUES)).order_by(Member.id)))


# -- reading ---------------------------------------------------------------------------------
def households(session: Session, village_id: int, *, name: str | None = None) -> list[Household]:
    q = select(Household).where(Household.village_id == village_id, Household.active.is_(True))
    if name:
        q = q.where(Household.head_name.contains(name))
    return list(session.scalars(q.order_by(Household.grid, Household.head_name, Household.id)))


def counts_by_category(rows: Iterable[Household]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for h in rows:
        out[h.category] += 1
    return {c: out[c] for c in (*CATEGORIES, *sorted(set(out) - set(CATEGORIES))) if out.get(c)}


def overdue_for(rows: Iterable[Household], today: date, days: int) -> list[Household]:
    """Households not visited within `days` (never visited counts as not visited)."""
    return [h for h in rows if h.last_visited_on is None or (today - h.last_visited_on).days > days]


def visits_of(session: Session, household_id: int, limit: int = 5) -> list[tuple[Visit, Member]]:
    rows = session.execute(select(Visit, Member).join(Member, Member.id == Visit.member_id)
                           .where(Visit.household_id == household_id)
                           .order_by(Visit.visited_on.desc(), Visit.id.desc()).limit(limit)).all()
    return [(v, m) for v, m in rows]


# -- one household in chat ---------------------------------------------------------------------
def clean_phone(text: str) -> str | None:
    digits = re.sub(r"[\s()（）]", "", text or "")
    return digits if _PHONE.match(digits) else None


def parse_line(text: str) -> dict[str, Any]:
    """'张三 脱贫户 一网格 13800000000 4人' -> fields; the order of the words is free."""
    out: dict[str, Any] = {}
    for word in _SPLIT.split((text or "").strip()):
        if not word:
            continue
        if word in CATEGORIES:
            out["category"] = word
        elif clean_phone(word):
            out["phone"] = clean_phone(word)
        elif m := re.fullmatch(r"(\d{1,2})\s*(人|口)", word):
            out["size"] = int(m.group(1))
        elif "网格" in word or re.fullmatch(r".{1,6}(组|片|社)", word):
            out["grid"] = word
        elif "head_name" not in out:
            out["head_name"] = word
        else:
            out.setdefault("unknown", []).append(word)
    return out


def add_household(session: Session, actor: Actor | None, text: str, now: datetime) -> Household:
    """A cadre adds one household by typing it; the cadre becomes its contact."""
    member = team_member(session, actor)
    village = village_of(session, member)
    fields = parse_line(text)
    name = fields.get("head_name", "")
    if not _NAME.match(name):
        raise UserError("households.add_needs_name", text=text.strip()[:40])
    if fields.get("unknown"):
        raise UserError("households.add_unknown_words", words="、".join(fields["unknown"]))
    category = fields.get("category", "一般户")
    h = Household(village_id=village.id, head_name=name, category=category,
                  grid=fields.get("grid"), phone=fields.get("phone"), size=fields.get("size"),
                  contact_member_id=member.id, created_at=now, updated_at=now)
    session.add(h)
    session.flush()
    return h


EDITABLE = ("category", "grid", "phone", "members", "contact")


def edit_household(session: Session, actor: Actor | None, household_id: int, field_name: str,
                   value: str, now: datetime) -> Household:
    h = require_household(session, actor, household_id)
    value = (value or "").strip()
    if field_name == "category":
        if value not in CATEGORIES:
            raise UserError("households.bad_category", value=value, choices="、".join(CATEGORIES))
        h.category = value
    elif field_name == "grid":
        if not value or len(value) > 32:
            raise UserError("households.bad_grid", value=value[:40])
        h.grid = value
    elif field_name == "phone":
        phone = clean_phone(value)
        if phone is None:
            raise UserError("households.bad_phone", value=value[:40])
        h.phone = phone
    elif field_name == "members":
        members, size = _members(value)
        if size is None:
            raise UserError("households.bad_members", value=value[:40])
        h.members, h.size = members, size
    elif field_name == "contact":
        people = {str(m.id): m for m in team_people(session, h.village_id)}
        if value not in people:
            raise UserError("households.bad_contact", value=value[:40])
        h.contact_member_id = people[value].id
    else:
        raise UserError("households.bad_field")
    h.updated_at = now
    return h


def _members(value: str) -> tuple[str | None, int | None]:
    """'4' / '4人' -> (None, 4); '张三、李梅' -> ('张三、李梅', 2); '' -> (None, None)."""
    v = (value or "").strip()
    if not v:
        return None, None
    if m := re.fullmatch(r"(\d{1,2})\s*(人|口)?", v):
        return None, int(m.group(1))
    names = [p for p in _SPLIT.split(v) if p]
    if names and all(_NAME.match(n) for n in names):
        return "、".join(names), len(names)
    return None, None


# -- importing a sheet ---------------------------------------------------------------------------
@dataclass(frozen=True)
class RowError:
    row: int  # as Excel numbers it (the header is row 1)
    code: str  # a template key in the catalogue: households.row_<...>
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportResult:
    added: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)
    total: int = 0


def read_sheet(path: Path) -> list[list[Any]]:
    """Every row of the first sheet of an .xlsx file, as plain values."""
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        raise UserError("households.file_missing", path=str(path)) from None
    except Exception:
        raise UserError("households.file_unreadable", path=str(path)) from None
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def _columns(header: Sequence[Any]) -> dict[str, int]:
    titles = [str(c).strip() if c is not None else "" for c in header]
    out: dict[str, int] = {}
    for key, names in COLUMNS.items():
        for i, t in enumerate(titles):
            if t in names and key not in out:
                out[key] = i
    return out


def _text(row: Sequence[Any], i: int | None) -> str:
    if i is None or i >= len(row) or row[i] is None:
        return ""
    v = row[i]
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def check_rows(session: Session, village_id: int, rows: list[list[Any]]) -> tuple[
        list[dict[str, Any]], list[RowError]]:
    """Every row checked, nothing written: the clean rows and the row-level errors."""
    if not rows:
        raise UserError("households.sheet_empty")
    cols = _columns(rows[0])
    missing = [COLUMNS[k][0] for k in ("head_name", "category") if k not in cols]
    if missing:
        raise UserError("households.sheet_columns", missing="、".join(missing),
                        expected="、".join(v[0] for v in COLUMNS.values()))
    body = rows[1:]
    if len(body) > MAX_ROWS:
        raise UserError("households.sheet_too_long", n=len(body), limit=MAX_ROWS)
    people = {m.name: m for m in team_people(session, village_id)}
    seen: dict[tuple[str, str], int] = {}
    clean: list[dict[str, Any]] = []
    errors: list[RowError] = []
    for n, row in enumerate(body, start=2):
        if all(c is None or str(c).strip() == "" for c in row):
            continue
        name = _text(row, cols.get("head_name"))
        category = _text(row, cols.get("category"))
        grid = _text(row, cols.get("grid")) or None
        contact = _text(row, cols.get("contact"))
        phone_raw = _text(row, cols.get("phone"))
        members_raw = _text(row, cols.get("members"))
        problems: list[RowError] = []
        if not name:
            problems.append(RowError(n, "row_no_name"))
        elif not _NAME.match(name):
            problems.append(RowError(n, "row_bad_name", {"value": name[:20]}))
        if category not in CATEGORIES:
            problems.append(RowError(n, "row_bad_category", {"value": category[:20],
                                                             "choices": "、".join(CATEGORIES)}))
        if contact and contact not in people:
            problems.append(RowError(n, "row_bad_contact", {"value": contact[:20]}))
        phone = clean_phone(phone_raw) if phone_raw else None
        if phone_raw and phone is None:
            problems.append(RowError(n, "row_bad_phone", {"value": phone_raw[:20]}))
        members, size = _members(members_raw)
        if members_raw and size is None:
            problems.append(RowError(n, "row_bad_members", {"value": members_raw[:20]}))
        key = (name, grid or "")
        if name and key in seen:
            problems.append(RowError(n, "row_duplicate", {"value": name, "first": seen[key]}))
        seen.setdefault(key, n)
        if problems:
            errors.extend(problems)
            continue
        clean.append({"head_name": name, "category": category, "grid": grid,
                      "contact_member_id": people[contact].id if contact else None,
                      "phone": phone, "members": members, "size": size})
    return clean, errors


def import_rows(session: Session, village_id: int, rows: list[list[Any]],
                now: datetime) -> ImportResult:
    """All or nothing: with any row error nothing is written."""
    clean, errors = check_rows(session, village_id, rows)
    result = ImportResult(total=len(clean) + len({e.row for e in errors}), errors=errors)
    if errors:
        return result
    existing = {(h.head_name, h.grid or ""): h for h in households(session, village_id)}
    for r in clean:
        h = existing.get((r["head_name"], r["grid"] or ""))
        if h is None:
            session.add(Household(village_id=village_id, created_at=now, updated_at=now, **r))
            result.added += 1
        else:
            for k, v in r.items():
                if v is not None:
                    setattr(h, k, v)
            h.updated_at = now
            result.updated += 1
    session.flush()
    return result


# -- visits ------------------------------------------------------------------------------------
def record_visit(session: Session, member: Member, h: Household, day: date, now: datetime, *,
                 source: str, report_id: int | None = None, note: str | None = None) -> bool:
    """Record that `member` visited `h` on `day`; False if it was already recorded."""
    have = session.scalar(select(Visit).where(Visit.household_id == h.id,
                                              Visit.member_id == member.id,
                                              Visit.visited_on == day))
    if have is not None:
        if note and not have.note:
            have.note = note[:500]
        return False
    session.add(Visit(household_id=h.id, member_id=member.id, visited_on=day, source=source,
                      report_id=report_id, note=(note or None) and note[:500], created_at=now))
    if h.last_visited_on is None or h.last_visited_on < day:
        h.last_visited_on = day
    session.flush()
    return True


@dataclass
class NameMatch:
    """Household names found in a text: one household each, several, or none known."""

    found: list[Household] = field(default_factory=list)
    ambiguous: dict[str, list[Household]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)


def match_names(rows: Sequence[Household], text: str, listed: str | None = None) -> NameMatch:
    """Heads of household named in `text` (longest names first, so 张三丰 is not also
    张三); names in `listed` (the log's 走访 field) that fit no household are `unknown`."""
    by_name: dict[str, list[Household]] = defaultdict(list)
    for h in rows:
        by_name[h.head_name].append(h)
    out = NameMatch()
    taken = [False] * len(text)
    for name in sorted(by_name, key=len, reverse=True):
        start = text.find(name)
        hit = False
        while start >= 0:
            if not any(taken[start:start + len(name)]):
                hit = True
                for i in range(start, start + len(name)):
                    taken[i] = True
            start = text.find(name, start + len(name))
        if hit:
            if len(by_name[name]) == 1:
                out.found.append(by_name[name][0])
            else:
                out.ambiguous[name] = by_name[name]
    for word in _SPLIT.split(listed or ""):
        word = re.sub(r"^\d+户[：:]?", "", word.strip("：:。.（）()"))
        if _NAME.match(word) and re.search(r"[\u4e00-\u9fff]", word) and word not in by_name \
                and not re.search(r"户|人|无|没有", word):
            out.unknown.append(word)
    out.found.sort(key=lambda h: text.find(h.head_name))
    return out


# -- not visited, for the digest (set-based over many villages) ---------------------------------
def unvisited_many(session: Session, village_ids: Iterable[int], cutoff_of: dict[int, date]
                   ) -> dict[int, list[tuple[int | None, str]]]:
    """village -> [(contact member id, head of household)] not visited since its cutoff.

    One query for any number of villages (500 per statement)."""
    ids = sorted(set(village_ids))
    out: dict[int, list[tuple[int | None, str]]] = defaultdict(list)
    lowest = min(cutoff_of.values()) if cutoff_of else date.max
    for i in range(0, len(ids), 500):
        q = select(Household.village_id, Household.contact_member_id, Household.head_name,
                   Household.last_visited_on).where(
            Household.village_id.in_(ids[i:i + 500]), Household.active.is_(True),
            (Household.last_visited_on.is_(None)) | (Household.last_visited_on < max(
                cutoff_of.values(), default=lowest)))
        for vid, mid, name, last in session.execute(q.order_by(Household.id)):
            if last is None or last < cutoff_of[vid]:
                out[vid].append((mid, name))
    return out

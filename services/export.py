"""Excel export of a team's month, built from pluggable sheets.

Any feature adds a sheet with `register_sheet(name, fn, order=...)`, where
`fn(session, team_id, month) -> (headers, rows, widths)`; `month` is the first day of
the month (a `date`), rows hold plain values (str, int, Decimal, date, naive local
datetime). The module that registers must be listed in SHEET_PROVIDERS so the CLI and
the bot load it before exporting (features are imported lazily to keep start-up fast).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from services.errors import UserError

SheetData = tuple[list[str], list[list[Any]], list[int]]
SheetFn = Callable[[Session, int, date], SheetData]
# A sheet over any set of teams: the team workbook passes one, a county workbook all of
# the county's (register_teams_sheet; read back with teams_sheets()).
TeamsSheetFn = Callable[[Session, list[int], date], SheetData]

# Modules whose import registers sheets. Leave, complaints...: add yours here.
SHEET_PROVIDERS: list[str] = ["conversations.reports.sheets", "conversations.attendance.sheets",
                               "conversations.leave.sheet", "conversations.households.sheets",
                               "conversations.council.sheet", "conversations.tasks.sheet",
                               "conversations.projects.sheet", "conversations.handover.sheet"]


@dataclass(frozen=True)
class _Sheet:
    order: int
    name: str
    fn: SheetFn


_SHEETS: dict[str, _Sheet] = {}


def register_sheet(name: str, fn: SheetFn, order: int = 100) -> None:
    """Add (or replace, on re-import) a sheet; Excel limits sheet names to 31 characters."""
    if len(name) > 31 or any(c in name for c in "[]:*?/\\"):
        raise ValueError(f"bad sheet name {name!r}")
    _SHEETS[name] = _Sheet(order, name, fn)


_TEAMS_SHEETS: dict[str, tuple[int, TeamsSheetFn]] = {}


def register_teams_sheet(name: str, fn: TeamsSheetFn, order: int = 100) -> None:
    """A sheet written over a list of team ids: it joins the team workbook (one team) and
    is offered to workbooks of many teams (a county's) through `teams_sheets()`."""
    register_sheet(name, lambda s, team_id, month: fn(s, [team_id], month), order)
    _TEAMS_SHEETS[name] = (order, fn)


def teams_sheets() -> list[tuple[str, TeamsSheetFn]]:
    """Every sheet that can be written over many teams, in workbook order."""
    _load_providers()
    return [(name, fn) for name, (_, fn) in sorted(_TEAMS_SHEETS.items(), key=lambda x: (x[1][0], x[0]))]


def sheets() -> list[str]:
    _load_providers()
    return [s.name for s in sorted(_SHEETS.values(), key=lambda s: (s.order, s.name))]


def _load_providers() -> None:
    for mod in SHEET_PROVIDERS:
        import_module(mod)


def parse_month(text: str | None, today: date) -> date:
    """'2026-11', '2026年11月', '11月', '本月', '上月' -> first day of that month."""
    t = (text or "").strip()
    if t in ("", "本月", "这个月", "当月"):
        return today.replace(day=1)
    if t in ("上月", "上个月"):
        first = today.replace(day=1)
        return (first.replace(year=first.year - 1, month=12) if first.month == 1
                else first.replace(month=first.month - 1))
    m = re.fullmatch(r"(\d{4})\s*[-年./]\s*(\d{1,2})\s*月?", t)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
    elif (m := re.fullmatch(r"(\d{1,2})\s*月(份)?", t)):
        year, month = today.year, int(m.group(1))
        if month > today.month:
            year -= 1  # "12月" typed in January means last December
    else:
        raise UserError("attendance.month_unreadable", text=t)
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise UserError("attendance.month_invalid", text=t)
    return date(year, month, 1)


def output_dir(configured: str = "") -> Path:
    path = Path(configured) if configured else Path(tempfile.gettempdir()) / "zhucun-files"
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_workbook(session: Session, team_id: int, month: date, path: Path, *,
                   overflow_note: str = "…") -> Path:
    """Write every registered sheet for the team's month to an .xlsx file at `path`;
    a text too long for a cell is cut and ends with `overflow_note` (the catalogue's)."""
    _load_providers()
    ordered = sorted(_SHEETS.values(), key=lambda s: (s.order, s.name))
    return write_workbook(((s.name, s.fn(session, team_id, month)) for s in ordered), path,
                          overflow_note=overflow_note)


def write_workbook(sheets: Iterable[tuple[str, SheetData]], path: Path, *,
                   overflow_note: str = "…") -> Path:
    """The one way a workbook is written (team export, county workbook): bold blue
    headers, given widths, dates formatted, long texts wrapped, the header row frozen."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    head_font, head_fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")
    for name, (headers, rows, widths) in sheets:
        ws = wb.create_sheet(name)
        ws.append(headers)
        for cell in ws[1]:
            cell.font, cell.fill = head_font, head_fill
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for row in rows:
            ws.append([_cell(v, overflow_note) for v in row])
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        for row_cells in ws.iter_rows(min_row=2):
            for cell in row_cells:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(cell.value, str) and len(cell.value) > 20:
                    cell.alignment = wrap
        ws.freeze_panes = "A2"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _cell(value: Any, overflow_note: str) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, str) and len(value) > 32_000:  # Excel's cell limit is 32,767
        return value[:32_000] + overflow_note
    return value

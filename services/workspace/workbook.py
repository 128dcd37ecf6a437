"""The county workbook: every team of a scope in one Excel file, built from pluggable
sheets over a list of team ids (as services/export.py does for one team's month).

A feature adds a sheet with `register_county_sheet(name, fn, order=...)`, where
`fn(session, team_ids, month, settings) -> (headers, rows, widths)`; `team_ids` are the
teams the reader may see (a county, a township or one team), `month` the first day of
the chosen month (the year is month.year). The registering module is listed in
COUNTY_SHEET_PROVIDERS so the web page and `bot.py admin export --county` load it first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from importlib import import_module
from pathlib import Path

from sqlalchemy.orm import Session

from services.config import Settings
from services.export import SheetData, write_workbook

CountySheetFn = Callable[[Session, Sequence[int], date, Settings], SheetData]

# Modules whose import registers county sheets. Households, tasks...: add yours here.
COUNTY_SHEET_PROVIDERS: list[str] = ["web.sheets", "conversations.council.county_sheets"]


@dataclass(frozen=True)
class _Sheet:
    order: int
    name: str
    fn: CountySheetFn


_SHEETS: dict[str, _Sheet] = {}


def register_county_sheet(name: str, fn: CountySheetFn, order: int = 100) -> None:
    """Add (or replace, on re-import) a sheet; Excel limits sheet names to 31 characters."""
    if len(name) > 31 or any(c in name for c in "[]:*?/\\"):
        raise ValueError(f"bad sheet name {name!r}")
    _SHEETS[name] = _Sheet(order, name, fn)


def county_sheets() -> list[str]:
    for mod in COUNTY_SHEET_PROVIDERS:
        import_module(mod)
    return [s.name for s in sorted(_SHEETS.values(), key=lambda s: (s.order, s.name))]


def build_county_workbook(session: Session, team_ids: Sequence[int], month: date, path: Path,
                          settings: Settings, *, only: Sequence[str] | None = None,
                          overflow_note: str = "…") -> Path:
    """Every registered sheet (or those named in `only`) over these teams, to `path`."""
    names = county_sheets()
    if only is not None:
        names = [n for n in names if n in only]
    return write_workbook(((n, _SHEETS[n].fn(session, team_ids, month, settings)) for n in names),
                          path, overflow_note=overflow_note)

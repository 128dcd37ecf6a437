"""Issue #15's sheets (民生任务, 项目资金, 项目资金明细, 议事会决定, 交接表) in the county workbook
(services.workspace.workbook, issue #13): each is already written over a list of team
ids (services.export.teams_sheets), so the county workbook passes the teams its reader
may see — a county, a township or one team."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.orm import Session

from services.config import Settings
from services.export import SheetData, TeamsSheetFn, teams_sheets
from services.workspace.workbook import register_county_sheet


def _county(fn: TeamsSheetFn):  # type: ignore[no-untyped-def]
    def sheet(s: Session, team_ids: Sequence[int], month: date, settings: Settings) -> SheetData:
        return fn(s, list(team_ids), month)
    return sheet


for _order, (_name, _fn) in enumerate(teams_sheets(), start=70):
    register_county_sheet(_name, _county(_fn), order=_order)

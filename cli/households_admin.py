"""`bot.py admin households …`, `admin village-board`, `admin overseer …`: the
administrator's side of the households feature. Parsing and printing only; the rules
are in services/households.py, services/monitoring.py and services/oversight.py, the
words in conversations/households/text.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.admin import _db, _now, admin_command
from services.config import Settings
from services.errors import UserError


def _village(s, ref: str):  # type: ignore[no-untyped-def]
    from services import admin

    return admin.find_village(s, ref)


def _row_lines(errors: list[tuple[int, str, dict]]) -> str:  # type: ignore[type-arg]
    from conversations.households import text as T
    from core.words import render

    return "\n".join(T.ROW.format(row=row, problem=render(f"households.{code}", params))
                     for row, code, params in errors)


@admin_command("households")
def _households(a: argparse.Namespace, settings: Settings) -> int:
    from conversations.households import text as T
    from services import households as hs
    from services import monitoring as mon
    from services.clock import local

    rows = hs.read_sheet(Path(a.file))
    with _db(settings).session() as s:
        village = _village(s, a.village)
        if a.households_cmd == "import":
            result = hs.import_rows(s, village.id, rows, _now())
            if result.errors:
                print(T.IMPORT_FAILED.format(n=len({e.row for e in result.errors}), lines=_row_lines(
                    [(e.row, e.code, e.params) for e in result.errors])))
                s.rollback()
                return 2
            print(T.IMPORT_OK.format(added=result.added, updated=result.updated,
                                     total=result.total))
            return 0
        today = local(_now(), settings.timezone).date()
        cases, errors = mon.import_warnings(s, village.id, rows, today, _now(),
                                            settings.monitoring_working_days)
        if errors:
            print(T.IMPORT_FAILED.format(n=len({r for r, _, _ in errors}), lines=_row_lines(errors)))
            s.rollback()
            return 2
        names = mon.household_names(s, cases)
        print(T.WARNINGS_OK.format(n=len(cases), items=T.LIST_SEP.join(
            f"#{c.id} {names.get(c.household_id or 0, '')}" for c in cases)))
    return 0


@admin_command("village-board")
def _village_board(a: argparse.Namespace, settings: Settings) -> int:
    from services import oversight as ov

    with _db(settings).session() as s:
        village = _village(s, a.village)
        row = ov.set_board(s, village.id, _now(), team_phone=a.team_phone,
                           supervision_phone=a.supervision_phone,
                           confirm_visits=None if a.confirm is None else a.confirm == "on",
                           unvisited_days=a.unvisited_days)
        print(f"{village.name}：工作队电话 {row.team_phone or '未设'}；监督电话 "
              f"{row.supervision_phone or '未设'}；群众监督员确认 {'开' if row.confirm_visits else '关'}；"
              f"未走访提醒 {row.unvisited_days or settings.households_unvisited_days} 天")
    return 0


@admin_command("overseer")
def _overseer(a: argparse.Namespace, settings: Settings) -> int:
    from sqlalchemy import select

    from services import oversight as ov
    from storage.models import Villager

    with _db(settings).session() as s:
        village = _village(s, a.village)
        if a.overseer_cmd == "list":
            people = ov.overseers(s, village.id)
            print(f"{village.name}群众监督员：" + ("、".join(v.name for v in people) or "（无）"))
            return 0
        ref = a.villager
        v = s.get(Villager, int(ref)) if ref.isdigit() else s.scalar(
            select(Villager).where(Villager.name == ref, Villager.village_id == village.id))
        if v is None:
            raise UserError("households.villager_unknown", name=ref)
        if a.overseer_cmd == "add":
            ov.add_overseer(s, village.id, v, _now())
            print(f"已登记{v.name}为{village.name}群众监督员。")
        else:
            done = ov.remove_overseer(s, village.id, v)
            print(f"已取消{v.name}的群众监督员登记。" if done else f"{v.name}不是群众监督员。")
    return 0


def add_parsers(ad: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    h = ad.add_parser("households", help="household register: import a sheet | warnings")
    hs_ = h.add_subparsers(dest="households_cmd", required=True)
    for name, text in (("import", "import or update households from an .xlsx sheet"),
                       ("warnings", "open monitoring cases from a department warning sheet")):
        p = hs_.add_parser(name, help=text)
        p.add_argument("--village", required=True, help="village id, name, or 乡镇/村")
        p.add_argument("file")
    b = ad.add_parser("village-board", help="phones on the whereabouts board, 群众监督员 "
                                            "confirmation on/off, days before a household "
                                            "counts as not visited")
    b.add_argument("--village", required=True)
    b.add_argument("--team-phone")
    b.add_argument("--supervision-phone")
    b.add_argument("--confirm", choices=["on", "off"])
    b.add_argument("--unvisited-days", type=int)
    o = ad.add_parser("overseer", help="群众监督员 of a village: add | remove | list")
    os_ = o.add_subparsers(dest="overseer_cmd", required=True)
    for name in ("add", "remove", "list"):
        p = os_.add_parser(name)
        p.add_argument("--village", required=True)
        if name != "list":
            p.add_argument("--villager", required=True, help="villager id or name")

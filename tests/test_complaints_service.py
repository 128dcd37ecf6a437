"""services.complaints and the export: numbering under concurrency, rules, Excel output."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from conversations.complaints.export import export_month, satisfaction
from services import complaints as svc
from services.demo import load_demo
from services.errors import UserError
from storage.db import Database
from storage.models import Complaint, Villager
from tests.conftest import at
from tests.harness import run_console_script

ROOT = Path(__file__).resolve().parent.parent


def _file(s, now, **kw):  # type: ignore[no-untyped-def]
    villager = s.scalar(select(Villager))
    args = dict(villager=villager, category="其他", text="路灯坏了", place_time=None, photos=[],
                anonymous=True, subject_member_id=None, about_team=False, now=now,
                tz="Asia/Shanghai", daily_limit=100)
    args.update(kw)
    return svc.file_complaint(s, **args)


def test_ticket_numbers_are_per_local_day() -> None:
    assert svc.ticket_no(at("2026-12-01 09:00").date(), 7) == "TS-20261201-0007"


def test_concurrent_filings_get_distinct_numbers(any_db_url: str) -> None:
    db = Database(any_db_url)
    db.migrate()
    now = at("2026-12-01 23:30")  # 15:30 UTC: the local day is what counts
    with db.session() as s:
        load_demo(s, now)
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            with db.session() as s:
                _file(s, now)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with db.session() as s:
        numbers = sorted(s.scalars(select(Complaint.ticket_no)))
    db.dispose()
    assert not errors
    assert numbers == [f"TS-20261201-{i:04d}" for i in range(1, 7)]


@pytest.mark.parametrize(("status", "action", "ok"), [
    ("new", "accept", True), ("new", "close", False), ("new", "transfer", False),
    ("new", "reject", True), ("accepted", "close", True), ("accepted", "transfer", True),
    ("accepted", "reject", True), ("transferred", "close", True),
    ("transferred", "reject", False), ("closed", "close", False), ("rejected", "accept", False),
])
def test_transition_table(status: str, action: str, ok: bool) -> None:
    c = Complaint(ticket_no="TS-X", status=status)
    if ok:
        svc.check_transition(c, svc.ACTIONS[action])
    else:
        with pytest.raises(UserError):
            svc.check_transition(c, svc.ACTIONS[action])


def test_satisfaction_rate() -> None:
    assert satisfaction(Counter()) is None
    assert satisfaction(Counter(good=2, ok=1, bad=1)) == 0.75


def test_has_words() -> None:
    assert not svc.has_words("😡😡！！")
    assert svc.has_words("路灯坏了😡") and svc.has_words("110")


def test_export_blanks_anonymous_authors_and_summarises(demo, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    now = at("2026-12-01 09:00")
    with demo.db.session() as s:
        s.scalar(select(Villager)).phone = "13800000000"
        a = _file(s, now, anonymous=True)
        b = _file(s, now, anonymous=False, category="基础设施")
        _file(s, at("2026-11-30 09:00"))  # another month
        a.status, a.rating = "closed", "good"
        b.status, b.rating = "closed", "bad"
        path, n = export_month(s, year=2026, month=12, tz="Asia/Shanghai",
                               out_path=tmp_path / "x.xlsx")
    assert n == 2
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["投诉明细", "办理记录", "汇总"]
    rows = list(wb["投诉明细"].iter_rows(values_only=True))
    assert rows[0][:8] == ("编号", "提交时间", "乡镇", "村", "类别", "涉及对象", "反映人", "联系电话")
    assert rows[1][6] is None and rows[1][7] is None  # anonymous: no name, no phone
    assert rows[2][6] == "孙大伯" and rows[2][7] == "13800000000"
    assert wb["投诉明细"].column_dimensions["I"].width == 60
    for ws in wb:
        for row in ws.iter_rows(values_only=True):
            if row and row[0] == a.ticket_no:
                assert "孙大伯" not in [str(v) for v in row]
    summary = list(wb["汇总"].iter_rows(values_only=True))
    assert summary[1][:4] == ("示范镇", "幸福村", "幸福村驻村工作队", 2) and summary[1][-1] == "50%"


def test_console_script_and_export_cli(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'c.sqlite3'}"
    out = run_console_script((ROOT / "examples" / "complaints.txt").read_text(), url,
                             clock="2026-12-01 09:00")
    assert "-> villager: 已提交，您的问题编号是 TS-20261201-0001。" in out
    first_card = out.split("-> supervisor: 【群众反映】TS-20261201-0001", 1)[1].split("<-", 1)[0]
    assert "反映人：匿名" in first_card and "孙大伯" not in first_card
    assert "   （照片：AgADBAADphoto1）" in first_card  # the photo itself, not only a count
    assert "-> cadre1: /ticket 只对监督员、管理员、村民开放" in out
    assert "-> supervisor: TS-20261201-0001 还没有受理，不能直接办结。请先点「受理」。" in out
    assert "-> villager: 您反映的问题（TS-20261201-0001）已经办结。" in out
    assert "-> villager: 谢谢您的评价（满意）" in out
    assert "-> admin: 【督办提醒】群众反映 TS-20261201-0002" in out and "仍未办结" in out
    env = {**os.environ, "DATABASE_URL": url}
    xlsx = tmp_path / "export.xlsx"
    proc = subprocess.run([sys.executable, "bot.py", "admin", "export-complaints", "--month",
                           "2026-12", "--county", "示范县", "--out", str(xlsx)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "已导出 2026年12月 群众反映 2 件" in proc.stdout
    rows = list(openpyxl.load_workbook(xlsx)["投诉明细"].iter_rows(values_only=True))
    assert [r[6] for r in rows[1:]] == [None, "孙大伯"]
    bad = subprocess.run([sys.executable, "bot.py", "admin", "export-complaints", "--month",
                          "2026-13"], capture_output=True, text=True, cwd=ROOT, env=env,
                         timeout=120)
    assert bad.returncode == 2 and "月份「2026-13」格式不对" in bad.stderr

"""Writes examples/households.xlsx (the demo village's register, with two bad rows), the
same corrected (examples/households-fixed.xlsx) and
examples/warnings.xlsx (a department's warning list) for docs/households.md.

    .venv/bin/python examples/make_households_xlsx.py
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
HOUSEHOLDS = [
    ("户主", "家庭成员", "属性", "网格", "联系干部", "联系电话"),
    ("孙大伯", "孙大伯、孙大妈", "脱贫户", "一网格", "张驻村", "13800000001"),
    ("张三", 4, "脱贫户", "一网格", "张驻村", "13800000002"),
    ("李四", "李四、王梅、李小明", "监测户", "一网格", "张驻村", "13800000003"),
    ("王五", 2, "一般户", "二网格", "赵驻村", ""),
    ("王五", 5, "低保户", "三网格", "赵驻村", "0851-5551234"),
    ("刘六", 3, "贫困户", "二网格", "赵驻村", "13800000006"),
    ("陈七", 1, "特困户", "三网格", "钱驻村", "138000"),
    ("周八", 6, "边缘易致贫户", "三网格", "赵驻村", "13800000008"),
]
FIXES = {"贫困户": "脱贫户", "钱驻村": "赵驻村", "138000": "13800000007"}
WARNINGS = [
    ("户主", "网格", "预警内容", "部门"),
    ("周八", "三网格", "医保报销后自付医疗费用超过2万元", "县医保局"),
]


def write(path: Path, rows: list[tuple[object, ...]]) -> None:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(list(row))
    wb.save(path)


if __name__ == "__main__":
    write(HERE / "households.xlsx", HOUSEHOLDS)
    write(HERE / "households-fixed.xlsx",
          [tuple(FIXES.get(c, c) if isinstance(c, str) else c for c in r) for r in HOUSEHOLDS])
    write(HERE / "warnings.xlsx", WARNINGS)
    print("examples/households.xlsx, households-fixed.xlsx, warnings.xlsx")

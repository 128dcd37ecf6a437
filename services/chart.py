"""Attendance chart (PNG) for a team's month, drawn with matplotlib's Agg backend.

Chinese labels need a CJK font. CI machines and many servers have none
(`fc-list :lang=zh` is empty) and installing one is not reliable there, so the chart
looks for a known CJK font and, failing that, writes names in pinyin (pypinyin) with
ASCII titles; `ChartResult.cjk` says which, and the bot tells the user.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Noto Serif CJK SC", "Source Han Sans SC",
                "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                "Droid Sans Fallback", "SimHei", "Microsoft YaHei", "PingFang SC",
                "AR PL UMing CN", "AR PL UKai CN", "Heiti SC", "STHeiti")


@dataclass(frozen=True)
class ChartRow:
    name: str
    days: int
    required: int
    leave: float = 0.0


@dataclass(frozen=True)
class ChartText:
    """The chart's words, from the feature's catalogue: with a CJK font, and the ASCII
    fallback used when the server has none."""

    title: str
    xlabel: str
    ascii_title: str
    ascii_xlabel: str


@dataclass(frozen=True)
class ChartResult:
    path: Path
    cjk: bool


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family matplotlib knows, or None. The font shipped
    with the mplfonts package is registered first, so there always is one."""
    from matplotlib import font_manager

    from services.fonts import register_with_matplotlib

    register_with_matplotlib()
    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((fam for fam in CJK_FAMILIES if fam in installed), None)


def ascii_name(name: str) -> str:
    from pypinyin import lazy_pinyin

    parts = lazy_pinyin(name)  # surname first, given name joined: 张驻村 -> Zhang Zhucun
    if len(parts) < 2:
        return parts[0].capitalize() if parts else name
    return f"{parts[0].capitalize()} {''.join(parts[1:]).capitalize()}"


def attendance_chart(rows: list[ChartRow], text: ChartText, path: Path,
                     font: str | None = "auto") -> ChartResult:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    family = cjk_font() if font == "auto" else font
    names = [r.name if family else ascii_name(r.name) for r in rows]
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.6 * max(1, len(rows))), dpi=110)
    try:
        if family:
            plt.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
            plt.rcParams["axes.unicode_minus"] = False
        ys = list(range(len(rows)))[::-1]
        colors = ["#2e7d32" if r.days >= r.required else "#ef6c00" for r in rows]
        ax.barh(ys, [r.days for r in rows], color=colors, height=0.55)
        for y, r in zip(ys, rows, strict=True):
            ax.plot([r.required, r.required], [y - 0.35, y + 0.35], color="#c62828", lw=2)
            ax.text(r.days + 0.2, y, f"{r.days}/{r.required}", va="center", fontsize=9)
        ax.set_yticks(ys, names)
        top = max([r.required for r in rows] + [r.days for r in rows] + [5])
        ax.set_xlim(0, top + 3)
        ax.set_title(text.title if family else text.ascii_title)
        ax.set_xlabel(text.xlabel if family else text.ascii_xlabel)
        fig.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, format="png")
    finally:
        plt.close(fig)
    return ChartResult(path, family is not None)

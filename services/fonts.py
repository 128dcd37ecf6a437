"""The CJK font shipped through a package, so Chinese labels never fall back to pinyin.

The font is Noto Sans CJK SC (SIL Open Font License) from the `mplfonts` package on
PyPI: a maintained, widely used wheel whose purpose is to carry CJK fonts for
matplotlib, installed by pip like any dependency (no system package, no download at run
time). Charts drawn by matplotlib register it here; the workspace serves the same file
to browsers that have no Chinese font of their own.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FAMILY = "Noto Sans CJK SC"
FILE = "NotoSansCJKsc-Regular.otf"


@lru_cache(maxsize=1)
def cjk_font_path() -> Path | None:
    try:
        import mplfonts
    except ImportError:  # pragma: no cover - a dependency; absent only in a broken install
        return None
    path = Path(mplfonts.__file__).parent / "fonts" / FILE
    return path if path.is_file() else None


@lru_cache(maxsize=1)
def register_with_matplotlib() -> str | None:
    """Add the packaged font to matplotlib's font list; its family name, or None."""
    path = cjk_font_path()
    if path is None:
        return None
    from matplotlib import font_manager

    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()

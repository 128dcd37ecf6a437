"""Panels other features add to the person page (households visited, tasks, projects...).

    from web.panels import person_panel

    @person_panel(order=50)
    def my_panel(session, member, period, viewer) -> Panel | None:
        return Panel(title="走访农户", html=Markup(...))   # escape what users wrote

A panel gets the cadre whose page it is (already checked against the viewer's scope),
the month and year being looked at (`period.year`, `period.month`, `period.today`) and
the viewer (for what they may do); it returns None to stay hidden. The module that
registers is listed in PANEL_PROVIDERS so the page imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module

from markupsafe import Markup
from sqlalchemy.orm import Session

from services.workspace.figures import Period
from services.workspace.scope import Viewer
from storage.models import Member


@dataclass(frozen=True)
class Panel:
    title: str
    html: Markup


PanelFn = Callable[[Session, Member, Period, Viewer], Panel | None]
PANEL_PROVIDERS: list[str] = []
_PANELS: list[tuple[int, str, PanelFn]] = []


def person_panel(order: int = 100) -> Callable[[PanelFn], PanelFn]:
    def wrap(fn: PanelFn) -> PanelFn:
        key = f"{fn.__module__}.{fn.__qualname__}"
        _PANELS[:] = [p for p in _PANELS if p[1] != key]  # re-import replaces
        _PANELS.append((order, key, fn))
        _PANELS.sort(key=lambda p: (p[0], p[1]))
        return fn
    return wrap


def render_panels(session: Session, member: Member, period: Period, viewer: Viewer) -> list[Panel]:
    for mod in PANEL_PROVIDERS:
        import_module(mod)
    out = []
    for _, _, fn in _PANELS:
        panel = fn(session, member, period, viewer)
        if panel is not None:
            out.append(panel)
    return out

"""Charts drawn as inline SVG on the server: people look at them rather than read them.

SVG rather than PNG so a page of 1,319 teams renders in milliseconds, stays sharp on a
phone and needs no script. Text in the charts is drawn by the browser with the page's
fonts, which end with the CJK font shipped by the mplfonts package (served at
/static/cjk.otf), so Chinese labels never fall back to boxes or pinyin.
Every label is escaped: names come from users.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from markupsafe import Markup, escape

GOOD, LATE, LEAVE, NONE, LINE = "#2e7d32", "#ef6c00", "#1565c0", "#e0e0e0", "#c62828"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    target: int
    href: str | None = None


def bars(rows: Sequence[Bar], unit: str, legend: str) -> Markup:
    """Horizontal bars, one per person, value against their own target (a red tick):
    green when the target is met, orange when not."""
    if not rows:
        return Markup("")
    width, left, row_h = 640, 150, 26
    top = max([r.target for r in rows] + [r.value for r in rows] + [1])
    scale = (width - left - 60) / top
    h = row_h * len(rows) + 24
    parts = [f'<svg class="chart" viewBox="0 0 {width} {h}" role="img" '
             f'aria-label="{escape(legend)}">']
    for i, r in enumerate(rows):
        y = 8 + i * row_h
        color = GOOD if r.value >= r.target else LATE
        label = escape(r.label if len(r.label) <= 10 else r.label[:9] + "…")
        text = f'<text x="{left - 8}" y="{y + 14}" text-anchor="end">{label}</text>'
        if r.href:
            text = f'<a href="{escape(r.href)}">{text}</a>'
        parts.append(text)
        parts.append(f'<rect x="{left}" y="{y}" width="{max(1.5, r.value * scale):.1f}" '
                     f'height="18" fill="{color}" rx="2"/>')
        tx = left + r.target * scale
        parts.append(f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{y - 3}" y2="{y + 21}" '
                     f'stroke="{LINE}" stroke-width="2"/>')
        parts.append(f'<text x="{left + max(r.value, r.target) * scale + 6:.1f}" y="{y + 14}">'
                     f'{r.value}/{r.target}{escape(unit)}</text>')
    parts.append(f'<text x="{left}" y="{h - 4}" class="legend">{escape(legend)}</text></svg>')
    return Markup("".join(parts))


@dataclass(frozen=True)
class Split:
    label: str
    good: int
    late: int
    href: str | None = None


def splits(rows: Sequence[Split], good_label: str, late_label: str) -> Markup:
    """One bar per township or team: how many people are on pace (green) and how many are
    behind (orange). Counts of people, in the order given (by name), not a ranking."""
    if not rows:
        return Markup("")
    width, left, row_h = 640, 150, 24
    top = max(r.good + r.late for r in rows) or 1
    scale = (width - left - 70) / top
    h = row_h * len(rows) + 30
    parts = [f'<svg class="chart" viewBox="0 0 {width} {h}" role="img" '
             f'aria-label="{escape(good_label)}">']
    for i, r in enumerate(rows):
        y = 6 + i * row_h
        label = escape(r.label if len(r.label) <= 10 else r.label[:9] + "…")
        text = f'<text x="{left - 8}" y="{y + 13}" text-anchor="end">{label}</text>'
        parts.append(f'<a href="{escape(r.href)}">{text}</a>' if r.href else text)
        gw, lw = r.good * scale, r.late * scale
        parts.append(f'<rect x="{left}" y="{y}" width="{gw:.1f}" height="16" fill="{GOOD}"/>')
        parts.append(f'<rect x="{left + gw:.1f}" y="{y}" width="{lw:.1f}" height="16" '
                     f'fill="{LATE}"/>')
        parts.append(f'<text x="{left + gw + lw + 6:.1f}" y="{y + 13}">{r.good}+{r.late}</text>')
    y = h - 8
    parts.append(f'<rect x="{left}" y="{y - 9}" width="10" height="10" fill="{GOOD}"/>'
                 f'<text x="{left + 14}" y="{y}" class="legend">{escape(good_label)}</text>'
                 f'<rect x="{left + 170}" y="{y - 9}" width="10" height="10" fill="{LATE}"/>'
                 f'<text x="{left + 184}" y="{y}" class="legend">{escape(late_label)}</text></svg>')
    return Markup("".join(parts))


def months(values: Sequence[int], target: int, month_names: Sequence[str], legend: str) -> Markup:
    """Twelve columns (days in the village each month) against the monthly quota."""
    width, h, base, left = 640, 170, 140, 30
    top = max(list(values) + [target, 1])
    scale = (base - 20) / top
    col = (width - left) / 12
    parts = [f'<svg class="chart" viewBox="0 0 {width} {h}" role="img" '
             f'aria-label="{escape(legend)}">']
    for i, v in enumerate(values):
        x = left + i * col + 6
        bh = v * scale
        color = GOOD if v >= target else (LATE if v else NONE)
        parts.append(f'<rect x="{x:.1f}" y="{base - bh:.1f}" width="{col - 12:.1f}" '
                     f'height="{max(bh, 1):.1f}" fill="{color}" rx="2"/>')
        if v:
            parts.append(f'<text x="{x + (col - 12) / 2:.1f}" y="{base - bh - 4:.1f}" '
                         f'text-anchor="middle">{v}</text>')
        parts.append(f'<text x="{x + (col - 12) / 2:.1f}" y="{base + 16}" '
                     f'text-anchor="middle" class="legend">{escape(month_names[i])}</text>')
    ty = base - target * scale
    parts.append(f'<line x1="{left}" x2="{width}" y1="{ty:.1f}" y2="{ty:.1f}" stroke="{LINE}" '
                 f'stroke-dasharray="4 3"/>')
    parts.append(f'<text x="2" y="{ty + 4:.1f}" class="legend">{target}</text></svg>')
    return Markup("".join(parts))


@dataclass(frozen=True)
class CalRow:
    label: str
    days: dict[date, str]  # day -> "in" | "out" | "leave" | "half" | "" ; missing = nothing
    href: str | None = None


def calendar(rows: Sequence[CalRow], first: date, last: date, legend: dict[str, str]) -> Markup:
    """People × days of the month: a square per day, coloured by what the records show."""
    n = (last - first).days + 1
    cell, left = 17, 110
    width = left + n * cell + 4
    h = 22 + len(rows) * cell + 28
    fill = {"in": GOOD, "out": "#ffcc80", "leave": LEAVE, "half": "#90caf9"}
    parts = [f'<svg class="chart cal" viewBox="0 0 {width} {h}" role="img" '
             f'aria-label="{escape(" ".join(legend.values()))}">']
    for k in range(n):
        d = first + timedelta(days=k)
        weekend = ' class="legend wk"' if d.weekday() >= 5 else ' class="legend"'
        parts.append(f'<text x="{left + k * cell + cell / 2:.1f}" y="14" text-anchor="middle"'
                     f'{weekend}>{d.day}</text>')
    for i, r in enumerate(rows):
        y = 20 + i * cell
        label = escape(r.label if len(r.label) <= 7 else r.label[:6] + "…")
        text = f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{label}</text>'
        parts.append(f'<a href="{escape(r.href)}">{text}</a>' if r.href else text)
        for k in range(n):
            d = first + timedelta(days=k)
            color = fill.get(r.days.get(d, ""), "#f1f1f1")
            parts.append(f'<rect x="{left + k * cell + 1}" y="{y + 1}" width="{cell - 3}" '
                         f'height="{cell - 3}" fill="{color}" rx="2"><title>{d.isoformat()}'
                         f'</title></rect>')
    y = h - 10
    x = left
    for key, text in legend.items():
        parts.append(f'<rect x="{x}" y="{y - 10}" width="11" height="11" '
                     f'fill="{fill.get(key, "#f1f1f1")}"/><text x="{x + 15}" y="{y}" '
                     f'class="legend">{escape(text)}</text>')
        x += 30 + 13 * len(text)
    parts.append("</svg>")
    return Markup("".join(parts))


def day_kind(in_village: bool, outside_only: bool, leave: Decimal) -> str:
    if in_village:
        return "in"
    if leave >= 1:
        return "leave"
    if leave > 0:
        return "half"
    return "out" if outside_only else ""


@dataclass(frozen=True)
class Point:
    lat: float
    lon: float
    inside: bool
    title: str


def village_map(centre: tuple[float, float] | None, radius_m: int, points: Sequence[Point],
                scale_label: str, empty: str, north: str, km: str) -> Markup:
    """A plain map of the village: the geofence circle, check-ins as dots (green inside,
    orange outside), a scale bar and north up. No map tiles: nothing leaves the server."""
    if centre is None:
        return Markup(f'<p class="muted">{escape(empty)}</p>')
    lat0, lon0 = centre
    size, pad = 320, 20
    far = max([radius_m * 1.25] + [_metres(lat0, lon0, p.lat, p.lon) * 1.1 for p in points])
    far = min(far, radius_m * 6)
    scale = (size / 2 - pad) / far  # px per metre
    c = size / 2
    parts = [f'<svg class="map" viewBox="0 0 {size} {size}" role="img" '
             f'aria-label="{escape(scale_label)}">',
             f'<rect width="{size}" height="{size}" fill="#f7f9f4"/>',
             f'<circle cx="{c}" cy="{c}" r="{radius_m * scale:.1f}" fill="#e8f5e9" '
             f'stroke="{GOOD}" stroke-dasharray="5 3"/>',
             f'<path d="M{c - 5} {c}h10M{c} {c - 5}v10" stroke="#555"/>',
             f'<text x="{size - 16}" y="22" text-anchor="middle">{escape(north)}</text>',
             f'<path d="M{size - 16} 26l-5 10h10z" fill="#555"/>']
    for p in points:
        dx, dy = _offset(lat0, lon0, p.lat, p.lon)
        x = max(4, min(size - 4, c + dx * scale))
        y = max(4, min(size - 4, c - dy * scale))
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{GOOD if p.inside else LATE}" '
                     f'stroke="#fff"><title>{escape(p.title)}</title></circle>')
    bar_m = _nice(far / 2)
    bw = bar_m * scale
    parts.append(f'<path d="M{pad} {size - 14}h{bw:.1f}" stroke="#333" stroke-width="3"/>'
                 f'<text x="{pad}" y="{size - 20}" class="legend">'
                 f'{bar_m / 1000:g} {escape(km)} · {escape(scale_label)}</text></svg>')
    return Markup("".join(parts))


def _offset(lat0: float, lon0: float, lat: float, lon: float) -> tuple[float, float]:
    """Metres east and north of the centre (equirectangular: fine within a few km)."""
    r = 6_371_000
    return (math.radians(lon - lon0) * r * math.cos(math.radians(lat0)),
            math.radians(lat - lat0) * r)


def _metres(lat0: float, lon0: float, lat: float, lon: float) -> float:
    dx, dy = _offset(lat0, lon0, lat, lon)
    return math.hypot(dx, dy)


def _nice(m: float) -> float:
    for step in (100, 200, 500, 1000, 2000, 5000, 10000):
        if step >= m * 0.6:
            return step
    return 20000

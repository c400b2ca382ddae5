"""The clinician's plot: PHQ-9 and GAD-7 scores across a course of treatment against the dosing
dates, as a server-rendered SVG (no chart library, no JavaScript, prints and zooms cleanly).

Both scores share one 0-27 axis with the PHQ-9 severity bands (5/10/15/20) as guides; each point
carries a <title> with its value and date, and the figure a text description for screen readers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe, SafeString

from scheduling import timeutils

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 28, 52
Y_MAX = 27
BAND_GUIDES = (5, 10, 15, 20)
MIN_TICK_GAP = 56  # px between the centres of two date labels
PHQ9_COLOR, GAD7_COLOR, DOSE_COLOR = "#1f4e8c", "#b3541e", "#7a9cc6"


@dataclass(frozen=True)
class Point:
    at: dt.datetime
    score: int
    label: str  # e.g. "PHQ-9 14 (moderate)"


def _day(at: dt.datetime, zone_name: str) -> str:
    local = timeutils.to_local(at, timeutils.zone(zone_name))
    return f"{local:%b} {local.day}"


class _Scale:
    def __init__(self, instants: list[dt.datetime]):
        first, last = min(instants), max(instants)
        pad = max((last - first) * 0.05, dt.timedelta(days=1))
        self.start, self.end = first - pad, last + pad
        self.span = (self.end - self.start).total_seconds()

    def x(self, at: dt.datetime) -> float:
        return LEFT + (WIDTH - LEFT - RIGHT) * (at - self.start).total_seconds() / self.span

    @staticmethod
    def y(score: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - score / Y_MAX)


def _series(points: list[Point], scale: _Scale, *, color: str, dashed: bool, square: bool, zone_name: str) -> list[str]:
    if not points:
        return []
    coords = [(scale.x(p.at), scale.y(p.score)) for p in points]
    dash = ' stroke-dasharray="6 4"' if dashed else ""
    parts = [f'<polyline fill="none" stroke="{color}" stroke-width="2"{dash} '
             f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}"/>']
    for point, (x, y) in zip(points, coords, strict=True):
        title = f"<title>{escape(point.label)} on {escape(_day(point.at, zone_name))}</title>"
        if square:
            parts.append(f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{color}">{title}</rect>')
        else:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{color}">{title}</circle>')
    return parts


def _day_ticks(instants: list[dt.datetime], scale: _Scale, zone_name: str) -> list[tuple[float, str]]:
    """One label per local day that has a point or a dose, left to right, skipping any that would
    touch the one before (a dose late at night and a check-in next morning)."""
    ticks: list[tuple[float, str]] = []
    for at in instants:
        x, label = scale.x(at), _day(at, zone_name)
        if not ticks or (label != ticks[-1][1] and x - ticks[-1][0] >= MIN_TICK_GAP):
            ticks.append((x, label))
    return ticks


def _describe(phq9: list[Point], gad7: list[Point], doses: list[dt.datetime]) -> str:
    def trend(name: str, points: list[Point]) -> str:
        if not points:
            return f"no {name} answers"
        if len(points) == 1:
            return f"{name} {points[0].score} once"
        return f"{name} from {points[0].score} to {points[-1].score} over {len(points)} check-ins"

    return f"{trend('PHQ-9', phq9)}; {trend('GAD-7', gad7)}; {len(doses)} dosing visits."


def scores_svg(*, phq9: list[Point], gad7: list[Point], doses: list[dt.datetime], zone_name: str) -> SafeString:
    """The figure, or an empty string when there is no score to plot."""
    if not phq9 and not gad7:
        return mark_safe("")  # nosec B308 - an empty string
    scale = _Scale([p.at for p in phq9 + gad7] + list(doses))
    bottom, right = HEIGHT - BOTTOM, WIDTH - RIGHT
    description = _describe(phq9, gad7, doses)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             'aria-labelledby="scores-title scores-desc" class="scores-chart" font-family="system-ui, sans-serif" '
             'font-size="12">',
             '<title id="scores-title">PHQ-9 and GAD-7 scores against dosing dates</title>',
             f'<desc id="scores-desc">{escape(description)}</desc>',
             f'<rect x="{LEFT}" y="{TOP}" width="{right - LEFT}" height="{bottom - TOP}" fill="#fff" stroke="#999"/>']
    for guide in BAND_GUIDES:
        y = scale.y(guide)
        parts.append(f'<line x1="{LEFT}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd" stroke-dasharray="2 3"/>')
    for tick in (0, *BAND_GUIDES, Y_MAX):
        parts.append(f'<text x="{LEFT - 6}" y="{scale.y(tick) + 4:.1f}" text-anchor="end" fill="#333">{tick}</text>')
    for index, at in enumerate(doses, start=1):
        x = scale.x(at)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{bottom}" stroke="{DOSE_COLOR}" '
                     f'stroke-width="1.5"><title>Dosing visit {index} on {escape(_day(at, zone_name))}</title></line>')
        parts.append(f'<path d="M{x - 5:.1f},{bottom + 9} L{x + 5:.1f},{bottom + 9} L{x:.1f},{bottom + 1} Z" '
                     f'fill="{DOSE_COLOR}"/>')
    for x, label in _day_ticks(sorted({p.at for p in phq9 + gad7} | set(doses)), scale, zone_name):
        parts.append(f'<text x="{x:.1f}" y="{bottom + 24}" text-anchor="middle" fill="#333">{escape(label)}</text>')
    parts += _series(phq9, scale, color=PHQ9_COLOR, dashed=False, square=False, zone_name=zone_name)
    parts += _series(gad7, scale, color=GAD7_COLOR, dashed=True, square=True, zone_name=zone_name)
    legend_y = HEIGHT - 10
    parts += [f'<circle cx="{LEFT + 6}" cy="{legend_y - 4}" r="4.5" fill="{PHQ9_COLOR}"/>',
              f'<text x="{LEFT + 16}" y="{legend_y}">PHQ-9</text>',
              f'<rect x="{LEFT + 76}" y="{legend_y - 8}" width="8" height="8" fill="{GAD7_COLOR}"/>',
              f'<text x="{LEFT + 90}" y="{legend_y}">GAD-7</text>',
              f'<path d="M{LEFT + 150},{legend_y} L{LEFT + 160},{legend_y} L{LEFT + 155},{legend_y - 8} Z" '
              f'fill="{DOSE_COLOR}"/>',
              f'<text x="{LEFT + 166}" y="{legend_y}">Dosing visit</text>',
              "</svg>"]
    return mark_safe("".join(parts))  # nosec B308 B703 - numbers and constants; every text is escape()d above

"""The clinician's plot: PHQ-9 and GAD-7 scores across a course of treatment against the dosing
visits, as server-rendered SVG (no chart library, no JavaScript, prints and zooms cleanly).

One panel per questionnaire, each on its own scale with its severity bands shaded and named
(PHQ-9: 5, 10, 15, 20; GAD-7: 5, 10, 15), the response line (half the first score, a 50% drop
from baseline) and for the PHQ-9 the remission line (under 5), the first check-in reaching each
marked, and every dosing visit as a mark on the time axis. Each panel is drawn twice, for a wide
screen and for a phone, so its labels read at 12 px or more on both (a 720-unit figure shrunk to
a 390 px phone draws 12-unit text 6 px high); the page shows one. The same numbers come as a
table (`score_table`) for screen readers and for anyone who prefers one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import mark_safe, SafeString

from checkins import selectors
from checkins.questionnaires import gad7_band, GAD7_BANDS, GAD7_MAX, phq9_band, PHQ9_BANDS, PHQ9_MAX
from scheduling import timeutils

PHQ9_COLOR, GAD7_COLOR, DOSE_COLOR, GUIDE_COLOR = "#1f4e8c", "#9a4510", "#5a6b80", "#1d6b35"
BAND_FILLS = ("#ffffff", "#f6f7ec", "#fbf1df", "#fbe6da", "#f8dcdc")
REMISSION_BELOW = 5  # PHQ-9 remission: a score under 5


@dataclass(frozen=True)
class Point:
    at: dt.datetime
    score: int
    label: str  # e.g. "PHQ-9 14 (moderate)"


@dataclass(frozen=True)
class Measure:
    name: str
    maximum: int
    bands: tuple  # questionnaires.Band
    color: str
    remission_below: int | None


PHQ9 = Measure("PHQ-9", PHQ9_MAX, PHQ9_BANDS, PHQ9_COLOR, REMISSION_BELOW)
GAD7 = Measure("GAD-7", GAD7_MAX, GAD7_BANDS, GAD7_COLOR, None)


@dataclass(frozen=True)
class Size:
    name: str  # "wide" | "narrow"
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    font: int
    tick_gap: int  # least distance between two date labels' centres
    band_names: bool  # name the bands inside the plot


WIDE = Size("wide", 720, 280, 48, 150, 16, 44, 13, 64, True)
NARROW = Size("narrow", 360, 260, 34, 12, 16, 44, 13, 72, False)


@dataclass(frozen=True)
class Outcome:
    """Response: a score at or under half the first (baseline) one; remission: under the line."""

    baseline: int | None
    response_at: int | None  # index in the points of the first check-in that responds
    remission_at: int | None

    @property
    def response_line(self) -> float | None:
        return self.baseline / 2 if self.baseline else None


def outcome(points: list[Point], measure: Measure) -> Outcome:
    if not points:
        return Outcome(None, None, None)
    baseline = points[0].score
    response = next((n for n, p in enumerate(points[1:], start=1) if baseline and p.score <= baseline / 2), None)
    remission = None
    if measure.remission_below is not None:
        remission = next((n for n, p in enumerate(points[1:], start=1) if p.score < measure.remission_below), None)
    return Outcome(baseline, response, remission)


def _day(at: dt.datetime, zone_name: str) -> str:
    local = timeutils.to_local(at, timeutils.zone(zone_name))
    return f"{local:%b} {local.day}"


class _Scale:
    def __init__(self, instants: list[dt.datetime], size: Size, maximum: int):
        first, last = min(instants), max(instants)
        pad = max((last - first) * 0.05, dt.timedelta(days=1))
        self.start, self.end = first - pad, last + pad
        self.span = (self.end - self.start).total_seconds()
        self.size, self.maximum = size, maximum

    def x(self, at: dt.datetime) -> float:
        s = self.size
        return s.left + (s.width - s.left - s.right) * (at - self.start).total_seconds() / self.span

    def y(self, score: float) -> float:
        s = self.size
        return s.top + (s.height - s.top - s.bottom) * (1 - score / self.maximum)


def _text(x: float, y: float, text: str, *, anchor: str = "start", fill: str = "#222", weight: str = "") -> str:
    bold = ' font-weight="600"' if weight else ""
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}"{bold}>{escape(text)}</text>'


def _day_ticks(instants: list[dt.datetime], scale: _Scale, zone_name: str) -> list[tuple[float, str]]:
    """One label per local day that has a point or a dose, left to right, skipping any that would
    touch the one before."""
    ticks: list[tuple[float, str]] = []
    for at in instants:
        x, label = scale.x(at), _day(at, zone_name)
        if not ticks or (label != ticks[-1][1] and x - ticks[-1][0] >= scale.size.tick_gap):
            ticks.append((x, label))
    return ticks


def describe(measure: Measure, points: list[Point], doses: list[dt.datetime], result: Outcome) -> str:
    if not points:
        return f"No {measure.name} answers yet."
    first, last = points[0], points[-1]
    text = (f"{measure.name} from {first.score} ({first.label.split('(')[-1].rstrip(')')}) to {last.score} "
            f"({last.label.split('(')[-1].rstrip(')')}) over {len(points)} check-ins; {len(doses)} dosing visits.")
    if result.response_at is not None:
        text += f" Response (50% drop from {result.baseline}) at check-in {result.response_at + 1}."
    if result.remission_at is not None:
        text += f" Remission (under {measure.remission_below}) at check-in {result.remission_at + 1}."
    return text


def panel_svg(measure: Measure, points: list[Point], doses: list[dt.datetime], *, zone_name: str,
              size: Size = WIDE) -> SafeString:
    """One questionnaire's panel, or an empty string when it has no score."""
    if not points:
        return mark_safe("")  # nosec B308 - an empty string
    scale = _Scale([p.at for p in points] + list(doses), size, measure.maximum)
    result = outcome(points, measure)
    left, right, top, bottom = size.left, size.width - size.right, size.top, size.height - size.bottom
    key = f"{measure.name.lower().replace('-', '')}-{size.name}"
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size.width} {size.height}" role="img" '
             f'aria-labelledby="{key}-title {key}-desc" class="scores-chart chart-{size.name}" '
             f'font-family="system-ui, sans-serif" font-size="{size.font}">',
             f'<title id="{key}-title">{measure.name} scores against dosing visits</title>',
             f'<desc id="{key}-desc">{escape(describe(measure, points, doses, result))}</desc>']
    bounds = [band.lowest for band in measure.bands] + [measure.maximum]
    for n, band in enumerate(measure.bands):
        y_hi, y_lo = scale.y(bounds[n + 1]), scale.y(band.lowest)
        parts.append(f'<rect x="{left}" y="{y_hi:.1f}" width="{right - left}" height="{y_lo - y_hi:.1f}" '
                     f'fill="{BAND_FILLS[n % len(BAND_FILLS)]}"/>')
        if size.band_names:
            parts.append(_text(right + 6, (y_hi + y_lo) / 2 + size.font / 3, band.label, fill="#444"))
    parts.append(f'<rect x="{left}" y="{top}" width="{right - left}" height="{bottom - top}" fill="none" stroke="#888"/>')
    for tick in [band.lowest for band in measure.bands] + [measure.maximum]:
        parts.append(_text(left - 6, scale.y(tick) + size.font / 3, str(tick), anchor="end"))
    if result.response_line:
        y = scale.y(result.response_line)
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GUIDE_COLOR}" '
                     'stroke-width="1.5" stroke-dasharray="6 4"/>')
        parts.append(_text(left + 4, y - 4, f"Response ≤ {result.response_line:g}", fill=GUIDE_COLOR, weight="b"))
    if measure.remission_below is not None:
        y = scale.y(measure.remission_below)
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GUIDE_COLOR}" '
                     'stroke-width="1.5"/>')
        parts.append(_text(left + 4, y - 4, f"Remission < {measure.remission_below}", fill=GUIDE_COLOR, weight="b"))
    for index, at in enumerate(doses, start=1):
        x = scale.x(at)
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="{DOSE_COLOR}" '
                     f'stroke-width="1" stroke-dasharray="2 3"/>')
        parts.append(f'<path d="M{x - 6:.1f},{bottom + 11} L{x + 6:.1f},{bottom + 11} L{x:.1f},{bottom + 1} Z" '
                     f'fill="{DOSE_COLOR}"><title>Dosing visit {index} on {escape(_day(at, zone_name))}</title></path>')
    for x, label in _day_ticks(sorted({p.at for p in points} | set(doses)), scale, zone_name):
        parts.append(_text(x, bottom + 11 + size.font + 4, label, anchor="middle"))
    coords = [(scale.x(p.at), scale.y(p.score)) for p in points]
    parts.append(f'<polyline fill="none" stroke="{measure.color}" stroke-width="2.5" '
                 f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in coords)}"/>')
    for n, (point, (x, y)) in enumerate(zip(points, coords, strict=True)):
        title = f"<title>{escape(point.label)} on {escape(_day(point.at, zone_name))}</title>"
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{measure.color}">{title}</circle>')
        marks = [word for word, at in (("Response", result.response_at), ("Remission", result.remission_at)) if at == n]
        if marks:
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="9" fill="none" stroke="{GUIDE_COLOR}" stroke-width="2"/>')
            anchor = "end" if x > (left + right) / 2 else "start"
            below = y + 9 + size.font + 2 <= bottom  # under the ring, clear of the lines' labels above it
            parts.append(_text(x + (-6 if anchor == "end" else 6), y + 9 + size.font if below else y - 12,
                               " & ".join(marks), anchor=anchor, fill=GUIDE_COLOR, weight="b"))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # nosec B308 B703 - numbers and constants; every text is escape()d


def _points(checkins, attribute: str, name: str, band) -> list[Point]:
    points = []
    for checkin in checkins:
        answers = getattr(checkin, "answers", None)
        score = getattr(answers, attribute, None) if answers is not None else None
        if score is not None and checkin.answered_at is not None:
            points.append(Point(at=checkin.answered_at, score=score, label=f"{name} {score} ({band(score)})"))
    return points


def score_table(phq9: list[Point], gad7: list[Point], doses: list[dt.datetime], zone_name: str) -> list[dict]:
    """Every check-in score and dosing visit in time order, as table rows ("day", "what", "phq9",
    "gad7", "notes": a dosing visit, and the baseline, response and remission where first reached)."""
    phq9_result, gad7_result = outcome(phq9, PHQ9), outcome(gad7, GAD7)
    rows: dict[dt.datetime, dict] = {}
    for at in doses:
        rows.setdefault(at, {"at": at, "what": "Dosing visit", "phq9": "", "gad7": "", "notes": []})
    for measure, points, result, key in ((PHQ9, phq9, phq9_result, "phq9"), (GAD7, gad7, gad7_result, "gad7")):
        for n, point in enumerate(points):
            row = rows.setdefault(point.at, {"at": point.at, "what": "Check-in", "phq9": "", "gad7": "", "notes": []})
            row[key] = point.label.removeprefix(f"{measure.name} ")
            if n == 0:
                row["notes"].append(f"{measure.name} baseline")
            if result.response_at == n:
                row["notes"].append(f"{measure.name} response")
            if result.remission_at == n:
                row["notes"].append(f"{measure.name} remission")
    return [{**row, "day": _day(row["at"], zone_name),
             "notes": ", ".join(([row["what"]] if row["what"] != "Check-in" else []) + row["notes"])}
            for _, row in sorted(rows.items(), key=lambda item: item[0])]


def patient_chart(*, patient, user) -> dict:
    """What a page needs to show the patient's chart: per questionnaire the wide and the phone
    panel and a summary, the table, the dosing days. NotFound when `user` may not see them."""
    checkins = selectors.patient_checkins(patient_id=patient.pk, user=user)
    doses = [visit.start for visit in selectors.dosing_visits(patient_id=patient.pk, user=user)]
    zone = patient.time_zone
    phq9 = _points(checkins, "phq9_score", "PHQ-9", phq9_band)
    gad7 = _points(checkins, "gad7_score", "GAD-7", gad7_band)
    panels = [{"measure": measure, "wide": panel_svg(measure, points, doses, zone_name=zone, size=WIDE),
               "narrow": panel_svg(measure, points, doses, zone_name=zone, size=NARROW),
               "summary": describe(measure, points, doses, outcome(points, measure))}
              for measure, points in ((PHQ9, phq9), (GAD7, gad7)) if points]
    return {"panels": panels, "score_rows": score_table(phq9, gad7, doses, zone), "checkins": checkins,
            "dose_days": [_day(at, zone) for at in doses]}

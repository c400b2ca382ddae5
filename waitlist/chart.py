"""The weekly report's plot as server-rendered SVG (no chart library, no JavaScript): per week,
minutes freed (grey) beside minutes refilled from the waitlist (green), on one scale, each bar
labelled with its value. The page shows the same numbers as a table."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import mark_safe, SafeString

FREED_COLOR, REFILLED_COLOR, AXIS_COLOR = "#8a94a3", "#1d6b35", "#5a6b80"
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 300, 56, 48, 36


def _nice_max(value: int) -> int:
    for step in (60, 120, 300, 600, 1200, 3000, 6000, 12000, 30000, 60000):
        if value <= step * 5:
            return max(step, -(-value // step) * step)
    return value


def weekly_svg(weeks) -> SafeString:
    top = _nice_max(max([w.minutes_freed for w in weeks] + [1]))
    plot_h, plot_w = HEIGHT - BOTTOM - TOP, WIDTH - LEFT - 16
    slot = plot_w / max(len(weeks), 1)
    bar = min(28.0, slot / 3)
    parts = [
        f'<svg class="waitlist-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" '
        'xmlns="http://www.w3.org/2000/svg" font-family="system-ui, sans-serif" font-size="12">',
        '<title id="chart-title">Minutes freed and minutes refilled from the waitlist, per week</title>',
        f'<rect x="{LEFT}" y="8" width="12" height="12" fill="{FREED_COLOR}"/>'
        f'<text x="{LEFT + 18}" y="18">Minutes freed</text>'
        f'<rect x="{LEFT + 130}" y="8" width="12" height="12" fill="{REFILLED_COLOR}"/>'
        f'<text x="{LEFT + 148}" y="18">Minutes refilled from the waitlist</text>',
    ]
    for tick in range(5):
        value = top * tick // 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - 16}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e3e6ea"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{AXIS_COLOR}">{value}</text>'
        )
    for index, week in enumerate(weeks):
        x = LEFT + slot * index + slot / 2
        for offset, value, color in (
            (-bar - 1, week.minutes_freed, FREED_COLOR),
            (1, week.minutes_refilled, REFILLED_COLOR),
        ):
            h = plot_h * value / top
            y = TOP + plot_h - h
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{color}">'
                f"<title>{value} minutes</title></rect>"
            )
            if value:
                parts.append(
                    f'<text x="{x + offset + bar / 2:.1f}" y="{y - 4:.1f}" text-anchor="middle">{value}</text>'
                )
        label = escape(week.starts_on.strftime("%b %-d"))
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 18}" text-anchor="middle" fill="{AXIS_COLOR}">{label}</text>'
        )
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - 16}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="{AXIS_COLOR}"/>')
    parts.append(f'<text x="{LEFT}" y="{HEIGHT - 8}" fill="{AXIS_COLOR}">Weeks starting (Monday)</text></svg>')
    return mark_safe("".join(parts))  # noqa: S308 - built from numbers and escaped labels only

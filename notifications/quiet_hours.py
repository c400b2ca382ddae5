"""When a text may reach a patient: the texting window in the patient's own zone (8:00-21:00 by
default, stricter in some states) and the patient's local days for frequency limits.

The wall-clock arithmetic (DST gaps and folds) is scheduling.timeutils'; this module only says
which window applies to whom.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scheduling import timeutils


@dataclass(frozen=True)
class Window:
    start: dt.time
    end: dt.time
    time_zone: str

    def describe(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M} {self.time_zone}"

    def describe_outside(self) -> str:
        """Why a text waits: said of the allowed window, never calling it "quiet hours"."""
        return f"outside the texting window ({self.describe()})"


def window_for(*, patient, policy) -> Window:
    """The texting window for this patient: the state's rule if it has one, else the clinic's."""
    override = (policy.quiet_hours_by_state or {}).get(patient.state or "")
    if override:
        start, end = (dt.time.fromisoformat(part) for part in override)
    else:
        start, end = policy.quiet_start, policy.quiet_end
    return Window(start=start, end=end, time_zone=patient.time_zone or "UTC")


def next_allowed(instant: dt.datetime, window: Window) -> dt.datetime:
    """`instant` if it falls inside the window, else the next time the window opens."""
    tz = timeutils.zone(window.time_zone)
    day = timeutils.local_date(instant, tz)
    opens, closes = timeutils.wall_range(day, window.start, window.end, tz)
    if instant < opens:
        return opens
    if instant < closes:
        return instant
    return timeutils.wall_to_utc(day + timeutils.DAY, window.start, tz)


def latest_before(instant: dt.datetime, window: Window, *, margin: dt.timedelta) -> dt.datetime:
    """The latest time at or before `instant` inside the window, at least `margin` before it
    closes (so a worker a little late still finds it open); the window's opening if the window
    is shorter than the margin. `instant` itself when it already qualifies."""
    tz = timeutils.zone(window.time_zone)
    day = timeutils.local_date(instant, tz)
    opens, closes = timeutils.wall_range(day, window.start, window.end, tz)
    if opens <= instant <= closes - margin:
        return instant
    if instant < opens:
        opens, closes = timeutils.wall_range(day - timeutils.DAY, window.start, window.end, tz)
    return max(opens, closes - margin)


def is_quiet(instant: dt.datetime, window: Window) -> bool:
    return next_allowed(instant, window) != instant


def local_day(instant: dt.datetime, time_zone: str) -> dt.date:
    return timeutils.local_date(instant, timeutils.zone(time_zone))


def days_bounds(first: dt.date, last: dt.date, time_zone: str) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight of `first`, local midnight after `last`) as UTC instants."""
    tz = timeutils.zone(time_zone)
    return timeutils.day_bounds(first, tz)[0], timeutils.day_bounds(last, tz)[1]

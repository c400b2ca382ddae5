"""Whether a video time offered to a patient lies where no text can reach them: the join link,
due shortly before the visit, would find their texting window shut until the visit is over.
The booking pages and the availability API say so beside such a time; the desk may still book
it (the link is then on "My appointments" and in any email)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from notifications import plans, quiet_hours
from notifications.planning import sms_timing

_JOIN = next(step for step in plans.parse_steps(plans.DEFAULT_STEPS) if step.template == "join_link")


def video_times_outside(*, patient, policy, times: Iterable[tuple[dt.datetime, dt.datetime]]) -> list[bool]:
    """For each (start, end) of a video visit: True when its join link could not be texted to
    this patient before it ends. False when there is nobody to text, or a patient on record we
    would not text anyway (no mobile, opted out). A visitor's stand-in (an unsaved patient with
    the zone and state they chose) counts as reachable: booking online asks for a mobile."""
    times = list(times)
    if patient is None or (patient.pk is not None and (not patient.phone or patient.sms_opted_out)):
        return [False] * len(times)
    window = quiet_hours.window_for(patient=patient, policy=policy)
    before = dt.timedelta(minutes=_JOIN.minutes_before)
    return [
        sms_timing(template="join_link", due=start - before, start=start, end=end, video=True, window=window).send_at
        is None
        for start, end in times
    ]

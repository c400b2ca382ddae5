"""Times offered for a named patient: only those the booking gates would let them book.

The engine already applies what it knows of the patient (video licensure, their clinician
filters); the clinical records (clearance, REMS enrolment, the place-dependent gates) come from
`care.eligibility`. A time the patient could not book without a desk override is not offered."""

from __future__ import annotations

from scheduling import timeutils
from scheduling.availability import AvailabilityResult
from scheduling.models import Location, Patient

from .eligibility import Eligibility


def bookable_for(result: AvailabilityResult, eligibility: Eligibility | None, *, location: Location | None,
                 patient: Patient) -> AvailabilityResult:
    """`result` without the times `eligibility` rules out: all of them when the patient may not book
    the service, or not at this place (None: video); otherwise those on days their records do not cover."""
    if eligibility is None or not eligibility.can_book:
        return AvailabilityResult(slots=[], earliest=None)
    place_ids = {place.pk if place is not None else None for place in eligibility.places}
    if (location.pk if location is not None else None) not in place_ids:
        return AvailabilityResult(slots=[], earliest=None)
    zone = timeutils.zone(location.time_zone if location is not None else patient.time_zone)
    slots = [slot for slot in result.slots if eligibility.allows_day(timeutils.local_date(slot.start, zone))]
    return AvailabilityResult(slots=slots, earliest=slots[0] if slots else None)

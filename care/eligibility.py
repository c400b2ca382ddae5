"""Whether a patient may book a service now, before any time is chosen, and if not, what to do next.

The booking gates (care.gates) decide a visit at a given place and time. A patient choosing a
service wants the answer sooner: can I book this at all, and where? `eligibility_for` answers it
from the same records and the same gates, for a patient (or nobody: a new visitor) and a service:

- a dosing service needs a clearance (so a new patient starts with an evaluation, named by
  `next_service`); an expired or ended clearance means calling the clinic;
- Spravato needs a REMS enrolment (from its day on) and a certified site;
- a place is offered only where every other gate passes for this patient (state licensure and
  the controlled-substance rule for video, REMS sites), listed in `places`.

`earliest_for` then finds the earliest times the patient may book across those places
(scheduling.availability.find_earliest), and `outlook` gives each service of a list its
eligibility and next time anywhere.

The words are for the patient, in the active language (the caller activates it): plain, with no
gate names. The API's availability answer and the patient pages show the same answer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from scheduling import catalog, timeutils
from scheduling.availability import find_earliest, PlacedSlot
from scheduling.availability.earliest import places_offering
from scheduling.models import Appointment, AppointmentStatus, Location, Patient, Service

from . import gates, selectors
from .models import Clearance, Treatment

# What the patient does next.
BOOK = "book"  # choose a time
BOOK_EVALUATION = "book_evaluation"  # book `next_service` first
ATTEND_EVALUATION = "attend_evaluation"  # an evaluation is booked: a clinician decides after it
CALL_CLINIC = "call_clinic"  # only the clinic can help (clearance expired or ended, REMS, staff-only)

# Gates that depend on the patient only (checked once); every other booking gate depends on the place.
PATIENT_GATES = (gates.clearance, gates.rems_enrolment)


@dataclass(frozen=True)
class Eligibility:
    """The answer for one patient and one service.

    `code` is stable: eligible, evaluation_first, evaluation_booked, clearance_pending,
    clearance_expired, clearance_ended, rems_enrolment_needed, no_place, staff_only, not_offered.
    `reason` and `next_step_text` are plain words for the patient ("" when they may book);
    `next_step` is one of book, book_evaluation, attend_evaluation, call_clinic."""

    service: Service
    can_book: bool
    code: str
    reason: str = ""
    next_step: str = BOOK
    next_step_text: str = ""
    next_service: Service | None = None  # the evaluation to book first
    evaluation: Appointment | None = None  # the evaluation already booked
    expired_on: dt.date | None = None  # the clearance's last day, when it has lapsed
    bookable_from: dt.date | None = None  # the REMS enrolment's first day, when still ahead
    bookable_until: dt.date | None = None  # the clearance's last day, when it lapses later
    places: tuple[Location | None, ...] = field(default_factory=tuple)  # where it may be booked; None: video

    @property
    def video(self) -> bool:
        return None in self.places

    @property
    def location_ids(self) -> list[int]:
        return [place.pk for place in self.places if place is not None]

    def allows_day(self, day: dt.date) -> bool:
        """Whether a visit on `day` (the visit's own calendar) is within the dates the records allow."""
        return ((self.bookable_from is None or day >= self.bookable_from)
                and (self.bookable_until is None or day <= self.bookable_until))


def evaluation_service() -> Service | None:
    """The evaluation a new patient books first: an active evaluation service patients book online
    (by its code, so the choice is stable)."""
    found = [s for s in catalog.current().services.values()
             if s.active and s.bookable_online and s.category == Service.Category.EVALUATION]
    return min(found, key=lambda s: (s.code != "evaluation", s.code), default=None)


def is_gated(service: Service) -> bool:
    """Whether the service needs clinical records first (a clearance, a REMS enrolment)."""
    return (service.is_dosing and service.category in Treatment.values) or service.category == Treatment.ESKETAMINE


def eligibility_for(*, patient: Patient | None, service: Service, now: dt.datetime | None = None,
                    by_staff: bool = False) -> Eligibility:
    """Whether `patient` (None: a visitor not signed in) may book `service` now, why not in plain
    words, and the next step. `by_staff`: the desk asks (staff-only services are then bookable).
    Reads a handful of rows; never raises for a refusal."""
    now = now or timezone.now()
    if not service.active:
        return Eligibility(service, False, "not_offered", _("This service is not offered at the moment."),
                           CALL_CLINIC, _("Please call the clinic."))
    if not service.bookable_online and not by_staff:
        return Eligibility(service, False, "staff_only", _("This service is booked by the clinic's staff."),
                           CALL_CLINIC, _("Please call the clinic to book it."))
    places = places_offering(service)
    if patient is None:
        if is_gated(service):
            return _evaluation_first(service, None)
        return Eligibility(service, True, "eligible", places=tuple(places))
    bookable_from = bookable_until = None
    if service.is_dosing and service.category in Treatment.values:
        clearance = selectors.current_clearance(patient=patient, treatment=service.category)
        if clearance is None:
            return _without_clearance(service, patient, now)
        today = timeutils.local_date(now, timeutils.zone(patient.time_zone))
        if clearance.expires_on is not None:
            if clearance.expires_on < today:
                return Eligibility(
                    service, False, "clearance_expired",
                    _("Your clearance for this treatment expired on %(day)s.") % {"day": _day(clearance.expires_on)},
                    CALL_CLINIC, _("Please call the clinic to arrange a review before booking."),
                    expired_on=clearance.expires_on)
            bookable_until = clearance.expires_on
    if service.category == Treatment.ESKETAMINE:
        enrolment = selectors.rems_enrolment(patient=patient)
        if enrolment is None:
            return Eligibility(service, False, "rems_enrolment_needed",
                               _("This treatment needs an enrolment in its safety programme first."),
                               CALL_CLINIC, _("Please call the clinic: the staff will enrol you."))
        if enrolment.enrolled_on > timeutils.local_date(now, timeutils.zone(patient.time_zone)):
            bookable_from = enrolment.enrolled_on
    allowed, refused = _places_for(patient, service, places, max(now, _start_of(bookable_from, patient) or now))
    if not allowed:
        return Eligibility(service, False, "no_place", _no_place_reason(refused),
                           CALL_CLINIC, _("Please call the clinic."))
    return Eligibility(service, True, "eligible", bookable_from=bookable_from, bookable_until=bookable_until,
                       places=tuple(allowed))


def _evaluation_first(service: Service, patient: Patient | None) -> Eligibility:
    evaluation = evaluation_service()
    if evaluation is None:
        return Eligibility(service, False, "evaluation_first",
                           _("This treatment starts with an evaluation."), CALL_CLINIC,
                           _("Please call the clinic to arrange an evaluation."))
    return Eligibility(service, False, "evaluation_first", _("This treatment starts with an evaluation."),
                       BOOK_EVALUATION, _("Book an evaluation first: %(name)s.") % {"name": evaluation.name},
                       next_service=evaluation)


def _without_clearance(service: Service, patient: Patient, now: dt.datetime) -> Eligibility:
    """No clearance in force: ended by a clinician, awaiting a decision after an evaluation, an
    evaluation booked, or nothing yet (book the evaluation)."""
    if Clearance.objects.filter(patient=patient, treatment=service.category, revoked_at__isnull=False).exists():
        return Eligibility(service, False, "clearance_ended", _("Your clearance for this treatment has ended."),
                           CALL_CLINIC, _("Please call the clinic to talk it through."))
    upcoming = (Appointment.objects.filter(patient=patient, service__category=Service.Category.EVALUATION,
                                           status__in=(AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN),
                                           end__gt=now).order_by("start").first())
    if upcoming is not None:
        zone = timeutils.zone(upcoming.location.time_zone if upcoming.location_id else patient.time_zone)
        return Eligibility(service, False, "evaluation_booked",
                           _("This treatment starts after your evaluation on %(when)s.")
                           % {"when": _when(upcoming.start, zone)},
                           ATTEND_EVALUATION, _("A clinician decides about the treatment after the evaluation."),
                           evaluation=upcoming)
    if selectors.last_completed_evaluation(patient=patient) is not None:
        return Eligibility(service, False, "clearance_pending",
                           _("A clinician has not yet cleared you for this treatment."),
                           CALL_CLINIC, _("Please call the clinic to ask about the decision."))
    return _evaluation_first(service, patient)


def _places_for(patient: Patient, service: Service, places: list[Location | None], start: dt.datetime,
                ) -> tuple[list[Location | None], list[gates.GateFailure]]:
    """The places where every place-dependent booking gate passes at `start`, and the failures."""
    place_gates = [gate for gate in gates.BOOKING_GATES if gate not in PATIENT_GATES]
    allowed: list[Location | None] = []
    refused: list[gates.GateFailure] = []
    for place in places:
        failures = gates.check_gates(gates.GateRequest(patient=patient, service=service, location=place, start=start),
                                     place_gates)
        if failures:
            refused += failures
        else:
            allowed.append(place)
    return allowed, refused


def _no_place_reason(refused: list[gates.GateFailure]) -> str:
    names = {failure.gate for failure in refused}
    if "video_licensure" in names:
        return _("A video visit needs your state of residence, and a clinician licensed there.")
    if "controlled_substance_telemedicine" in names:
        return _("This treatment by video needs an in-person evaluation first.")
    if "rems_site" in names:
        return _("No site that can give this treatment is open for booking.")
    return _("This service cannot be booked online for you at the moment.")


def _start_of(day: dt.date | None, patient: Patient) -> dt.datetime | None:
    if day is None:
        return None
    return timeutils.day_bounds(day, timeutils.zone(patient.time_zone))[0]


def _when(instant: dt.datetime, zone) -> str:
    """The visit's day and time in the active language, on its own clock, with the zone's abbreviation."""
    local = instant.astimezone(zone)
    return f"{date_format(local, 'DATETIME_FORMAT')} {local.tzname()}"


def _day(day: dt.date) -> str:
    return date_format(day, "DATE_FORMAT")


# --- Times the patient may book ---------------------------------------------------------------

@dataclass(frozen=True)
class Outlook:
    """A service as the services list shows it: the patient's eligibility and the earliest time
    they may book anywhere (None: none in the range, or they may not book it yet)."""

    eligibility: Eligibility
    earliest: PlacedSlot | None


def earliest_for(*, patient: Patient | None, service: Service, days: int = 28, limit: int = 10,
                 language: str | None = None, now: dt.datetime | None = None, by_staff: bool = False,
                 eligibility: Eligibility | None = None) -> tuple[Eligibility, list[PlacedSlot]]:
    """The patient's eligibility and the earliest `limit` times they may book in the next `days`,
    across every site and video they may use (none when they may not book it yet). The dates the
    records allow (a clearance's expiry, a REMS enrolment's start) bound the search. `by_staff`:
    the desk asks, and the gates it may override still show in the eligibility."""
    now = now or timezone.now()
    answer = eligibility or eligibility_for(patient=patient, service=service, now=now, by_staff=by_staff)
    if not answer.can_book:
        return answer, []
    start, end = now, now + dt.timedelta(days=days)
    if patient is not None:
        # The dates the records allow, on the clock of each place (a site's, or the patient's for video).
        zones = {timeutils.zone(place.time_zone if place is not None else patient.time_zone)
                 for place in answer.places}
        if answer.bookable_from is not None:
            start = max(start, min(timeutils.day_bounds(answer.bookable_from, tz)[0] for tz in zones))
        if answer.bookable_until is not None:
            end = min(end, max(timeutils.day_bounds(answer.bookable_until, tz)[1] for tz in zones))
    if end <= start:
        return answer, []
    found = find_earliest(service=service, start=start, end=end, patient=patient, places=answer.places,
                          limit=limit, language=language, now=now)
    if patient is not None and (answer.bookable_from or answer.bookable_until):
        found = [placed for placed in found if answer.allows_day(_visit_day(placed, patient))]
    return answer, found


def outlook(*, patient: Patient | None, services: list[Service], days: int = 28,
            now: dt.datetime | None = None) -> dict[int, Outlook]:
    """For each service (by id): the patient's eligibility and their earliest time anywhere. The
    services list shows it; a visitor's dosing services say they start with an evaluation."""
    now = now or timezone.now()
    answers: dict[int, Outlook] = {}
    for service in services:
        answer, found = earliest_for(patient=patient, service=service, days=days, limit=1, now=now)
        answers[service.pk] = Outlook(answer, found[0] if found else None)
    return answers


def _visit_day(placed: PlacedSlot, patient: Patient) -> dt.date:
    name = placed.location.time_zone if placed.location is not None else patient.time_zone
    return timeutils.local_date(placed.slot.start, timeutils.zone(name))

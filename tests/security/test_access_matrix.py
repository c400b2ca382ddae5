"""Who may reach what: every URL of the site × eight actors, as one table.

The actors: anonymous, patient A, patient B, the front desk of location X (which also covers video
visits), the front desk of location Y (each desk a single-site staff member, as at most clinics), a
clinician who prescribes (on A's visits at X), a therapist (a clinician who does not prescribe, on
the same visits) and a clinic admin. Each row
names a route, a method and, per actor, the statuses it may get: 401/302 means "sign in first",
403 "your role may not", 404 "nothing you can see" (ids of other people's records are refused the
same way as ids that do not exist). A row may also say which of the world's records an actor must
find in the answer (`sees`), so list filters (`?location=X` by desk Y, `?patient=A` by patient B)
and nested objects cannot leak.

Every request runs in a savepoint that is rolled back, so one actor's cancellation does not
change what the next one finds. A URL pattern with no row fails `test_every_route_is_in_the_matrix`;
the exemptions are listed with their reason.

Patient records are scoped like visits (scheduling.selectors.appointments.visible_patients): a
desk sees the patients with a visit at its sites (and new callers with no visit yet), so desk Y
gets a 404 for patient A's clinical summary, check-ins and booking page, and does not find A in
its search; the care team sees every patient. Clearances are a prescriber's (the therapist and
an admin without a prescriber's staff record are refused), REMS enrolment a prescriber's at their
sites or an admin's. tests/security/test_site_scope.py walks every patient id as a desk.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, resolve, URLPattern, URLResolver
from rest_framework.test import APIClient

from accounts.models import Role
from care.models import Escort, GateOverride
from checkins import links
from checkins.models import CheckIn, RiskAlert
from notifications.models import InboundMessage, MessageStatus, OutboundMessage
from notifications.rendering import appointment_token
from scheduling.models import Allocation, Course, CourseTemplate, CourseVisit, Phase
from telehealth import passes
from tests.factories import (
    AppointmentFactory,
    clearance,
    iv_infusion_service,
    LocationFactory,
    PatientFactory,
    ResourceFactory,
    StaffMemberFactory,
    UserFactory,
    video_therapy_service,
    weekly_hours,
)

pytestmark = pytest.mark.django_db

PHX = ZoneInfo("America/Phoenix")
NOW = dt.datetime(2025, 3, 3, 15, 0, tzinfo=dt.UTC)  # Monday 08:00 in Phoenix


def phx(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, tzinfo=PHX).astimezone(dt.UTC)


def iso(instant: dt.datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


ACTORS = ("anonymous", "patient_a", "patient_b", "desk_x", "desk_y", "clinician", "therapist", "admin")
GROUPS = {
    "everyone": ACTORS,
    "signed_in": ACTORS[1:],
    "patients": ("patient_a", "patient_b"),
    "desks": ("desk_x", "desk_y"),
    "staff": ("desk_x", "desk_y", "clinician", "therapist", "admin"),
    "x_side": ("desk_x", "clinician", "therapist", "admin"),  # the staff who can see A's visit at X
}

# Shorthands for "reached the action": what follows depends on the body and the record's state,
# not on who asked.
DONE = {200, 201, 202, 204}
ACTED = DONE | {400, 409, 422}
PAGE = {200}
REDIRECT = {302, 303}


def expect(**spec) -> dict[str, frozenset[int]]:
    """{actor: statuses}; keys are actors or GROUPS, applied in order (later keys win). The therapist,
    on the same visits as the clinician, gets what the clinician gets unless the row says otherwise."""
    out: dict[str, frozenset[int]] = {}
    for key, statuses in spec.items():
        for actor in GROUPS.get(key, (key,)):
            out[actor] = frozenset({statuses} if isinstance(statuses, int) else statuses)
    if "therapist" not in out and "clinician" in out:
        out["therapist"] = out["clinician"]
    assert set(out) == set(ACTORS), f"every actor needs an expectation: {set(ACTORS) - set(out)}"
    return out


def sees(**spec) -> dict[str, frozenset[str]]:
    """{actor: names of the world's records it must find}; the other watched records must be absent."""
    out: dict[str, frozenset[str]] = {}
    for key, names in spec.items():
        for actor in GROUPS.get(key, (key,)):
            out[actor] = frozenset(names)
    if "therapist" not in out and "clinician" in out:
        out["therapist"] = out["clinician"]
    return out


@dataclass(frozen=True)
class Row:
    method: str
    path: str  # formatted with the world's ids and tokens
    expected: dict[str, frozenset[int]]
    body: dict | None = None
    watch: tuple[str, ...] = ()  # records (API: ids; pages: a marker text) checked with `seen`
    seen: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def is_api(self) -> bool:
        return self.path.startswith(("/api/", "/fhir/"))

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


# A patient's API: anonymous callers get 401 everywhere a sign-in is needed.
API_SIGN_IN = {"anonymous": 401}
PAGE_SIGN_IN = {"anonymous": 302}
VISIT = "{appt_a}"

ROWS: list[Row] = [
    # --- sign-in and catalog --------------------------------------------------------------
    Row("post", "/api/v1/auth/code", expect(everyone=202), {"destination": "+16025550199"}),
    Row("post", "/api/v1/auth/verify", expect(everyone=400), {"destination": "+16025550199", "code": "000000"}),
    Row("post", "/api/v1/auth/logout", expect(**API_SIGN_IN, signed_in=204)),
    Row("post", "/api/v1/auth/logout-all", expect(**API_SIGN_IN, signed_in=204)),
    Row("get", "/api/v1/me", expect(**API_SIGN_IN, signed_in=200)),
    Row("get", "/api/v1/services", expect(everyone=200)),
    Row("get", "/api/v1/locations", expect(everyone=200)),
    Row("get", "/api/v1/staff", expect(everyone=200)),
    Row("get", "/api/v1/patients?q=Quarrington", expect(**API_SIGN_IN, patients=403, staff=200),
        watch=("patient_a",), seen=sees(desk_y=(), x_side={"patient_a"})),
    Row("get", "/api/v1/availability?service={iv_code}&location={x}&start={free_day}&end={free_day_end}",
        expect(everyone=200)),
    Row("get", "/api/v1/availability/earliest?service={iv_code}&days=7", expect(everyone=200)),

    # --- booking --------------------------------------------------------------------------
    Row("post", "/api/v1/holds", expect(**API_SIGN_IN, patient_a=201, patient_b=404, desk_x=201, desk_y=400,
                                        clinician=403, admin=201),
        {"service": "{iv}", "location": "{x}", "start": "{free_start}", "patient": "{patient_a}"}),
    Row("post", "/api/v1/appointments", expect(**API_SIGN_IN, patient_a=201, patient_b=404, desk_x=201,
                                               desk_y=400, clinician=403, admin=201),
        {"service": "{iv}", "location": "{x}", "start": "{free_start}", "patient": "{patient_a}"}),
    Row("get", "/api/v1/appointments?location={x}", expect(**API_SIGN_IN, signed_in=200),
        watch=("appt_a", "appt_b"), seen=sees(patient_a={"appt_a"}, patient_b=(), desk_y=(), x_side={"appt_a"})),
    Row("get", "/api/v1/appointments?patient={patient_a}", expect(**API_SIGN_IN, signed_in=200),
        watch=("appt_a", "video_a", "appt_b"),
        seen=sees(patient_a={"appt_a", "video_a"}, patient_b=(), desk_x={"appt_a", "video_a"}, desk_y=(),
                  clinician={"appt_a", "video_a"}, admin={"appt_a", "video_a"})),
    Row("get", "/api/v1/appointments", expect(**API_SIGN_IN, signed_in=200), watch=("appt_a", "video_a", "appt_b"),
        seen=sees(patient_a={"appt_a", "video_a"}, patient_b={"appt_b"}, desk_x={"appt_a", "video_a"},
                  desk_y={"appt_b"}, clinician={"appt_a", "video_a"}, admin={"appt_a", "video_a", "appt_b"})),
    Row("get", f"/api/v1/appointments/{VISIT}", expect(**API_SIGN_IN, patient_a=200, patient_b=404, desk_y=404,
                                                     x_side=200)),
    Row("post", f"/api/v1/appointments/{VISIT}/cancel", expect(**API_SIGN_IN, patient_a=200, patient_b=404,
                                                             desk_x=200, desk_y=404, clinician=403, admin=200),
        {"reason": "Cannot come", "cancelled_by": "patient"}),
    Row("post", f"/api/v1/appointments/{VISIT}/reschedule", expect(**API_SIGN_IN, patient_a=200, patient_b=404,
                                                                 desk_x=200, desk_y=404, clinician=403, admin=200),
        {"start": "{free_start}"}),
    *[Row("post", f"/api/v1/appointments/{VISIT}/{action}", expect(**API_SIGN_IN, patient_a=403, patient_b=404,
                                                                 desk_y=404, x_side=ACTED))
      for action in ("check-in", "no-show", "complete")],
    Row("get", f"/api/v1/appointments/{VISIT}/escort", expect(**API_SIGN_IN, patient_a=200, patient_b=404,
                                                             desk_y=404, x_side=200)),
    Row("put", f"/api/v1/appointments/{VISIT}/escort",  # reached: 422, an escort is for dosing visits only
        expect(**API_SIGN_IN, patient_a=ACTED, patient_b=404, desk_y=404, x_side=ACTED),
        {"name": "Sam Driver", "phone": "+16025550177", "confirmed_adult": True}),

    # --- messages -------------------------------------------------------------------------
    Row("get", f"/api/v1/appointments/{VISIT}/messages",
        expect(**API_SIGN_IN, patients=403, desk_y=404, x_side=200)),
    Row("get", "/api/v1/messages/inbox", expect(**API_SIGN_IN, patients=403, staff=200), watch=("inbound_a",),
        seen=sees(desk_y=(), x_side={"inbound_a"})),
    Row("post", "/api/v1/messages/inbox/{inbound_a}/handle", expect(**API_SIGN_IN, patients=403, desk_y=404,
                                                                    x_side=200)),
    Row("get", "/api/v1/messages/failed", expect(**API_SIGN_IN, patients=403, staff=200), watch=("failed_a",),
        seen=sees(desk_y=(), x_side={"failed_a"})),

    # --- clinical records and gates -------------------------------------------------------
    Row("post", "/api/v1/care/screenings", expect(**API_SIGN_IN, patient_a=201, patient_b=404, staff=201,
                                                  desk_y=400),
        {"patient": "{patient_a}", "answers": dict.fromkeys(("uncontrolled_hypertension", "psychosis_or_mania", "pregnancy", "aneurysmal_vascular_disease", "intracerebral_hemorrhage", "hypersensitivity", "substance_use"), False)}),
    Row("get", "/api/v1/care/patients/{patient_a}", expect(**API_SIGN_IN, patients=403, staff=200, desk_y=404)),
    Row("get", "/api/v1/care/patients/{patient_b}", expect(**API_SIGN_IN, patients=403, staff=200, desk_x=404)),
    # Clearing is a prescriber's: not the therapist's, nor an admin's without a prescriber's staff record.
    Row("post", "/api/v1/care/clearances", expect(**API_SIGN_IN, patients=403, desks=403, clinician=ACTED,
                                                  therapist=403, admin=403),
        {"patient": "{patient_a}", "treatment": "iv_ketamine", "evaluated_on": "2025-03-01"}),
    Row("post", "/api/v1/care/clearances/{clearance_a}/revoke",
        expect(**API_SIGN_IN, patients=403, desks=403, clinician=200, therapist=403, admin=403),
        {"reason": "New findings"}),
    Row("post", "/api/v1/care/rems-enrolments", expect(**API_SIGN_IN, patients=403, desks=403, clinician=201,
                                                       therapist=403, admin=201),
        {"patient": "{patient_a}", "enrolled_on": "2025-03-01"}),
    # B is a patient of Y, which the prescriber does not serve; the admin serves the whole clinic.
    Row("post", "/api/v1/care/rems-enrolments", expect(**API_SIGN_IN, patients=403, desks=403, clinician=403,
                                                       therapist=403, admin=201),
        {"patient": "{patient_b}", "enrolled_on": "2025-03-01"}),
    Row("get", "/api/v1/care/monitoring-forms", expect(**API_SIGN_IN, patients=403, staff=200)),
    Row("post", f"/api/v1/care/monitoring-forms/{VISIT}/submit",
        expect(**API_SIGN_IN, patients=403, desk_y=404, x_side=ACTED - DONE)),
    Row("get", "/api/v1/care/escorts/missing", expect(**API_SIGN_IN, patients=403, clinician=403, desks=200,
                                                      admin=200)),
    Row("get", "/api/v1/care/gate-overrides", expect(**API_SIGN_IN, patients=403, staff=200),
        watch=("override_a",), seen=sees(desk_y=(), x_side={"override_a"})),
    Row("get", "/api/v1/care/gate-overrides?patient={patient_a}",
        expect(**API_SIGN_IN, patients=403, staff=200, desk_y=400),
        watch=("override_a",), seen=sees(desk_y=(), x_side={"override_a"})),

    # --- courses --------------------------------------------------------------------------
    Row("get", "/api/v1/course-templates", expect(**API_SIGN_IN, signed_in=200)),
    Row("get", "/api/v1/courses", expect(**API_SIGN_IN, signed_in=200), watch=("course_a",),
        seen=sees(patient_a={"course_a"}, patient_b=(), desk_y=(), x_side={"course_a"})),
    Row("get", "/api/v1/courses?patient={patient_a}", expect(**API_SIGN_IN, signed_in=200), watch=("course_a",),
        seen=sees(patient_a={"course_a"}, patient_b=(), desk_y=(), x_side={"course_a"})),
    Row("post", "/api/v1/courses", expect(**API_SIGN_IN, patient_a=ACTED - {400}, patient_b=404, desk_x=ACTED - {400},
                                          desk_y=400, clinician=403, admin=ACTED - {400}),
        {"template": "iv-pair", "location": "{x}", "patient": "{patient_a}", "start_from": "{free_start}"}),
    Row("get", "/api/v1/courses/{course_a}", expect(**API_SIGN_IN, patient_a=200, patient_b=404, desk_y=404,
                                                    x_side=200)),
    *[Row("post", f"/api/v1/courses/{{course_a}}/{action}", expect(**API_SIGN_IN, patients=403, clinician=403,
                                                                   desk_y=404, desk_x=ACTED, admin=ACTED), body)
      for action, body in (("pause", {"reason": "Travel"}), ("resume", {}), ("boosters", {"count": 1}),
                           ("cancel", {"reason": "Stopping"}))],
    Row("post", "/api/v1/courses/{course_a}/visits/{course_visit_a}/reschedule",
        expect(**API_SIGN_IN, patient_a=ACTED, patient_b=404, desk_x=ACTED, desk_y=404, clinician=403, admin=ACTED),
        {"start": "{free_start}"}),

    # --- telehealth -----------------------------------------------------------------------
    Row("get", "/api/v1/telehealth/waiting?date=2025-03-05",
        expect(**API_SIGN_IN, patients=403, desks=403, clinician=200, admin=403)),  # admin: no clinician record
    Row("put", "/api/v1/telehealth/appointments/{video_a}/interpreter",
        expect(**API_SIGN_IN, patients=403, clinician=403, desk_x=200, desk_y=404, admin=200),
        {"language": "es"}),
    Row("post", "/api/v1/telehealth/in-person-evaluations",
        expect(**API_SIGN_IN, patients=403, desks=403, clinician=ACTED, therapist=403, admin=ACTED),
        {"patient": "{patient_a}", "evaluated_on": "2025-03-01", "prescriber": "{clinician_staff}"}),

    # --- check-ins and risk ---------------------------------------------------------------
    Row("get", "/api/v1/checkins/{checkin_token}", expect(everyone=200, patient_b=404)),
    Row("post", "/api/v1/checkins/{checkin_token}", expect(everyone={200, 400}, patient_b=404), {}),
    Row("get", "/api/v1/patients/{patient_a}/checkins", expect(**API_SIGN_IN, patients=403, staff=200, desk_y=404)),
    Row("get", "/api/v1/patients/{patient_b}/checkins", expect(**API_SIGN_IN, patients=403, staff=200, desk_x=404)),
    Row("get", "/api/v1/risk-alerts", expect(**API_SIGN_IN, patients=403, staff=200), watch=("alert_a",),
        seen=sees(desk_y=(), x_side={"alert_a"})),
    Row("get", "/api/v1/risk-alerts/{alert_a}", expect(**API_SIGN_IN, patients=403, desk_y=404, x_side=200)),
    Row("post", "/api/v1/risk-alerts/{alert_a}/acknowledge",
        expect(**API_SIGN_IN, patients=403, desks=403, clinician=200, admin=200), {"note": "Called, safe."}),

    # --- patient pages --------------------------------------------------------------------
    Row("get", "/", expect(everyone=PAGE)),
    Row("post", "/i18n/setlang/", expect(everyone=REDIRECT), {"language": "es"}),
    Row("get", "/book/", expect(everyone=PAGE | REDIRECT)),
    Row("get", "/book/details", expect(everyone=REDIRECT)),
    Row("get", "/book/verify", expect(everyone=REDIRECT)),
    Row("post", "/book/verify/new-code", expect(everyone=REDIRECT)),
    Row("get", "/book/review", expect(anonymous=302, patients=REDIRECT, staff=403)),
    Row("get", "/book/continue", expect(anonymous=302, patients=REDIRECT, staff=403)),
    Row("get", "/book/taken", expect(everyone=PAGE | REDIRECT)),
    Row("get", "/book/not-now", expect(everyone=PAGE | REDIRECT)),
    Row("post", "/book/start-over", expect(everyone=REDIRECT)),
    Row("get", "/book/{iv_code}/", expect(everyone=PAGE)),
    # A dosing service's times: a patient who may not book it is sent to the page saying why.
    Row("get", "/book/{iv_code}/{x}/", expect(everyone=PAGE | REDIRECT)),
    Row("post", "/book/{iv_code}/{x}/pick", expect(everyone=REDIRECT), {"slot": "nonsense"}),
    Row("get", f"/api/v1/appointments/{VISIT}/calendar", expect(**API_SIGN_IN, patient_a=200, patient_b=404,
                                                               desk_y=404, x_side=200)),
    # A clinician's feed URL: their own, or anyone's for an admin (each request is rolled back, so
    # a revocation finds no URL to revoke).
    Row("post", "/api/v1/staff/{clinician_staff}/calendar-feed",
        expect(**API_SIGN_IN, patients=403, desks=403, clinician=201, therapist=403, admin=201)),
    Row("delete", "/api/v1/staff/{clinician_staff}/calendar-feed",
        expect(**API_SIGN_IN, patients=403, desks=403, clinician=404, therapist=403, admin=404)),
    # The feed's secret URL is its only key: an unknown one is a 404 for everyone (tests/calendars).
    Row("get", "/calendars/not-a-feed-token.ics", expect(everyone=404)),
    Row("get", "/me/", expect(**PAGE_SIGN_IN, patients=PAGE, staff=403), watch=("appt_a_place",),
        seen=sees(patient_a={"appt_a_place"}, patient_b=())),
    Row("get", f"/me/booked/{VISIT}", expect(**PAGE_SIGN_IN, patient_a=200, patient_b=404, staff=403)),
    Row("get", "/me/sign-in", expect(everyone=PAGE | REDIRECT)),
    Row("get", "/me/sign-in/code", expect(everyone=PAGE | REDIRECT)),
    Row("post", "/me/sign-in/new-code", expect(everyone=REDIRECT)),
    Row("post", "/me/sign-out", expect(everyone=REDIRECT)),
    Row("get", f"/me/visits/{VISIT}/cancel", expect(**PAGE_SIGN_IN, patient_a=200, patient_b=404, staff=403)),
    Row("post", f"/me/visits/{VISIT}/cancel", expect(**PAGE_SIGN_IN, patient_a=302, patient_b=404, staff=403)),
    Row("get", f"/me/visits/{VISIT}/move", expect(**PAGE_SIGN_IN, patient_a=200, patient_b=404, staff=403)),
    # The escort page is for in-person dosing visits; appt_a is not one here (tests/web covers the page).
    Row("get", f"/me/visits/{VISIT}/escort", expect(**PAGE_SIGN_IN, patients=404, staff=403)),
    Row("post", f"/me/visits/{VISIT}/escort", expect(**PAGE_SIGN_IN, patients=404, staff=403),
        {"escort-name": "Luis Ortega", "escort-phone": "602-555-0150"}),
    # The patient's waitlist: an earlier time for their own booked visit, joining a service's list
    # (refused in words, a 200, when the patient may not book it), leaving only their own entry.
    Row("get", f"/me/visits/{VISIT}/earlier", expect(**PAGE_SIGN_IN, patient_a=200, patient_b=404, staff=403)),
    Row("post", f"/me/visits/{VISIT}/earlier", expect(**PAGE_SIGN_IN, patient_a={200, 302}, patient_b=404, staff=403),
        {"earliest_date": "2000-01-01"}),
    Row("get", "/me/waitlist/join/{iv_code}/{x}", expect(**PAGE_SIGN_IN, patients=200, staff=403)),
    Row("post", "/me/waitlist/join/{iv_code}/video", expect(**PAGE_SIGN_IN, patients={200, 404}, staff=403),
        {"earliest_date": "2000-01-01"}),
    Row("post", "/me/waitlist/999999/withdraw", expect(**PAGE_SIGN_IN, patients=404, staff=403)),
    # The link in a text is the key (like the text itself): it shows when and where, nothing more.
    # The manage link: its owner signed in goes to their visit, another signed-in patient gets the
    # unknown-link 404 (as with check-in and join links), anyone else the sign-in offer.
    Row("get", "/manage/{manage_token}", expect(everyone=200, patient_a=302, patient_b=404)),
    # The short forms in texts only point at the long ones, which check the token.
    Row("get", "/m/{manage_token}", expect(everyone=REDIRECT)),
    Row("get", "/j/{join_token}", expect(everyone=REDIRECT)),
    Row("get", "/manage/{manage_token}/calendar.ics", expect(everyone=200, patient_b=404)),
    Row("get", f"/me/visits/{VISIT}/calendar.ics", expect(**PAGE_SIGN_IN, patient_a=200, patient_b=404, staff=403)),

    # --- FHIR R4: the API's sign-in, roles and scope ----------------------------------------
    Row("get", "/fhir/r4/metadata", expect(everyone=200)),
    # Schedules and Slots are public, like the catalog and availability.
    Row("get", "/fhir/r4/Schedule", expect(everyone=200)),
    Row("get", "/fhir/r4/Schedule/s{clinician_staff}-{iv}", expect(everyone={200, 404})),
    Row("get", "/fhir/r4/Slot?service-type={iv_code}&location={x}&start=ge{free_day}&start=lt{free_day_end}",
        expect(everyone=200)),
    Row("get", "/fhir/r4/Appointment", expect(**API_SIGN_IN, signed_in=200)),
    Row("post", "/fhir/r4/Appointment", expect(**API_SIGN_IN, patient_a=201, patient_b=404, desk_x=201, desk_y=400,
                                               clinician=403, admin=201),
        {"resourceType": "Appointment", "status": "booked", "serviceType": [{"coding": [{"code": "{iv_code}"}]}],
         "start": "{free_start}", "participant": [{"actor": {"reference": "Patient/{patient_a}"}, "status": "accepted"},
                                                  {"actor": {"reference": "Location/{x}"}, "status": "accepted"}]}),
    Row("get", f"/fhir/r4/Appointment/{VISIT}", expect(**API_SIGN_IN, patient_a=200, patient_b=404, desk_y=404,
                                                     x_side=200)),
    Row("get", "/fhir/r4/Observation", expect(everyone=404)),
    Row("get", "/fhir/r4/Patient/{patient_a}", expect(**API_SIGN_IN, patient_a=200, patient_b=404, desk_y=404,
                                                      x_side=200)),

    # --- video visits and check-in links (the token is the key) ---------------------------
    Row("get", "/visit/{join_token}", expect(everyone=200, patient_b=404)),
    Row("get", "/visit/{join_token}/status", expect(everyone=200, patient_b=404)),
    Row("post", "/visit/{join_token}/join", expect(everyone=REDIRECT, patient_b=404)),
    Row("get", "/c/{checkin_token}", expect(everyone=200, patient_b=404)),
    Row("get", "/crisis", expect(everyone=200)),

    # --- staff pages ----------------------------------------------------------------------
    Row("get", "/desk/login", expect(anonymous=200, signed_in=302)),
    Row("post", "/desk/logout", expect(everyone=302)),
    Row("get", "/desk/?location={x}&date=2025-03-05", expect(**PAGE_SIGN_IN, patients=403, staff=200),
        watch=("patient_a_name",), seen=sees(desk_y=(), x_side={"patient_a_name"})),
    Row("get", "/desk/week?staff={clinician_staff}&date=2025-03-05",
        expect(**PAGE_SIGN_IN, patients=403, staff=200), watch=("patient_a_name",),
        seen=sees(desk_y=(), x_side={"patient_a_name"})),
    Row("get", f"/desk/appointments/{VISIT}", expect(**PAGE_SIGN_IN, patients=403, desk_y=404, x_side=200)),
    *[Row("post", f"/desk/appointments/{VISIT}/{action}",
          expect(**PAGE_SIGN_IN, patients=403, clinician=403, desk_y=404, desk_x={302, 400}, admin={302, 400}),
          body)
      for action, body in (("check-in", {}), ("no-show", {}), ("complete", {}),
                           ("cancel", {"cancelled_by": "patient", "reason": "Ill"}),
                           ("escort", {"name": "Sam Driver", "phone": "602-555-0177", "confirmed_adult": "on"}))],
    Row("get", f"/desk/appointments/{VISIT}/move", expect(**PAGE_SIGN_IN, patients=403, clinician=403, desk_y=404,
                                                       desk_x=200, admin=200)),
    Row("get", "/desk/book?q=Quarrington", expect(**PAGE_SIGN_IN, patients=403, clinician=403, desks=200,
                                                 admin=200), watch=("patient_a_first_name",),
        seen=sees(desk_x={"patient_a_first_name"}, desk_y=(), admin={"patient_a_first_name"})),
    Row("get", "/desk/book/{patient_a}", expect(**PAGE_SIGN_IN, patients=403, clinician=403, desk_x=200,
                                                desk_y=404, admin=200)),
    Row("get", "/desk/book/{patient_a}?service={iv}&where={x}&day=2025-03-06",
        expect(**PAGE_SIGN_IN, patients=403, clinician=403, desk_x=200, desk_y=404, admin=200), watch=("times_at_x",),
        seen=sees(desk_x={"times_at_x"}, admin={"times_at_x"})),
    # Desk X asking for its own times for B, a patient of Y only, gets a 404: B is not its patient.
    Row("get", "/desk/book/{patient_b}?service={iv}&where={x}&day=2025-03-06",
        expect(**PAGE_SIGN_IN, patients=403, clinician=403, desk_x=404, desk_y=200, admin=200)),
    Row("get", "/desk/floor?location={x}", expect(**PAGE_SIGN_IN, patients=403, staff=200)),
    Row("get", "/desk/inbox", expect(**PAGE_SIGN_IN, patients=403, staff=200), watch=("inbound_a_body",),
        seen=sees(desk_y=(), x_side={"inbound_a_body"})),
    Row("post", "/desk/inbox/{inbound_a}/handled", expect(**PAGE_SIGN_IN, patients=403, desk_y=404,
                                                          x_side={200, 302})),
    Row("get", "/desk/block", expect(**PAGE_SIGN_IN, patients=403, clinician=403, desks=200, admin=200)),
    # The day-before call list: the desk's own sites (desk Y asking for X gets its own site's list).
    Row("get", "/desk/calls?location={x}&date=2025-03-05",
        expect(**PAGE_SIGN_IN, patients=403, clinician=403, desks=200, admin=200), watch=("patient_a_name",),
        seen=sees(desk_x={"patient_a_name"}, desk_y=(), admin={"patient_a_name"})),
    *[Row("post", f"/desk/calls/{VISIT}/{action}",
          expect(**PAGE_SIGN_IN, patients=403, clinician=403, desk_y=404, desk_x=302, admin=302), body)
      for action, body in (("called", {"outcome": "no_answer"}),
                           ("escort", {"name": "Sam Driver", "phone": "602-555-0177", "confirmed_adult": "on"}))],
    # The waitlist: patients join for themselves, the desk for callers it may see; staff read their sites'.
    Row("post", "/api/v1/waitlist", expect(**API_SIGN_IN, patients=ACTED | {404}, desks=ACTED | {404},
                                           clinician=403, admin=ACTED | {404}), {"service": 999999}),
    Row("get", "/api/v1/waitlist/entries", expect(**API_SIGN_IN, patients=403, staff=200)),
    Row("get", "/api/v1/waitlist/report", expect(**API_SIGN_IN, patients=403, staff=200)),
    Row("post", "/api/v1/waitlist/entries/999999/withdraw", expect(**API_SIGN_IN, patients={400, 404},
                                                                   desks={400, 404}, clinician=403,
                                                                   admin={400, 404})),
    Row("post", "/api/v1/waitlist/entries/999999/priority", expect(**API_SIGN_IN, patients=403, staff={400, 404}),
        {"priority": 5}),
    Row("get", "/w/" + "W" * 22, expect(everyone=404)),
    Row("get", "/desk/waitlist", expect(**PAGE_SIGN_IN, patients=403, staff={200, 403})),
    Row("get", "/desk/waitlist/report", expect(**PAGE_SIGN_IN, patients=403, staff={200, 403})),
    *[Row("post", f"/desk/waitlist/{path}", expect(**PAGE_SIGN_IN, patients=403, clinician=403, desks=302,
                                                   admin=302))
      for path in ("add", "999999/withdraw", "999999/offer")],
    Row("post", "/desk/waitlist/999999/priority", expect(**PAGE_SIGN_IN, patients=403, staff=302)),
    Row("get", "/desk/home", expect(**PAGE_SIGN_IN, patients=403, staff=302)),
    Row("get", "/desk/my-day?date=2025-03-05", expect(**PAGE_SIGN_IN, patients=403, desks=302, admin=302,
                                                      clinician=200), watch=("patient_a_name",),
        seen=sees(clinician={"patient_a_name"})),
    Row("get", "/desk/patients?q=Quarrington", expect(**PAGE_SIGN_IN, patients=403, staff=200),
        watch=("patient_a_first_name",), seen=sees(desk_y=(), x_side={"patient_a_first_name"})),
    # The patient page is scoped to the viewer's sites for the care team too.
    Row("get", "/desk/patients/{patient_a}", expect(**PAGE_SIGN_IN, patients=403, desk_y=404, x_side=200)),
    Row("get", "/desk/patients/{patient_b}", expect(**PAGE_SIGN_IN, patients=403, x_side=404, desk_y=200,
                                                    admin=200)),
    Row("get", "/clinician/risk-alerts/", expect(**PAGE_SIGN_IN, patients=403, staff=200),
        watch=("patient_a_name",), seen=sees(desk_y=(), x_side={"patient_a_name"})),
    Row("get", "/clinician/risk-alerts/{alert_a}/", expect(**PAGE_SIGN_IN, patients=403, desk_y=404, x_side=200)),
    Row("get", "/clinician/patients/{patient_a}/checkins/",
        expect(**PAGE_SIGN_IN, patients=403, staff=200, desk_y=404)),
    Row("get", "/clinician/patients/{patient_b}/checkins/",
        expect(**PAGE_SIGN_IN, patients=403, staff=200, desk_x=404)),

    # --- the Django admin: clinic admins only (each admin view checks is_staff and model permissions)
    Row("get", "/admin/", expect(everyone=302, admin=200)),
    Row("get", "/admin/scheduling/appointment/", expect(everyone=302, admin=200)),
]

EXEMPT = {
    "healthz": "health check: no data, answered before host validation",
    "readyz": "health check: names failing parts only",
    "webhooks/": "signed by the SMS provider (tests/notifications/test_webhooks.py)",
    "api/schema/": "the public OpenAPI document",
    "api/docs/": "the API's documentation page",
    "api/redoc/": "the API's documentation page",
    "admin/": "Django admin: every view checks is_staff and model permissions; two rows above prove the gate",
    "admin/login/": "the admin sign-in (tests/security/test_abuse_limits.py locks it)",
}


def _routes(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _exempt(route: str) -> bool:
    return any(route == key or (key.endswith("/") and route.startswith(key)) for key in EXEMPT)


class _Placeholders(dict):
    def __missing__(self, key):
        return "1"


def test_every_route_is_in_the_matrix():
    covered = {resolve(row.path.split("?")[0].format_map(_Placeholders())).route for row in ROWS}
    missing = [route for route in _routes(get_resolver().url_patterns)
               if route not in covered and not _exempt(route)]

    assert missing == [], "add a row to ROWS (or a reasoned exemption to EXEMPT) for each of these"


# --- The world ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """Built once for the module inside a transaction that is rolled back at its end; each test's
    own transaction (and each request's savepoint) nests inside it."""
    with django_db_blocker.unblock(), transaction.atomic(), time_machine.travel(NOW, tick=False):
        yield _build_world()
        transaction.set_rollback(True)


def _staff_user(username: str, role: str, *locations):
    user = UserFactory(username=username, role=role)
    StaffMemberFactory(user=user, display_name=username, roles=[], locations=list(locations))
    return user


def _visit(patient, service, location, start, *members_and_resources):
    appointment = AppointmentFactory(patient=patient, service=service, location=location,
                                     modality="video" if location is None else "in_person", start=start,
                                     end=start + dt.timedelta(minutes=sum(p.duration_minutes for p in
                                                                          service.phases.all())))
    phase = Phase.objects.filter(service=service).order_by("order").first()
    for holder in members_and_resources:
        kind = "staff" if holder.__class__.__name__ == "StaffMember" else "resource"
        Allocation.objects.create(appointment=appointment, phase=phase, start=appointment.start, end=appointment.end,
                                  exclusive=True, share=0, **{kind: holder})
    return appointment


def _build_world() -> SimpleNamespace:
    x = LocationFactory(name="Phoenix")
    y = LocationFactory(name="Tucson")
    video = LocationFactory(name="Telehealth", is_virtual=True, state="", address="")
    nurse_x = StaffMemberFactory(display_name="Nurse X", roles=["nurse", "therapist", "prescriber"],
                                 locations=[x, video], user=UserFactory(username="clinician", role=Role.CLINICIAN))
    nurse_y = StaffMemberFactory(display_name="Nurse Y", roles=["nurse"], locations=[y])
    therapist_x = StaffMemberFactory(display_name="Therapist X", roles=["therapist"], locations=[x, video],
                                     user=UserFactory(username="therapist", role=Role.CLINICIAN))
    chairs = {site: ResourceFactory(location=site, name=f"Chair {site.name}") for site in (x, y)}
    for owner in ({"location": x}, {"location": y}, {"staff": nurse_x}, {"staff": nurse_y}):
        weekly_hours(start=dt.time(7), end=dt.time(19), **owner)
    iv = iv_infusion_service(locations=[x, y], code="iv", is_dosing=False)
    therapy = video_therapy_service(code="integration")
    template = CourseTemplate.objects.create(code="iv-pair", name="Two infusions", service=iv)
    template.steps.create(order=1, visits=2, min_gap_hours=48, max_gap_hours=120)

    users = {
        "patient_a": UserFactory(username="patient.a", role=Role.PATIENT),
        "patient_b": UserFactory(username="patient.b", role=Role.PATIENT),
        "desk_x": _staff_user("desk.x", Role.FRONT_DESK, x, video),
        "desk_y": _staff_user("desk.y", Role.FRONT_DESK, y),
        "clinician": nurse_x.user,
        "therapist": therapist_x.user,
        "admin": UserFactory(username="admin", role=Role.ADMIN, is_staff=True, is_superuser=True),
    }
    patient_a = PatientFactory(user=users["patient_a"], legal_first_name="Avery", legal_last_name="Quarrington",
                               phone="+16025550111")
    patient_b = PatientFactory(user=users["patient_b"], legal_first_name="Blair", legal_last_name="Underhill",
                               phone="+16025550122")
    appt_a = _visit(patient_a, iv, x, phx(5, 10), nurse_x, therapist_x, chairs[x])
    appt_b = _visit(patient_b, iv, y, phx(5, 10), nurse_y, chairs[y])
    video_a = _visit(patient_a, therapy, None, phx(3, 8), nurse_x, therapist_x)
    done_a = _visit(patient_a, iv, x, phx(1, 10), nurse_x, therapist_x, chairs[x])
    done_a.status = "completed"
    done_a.save(update_fields=["status"])

    course = Course.objects.create(patient=patient_a, template=template, location=x)
    course_visit = CourseVisit.objects.create(course=course, kind=CourseVisit.Kind.DOSE, number=1, appointment=appt_a)
    nonce = links.new_nonce()
    checkin = CheckIn.objects.create(patient=patient_a, appointment=done_a, location=x, step_key="24h",
                                     sections=["mood"], due_at=NOW - dt.timedelta(hours=1),
                                     expires_at=NOW + dt.timedelta(days=2), link_nonce=nonce,
                                     token_hash=links.hash_token(links.token_from_nonce(nonce)))
    alert = RiskAlert.objects.create(patient=patient_a, checkin=checkin, location=x, created_at=NOW)
    inbound = InboundMessage.objects.create(provider_id="SM-a", from_number=str(patient_a.phone), body="Running late",
                                            received_at=NOW, patient=patient_a, appointment=appt_a,
                                            action=InboundMessage.Action.OTHER, needs_attention=True)
    failed = OutboundMessage.objects.create(patient=patient_a, appointment=appt_a, kind="reminder_24h",
                                            template="reminder", channel="sms", status=MessageStatus.FAILED,
                                            due_at=NOW, next_attempt_at=NOW)
    override = GateOverride.objects.create(gate="escort", moment="check_in", detail="No escort", reason="Taxi",
                                           actor=users["desk_x"], patient=patient_a, service=iv, location=x,
                                           start=appt_a.start, appointment=appt_a)
    Escort.objects.create(appointment=appt_a, name="Sam Driver", phone="+16025550177", confirmed_adult=True)
    join_pass = passes.issue_pass(appointment=video_a)

    ids = {
        "x": x.pk, "y": y.pk, "iv": iv.pk, "iv_code": iv.code, "patient_a": patient_a.pk, "patient_b": patient_b.pk,
        "appt_a": appt_a.pk, "appt_b": appt_b.pk, "video_a": video_a.pk, "course_a": course.pk,
        "course_visit_a": course_visit.pk, "inbound_a": inbound.pk, "failed_a": failed.pk, "alert_a": alert.pk,
        "override_a": override.pk, "clearance_a": clearance(patient_a, cleared_by=users["clinician"]).pk,
        "clinician_staff": nurse_x.pk, "checkin_token": links.token_for(checkin),
        "join_token": passes.token_for(join_pass), "manage_token": appointment_token(appt_a),
        "free_start": iso(phx(6, 10)), "free_day": iso(phx(6, 7)), "free_day_end": iso(phx(6, 19)),
    }
    markers = {"patient_a_name": "Quarrington", "patient_a_first_name": "Avery", "appt_a_place": "Phoenix", "inbound_a_body": "Running late",
               "times_at_x": "A time not offered"}
    return SimpleNamespace(users=users, ids=ids, markers=markers)


# --- Running a row -----------------------------------------------------------------------

def _fill(value, ids):
    if isinstance(value, str):
        whole = re.fullmatch(r"\{(\w+)\}", value)
        return ids[whole.group(1)] if whole else value.format_map(ids)
    if isinstance(value, dict):
        return {key: _fill(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, ids) for item in value]
    return value


def _request(world, row: Row, actor: str):
    user = world.users.get(actor)
    path = _fill(row.path, world.ids)
    body = _fill(row.body, world.ids)
    if row.is_api:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        send = getattr(client, row.method)
        return send(path, body, format="json") if body is not None else send(path)
    client = Client()
    if user is not None:
        client.force_login(user)
    send = getattr(client, row.method)
    return send(path, body or {}) if row.method == "post" else send(path)


def _found(world, row: Row, response) -> set[str]:
    if row.is_api:
        data = response.json()
        items = data.get("results", data) if isinstance(data, dict) else data
        found_ids = {item.get("id") for item in items if isinstance(item, dict)}
        return {name for name in row.watch if world.ids[name] in found_ids}
    page = response.content.decode()
    return {name for name in row.watch if world.markers[name] in page}


@pytest.mark.parametrize("row", ROWS, ids=str)
def test_each_actor_gets_exactly_what_it_should(world, db, row):
    problems = []
    with time_machine.travel(NOW, tick=False):
        for actor in ACTORS:
            with transaction.atomic():
                response = _request(world, row, actor)
                transaction.set_rollback(True)
            if response.status_code not in row.expected[actor]:
                problems.append(f"{actor}: {response.status_code} not in {sorted(row.expected[actor])} "
                                f"{response.content[:200]!r}")
            elif actor in row.seen and response.status_code == 200:
                found = _found(world, row, response)
                if found != row.seen[actor]:
                    problems.append(f"{actor}: sees {sorted(found)}, should see {sorted(row.seen[actor])}")

    assert not problems, "\n".join(problems)

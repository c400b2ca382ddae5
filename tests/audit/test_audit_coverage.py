"""Every staff read of patient data leaves an audit row, and a new route cannot be forgotten.

The routes are not listed by hand: the API's come from its OpenAPI document (drf-spectacular's
generator, public, so every operation whatever its permissions) and the pages' from the URL
configuration. Each GET is read, with real ids filled in, by each staff actor of a small clinic
(a single-site desk, the patient's clinician, a clinic admin). Every answer of 200 must have left
a read row by that actor; when the request names a patient (a path id of the patient or of one of
their records) or filters on one (`?patient=`, the desk's search), one of those rows must carry
that patient's id, so the admin's patient filter finds it.

A route that reads no patient data is in EXEMPT with its reason. Any other route, a new one
included, is read: if no staff actor can read it (no id for its path, a 403 for all) or a read
leaves no row, the test fails and says which.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import get_resolver, URLPattern, URLResolver
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.models import Role
from audit.models import Action, AuditEntry
from care.models import Escort, GateOverride
from checkins import links
from checkins.models import CheckIn, RiskAlert
from notifications.models import InboundMessage, MessageStatus, OutboundMessage
from scheduling.models import Allocation, Course, CourseTemplate, CourseVisit, Phase
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
ACTORS = ("desk", "clinician", "admin")

# Routes that read no patient data, or not as a staff read: "/api/..." as in the schema, pages as
# "/" + their route; a key ending in "/" covers the routes under it.
EXEMPT = {
    "/api/v1/me": "the reader's own account",
    "/api/v1/services": "the catalog",
    "/api/v1/locations": "the catalog",
    "/api/v1/staff": "the catalog: who can be booked",
    "/api/v1/availability": "free times; only a signed-in patient's own bookings shape them",
    "/api/v1/availability/earliest": "free times anywhere; staff naming a patient is a read, recorded "
                                     "(tests/care/test_eligibility.py)",
    "/api/v1/course-templates": "the catalog of course kinds",
    "/api/v1/checkins/{token}": "the patient's check-in form; the link's token is the key, not a staff session",
    "/healthz": "health check",
    "/readyz": "health check",
    "/api/schema/": "the OpenAPI document",
    "/api/docs/": "the API's documentation page",
    "/api/redoc/": "the API's documentation page",
    "/webhooks/": "the SMS provider's signed callbacks: no reader",
    "/admin/": "the admin records its own reads (ModelAdmin.audit_reads; tests/audit/test_staff_reads.py)",
    "/i18n/": "the language switch",
    "/": "the patient's booking start: the catalog",
    "/book/": "the patient's booking pages: the catalog and free times",
    "/me/": "a patient's own pages: staff are refused (tests/security/test_access_matrix.py)",
    "/manage/<str:token>": "a patient's manage link: the token is the key, not a staff session",
    "/manage/<str:token>/calendar.ics": "a patient's visit as an .ics, by the manage link's token",
    "/fhir/r4/metadata": "the FHIR CapabilityStatement",
    "/fhir/r4/Schedule": "FHIR Schedules: the catalog of who can be booked for what",
    "/fhir/r4/Schedule/<str:schedule_id>": "a FHIR Schedule: the catalog",
    "/fhir/r4/Slot": "FHIR Slots: free times, as /api/v1/availability",
    "/fhir/r4/<path:rest>": "any other FHIR path: a 404 OperationOutcome",
    "/calendars/<str:token>.ics": "a clinician's calendar feed, by its secret URL; each read is recorded "
                                  "as the clinician's (tests/calendars/test_clinician_feed.py)",
    "/visit/<str:token>": "a video visit's link: the token is the key, not a staff session",
    "/visit/<str:token>/status": "a video visit's presence poll, by its token",
    "/visit/<str:token>/join": "entering the video room (a POST), by its token",
    "/c/<str:token>": "the patient's check-in form, by its token",
    "/j/<str:token>": "a text's short join link: redirects to /visit/<token>, reads nothing",
    "/m/<str:token>": "a text's short manage link: redirects to /manage/<token>, reads nothing",
    "/crisis": "crisis resources, public",
    "/desk/login": "staff sign-in",
    "/desk/block": "the empty form for blocking time (its preview, a POST, is recorded)",
    "/desk/home": "where staff land after signing in: a redirect to their day, reads nothing",
    "/api/v1/waitlist/entries": "each patient listed is recorded as read (tests/waitlist/test_api.py); the "
                                "world has no waitlist",
    "/api/v1/waitlist/report": "weekly counts of freed time and offers: no patient data",
    "/w/<str:token>": "a waitlist offer's claim link, by its token",
    "/desk/waitlist/report": "weekly counts of freed time and offers: no patient data",
    "/desk/waitlist/<int:entry_id>/withdraw": "a POST: the change is in the audit log",
    "/desk/waitlist/<int:entry_id>/priority": "a POST: the change is in the audit log",
    "/desk/waitlist/<int:entry_id>/offer": "a POST: the offer records who made it",
}

# Which of the world's records an id in a path stands for: by the parameter's name, else by the
# collection named just before it (`/appointments/{id}`).
IDS_BY_NAME = {"appointment_id": "visit", "patient_id": "patient", "alert_id": "alert", "message_id": "inbound"}
IDS_BY_COLLECTION = {"appointments": "visit", "courses": "course", "patients": "patient", "risk-alerts": "alert",
                     "Appointment": "visit", "Patient": "patient",
                     "inbox": "inbound", "clearances": "clearance", "monitoring-forms": "visit"}

# Query parameters that filter on a patient: the API's by name, read with the patient's id; the
# desk's search page by what it searches for.
PATIENT_FILTERS = ("patient",)
PAGE_QUERIES = {"/desk/book": {"q": "Quarrington"}, "/desk/patients": {"q": "Quarrington"}}
API_QUERIES = {"/api/v1/patients": {"q": "Quarrington"}}


@dataclass(frozen=True)
class Read:
    route: str  # as in EXEMPT
    path: str  # filled in
    query: dict
    names_patient: bool

    def __str__(self) -> str:
        return f"GET {self.path}" + (f"?{'&'.join(f'{k}={v}' for k, v in self.query.items())}" if self.query else "")


# --- Enumerating the routes --------------------------------------------------------------

def _resolver_routes(patterns=None, prefix: str = ""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from _resolver_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield "/" + prefix + str(pattern.pattern)


def _api_schema() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def _as_schema_path(route: str) -> str:
    """`/api/v1/appointments/<int:pk>` as the schema writes it: `/api/v1/appointments/{id}`."""
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: f"{{{'id' if m.group(1) == 'pk' else m.group(1)}}}", route)


def _exempt(route: str) -> bool:
    return any(route == key or (key.endswith("/") and key != "/" and route.startswith(key)) for key in EXEMPT)


def _fill(route: str, ids: dict) -> str | None:
    """The route with the world's ids in it, or None when a parameter stands for no known record."""
    parts = re.split(r"(\{\w+\}|<(?:\w+:)?\w+>)", route)
    out = []
    for index, part in enumerate(parts):
        match = re.fullmatch(r"\{(\w+)\}|<(?:\w+:)?(\w+)>", part)
        if not match:
            out.append(part)
            continue
        name = match.group(1) or match.group(2)
        collection = "".join(parts[:index]).rstrip("/").rsplit("/", 1)[-1]
        record = IDS_BY_NAME.get(name) or (IDS_BY_COLLECTION.get(collection) if name in ("id", "pk") else None)
        if record is None:
            return None
        out.append(str(ids[record]))
    return "".join(out)


def _reads(ids: dict) -> tuple[list[Read], list[str]]:
    """Every staff GET to make, and the routes that could not be filled in."""
    reads, unfillable = [], []
    for route, operations in _api_schema()["paths"].items():
        if "get" not in operations or _exempt(route):
            continue
        path = _fill(route, ids)
        if path is None:
            unfillable.append(route)
            continue
        query = API_QUERIES.get(route, {})
        names_patient = path != route or bool(query)
        reads.append(Read(route, path, query, names_patient))
        filters = [p["name"] for p in operations["get"].get("parameters", [])
                   if p["in"] == "query" and p["name"] in PATIENT_FILTERS]
        reads += [Read(route, path, {name: ids["patient"]}, True) for name in filters]
    for route in _resolver_routes():
        if route.startswith("/api/v1/") or _exempt(route):
            continue
        path = _fill(route, ids)
        if path is None:
            unfillable.append(route)
            continue
        query = PAGE_QUERIES.get(route, {})
        reads.append(Read(route, path, query, path != route or bool(query)))
    return reads, unfillable


# --- The clinic --------------------------------------------------------------------------

def phx(day: int, hour: int) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, tzinfo=PHX).astimezone(dt.UTC)


def _visit(patient, service, location, start, *holders):
    appointment = AppointmentFactory(
        patient=patient, service=service, location=location, modality="video" if location is None else "in_person",
        start=start, end=start + dt.timedelta(minutes=sum(p.duration_minutes for p in service.phases.all())))
    phase = Phase.objects.filter(service=service).order_by("order").first()
    for holder in holders:
        kind = "staff" if holder.__class__.__name__ == "StaffMember" else "resource"
        Allocation.objects.create(appointment=appointment, phase=phase, start=appointment.start, end=appointment.end,
                                  exclusive=True, share=0, **{kind: holder})
    return appointment


@pytest.fixture
def world(db):
    """One site and its video visits; one patient with a visit, a video visit today, a past visit
    with a check-in and a risk alert, a course, an escort, a clearance, messages and an override."""
    with time_machine.travel(NOW, tick=False):
        site = LocationFactory(name="Phoenix")
        video = LocationFactory(name="Telehealth", is_virtual=True, state="", address="")
        nurse = StaffMemberFactory(display_name="Nurse Lee", roles=["nurse", "therapist", "prescriber"],
                                   locations=[site, video], user=UserFactory(username="nurse", role=Role.CLINICIAN))
        desk = UserFactory(username="desk.phx", role=Role.FRONT_DESK)
        StaffMemberFactory(user=desk, display_name="Desk", roles=["front_desk"], locations=[site, video])
        chair = ResourceFactory(location=site, name="Chair 1")
        for owner in ({"location": site}, {"staff": nurse}):
            weekly_hours(start=dt.time(7), end=dt.time(19), **owner)
        iv = iv_infusion_service(locations=[site], code="iv", is_dosing=False)
        therapy = video_therapy_service(code="integration")
        template = CourseTemplate.objects.create(code="iv-pair", name="Two infusions", service=iv)
        template.steps.create(order=1, visits=2, min_gap_hours=48, max_gap_hours=120)

        patient = PatientFactory(user=UserFactory(username="avery", role=Role.PATIENT), legal_first_name="Avery",
                                 legal_last_name="Quarrington", phone="+16025550111")
        visit = _visit(patient, iv, site, phx(5, 10), nurse, chair)
        _visit(patient, therapy, None, phx(3, 11), nurse)
        past = _visit(patient, iv, site, phx(1, 10), nurse, chair)
        past.status = "completed"
        past.save(update_fields=["status"])
        course = Course.objects.create(patient=patient, template=template, location=site)
        CourseVisit.objects.create(course=course, kind=CourseVisit.Kind.DOSE, number=1, appointment=visit)
        nonce = links.new_nonce()
        checkin = CheckIn.objects.create(patient=patient, appointment=past, location=site, step_key="24h",
                                         sections=["mood"], due_at=NOW - dt.timedelta(hours=1),
                                         expires_at=NOW + dt.timedelta(days=2), link_nonce=nonce,
                                         token_hash=links.hash_token(links.token_from_nonce(nonce)))
        alert = RiskAlert.objects.create(patient=patient, checkin=checkin, location=site, created_at=NOW)
        inbound = InboundMessage.objects.create(
            provider_id="SM-1", from_number=str(patient.phone), body="Running late", received_at=NOW, patient=patient,
            appointment=visit, action=InboundMessage.Action.OTHER, needs_attention=True)
        OutboundMessage.objects.create(patient=patient, appointment=visit, kind="reminder_24h", template="reminder",
                                       channel="sms", status=MessageStatus.FAILED, due_at=NOW, next_attempt_at=NOW)
        GateOverride.objects.create(gate="escort", moment="check_in", detail="No escort", reason="Taxi", actor=desk,
                                    patient=patient, service=iv, location=site, start=visit.start, appointment=visit)
        Escort.objects.create(appointment=visit, name="Sam Driver", phone="+16025550177", confirmed_adult=True)
        users = {"desk": desk, "clinician": nurse.user,
                 "admin": UserFactory(username="clinic.admin", role=Role.ADMIN, is_staff=True)}
        ids = {"patient": patient.pk, "visit": visit.pk, "course": course.pk, "alert": alert.pk, "inbound": inbound.pk,
               "clearance": clearance(patient, cleared_by=nurse.user).pk}
    return SimpleNamespace(users=users, ids=ids)


def _get(user, read: Read):
    client = APIClient() if read.path.startswith("/api/") else Client()
    client.force_login(user)
    return client.get(read.path, read.query)


# --- The tests ---------------------------------------------------------------------------

def test_the_schema_documents_every_api_route():
    """So enumerating the API from its schema misses none (a view left out of the schema would)."""
    routes = {_as_schema_path(route) for route in _resolver_routes() if route.startswith("/api/v1/")}

    assert routes - set(_api_schema()["paths"]) == set()


def test_every_exemption_names_a_route():
    routes = set(_api_schema()["paths"]) | set(_resolver_routes())

    stale = [key for key in EXEMPT if not any(r == key or (key.endswith("/") and r.startswith(key)) for r in routes)]
    assert stale == []


def test_every_staff_read_of_patient_data_leaves_a_row_naming_the_patient(world):
    reads, unfillable = _reads(world.ids)
    problems = [f"{route}: no id for its path (add it to IDS_BY_NAME / IDS_BY_COLLECTION, or to EXEMPT)"
                for route in unfillable]
    with time_machine.travel(NOW, tick=False):
        for read in reads:
            answered = []
            for actor in ACTORS:
                user = world.users[actor]
                last = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
                response = _get(user, read)
                if response.status_code >= 500:
                    problems.append(f"{read} as {actor}: {response.status_code}")
                if response.status_code == 405:
                    break  # no GET: a form's POST or an action
                if response.status_code != 200:
                    continue
                answered.append(actor)
                rows = AuditEntry.objects.filter(id__gt=last, actor=user, action=Action.READ)
                if not rows.exists():
                    problems.append(f"{read} as {actor}: no audit row")
                elif read.names_patient and world.ids["patient"] not in {row.patient_id for row in rows}:
                    problems.append(f"{read} as {actor}: no audit row carries patient {world.ids['patient']} "
                                    f"({[(row.record_kind, row.patient_id, row.summary) for row in rows]})")
            else:
                if not answered:
                    problems.append(f"{read}: no staff actor could read it (fix the world, or exempt it)")

    assert not problems, "\n".join(problems)

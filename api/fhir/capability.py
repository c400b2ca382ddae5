"""GET /fhir/r4/metadata: what this server does, as a CapabilityStatement."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .resources import FHIR_VERSION, instant


def _param(name: str, kind: str, documentation: str) -> dict[str, str]:
    return {"name": name, "type": kind, "documentation": documentation}


RESOURCES: list[dict[str, Any]] = [
    {
        "type": "Schedule",
        "interaction": [{"code": "read"}, {"code": "search-type"}],
        "documentation": "One per bookable clinician (s<staff>-<service>) or, for a service that takes no clinician, "
        "chair or room (r<resource>-<service>).",
        "searchParam": [
            _param("service-type", "token", "The service's code."),
            _param("actor", "reference", "Practitioner/<id>."),
        ],
    },
    {
        "type": "Slot",
        "interaction": [{"code": "search-type"}],
        "documentation": "Free starts from the availability engine, the same as GET /api/v1/availability for the "
        "same caller, service, place and range. Without location, a service seen by video is "
        "searched by video. Ranges are at most 62 days (7 when only the start is given).",
        "searchParam": [
            _param("service-type", "token", "The service's code (or id)."),
            _param("schedule", "reference", "Schedule/<id>: a clinician's or a chair's or room's."),
            _param("start", "date", "ge/gt the range's start, lt/le its end."),
            _param("status", "token", "free (the only status searched)."),
            _param("location", "reference", "Location/<id>: the site (absent: by video)."),
        ],
    },
    {
        "type": "Appointment",
        "interaction": [{"code": "read"}, {"code": "search-type"}, {"code": "create"}],
        "documentation": "Create books through the booking service (Idempotency-Key honoured): give slot "
        "[{reference: Slot/<id>}] or serviceType, start and a Location participant, and a Patient "
        "participant (staff). A taken time answers 409 with an OperationOutcome.",
        "searchParam": [
            _param("patient", "reference", "Patient/<id>."),
            _param("date", "date", "The start: eq (a UTC day), ge, gt, le, lt."),
            _param("status", "token", "booked, checked-in, fulfilled, cancelled, noshow, pending."),
            _param("_count", "number", "Page size, 1 to 200 (50)."),
            _param("_offset", "number", "Entries to skip."),
        ],
    },
    {
        "type": "Patient",
        "interaction": [{"code": "read"}],
        "documentation": "Minimal: names, birth date and language, for the patients the caller may see.",
    },
]


def capability_statement(*, base: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": instant(now),
        "kind": "instance",
        "publisher": "Clearday",
        "software": {"name": "Clearday"},
        "implementation": {
            "description": "Clearday scheduling: a FHIR R4 facade over the booking service",
            "url": base,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "documentation": "The same sign-in, roles, site scope and audit as /api/v1/: Schedule and Slot "
                "are public like the catalog and availability (staff-only services need staff); "
                "Appointment and Patient need a sign-in.",
                "security": {
                    "description": "Authorization: Token <key> (POST /api/v1/auth/verify), or the site's "
                    "session. metadata is public."
                },
                "resource": RESOURCES,
            }
        ],
    }

"""Our records as FHIR R4 resources (plain dicts, rendered as JSON).

Ids: a Schedule is a bookable clinician (`s<staff id>-<service id>`) or, for a service that
takes no clinician, a chair or room (`r<resource id>-<service id>`). A Slot is not stored: it is a
start the engine offers, named `<service id>-<location id, or "video">-<epoch seconds>` with the
clinician's `-s<staff id>` when the search named a clinician's Schedule, so a client books it by
reference. Codes for services are ours, in SERVICE_SYSTEM.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from scheduling.models import AppointmentStatus as S

SERVICE_SYSTEM = "https://clearday.example/fhir/CodeSystem/service"
FHIR_VERSION = "4.0.1"

# Our statuses in FHIR's Appointment.status (http://hl7.org/fhir/appointmentstatus), and back.
APPOINTMENT_STATUS = {
    S.HELD: "pending",
    S.BOOKED: "booked",
    S.CHECKED_IN: "checked-in",
    S.COMPLETED: "fulfilled",
    S.CANCELLED: "cancelled",
    S.NO_SHOW: "noshow",
    S.RESCHEDULED: "cancelled",
    S.EXPIRED: "cancelled",
}
# Every status FHIR R4 defines: a search for one we never use finds nothing, not a 400.
KNOWN_APPOINTMENT_STATUSES = frozenset(
    {
        "proposed",
        "pending",
        "booked",
        "arrived",
        "fulfilled",
        "cancelled",
        "noshow",
        "entered-in-error",
        "checked-in",
        "waitlist",
    }
)
STATUSES_FOR: dict[str, list[str]] = {}
for ours, theirs in APPOINTMENT_STATUS.items():
    STATUSES_FOR.setdefault(theirs, []).append(ours)


def instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def service_concept(service) -> list[dict[str, Any]]:
    return [
        {"coding": [{"system": SERVICE_SYSTEM, "code": service.code, "display": service.name}], "text": service.name}
    ]


# --- Schedule ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleId:
    kind: str  # "s" a clinician, "r" a chair or room
    holder_id: int
    service_id: int

    def __str__(self) -> str:
        return f"{self.kind}{self.holder_id}-{self.service_id}"


_SCHEDULE_ID = re.compile(r"([sr])(\d{1,18})-(\d{1,18})")


def parse_schedule_id(value: str) -> ScheduleId | None:
    match = _SCHEDULE_ID.fullmatch(value.removeprefix("Schedule/"))
    return ScheduleId(match.group(1), int(match.group(2)), int(match.group(3))) if match else None


RESOURCE_SYSTEM = "https://clearday.example/fhir/NamingSystem/resource"


def schedule_resource(
    *, schedule_id: ScheduleId, service, holder, locations, now: dt.datetime, show_resource_name: bool
) -> dict[str, Any]:
    """A clinician's (Practitioner) or a chair's or room's (by identifier) calendar for one service,
    at the sites where both are found (none listed: by video)."""
    if schedule_id.kind == "s":
        actor = {"reference": f"Practitioner/{holder.pk}", "display": holder.display_name}
        comment = f"{service.name} with {holder.display_name}"
    else:
        kind = holder.get_kind_display()
        actor = {
            "identifier": {"system": RESOURCE_SYSTEM, "value": str(holder.pk)},
            "display": holder.name if show_resource_name else kind,
        }
        comment = f"{service.name} in a {kind.lower()}"
    return {
        "resourceType": "Schedule",
        "id": str(schedule_id),
        "active": True,
        "serviceType": service_concept(service),
        "actor": [actor] + [{"reference": f"Location/{loc.pk}", "display": loc.name} for loc in locations],
        "planningHorizon": {"start": instant(now), "end": instant(now + dt.timedelta(days=service.horizon_days))},
        "comment": comment,
    }


# --- Slot -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotId:
    service_id: int
    location_id: int | None  # None: by video
    start: dt.datetime
    staff_id: int | None = None

    def __str__(self) -> str:
        where = "video" if self.location_id is None else str(self.location_id)
        staff = f"-s{self.staff_id}" if self.staff_id is not None else ""
        return f"{self.service_id}-{where}-{int(self.start.timestamp())}{staff}"


_SLOT_ID = re.compile(r"(\d{1,18})-(video|\d{1,18})-(\d{1,11})(?:-s(\d{1,18}))?")


def parse_slot_id(value: str) -> SlotId | None:
    match = _SLOT_ID.fullmatch(value.removeprefix("Slot/"))
    if not match:
        return None
    try:
        start = dt.datetime.fromtimestamp(int(match.group(3)), tz=dt.UTC)
    except (OverflowError, ValueError, OSError):
        return None
    return SlotId(
        int(match.group(1)),
        None if match.group(2) == "video" else int(match.group(2)),
        start,
        int(match.group(4)) if match.group(4) else None,
    )


# --- Appointment ------------------------------------------------------------------------------


def appointment_resource(appointment, *, staff: list[tuple[int, str]]) -> dict[str, Any]:
    """`staff`: (id, name) of the clinicians the visit holds (none once it no longer holds time)."""
    participants = [
        {"actor": {"reference": f"Patient/{appointment.patient_id}"}, "required": "required", "status": "accepted"}
    ]
    participants += [
        {"actor": {"reference": f"Practitioner/{pk}", "display": name}, "required": "required", "status": "accepted"}
        for pk, name in staff
    ]
    if appointment.location_id is not None:
        participants.append(
            {
                "actor": {"reference": f"Location/{appointment.location_id}", "display": appointment.location.name},
                "required": "required",
                "status": "accepted",
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "Appointment",
        "id": str(appointment.pk),
        "meta": {"lastUpdated": instant(appointment.updated_at)},
        "status": APPOINTMENT_STATUS[appointment.status],
        "serviceType": service_concept(appointment.service),
        "start": instant(appointment.start),
        "end": instant(appointment.end),
        "minutesDuration": int((appointment.end - appointment.start).total_seconds() // 60),
        "created": instant(appointment.created_at),
        "participant": participants,
    }
    if appointment.location_id is None:
        resource["appointmentType"] = {"text": "Video visit"}
    if appointment.status in (S.CANCELLED, S.RESCHEDULED, S.EXPIRED):
        reason = {S.RESCHEDULED: "Moved to another time", S.EXPIRED: "The hold expired"}.get(
            appointment.status,
            "Cancelled by the patient" if appointment.cancelled_by == "patient" else "Cancelled by the clinic",
        )
        resource["cancelationReason"] = {"text": reason}
    if appointment.rescheduled_to_id:
        resource["comment"] = f"Moved: see Appointment/{appointment.rescheduled_to_id}."
    return resource


# --- Patient ----------------------------------------------------------------------------------


def patient_resource(patient) -> dict[str, Any]:
    """Minimal: who it is, not how to reach them."""
    given = [patient.legal_first_name]
    names = [{"use": "official", "family": patient.legal_last_name, "given": given}]
    if patient.preferred_name and patient.preferred_name != patient.legal_first_name:
        names.append({"use": "usual", "family": patient.legal_last_name, "given": [patient.preferred_name]})
    return {
        "resourceType": "Patient",
        "id": str(patient.pk),
        "active": True,
        "name": names,
        "birthDate": patient.date_of_birth.isoformat(),
        "communication": [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.language}]}, "preferred": True}
        ],
    }


# --- Bundles ----------------------------------------------------------------------------------


def searchset(
    *,
    resources: list[dict[str, Any]],
    base: str,
    total: int | None = None,
    self_url: str = "",
    next_url: str = "",
    full_urls: bool = True,
) -> dict[str, Any]:
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset"}
    if total is not None:
        bundle["total"] = total
    links = [{"relation": "self", "url": self_url}] if self_url else []
    if next_url:
        links.append({"relation": "next", "url": next_url})
    if links:
        bundle["link"] = links
    if full_urls:
        bundle["entry"] = [
            {"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ]
    else:
        bundle["entry"] = [{"resource": r, "search": {"mode": "match"}} for r in resources]
    return bundle

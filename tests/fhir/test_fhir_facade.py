"""The FHIR R4 facade: every resource it serves validates as FHIR (R4B models), Slots agree with
/api/v1/availability, an Appointment create books through the booking service and a conflict is a
409 OperationOutcome, and reads keep the API's scope and audit."""

from __future__ import annotations

import datetime as dt

import pytest

from audit.models import AuditEntry
from scheduling.models import Appointment, AppointmentStatus as S
from scheduling.services.booking import book_appointment
from tests.booking.conftest import at, client_for, desk_user, iso, MONDAY
from tests.fhir.conftest import valid

pytestmark = pytest.mark.django_db
FHIR = "application/fhir+json"
DAY_START, DAY_END = at(0), at(0, day=MONDAY + dt.timedelta(days=1))


def fhir(client, path, **params):
    response = client.get(f"/fhir/r4/{path}", params, HTTP_ACCEPT=FHIR)
    assert response["Content-Type"].startswith(FHIR)
    return response


def post(client, body, **headers):
    response = client.post("/fhir/r4/Appointment", body, format="json", HTTP_ACCEPT=FHIR, **headers)
    assert response["Content-Type"].startswith(FHIR)
    return response


def slot_search(client, clinic, start=DAY_START, end=DAY_END, **extra):
    return fhir(
        client,
        "Slot",
        **{
            "service-type": clinic.service.code,
            "location": f"Location/{clinic.location.pk}",
            "start": [f"ge{iso(start)}", f"lt{iso(end)}"],
            "status": "free",
            **extra,
        },
    )


def test_metadata_is_a_valid_capability_statement_open_to_anyone(db):
    from rest_framework.test import APIClient

    body = valid(fhir(APIClient(), "metadata").json())

    assert body["resourceType"] == "CapabilityStatement"
    assert {r["type"] for r in body["rest"][0]["resource"]} == {"Schedule", "Slot", "Appointment", "Patient"}


def test_schedules_are_one_per_clinician_and_service_and_validate(clinic, people):
    body = valid(fhir(client_for(people.desk), "Schedule").json())

    ids = [entry["resource"]["id"] for entry in body["entry"]]
    assert ids == [f"s{clinic.nurse.pk}-{clinic.service.pk}"]
    schedule = body["entry"][0]["resource"]
    assert schedule["actor"][0] == {"reference": f"Practitioner/{clinic.nurse.pk}", "display": "Nurse 1"}
    assert valid(fhir(client_for(people.desk), f"Schedule/{ids[0]}").json())["id"] == ids[0]
    assert fhir(client_for(people.desk), "Schedule/s999-1").status_code == 404


def test_a_slot_search_agrees_with_the_availability_api_and_validates(clinic, people, frozen):
    book_appointment(
        patient=people.ben, service=clinic.service, location=clinic.location, start=at(10), actor=people.desk
    )
    for user in (people.ana.user, people.desk):
        client = client_for(user)
        availability = client.get(
            "/api/v1/availability",
            {
                "service": clinic.service.code,
                "location": clinic.location.pk,
                "start": iso(DAY_START),
                "end": iso(DAY_END),
                "detail": "full",  # start and end in UTC, as the Slot's
            },
        ).json()
        body = valid(slot_search(client, clinic).json())

        offered = [(s["start"], s["end"]) for s in availability["slots"]]
        slots = [(e["resource"]["start"], e["resource"]["end"]) for e in body["entry"]]
        assert slots == offered
        assert len(slots) > 10
        assert iso(at(10)) not in {start for start, _ in slots}
        assert {e["resource"]["schedule"]["reference"] for e in body["entry"]} == {
            f"Schedule/s{clinic.nurse.pk}-{clinic.service.pk}"
        }


def test_a_slot_search_by_schedule_and_with_a_page_size(clinic, people, frozen):
    client = client_for(people.desk)
    schedule = f"Schedule/s{clinic.nurse.pk}-{clinic.service.pk}"
    everything = valid(slot_search(client, clinic).json())["entry"]

    by_schedule = valid(slot_search(client, clinic, schedule=schedule).json())["entry"]
    first_page = valid(slot_search(client, clinic, _count=5).json())

    assert [e["resource"]["start"] for e in by_schedule] == [e["resource"]["start"] for e in everything]
    assert by_schedule[0]["resource"]["id"].endswith(f"-s{clinic.nurse.pk}")
    assert [e["resource"]["id"] for e in first_page["entry"]] == [e["resource"]["id"] for e in everything[:5]]
    assert [link["relation"] for link in first_page["link"]] == ["next"]


def test_busy_slots_are_not_searched_and_bad_parameters_are_an_operation_outcome(clinic, people, frozen):
    client = client_for(people.desk)

    assert valid(slot_search(client, clinic, status="busy").json())["entry"] == []
    for params in (
        {"location": f"Location/{clinic.location.pk}", "start": "ge2025-03-10T00:00:00Z"},
        {"service-type": clinic.service.code, "location": "Location/x", "start": "ge2025-03-10"},
        {
            "service-type": clinic.service.code,
            "location": f"Location/{clinic.location.pk}",
            "start": "ge2025-03-10T09:00:00",
        },
        {"service-type": "nope", "start": "ge2025-03-10"},
        {
            "service-type": clinic.service.code,
            "location": f"Location/{clinic.location.pk}",
            "start": ["ge2025-03-10", "lt2025-06-10"],
        },
    ):
        response = fhir(client, "Slot", **params)

        assert response.status_code == 400, params
        outcome = valid(response.json())
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["code"] == "invalid"


def test_an_appointment_create_books_and_a_conflicting_one_is_a_409_operation_outcome(clinic, people, frozen):
    slot = valid(slot_search(client_for(people.ana.user), clinic).json())["entry"][0]["resource"]
    body = {
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": f"Slot/{slot['id']}"}],
        "participant": [{"actor": {"reference": f"Patient/{people.ana.pk}"}, "status": "accepted"}],
    }

    created = post(client_for(people.ana.user), body)

    assert created.status_code == 201, created.content
    appointment = valid(created.json())
    stored = Appointment.objects.get(pk=int(appointment["id"]))
    assert (stored.patient, stored.status, iso(stored.start)) == (people.ana, S.BOOKED, slot["start"])
    assert appointment["status"] == "booked"
    assert created["Location"].endswith(f"/fhir/r4/Appointment/{stored.pk}")
    assert {"reference": f"Practitioner/{clinic.nurse.pk}", "display": "Nurse 1"} in [
        p["actor"] for p in appointment["participant"]
    ]

    body["participant"][0]["actor"]["reference"] = f"Patient/{people.ben.pk}"
    conflict = post(client_for(people.desk), body)

    assert conflict.status_code == 409
    outcome = valid(conflict.json())
    assert outcome["issue"][0]["code"] == "conflict"
    assert outcome["issue"][0]["details"]["coding"][0]["code"] == "slot_taken"
    assert Appointment.objects.filter(patient=people.ben).count() == 0


def test_the_desk_books_by_service_start_and_location_and_a_retry_with_the_same_key_replays(clinic, people, frozen):
    body = {
        "resourceType": "Appointment",
        "status": "booked",
        "serviceType": [{"coding": [{"code": clinic.service.code}]}],
        "start": iso(at(11)),
        "participant": [
            {"actor": {"reference": f"Patient/{people.ben.pk}"}, "status": "accepted"},
            {"actor": {"reference": f"Location/{clinic.location.pk}"}, "status": "accepted"},
        ],
    }
    client = client_for(people.desk)

    first = post(client, body, HTTP_IDEMPOTENCY_KEY="fhir-1")
    again = post(client, body, HTTP_IDEMPOTENCY_KEY="fhir-1")

    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Appointment.objects.filter(patient=people.ben, status=S.BOOKED).count() == 1
    assert valid(first.json())["start"] == iso(at(11))


def test_another_sites_desk_cannot_book_here_and_a_clinician_cannot_book(clinic, people, frozen):
    body = {
        "resourceType": "Appointment",
        "status": "booked",
        "serviceType": [{"coding": [{"code": clinic.service.code}]}],
        "start": iso(at(11)),
        "participant": [
            {"actor": {"reference": f"Patient/{people.ana.pk}"}, "status": "accepted"},
            {"actor": {"reference": f"Location/{clinic.location.pk}"}, "status": "accepted"},
        ],
    }

    assert post(client_for(people.tucson_desk), body).status_code in (400, 403)
    assert post(client_for(people.nurse), body).status_code == 403
    assert not Appointment.objects.exists()


def test_appointments_read_and_search_by_patient_date_and_status_validate_and_are_audited(clinic, people, frozen):
    mine = book_appointment(
        patient=people.ana, service=clinic.service, location=clinic.location, start=at(9), actor=people.desk
    )
    book_appointment(
        patient=people.ben, service=clinic.service, location=clinic.location, start=at(13), actor=people.desk
    )
    desk = client_for(people.desk)

    read = valid(fhir(desk, f"Appointment/{mine.pk}").json())
    found = valid(
        fhir(desk, "Appointment", patient=f"Patient/{people.ana.pk}", date="2025-03-10", status="booked").json()
    )
    none_cancelled = valid(fhir(desk, "Appointment", patient=f"Patient/{people.ana.pk}", status="cancelled").json())

    assert read["id"] == str(mine.pk) and read["status"] == "booked"
    assert [e["resource"]["id"] for e in found["entry"]] == [str(mine.pk)]
    assert found["total"] == 1 and none_cancelled["total"] == 0
    assert AuditEntry.objects.filter(actor=people.desk, action="read", record_id=str(mine.pk)).exists()
    assert AuditEntry.objects.filter(actor=people.desk, action="read", record_id="", patient_id=people.ana.pk).exists()


def test_reads_keep_the_apis_scope(clinic, people, frozen):
    visit = book_appointment(
        patient=people.ana, service=clinic.service, location=clinic.location, start=at(9), actor=people.desk
    )
    other_desk = desk_user("otherdesk", clinic.other_location)

    assert fhir(client_for(people.ben.user), f"Appointment/{visit.pk}").status_code == 404
    assert fhir(client_for(other_desk), f"Appointment/{visit.pk}").status_code == 404
    assert valid(fhir(client_for(other_desk), "Appointment").json())["total"] == 0
    assert valid(fhir(client_for(people.ben.user), "Appointment").json())["total"] == 0
    assert fhir(client_for(people.ben.user), f"Patient/{people.ana.pk}").status_code == 404
    missing = fhir(client_for(other_desk), f"Patient/{people.ana.pk}")
    assert missing.status_code == 404
    assert valid(missing.json())["issue"][0]["code"] == "not-found"


def test_a_patient_read_is_minimal_valid_and_audited(clinic, people, frozen):
    body = valid(fhir(client_for(people.nurse), f"Patient/{people.ana.pk}").json())

    assert body["name"][0]["given"] == [people.ana.legal_first_name]
    assert body["birthDate"] == people.ana.date_of_birth.isoformat()
    assert "telecom" not in body
    assert AuditEntry.objects.filter(
        actor=people.nurse, record_kind="scheduling.patient", patient_id=people.ana.pk
    ).exists()
    assert valid(fhir(client_for(people.ana.user), f"Patient/{people.ana.pk}").json())["id"] == str(people.ana.pk)


def test_without_a_token_the_answer_is_a_401_operation_outcome(db):
    from rest_framework.test import APIClient

    response = fhir(APIClient(), "Appointment")

    assert response.status_code == 401
    assert valid(response.json())["issue"][0]["code"] == "login"


def test_a_video_slot_search_agrees_with_availability_and_a_cancelled_video_visit_validates(clinic, people, frozen):
    from scheduling.services.transitions import cancel_appointment
    from tests.factories import StaffMemberFactory, video_therapy_service, weekly_hours

    therapist = StaffMemberFactory(
        display_name="Dr. Vega", roles=["therapist"], licensed_states=["AZ"], time_zone="America/Phoenix"
    )
    weekly_hours(staff=therapist, start=dt.time(7), end=dt.time(19))
    service = video_therapy_service(code="integration-video")
    people.ana.state = "AZ"
    people.ana.save()
    client = client_for(people.ana.user)
    availability = client.get(
        "/api/v1/availability",
        {"service": service.code, "modality": "video", "start": iso(DAY_START), "end": iso(DAY_END), "detail": "full"},
    ).json()

    body = valid(
        fhir(
            client, "Slot", **{"service-type": service.code, "start": [f"ge{iso(DAY_START)}", f"lt{iso(DAY_END)}"]}
        ).json()
    )

    assert [(e["resource"]["start"], e["resource"]["end"]) for e in body["entry"]] == [
        (s["start"], s["end"]) for s in availability["slots"]
    ]
    slot_id = body["entry"][0]["resource"]["id"]
    assert "-video-" in slot_id
    created = post(
        client,
        {
            "resourceType": "Appointment",
            "status": "booked",
            "slot": [{"reference": f"Slot/{slot_id}"}],
            "participant": [{"actor": {"reference": f"Patient/{people.ana.pk}"}, "status": "accepted"}],
        },
    )
    assert created.status_code == 201, created.content
    visit = Appointment.objects.get(pk=int(created.json()["id"]))
    assert visit.location_id is None
    cancel_appointment(appointment=visit, actor=people.desk, reason="Clinic closed")

    cancelled = valid(fhir(client, f"Appointment/{visit.pk}").json())

    assert cancelled["status"] == "cancelled"
    assert cancelled["cancelationReason"] == {"text": "Cancelled by the clinic"}


def test_a_path_the_server_does_not_serve_is_a_404_operation_outcome(db):
    from rest_framework.test import APIClient

    response = fhir(APIClient(), "Observation")

    assert response.status_code == 404
    assert valid(response.json())["issue"][0]["details"]["coding"][0]["code"] == "fhir_endpoint_not_found"

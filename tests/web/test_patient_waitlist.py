"""The patient's waitlist pages: joining from the times page when no time suits (with the days
and times of day they accept), "I'd take an earlier time" for a booked visit, leaving the list,
a refusal that says why, and a visitor sent to sign in and back to the form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from scheduling.services.booking import book_appointment
from waitlist.models import EntryStatus, Place, WaitlistEntry

from .conftest import at, MONDAY, patient_with_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(clinic):
    return patient_with_user(
        username="ana", phone="+16025550101", email="ana@example.com", legal_first_name="Ana", state="AZ"
    )


def test_the_times_page_offers_the_waitlist_for_its_service_and_place(client, clinic, ana, frozen):
    client.force_login(ana.user)
    page = client.get(reverse("web:times", args=["integration", clinic.phoenix.pk])).content.decode()

    join_url = reverse("web:waitlist-join", args=["integration", clinic.phoenix.pk])
    assert "None of these times work for me" in page and join_url in page


def test_a_patient_joins_with_the_defaults_any_day_any_time_four_weeks(client, clinic, ana, frozen):
    client.force_login(ana.user)
    url = reverse("web:waitlist-join", args=["integration", clinic.phoenix.pk])
    form = client.get(url).content.decode()
    assert 'value="2025-03-03"' in form and 'value="2025-03-31"' in form

    data = {
        "earliest_date": "2025-03-03",
        "latest_date": "2025-03-31",
        "weekdays": [str(d) for d in range(7)],
        "times": ["morning", "afternoon", "evening"],
    }
    response = client.post(url, data)

    assert response.url == reverse("web:my-appointments")
    entry = WaitlistEntry.objects.get(patient=ana)
    assert (entry.service, entry.place, entry.location) == (clinic.integration, Place.LOCATION, clinic.phoenix)
    assert entry.weekdays == list(range(7)) and entry.time_ranges == []
    assert (entry.earliest_date, entry.latest_date) == (MONDAY, dt.date(2025, 3, 31))
    listing = client.get(response.url).content.decode()
    assert "You are on the waitlist" in listing and "Waiting for a time" in listing and "Leave the waitlist" in listing


def test_chosen_weekdays_and_times_of_day_are_kept_for_video(client, clinic, ana, frozen):
    client.force_login(ana.user)
    client.post(
        reverse("web:waitlist-join", args=["integration", "video"]),
        {
            "earliest_date": "2025-03-04",
            "latest_date": "2025-03-14",
            "weekdays": ["1", "3"],
            "times": ["morning", "evening"],
        },
    )

    entry = WaitlistEntry.objects.get(patient=ana)
    assert entry.place == Place.VIDEO and entry.location is None
    assert entry.weekdays == [1, 3] and entry.time_ranges == [["07:00", "12:00"], ["17:00", "21:00"]]


def test_an_empty_choice_or_a_past_day_is_refused_in_words(client, clinic, ana, frozen):
    client.force_login(ana.user)
    page = client.post(
        reverse("web:waitlist-join", args=["integration", "any"]),
        {"earliest_date": "2025-03-01", "latest_date": "2025-03-14", "times": ["morning"]},
    )

    text = page.content.decode()
    assert page.status_code == 200 and not WaitlistEntry.objects.exists()
    assert "Choose today or a later day." in text and "Choose at least one day of the week." in text
    assert (
        'aria-describedby="id_earliest_date_error id_earliest_date_helptext"' in text
        or 'aria-describedby="id_earliest_date_helptext id_earliest_date_error"' in text
    )


def test_a_patient_who_cannot_book_the_service_is_told_why(client, clinic, ana, frozen):
    """An infusion needs the clinician's clearance: the service refuses and the page says so."""
    client.force_login(ana.user)
    page = client.post(
        reverse("web:waitlist-join", args=["iv-infusion", clinic.phoenix.pk]),
        {"earliest_date": "2025-03-03", "latest_date": "2025-03-31", "weekdays": ["0"], "times": ["morning"]},
    ).content.decode()

    assert not WaitlistEntry.objects.exists()
    assert 'role="alert"' in page and "You cannot join this waitlist" in page


def test_a_visitor_signs_in_first_and_comes_back_to_the_form(client, clinic, frozen):
    url = reverse("web:waitlist-join", args=["integration", "video"])
    response = client.get(url)

    assert response.status_code == 302 and response.url == f"{reverse('web:sign-in')}?next={url}"


def test_id_take_an_earlier_time_links_the_visit_until_its_day(client, clinic, ana, frozen):
    visit = book_appointment(
        patient=ana,
        service=clinic.integration,
        location=clinic.phoenix,
        start=at(10, day=MONDAY + dt.timedelta(days=9)),
        actor=ana.user,
    )
    client.force_login(ana.user)
    listing = client.get(reverse("web:my-appointments")).content.decode()
    url = reverse("web:waitlist-earlier", args=[visit.pk])
    assert url in listing and "take an earlier time" in listing

    too_late = client.post(
        url,
        {
            "earliest_date": "2025-03-03",
            "latest_date": "2025-03-20",
            "weekdays": ["0", "1", "2", "3", "4"],
            "times": ["morning", "afternoon", "evening"],
        },
    )
    assert "on or before the day of your visit" in too_late.content.decode()
    client.post(
        url,
        {
            "earliest_date": "2025-03-03",
            "latest_date": "2025-03-12",
            "weekdays": ["0", "1", "2", "3", "4"],
            "times": ["morning", "afternoon", "evening"],
        },
    )

    entry = WaitlistEntry.objects.get(patient=ana)
    assert entry.move_up == visit and entry.latest_date == dt.date(2025, 3, 12)
    assert (entry.place, entry.location) == (Place.LOCATION, clinic.phoenix)
    assert "Earlier than your visit on" in client.get(reverse("web:my-appointments")).content.decode()


def test_another_patients_visit_or_entry_is_not_found(client, clinic, ana, frozen):
    other = patient_with_user(username="bo", phone="+16025550102", state="AZ")
    visit = book_appointment(
        patient=other,
        service=clinic.integration,
        location=clinic.phoenix,
        start=at(10, day=MONDAY + dt.timedelta(days=9)),
        actor=other.user,
    )
    client.force_login(other.user)
    client.post(
        reverse("web:waitlist-join", args=["integration", "video"]),
        {"earliest_date": "2025-03-03", "latest_date": "2025-03-31", "weekdays": ["0"], "times": ["morning"]},
    )
    entry = WaitlistEntry.objects.get(patient=other)
    client.force_login(ana.user)

    assert client.get(reverse("web:waitlist-earlier", args=[visit.pk])).status_code == 404
    assert client.post(reverse("web:waitlist-withdraw", args=[entry.pk])).status_code == 404
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WAITING


def test_leaving_the_waitlist_withdraws_the_entry(client, clinic, ana, frozen):
    client.force_login(ana.user)
    client.post(
        reverse("web:waitlist-join", args=["integration", "video"]),
        {"earliest_date": "2025-03-03", "latest_date": "2025-03-31", "weekdays": ["0"], "times": ["morning"]},
    )
    entry = WaitlistEntry.objects.get(patient=ana)

    response = client.post(reverse("web:waitlist-withdraw", args=[entry.pk]))

    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN
    listing = client.get(response.url).content.decode()
    assert "You left the waitlist" in listing and "Leave the waitlist" not in listing


def test_a_spanish_speaking_patient_gets_the_pages_in_spanish(client, clinic, ana, frozen):
    ana.language = "es"
    ana.save(update_fields=["language"])
    client.force_login(ana.user)
    times = client.get(reverse("web:times", args=["integration", clinic.phoenix.pk])).content.decode()
    url = reverse("web:waitlist-join", args=["integration", "video"])
    page = client.get(url).content.decode()
    client.post(
        url, {"earliest_date": "2025-03-03", "latest_date": "2025-03-31", "weekdays": ["0"], "times": ["morning"]}
    )
    listing = client.get(reverse("web:my-appointments")).content.decode()

    assert "Ninguna de estas horas me sirve" in times
    assert "Unirse a la lista de espera" in page and "Días de la semana" in page and "lunes" in page
    assert 'value="2025-03-03"' in page  # a date input takes ISO dates whatever the language
    assert "Usted está en la lista de espera" in listing and "Salir de la lista de espera" in listing

"""The path around booking: the list follows the patient's next step, eligibility is said before
any time, a clinical rule's refusal is not a lost race, the review page shows the preparation and
the policy, and a booked visit goes into the patient's calendar."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from care.models import Escort
from scheduling.demo.catalog import DESCRIPTIONS
from scheduling.models import Appointment, AppointmentStatus as S, Course, CourseTemplate, CourseVisit, Service
from scheduling.services.booking import book_appointment
from tests.factories import clearance, PhaseFactory, ServiceFactory, StaffMemberFactory, UserFactory, weekly_hours

from .conftest import at, make_clinic, MONDAY, patient_with_user

pytestmark = pytest.mark.django_db


def add_evaluation(clinic, *, opens: dt.time = dt.time(7), closes: dt.time = dt.time(19)):
    """An evaluation with a prescriber, in person in Phoenix or by video, as the demo clinic has."""
    prescriber = StaffMemberFactory(
        display_name="Dr. Rivera",
        roles=["prescriber"],
        licensed_states=["AZ"],
        locations=[clinic.phoenix, clinic.telehealth],
        user=UserFactory(username="dr.rivera", role="clinician"),
    )
    weekly_hours(staff=prescriber, start=opens, end=closes)
    evaluation = ServiceFactory(
        code="evaluation",
        name="Initial evaluation",
        category=Service.Category.EVALUATION,
        modality="either",
        locations=[clinic.phoenix],
        min_notice_minutes=60,
        description=DESCRIPTIONS["evaluation"],  # the demo's, which the Spanish catalogue translates
    )
    PhaseFactory(service=evaluation, order=1, name="Evaluation", duration_minutes=60, staff_role="prescriber")
    return evaluation


@pytest.fixture
def clinic(db):
    clinic = make_clinic()
    clinic.evaluation = add_evaluation(clinic)
    return clinic


@pytest.fixture
def ana(clinic):
    return patient_with_user(
        username="ana", phone="+16025550101", legal_first_name="Ana", state="AZ", time_zone="America/Phoenix"
    )


def slot_value(start: dt.datetime) -> str:
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def names_in_order(page: str) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong>", page[page.index('class="choices"') :])


def test_a_visitor_sees_the_evaluation_first_and_each_service_with_its_next_time_length_and_preparation(
    client, clinic, frozen
):
    page = client.get("/").content.decode()

    assert names_in_order(page)[0] == "Initial evaluation"
    assert "Your next step" in page
    # 60 minutes' notice from 08:00 in Phoenix: the first time anywhere is 9:00.
    assert re.search(r"Next: Mon,? (3 Mar|Mar 3), 9:00 AM MST · Phoenix", page)
    assert "60 min · in person or by video · Nothing to prepare." in page
    # A dosing service says why a visitor cannot book it, and its fasting and driver rules in one line.
    infusion = page[page.index("IV infusion session") :]
    assert "This treatment starts with an evaluation." in infusion[:600]
    assert "85 min · in person · No solid food for 6 hours before your visit. An adult must take you home." in page


def test_a_patient_in_a_course_sees_the_courses_next_service_first(client, clinic, ana, frozen):
    clearance(ana)
    template = CourseTemplate.objects.create(
        code="iv-induction", name="IV induction", service=clinic.iv, companion_service=clinic.integration
    )
    course = Course.objects.create(patient=ana, template=template, location=clinic.phoenix)
    integration = book_appointment(
        patient=ana,
        service=clinic.integration,
        location=clinic.phoenix,
        start=at(10, day=MONDAY + dt.timedelta(days=2)),
        actor=ana.user,
    )
    CourseVisit.objects.create(course=course, kind=CourseVisit.Kind.COMPANION, number=1, appointment=integration)
    client.force_login(ana.user)

    assert names_in_order(client.get("/").content.decode())[0] == "Integration session"


def test_a_new_visitor_choosing_an_infusion_is_led_to_the_evaluation_and_its_earliest_time(client, clinic, frozen):
    page = client.get(reverse("web:place", args=["iv-infusion"])).content.decode()

    assert "This treatment starts with an evaluation." in page
    assert "In person in Phoenix" not in page  # no places, so no times that would fail
    assert f'href="{reverse("web:place", args=["evaluation"])}"' in page
    assert f'value="{clinic.phoenix.pk}@{slot_value(at(9))}"' in page
    assert "Sign in</a> to book" in page
    # The times themselves lead back to the explanation.
    times = client.get(reverse("web:times", args=["iv-infusion", clinic.phoenix.pk]))
    assert times.status_code == 302 and times.url == reverse("web:place", args=["iv-infusion"])

    # The offered evaluation time is one tap away from the details step.
    picked = client.post(
        reverse("web:pick", args=["evaluation", "any"]), {"slot": f"{clinic.phoenix.pk}@{slot_value(at(9))}"}
    )
    assert picked.url == reverse("web:details")
    assert client.session["booking"]["where"] == str(clinic.phoenix.pk)


def test_a_visitor_who_picks_a_video_time_from_earliest_anywhere_gets_their_own_states_clock(
    client, clinic, frozen, django_capture_on_commit_callbacks
):
    client.post(reverse("web:pick", args=["evaluation", "any"]), {"slot": f"video@{slot_value(at(9))}"})

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("web:details"),
            {
                "first_name": "Rosa",
                "last_name": "Reyes",
                "date_of_birth": "1988-04-02",
                "phone": "602-555-0177",
                "state": "AZ",
                "language": "en",
            },
        )

    hold = Appointment.objects.select_related("patient").get(status=S.HELD)
    assert hold.location is None and hold.start == at(9) and hold.patient.time_zone == "America/Phoenix"


def test_a_signed_in_patient_without_clearance_is_told_why_and_offered_the_evaluation(client, clinic, ana, frozen):
    client.force_login(ana.user)

    page = client.get(reverse("web:place", args=["iv-infusion"])).content.decode()

    assert "This treatment starts with an evaluation." in page
    assert "Start here: Initial evaluation" in page and "Choose a time for the evaluation" in page
    assert "clinician clearance" not in page and "Sign in</a>" not in page


def test_a_patient_whose_clearance_expired_is_told_the_day_and_given_a_number_to_tap(client, clinic, ana, frozen):
    clearance(ana, expires_on=dt.date(2025, 2, 28))
    client.force_login(ana.user)

    page = client.get(reverse("web:place", args=["iv-infusion"])).content.decode()

    assert "Your clearance for this treatment expired on" in page and "2025" in page
    assert 'href="tel:' in page
    assert "In person in Phoenix" not in page


def test_a_cleared_patient_sees_the_places_and_earliest_anywhere(client, clinic, ana, frozen):
    clearance(ana, expires_on=dt.date(2025, 6, 30))
    client.force_login(ana.user)

    page = client.get(reverse("web:place", args=["integration"])).content.decode()
    assert "Earliest anywhere" in page and "In person in Phoenix" in page and "By video" in page

    anywhere = client.get(reverse("web:times", args=["integration", "any"])).content.decode()
    assert f'value="{clinic.phoenix.pk}@{slot_value(at(9))}"' in anywhere
    assert f'value="video@{slot_value(at(9))}"' in anywhere

    nonsense = client.post(reverse("web:pick", args=["integration", "any"]), {"slot": "mars@tomorrow"})
    assert nonsense.url == reverse("web:times", args=["integration", "any"])
    picked = client.post(reverse("web:pick", args=["integration", "any"]), {"slot": f"video@{slot_value(at(9))}"})
    assert picked.url == reverse("web:review")
    hold = Appointment.objects.get(status=S.HELD)
    assert hold.location is None and hold.start == at(9)

    dosing = client.get(reverse("web:place", args=["iv-infusion"])).content.decode()
    assert "You can book this treatment: your clearance holds until" in dosing


def test_a_rule_that_fails_at_confirm_is_not_shown_as_a_lost_race_and_offers_no_times(client, clinic, ana, frozen):
    granted = clearance(ana)
    client.force_login(ana.user)
    client.get(reverse("web:times", args=["iv-infusion", clinic.phoenix.pk]))
    client.post(reverse("web:pick", args=["iv-infusion", clinic.phoenix.pk]), {"slot": slot_value(at(10))})
    granted.revoked_at = timezone.now()
    granted.save()
    frozen.shift(dt.timedelta(minutes=30))  # the hold lapsed: confirming books afresh, through the gates

    response = client.post(reverse("web:review"))

    assert response.url == reverse("web:refused")
    page = client.get(response.url).content.decode()
    assert "cannot be booked online for you" in page
    assert "Your clearance for this treatment has ended." in page and 'href="tel:' in page
    assert "someone else booked it" not in page and "no longer free" not in page
    assert 'class="slot"' not in page
    assert not Appointment.objects.filter(status=S.BOOKED).exists()


def test_times_past_the_clearances_last_day_are_not_offered(client, clinic, ana, frozen):
    clearance(ana, expires_on=MONDAY + dt.timedelta(days=1))
    client.force_login(ana.user)

    page = client.get(reverse("web:times", args=["iv-infusion", clinic.phoenix.pk])).content.decode()
    later = client.get(
        reverse("web:times", args=["iv-infusion", clinic.phoenix.pk]), {"day": "2025-03-05"}
    ).content.decode()

    assert 'value="2025-03-03T' in page  # today's times
    assert "2025-03-05T" not in page and 'class="slot"' not in later.split('id="by-day"')[1]


def test_a_time_past_the_clearances_last_day_is_refused_in_plain_words_without_times(client, clinic, ana, frozen):
    clearance(ana, expires_on=MONDAY + dt.timedelta(days=1))
    client.force_login(ana.user)
    client.get(reverse("web:times", args=["iv-infusion", clinic.phoenix.pk]))

    response = client.post(
        reverse("web:pick", args=["iv-infusion", clinic.phoenix.pk]),
        {"slot": slot_value(at(10, day=MONDAY + dt.timedelta(days=2)))},
    )

    assert response.url == reverse("web:refused")
    page = client.get(response.url).content.decode()
    assert "clearance for this treatment does not cover that day" in page and 'href="tel:' in page
    assert "no longer free" not in page and 'class="slot"' not in page
    assert not Appointment.objects.exists()


def test_the_review_page_shows_preparation_policy_and_asks_for_the_escort(client, clinic, ana, frozen):
    clearance(ana)
    client.force_login(ana.user)
    tuesday = MONDAY + dt.timedelta(days=1)
    client.get(reverse("web:times", args=["iv-infusion", clinic.phoenix.pk]))
    client.post(reverse("web:pick", args=["iv-infusion", clinic.phoenix.pk]), {"slot": slot_value(at(10, day=tuesday))})

    page = client.get(reverse("web:review")).content.decode()

    assert "How to prepare" in page and "No solid food for 6 hours before your visit." in page
    assert "Bring an adult to take you home." in page and "A photo ID" in page
    assert "Cancellation policy" in page and re.search(r"until Monday,? (3 March|March 3),? 2025, 10:00 AM", page)
    assert "starts in less than" not in page  # 26 hours away: outside the 24-hour window
    assert 'name="escort-name"' in page and 'name="escort-phone"' in page

    half = client.post(reverse("web:review"), {"escort-name": "Luis Ortega"})
    assert half.status_code == 200 and "Give both their name and their mobile number" in half.content.decode()
    assert not Appointment.objects.filter(status=S.BOOKED).exists()

    done = client.post(reverse("web:review"), {"escort-name": "Luis Ortega", "escort-phone": "602-555-0150"})

    booked = Appointment.objects.get(status=S.BOOKED)
    assert done.url == reverse("web:booked", args=[booked.pk])
    escort = Escort.objects.get(appointment=booked)
    assert escort.name == "Luis Ortega" and str(escort.phone) == "+16025550150" and escort.confirmed_adult


def test_the_review_page_warns_when_the_time_is_already_inside_the_late_cancellation_window(
    client, clinic, ana, frozen
):
    client.force_login(ana.user)
    client.get(reverse("web:times", args=["integration", clinic.phoenix.pk]))
    client.post(reverse("web:pick", args=["integration", clinic.phoenix.pk]), {"slot": slot_value(at(10))})

    page = client.get(reverse("web:review")).content.decode()

    assert "This visit starts in less than 24 hours." in page
    assert "counts as a late cancellation" in page
    assert 'name="escort-name"' not in page  # not a dosing visit


def test_the_confirmation_offers_the_calendar_file_calendar_links_and_directions(client, clinic, ana, frozen):
    visit = book_appointment(
        patient=ana,
        service=clinic.integration,
        location=clinic.phoenix,
        start=at(10, day=MONDAY + dt.timedelta(days=3)),
        actor=ana.user,
    )
    client.force_login(ana.user)

    page = client.get(reverse("web:booked", args=[visit.pk])).content.decode()

    assert f'href="{reverse("web:visit-calendar", args=[visit.pk])}"' in page
    links = {
        urlsplit(u).netloc: parse_qs(urlsplit(u).query)
        for u in re.findall(r'href="(https://[^"]+)"', page.replace("&amp;", "&"))
    }
    google, outlook = links["calendar.google.com"], links["outlook.live.com"]
    assert google["dates"] == ["20250306T170000Z/20250306T175000Z"]
    assert google["location"] == outlook["location"] == ["2200 N Central Ave, Phoenix, AZ 85004"]
    for title in (google["text"][0], outlook["subject"][0]):
        assert "Integration" not in title and "ketamine" not in title.lower()
    assert links["www.google.com"]["query"] == ["2200 N Central Ave, Phoenix, AZ 85004"]
    mine = client.get(reverse("web:my-appointments")).content.decode()
    assert "calendar.google.com" in mine and reverse("web:visit-calendar", args=[visit.pk]) in mine


def test_the_escort_is_added_later_from_my_appointments(client, clinic, ana, frozen):
    clearance(ana)
    visit = book_appointment(
        patient=ana,
        service=clinic.iv,
        location=clinic.phoenix,
        start=at(10, day=MONDAY + dt.timedelta(days=3)),
        actor=ana.user,
    )
    client.force_login(ana.user)
    assert "Add who will take you home" in client.get(reverse("web:my-appointments")).content.decode()

    response = client.post(
        reverse("web:escort", args=[visit.pk]), {"escort-name": "Luis", "escort-phone": "602 555 0150"}
    )

    assert response.status_code == 302
    assert Escort.objects.get(appointment=visit).name == "Luis"
    assert "Taking you home: Luis." in client.get(reverse("web:my-appointments")).content.decode()
    other = patient_with_user(username="ben", phone="+16025550102")
    client.force_login(other.user)
    assert client.get(reverse("web:escort", args=[visit.pk])).status_code == 404


def test_new_here_on_the_sign_in_page_leads_to_the_evaluation(client, clinic):
    page = client.get(reverse("web:sign-in")).content.decode()

    assert f'href="{reverse("web:place", args=["evaluation"])}"' in page


def test_the_demo_services_each_have_their_own_description():
    from scheduling.demo.catalog import DESCRIPTIONS, SERVICES

    assert set(DESCRIPTIONS) == {row[0] for row in SERVICES}
    assert len(set(DESCRIPTIONS.values())) == len(DESCRIPTIONS)


def test_a_time_that_overlaps_the_patients_own_visit_says_so_not_that_someone_took_it(client, clinic, ana, frozen):
    clearance(ana)
    book_appointment(patient=ana, service=clinic.integration, location=None, start=at(10), actor=ana.user)
    client.force_login(ana.user)
    client.get(reverse("web:times", args=["iv-infusion", clinic.phoenix.pk]))

    response = client.post(reverse("web:pick", args=["iv-infusion", clinic.phoenix.pk]), {"slot": slot_value(at(10))})

    assert response.url == reverse("web:lost")
    page = client.get(response.url).content.decode()
    assert "You already have a visit then" in page and "someone else booked it" not in page


def test_a_video_visits_calendar_links_lead_to_its_visit_page(client, clinic, ana, frozen):
    visit = book_appointment(
        patient=ana,
        service=clinic.integration,
        location=None,
        start=at(10, day=MONDAY + dt.timedelta(days=3)),
        actor=ana.user,
    )
    client.force_login(ana.user)

    page = client.get(reverse("web:booked", args=[visit.pk])).content.decode().replace("&amp;", "&")

    google = next(u for u in re.findall(r'href="(https://[^"]+)"', page) if "calendar.google.com" in u)
    assert "/visit/" in parse_qs(urlsplit(google).query)["location"][0]
    assert "www.google.com/maps" not in page  # no directions to a video visit


def test_a_clinics_own_spanish_description_is_what_a_spanish_reader_sees(client, clinic, frozen):
    clinic.evaluation.description = "Meet Dr. Rivera for an hour; bring your medication list."
    clinic.evaluation.description_es = "Una hora con la Dra. Rivera; traiga la lista de sus medicamentos."
    clinic.evaluation.save()

    english = client.get("/").content.decode()
    client.post(reverse("web:set_language"), {"language": "es", "next": "/"})
    spanish = client.get("/").content.decode()
    spanish_place = client.get(reverse("web:place", args=["evaluation"])).content.decode()

    assert "bring your medication list" in english and "traiga la lista" not in english
    assert "traiga la lista de sus medicamentos" in spanish and "bring your medication list" not in spanish
    assert "traiga la lista de sus medicamentos" in spanish_place
    clinic.evaluation.description_es = ""  # none written: the clinic's own words, in English
    clinic.evaluation.save()
    assert "bring your medication list" in client.get("/").content.decode()

"""In a real browser on a 390x844 phone in Spanish and a 320x640 phone in English: every page a
patient can meet passes axe-core with no violation of any impact and no broken ARIA reference,
steps its headings down one level at a time and never scrolls sideways; the Spanish crisis page
is one tap from a footer; 988 and 911 are tel: and sms: links; the times page names the clock
in force on the days it shows, and tells the fall-back day's two 1:00 AM buttons apart.

Runs on the real clock (a browser drops cookies that expire "in the past"); the DST test moves
the server's clock forward only, where cookies stay valid.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from checkins import links
from checkins.models import CheckIn
from notifications.rendering import appointment_token
from scheduling.availability import plan_slot
from scheduling.models import AppointmentStatus as S
from scheduling.services import transitions
from scheduling.services.booking import book_appointment
from telehealth.passes import issue_pass, token_for
from tests.factories import (
    AppointmentFactory,
    book_slot,
    LocationFactory,
    ResourceFactory,
    StaffMemberFactory,
    UserFactory,
    video_therapy_service,
    weekly_hours,
)

from .browser import check_patient_page, docs_screenshot, PHONE_320, PHONE_390
from .conftest import make_clinic, patient_with_user
from .test_browser_booking import code_for, fill_details

pytestmark = [pytest.mark.django_db(transaction=True)]

PHONES = [pytest.param("es", PHONE_390, id="es-390x844"), pytest.param("en", PHONE_320, id="en-320x640")]
LOCALES = {"es": "es-MX", "en": "en-US"}


@pytest.fixture
def open_clinic(db):
    """Open around the clock from seven minutes past the current hour (as test_browser_booking)."""
    with time_machine.travel(timezone.now().replace(minute=7, second=0, microsecond=0), tick=True):
        yield make_clinic(opens=dt.time(0), closes=dt.time(23, 59))


def new_page(browser, language: str, phone: dict):
    context = browser.new_context(locale=LOCALES[language], **phone)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def submit(page) -> None:
    page.locator("main button.block").first.click()


def rosa_with_visits(clinic, language: str):
    """Rosa, signed up, with a visit in Phoenix in three days, a video visit opening now and a
    dosing visit three days ago whose check-in is due."""
    rosa = patient_with_user(
        username="rosa",
        phone="+16025550166",
        email="rosa@example.com",
        legal_first_name="Rosa",
        legal_last_name="Reyes",
        date_of_birth=dt.date(1980, 2, 3),
        state="AZ",
        time_zone="America/Phoenix",
        language=language,
        sms_consent=True,
    )
    now = timezone.now()
    in_person = book_appointment(
        patient=rosa,
        service=clinic.integration,
        location=clinic.phoenix,
        start=(now + dt.timedelta(days=3)).replace(hour=17, minute=0, second=0, microsecond=0),
        actor=rosa.user,
    )
    video_start = (now + dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    video_start -= dt.timedelta(minutes=video_start.minute % 5)
    video = book_slot(
        plan_slot(
            service=clinic.integration,
            location=None,
            start=video_start,
            patient=rosa,
            now=video_start - dt.timedelta(days=1),
        ),
        service=clinic.integration,
        location=None,
        patient=rosa,
    )
    end = now - dt.timedelta(hours=73)
    dosing = AppointmentFactory(
        patient=rosa,
        service=clinic.iv,
        location=clinic.phoenix,
        modality="in_person",
        start=end - dt.timedelta(minutes=85),
        end=end,
        status=S.CHECKED_IN,
    )
    transitions.complete(appointment=dosing, actor=clinic.desk)
    checkin = CheckIn.objects.filter(appointment=dosing).order_by("due_at").first()  # due now: its time has passed
    return rosa, in_person, video, checkin


@pytest.mark.parametrize(("language", "phone"), PHONES)
def test_every_patient_page_is_clean_for_axe_and_fits_the_phone(browser, live_server, open_clinic, language, phone):
    clinic = open_clinic
    rosa, in_person, video, checkin = rosa_with_visits(clinic, language)
    base = live_server.url
    name = f"{language}-{phone['viewport']['width']}"

    # A new visitor books an integration session in person.
    page = new_page(browser, language, phone)
    page.goto(base + "/")
    check_patient_page(page, f"a11y-{name}-01-services")
    page.goto(f"{base}/book/integration/")
    check_patient_page(page, f"a11y-{name}-02-place")
    for path, label in (("video/", "03a-video-where"), ("video/?state=AZ", "03b-video-times"),
                        ("any/", "03c-earliest-anywhere"), (f"{clinic.phoenix.pk}/", "03-times")):
        page.goto(f"{base}/book/integration/{path}")
        check_patient_page(page, f"a11y-{name}-{label}")
    page.locator("section[aria-labelledby=earliest] .slot").first.click()
    page.wait_for_url(re.compile(r"/book/details$"))
    check_patient_page(page, f"a11y-{name}-04-details")
    submit(page)  # empty: every field's error is named by its input's aria-describedby
    page.locator(".errorlist").first.wait_for()
    check_patient_page(page, f"a11y-{name}-05-details-errors")
    described = page.locator("#id_first_name").get_attribute("aria-describedby")
    assert "id_first_name_error" in described.split()
    fill_details(page, first="Luz", last="Nueva", phone="602-555-0144", language=language)
    submit(page)
    page.wait_for_url(re.compile(r"/book/verify$"))
    check_patient_page(page, f"a11y-{name}-06-code")
    page.locator("#id_code").fill(code_for("+16025550144"))
    submit(page)
    page.wait_for_url(re.compile(r"/me/booked/\d+$"))
    check_patient_page(page, f"a11y-{name}-07-booked")

    # Pages that know no patient, and the links that no longer work.
    for path, label in (
        ("/crisis", "08-crisis"),
        ("/no-such-page", "09-not-found"),
        ("/c/not-a-token", "10-checkin-refused"),
        ("/visit/not-a-token", "11-visit-refused"),
        ("/manage/not-a-token", "12-manage-refused"),
    ):
        page.goto(base + path)
        check_patient_page(page, f"a11y-{name}-{label}")
    page.context.close()

    # Rosa opens the link in a text, signs in, and looks after her visits.
    page = new_page(browser, language, phone)
    page.goto(f"{base}/manage/{appointment_token(in_person)}")
    check_patient_page(page, f"a11y-{name}-13-manage")
    page.goto(f"{base}/me/sign-in")
    check_patient_page(page, f"a11y-{name}-14-sign-in")
    page.locator("#id_destination").fill("602-555-0166")
    submit(page)
    page.wait_for_url(re.compile(r"/me/sign-in/code$"))
    check_patient_page(page, f"a11y-{name}-15-sign-in-code")
    page.locator("#id_code").fill("000000")
    submit(page)
    page.locator("main [role=alert]").first.wait_for()
    check_patient_page(page, f"a11y-{name}-16-sign-in-code-wrong")
    page.locator("#id_code").fill(code_for("+16025550166"))
    submit(page)
    page.wait_for_url(re.compile(r"/me/"))
    page.goto(f"{base}/me/")
    check_patient_page(page, f"a11y-{name}-17-appointments")
    page.goto(f"{base}/me/visits/{in_person.pk}/cancel")
    check_patient_page(page, f"a11y-{name}-18-cancel")
    page.goto(f"{base}/me/visits/{in_person.pk}/move")
    check_patient_page(page, f"a11y-{name}-19-reschedule")
    page.goto(f"{base}/me/waitlist/join/integration/{clinic.phoenix.pk}")
    check_patient_page(page, f"a11y-{name}-19a-waitlist-join")
    for box in page.locator("input[name=weekdays]").all():
        box.uncheck()
    page.locator("#id_earliest_date").fill("2000-01-01")
    page.locator("main form button[type=submit]").click()
    page.locator(".errorlist").first.wait_for()
    check_patient_page(page, f"a11y-{name}-19b-waitlist-join-errors")
    assert "id_earliest_date_error" in page.locator("#id_earliest_date").get_attribute("aria-describedby").split()
    page.goto(f"{base}/me/visits/{in_person.pk}/earlier")
    check_patient_page(page, f"a11y-{name}-19c-waitlist-earlier")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/me/$"))
    page.locator("section[aria-labelledby=waitlist-h]").wait_for()
    check_patient_page(page, f"a11y-{name}-19d-appointments-waitlist")
    page.goto(f"{base}/book/integration/{clinic.phoenix.pk}/")
    later = page.locator("section[aria-labelledby=earliest] .slot").last
    later.click()
    page.wait_for_url(re.compile(r"/book/(review|details)$"))
    check_patient_page(page, f"a11y-{name}-20-review")
    page.goto(f"{base}/visit/{token_for(issue_pass(appointment=video))}")
    check_patient_page(page, f"a11y-{name}-21-visit-identity")
    page.locator("input[name=first_name]").fill("Rosa")
    page.locator("input[name=last_name]").fill("Rayes")
    page.locator("input[name=date_of_birth]").fill("1980-02-03")
    page.locator("form.identity button[type=submit]").click()
    page.locator("#identity-error").wait_for()
    check_patient_page(page, f"a11y-{name}-22-visit-identity-wrong")
    page.goto(base + links.answer_path(checkin))
    check_patient_page(page, f"a11y-{name}-23-checkin")
    page.locator("main button[type=submit]").last.click()
    page.locator("main [role=alert]").first.wait_for()
    check_patient_page(page, f"a11y-{name}-24-checkin-errors")
    page.context.close()


@pytest.mark.parametrize(("language", "phone"), [*PHONES, pytest.param("en", PHONE_390, id="en-390x844")])
def test_the_crisis_page_is_one_tap_from_a_footer_in_the_patients_language(
    browser, live_server, open_clinic, language, phone
):
    page = new_page(browser, language, phone)
    page.goto(live_server.url + "/book/integration/")
    footer = page.locator("footer .crisis-help")
    assert footer.get_by_role("link", name=re.compile("988")).evaluate_all("links => links.map(a => a.href)") == [
        "tel:988",
        "sms:988?body=AYUDA" if language == "es" else "sms:988",
    ]
    assert footer.get_by_role("link", name=re.compile("911")).get_attribute("href") == "tel:911"

    footer.get_by_role("link", name="Ayuda en una crisis" if language == "es" else "Crisis help").click()
    page.wait_for_url(re.compile(r"/crisis\?lang=" + language))
    heading = "No está solo(a)" if language == "es" else "You are not alone"
    page.get_by_role("heading", name=heading).wait_for()
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("a[href='tel:911']").count() >= 1 and page.locator("a[href='tel:988']").count() >= 1
    assert page.locator("a[href^='sms:988']").count() >= 1
    check_patient_page(page, f"crisis-{language}-{phone['viewport']['width']}")
    if phone is PHONE_390:
        docs_screenshot(page, f"crisis-{language}")


def test_an_english_browser_switched_to_spanish_gets_the_spanish_crisis_page(browser, live_server, open_clinic):
    page = new_page(browser, "en", PHONE_390)
    page.goto(live_server.url + "/")
    page.get_by_role("button", name="Español").click()
    page.locator("html[lang=es]").wait_for()
    page.locator("footer .crisis-help").get_by_role("link", name="Ayuda en una crisis").click()
    page.get_by_role("heading", name="No está solo(a)").wait_for()
    assert page.get_by_role("link", name="Llamar al 988 (marque 2 para español)").get_attribute("href") == "tel:988"


@pytest.fixture
def pacific_clinic(db):
    """An in-person talk session in Los Angeles, open around the clock."""
    site = LocationFactory(name="Los Angeles", time_zone="America/Los_Angeles", state="CA", address="1 Spring St")
    weekly_hours(location=site, start=dt.time(0), end=dt.time(23, 59))
    ResourceFactory(location=site, name="Room A", kind="therapy_room")
    therapist = StaffMemberFactory(
        display_name="Pat Lee",
        roles=["therapist"],
        locations=[site],
        licensed_states=["CA"],
        time_zone="America/Los_Angeles",
        user=UserFactory(username="pat", role=Role.CLINICIAN),
    )
    weekly_hours(staff=therapist, start=dt.time(0), end=dt.time(23, 59))
    video_therapy_service(
        modality="in_person",
        locations=[site],
        code="talk",
        name="Talk session",
        min_notice_minutes=0,
        slot_step_minutes=30,
        duration=30,
    )
    return site


@pytest.mark.parametrize("phone", [PHONE_390, PHONE_320], ids=["390x844", "320x640"])
def test_times_name_the_clock_in_force_on_the_day_shown(browser, live_server, pacific_clinic, phone):
    page = new_page(browser, "en", phone)
    url = f"{live_server.url}/book/talk/{pacific_clinic.pk}/"

    # Friday 5 November 2027 (PDT): Sunday's fall-back day shows 1:00 AM twice, each with its clock.
    with time_machine.travel(dt.datetime(2027, 11, 5, 17, 7, tzinfo=dt.UTC), tick=True):
        page.goto(url + "?day=2027-11-07")
        day = page.locator("section[aria-labelledby=by-day] .slot")
        labels = day.evaluate_all("buttons => buttons.map(b => b.textContent.trim())")
        assert "1:00 AM PDT" in labels and "1:00 AM PST" in labels
        assert page.get_by_text("Times are shown in Pacific time (PDT/PST).").is_visible()
        check_patient_page(page, f"dst-fall-back-{phone['viewport']['width']}")

    # Monday 6 December 2027 (PST): a day in July reads PDT, not today's PST.
    with time_machine.travel(dt.datetime(2027, 12, 6, 17, 7, tzinfo=dt.UTC), tick=True):
        page.goto(url + "?day=2028-07-10")
        assert page.get_by_role("heading", name="Monday, July 10, 2028").is_visible()
        july = page.locator("section[aria-labelledby=by-day] .slot").first.text_content().strip()
        assert july.endswith(" PDT")
        assert "PDT" in page.locator(".notice[role=note]").text_content()
        check_patient_page(page, f"dst-july-{phone['viewport']['width']}")
    page.context.close()


@pytest.mark.parametrize(("language", "phone"), PHONES)
def test_a_submit_button_shows_it_is_busy_and_a_second_press_sends_nothing(browser, live_server, open_clinic,
                                                                           language, phone):
    page = new_page(browser, language, phone)
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    page.goto(live_server.url + "/me/sign-in")
    page.locator("#id_destination").fill("602-555-0100")

    state = page.evaluate("""() => {
        const form = document.querySelector("main form[method=post]");
        const button = form.querySelector("button.block");
        const sent = [];
        window.addEventListener("submit", event => sent.push(!event.defaultPrevented));
        form.requestSubmit(button);
        form.requestSubmit(button);
        return {sent, busy: button.getAttribute("aria-disabled") === "true" && button.classList.contains("is-busy"),
                said: button.querySelector("[role=status]").textContent};
    }""")
    page.wait_for_url(re.compile(r"/me/sign-in/code$"))

    assert state == {"sent": [True, False], "busy": True,
                     "said": "Espere un momento" if language == "es" else "Please wait a moment"}
    assert [url for url in posts if url.endswith("/me/sign-in")] == [live_server.url + "/me/sign-in"]

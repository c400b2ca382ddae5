"""In Chromium with a fake camera and microphone, on 390x844 and 320x640 phones: a patient's first
video visit keeps what was typed when the identity check fails, then offers a camera and
microphone check before joining (a live preview and a level bar, the tracks stopped after), and
says in plain words what to do when the browser blocks the camera.

Runs on the real clock (the identity form's CSRF cookie must not expire "in the past"), so the
visit is placed ten minutes from now. With CLEARDAY_SCREENSHOTS=1 the preview is also written to docs/screenshots/.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import sync_playwright

from scheduling.models import AppointmentStatus as S
from telehealth import services
from telehealth.passes import issue_pass
from tests.factories import AllocationFactory, AppointmentFactory, PhaseFactory
from tests.telehealth.conftest import clinician_token, patient_token
from tests.web.browser import (
    check_patient_page,
    CHROMIUM,
    CHROMIUM_ARGS,
    CspWatchingBrowser,
    docs_screenshot,
    PHONE_320,
    PHONE_390,
)

pytestmark = [pytest.mark.django_db(transaction=True)]

FAKE_MEDIA = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
WORDS = {
    "en": {"test": "Test camera and microphone", "stop": "Stop the test", "confirm": "Confirm",
           "ok": "Your camera and microphone work", "blocked": "Your browser blocked the camera and microphone",
           "mismatch": "Those details do not match our records"},
    "es": {"test": "Probar cámara y micrófono", "stop": "Terminar la prueba", "confirm": "Confirmar",
           "ok": "Su cámara y su micrófono funcionan", "blocked": "Su navegador bloqueó la cámara y el micrófono",
           "mismatch": "Esos datos no coinciden con nuestros registros"},
}


@pytest.fixture(scope="module")
def playwright_driver():
    if CHROMIUM is None:
        pytest.fail("Chromium is missing: install Debian's package (apt-get install -y chromium); .ci/run does.")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            yield playwright


@pytest.fixture(scope="module")
def media_chromium(playwright_driver):
    """Debian's Chromium with a fake camera and microphone that it may use without asking."""
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                args=[*CHROMIUM_ARGS, *FAKE_MEDIA])
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def asking_chromium(playwright_driver):
    """The same fake devices, but the browser asks before a page may use them (and here the
    answer is no)."""
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                args=[*CHROMIUM_ARGS, FAKE_MEDIA[0]])
    yield browser
    browser.close()


@pytest.fixture
def browser(media_chromium):
    watching = CspWatchingBrowser(media_chromium)
    yield watching
    assert watching.violations == [], "Content-Security-Policy violations"


@pytest.fixture
def asking_browser(asking_chromium):
    watching = CspWatchingBrowser(asking_chromium)
    yield watching
    assert watching.violations == [], "Content-Security-Policy violations"


def video_visit(clinic, language: str):
    """Ana's first video visit with Sam, ten minutes from now: its join window is open."""
    clinic.ana.language = language
    clinic.ana.save(update_fields=["language"])
    start = (timezone.now() + dt.timedelta(minutes=10)).replace(second=0, microsecond=0)
    visit = AppointmentFactory(patient=clinic.ana, service=clinic.integration, location=None, modality="video",
                               start=start, end=start + dt.timedelta(minutes=50), status=S.BOOKED)
    AllocationFactory(appointment=visit, staff=clinic.sam, phase=PhaseFactory(service=clinic.integration))
    return visit


def confirm_identity(page, *, last_name: str, words: dict) -> None:
    page.locator("input[name=first_name]").fill("Ana")
    page.locator("input[name=last_name]").fill(last_name)
    page.locator("input[name=date_of_birth]").fill("1985-06-01")
    page.get_by_role("button", name=words["confirm"]).click()


@pytest.mark.parametrize(("language", "phone"), [("es", PHONE_390), ("en", PHONE_320), ("en", PHONE_390)],
                         ids=["es-390x844", "en-320x640", "en-390x844"])
def test_a_failed_identity_check_keeps_the_typing_and_the_camera_check_comes_before_joining(
        browser, live_server, clinic, language, phone):
    words = WORDS[language]
    visit = video_visit(clinic, language)
    width = phone["viewport"]["width"]
    context = browser.new_context(locale="en-US", **phone)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{live_server.url}/visit/{patient_token(visit)}")

    # One wrong letter: the page says so and keeps the three answers for the fix.
    confirm_identity(page, last_name="Ruis", words=words)
    page.get_by_role("alert").get_by_text(words["mismatch"]).wait_for()
    assert [page.locator(f"input[name={name}]").input_value() for name in ("first_name", "last_name",
                                                                             "date_of_birth")] == [
        "Ana", "Ruis", "1985-06-01"]
    assert page.locator("input[name=last_name]").get_attribute("aria-describedby") == "identity-error"
    check_patient_page(page, f"visit-identity-kept-{language}-{width}")
    page.locator("input[name=last_name]").fill("Ruiz")
    page.get_by_role("button", name=words["confirm"]).click()

    # The waiting room: the camera and microphone check, before anything else to press.
    check = page.get_by_role("region", name=re.compile("(Check your|Pruebe su) c"))
    check.wait_for()
    check_patient_page(page, f"visit-waiting-{language}-{width}")
    check.get_by_role("button", name=words["test"]).click()
    check.get_by_text(words["ok"]).wait_for()
    video = check.locator("video")
    page.wait_for_function("video => video.videoWidth > 0 && !video.paused", arg=video.element_handle())
    assert check.locator("meter").is_visible()
    check_patient_page(page, f"visit-preview-{language}-{width}")
    if width == 390:
        docs_screenshot(page, f"video-preview-{language}")

    # Stopping the test ends the tracks, so the video room can have the camera.
    page.evaluate("video => { window.checkedTracks = video.srcObject.getTracks(); }", video.element_handle())
    check.get_by_role("button", name=words["stop"]).click()
    assert page.evaluate("() => window.checkedTracks.length === 2 && "
                         "window.checkedTracks.every(track => track.readyState === 'ended')")
    assert video.is_hidden()

    # Once the clinician has started, the check still comes before the Join button.
    services.enter_room(join_pass=issue_pass(appointment=visit, staff=clinic.sam), now=timezone.now())
    assert clinician_token(visit, clinic.sam)
    page.reload()
    order = page.evaluate("""() => [...document.querySelectorAll("[data-device-check], form[data-join]")]
                                    .map(el => el.matches("form") ? "join" : "check")""")
    assert order == ["check", "join"]
    context.close()


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_blocked_camera_is_explained_in_plain_words(asking_browser, live_server, clinic, language):
    words = WORDS[language]
    visit = video_visit(clinic, language)
    context = asking_browser.new_context(locale="en-US", **PHONE_390)
    page = context.new_page()
    page.set_default_timeout(15_000)
    url = f"{live_server.url}/visit/{patient_token(visit)}"
    page.goto(url)
    confirm_identity(page, last_name="Ruiz", words=words)
    check = page.get_by_role("region", name=re.compile("(Check your|Pruebe su) c"))
    check.wait_for()
    # The person said no to the camera and microphone for this site (as a browser remembers it).
    session = context.new_cdp_session(page)
    own_context = session.send("Target.getTargetInfo")["targetInfo"]["browserContextId"]
    for name in ("camera", "microphone"):
        session.send("Browser.setPermission", {"permission": {"name": name}, "setting": "denied",
                                               "origin": live_server.url, "browserContextId": own_context})

    check.get_by_role("button", name=words["test"]).click()

    check.get_by_text(words["blocked"]).wait_for()
    assert check.locator("video").is_hidden()
    check_patient_page(page, f"visit-blocked-{language}")
    context.close()

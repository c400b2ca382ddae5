"""What the browser tests share: Debian's Chromium driven by Playwright (never a downloaded
browser), screenshots kept under tests/artifacts/, and axe-core run inside the page.

axe-core (MPL-2.0) is vendored for the tests only: tests/web/vendor/axe.min.js, v4.14.1 from
the npm registry, with its licence beside it.

Every page runs under the site's Content-Security-Policy: `browser` fails a test on any
violation, so a page that needs an inline script or style the policy refuses cannot pass.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
DOCS_SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 860}}


# Runs in every page before its own scripts (init scripts are not subject to the page's policy)
# and hands each Content-Security-Policy violation to the test through an exposed function, so
# a violation is kept even when the page navigates away right after it.
CSP_WATCH = """
window.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({directive: event.effectiveDirective, blocked: event.blockedURI,
                         source: event.sourceFile, line: event.lineNumber, sample: event.sample,
                         page: document.location.href});
}, true);
"""


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module; each test opens its own contexts (cookies, language).

    Playwright's sync API keeps an event loop on this thread for as long as it runs; the test's
    own ORM calls (fixtures, assertions, the database flush after each test) are plain
    synchronous calls that Django refuses beside a running loop unless told it is safe here."""
    if CHROMIUM is None:
        pytest.fail("Chromium is missing: install Debian's package (apt-get install -y chromium); .ci/run does.")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()


class CspWatchingBrowser:
    """The module's Chromium, whose every new context records Content-Security-Policy violations
    (the page's `securitypolicyviolation` events and Chromium's console lines about the policy)."""

    def __init__(self, browser):
        self._browser = browser
        self.violations: list[dict] = []

    def new_context(self, **options):
        context = self._browser.new_context(**options)
        found: list[dict] = []
        context.csp_violations = found
        context.expose_function("__cspViolation", lambda violation: self._record(found, violation))
        context.add_init_script(CSP_WATCH)
        context.on("page", lambda page: page.on("console", lambda message: self._console(found, message)))
        return context

    def _record(self, found: list[dict], violation: dict) -> None:
        found.append(violation)
        self.violations.append(violation)

    def _console(self, found: list[dict], message) -> None:
        if "Content Security Policy" in message.text:
            self._record(found, {"console": message.text, "page": message.location.get("url", "")})

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser(chromium):
    """Chromium for one test, failing it on any Content-Security-Policy violation in any page."""
    watching = CspWatchingBrowser(chromium)
    yield watching
    assert watching.violations == [], "Content-Security-Policy violations"


def staff_signed_in(browser, live_server, options: dict, *, username: str, password: str, lands_on: str):
    """A new browser context signed in through the staff sign-in page; waits for the page the
    sign-in lands on (`lands_on`, a pattern of its URL). Returns (context, page)."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/desk/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(lands_on))
    return context, page


def csp_violations(page) -> list[dict]:
    """The violations recorded so far in the page's browser context."""
    return list(getattr(page.context, "csp_violations", []))


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def docs_screenshot(target, name: str, *, full_page: bool = True) -> Path:
    """A screenshot for docs/screenshots/ (tracked): written there only with CLEARDAY_SCREENSHOTS=1,
    else under tests/artifacts/ (ignored), so an ordinary test run changes no tracked file.
    `target` is a page or a locator (a locator is shot alone)."""
    folder = DOCS_SCREENSHOTS if os.environ.get("CLEARDAY_SCREENSHOTS") else ARTIFACTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    if hasattr(target, "goto"):
        target.screenshot(path=str(path), full_page=full_page)
    else:
        target.screenshot(path=str(path))
    return path


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    # Evaluated through the DevTools protocol, like an init script, so the page's CSP (which
    # refuses inline scripts; add_script_tag writes one) neither blocks nor reports it.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def check_page(page, name: str) -> None:
    """Keep a screenshot of the page and fail on a Content-Security-Policy violation so far or on a
    serious or critical accessibility violation."""
    screenshot(page, name)
    assert csp_violations(page) == [], name
    assert serious_violations(page) == [], name


# The patient's phones: a common one and the smallest the pages support.
PHONE_390 = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
PHONE_320 = {"viewport": {"width": 320, "height": 640}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}


def axe_violations(page) -> list[dict]:
    """Every axe-core violation on the page as it is now, whatever its impact."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
    }""")


def broken_aria_references(page) -> list[str]:
    """Each id named by an aria-describedby, aria-labelledby, aria-controls, aria-errormessage or
    a label's `for` that no element of the page has (axe passes a list with one good id in it)."""
    return page.evaluate("""() => {
        const broken = [];
        for (const attr of ["aria-describedby", "aria-labelledby", "aria-controls", "aria-errormessage", "for"]) {
            for (const el of document.querySelectorAll(`[${attr}]`)) {
                for (const id of el.getAttribute(attr).split(/\\s+/).filter(Boolean)) {
                    if (!document.getElementById(id)) broken.push(`${el.tagName.toLowerCase()}[${attr}=${id}]`);
                }
            }
        }
        return broken;
    }""")


def sideways_overflow(page) -> int:
    """How many CSS pixels the page is wider than the window (0: nothing to scroll sideways)."""
    return page.evaluate("() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def check_patient_page(page, name: str) -> None:
    """A patient page at a phone's width: a screenshot, no policy violation, no axe-core violation
    of any impact, no broken ARIA reference, headings that step down one level at a time, and
    nothing to scroll sideways."""
    screenshot(page, name)
    found = {"csp": csp_violations(page), "axe": axe_violations(page), "aria": broken_aria_references(page),
             "headings": heading_jumps(page), "overflow": sideways_overflow(page)}
    assert found == {"csp": [], "axe": [], "aria": [], "headings": [], "overflow": 0}, f"{name}: {found}"


def heading_jumps(page) -> list[str]:
    """Headings that skip a level going down (an h1 followed by an h3), and a page without one h1."""
    levels = page.evaluate("""() => [...document.querySelectorAll("h1,h2,h3,h4,h5,h6")]
        .filter(h => h.offsetParent !== null || h.getClientRects().length)
        .map(h => [Number(h.tagName[1]), h.textContent.trim().slice(0, 40)])""")
    ones = [level for level, _ in levels].count(1)
    found = [f"{ones} h1"] if ones != 1 else []
    for (before, _), (level, text) in zip(levels, levels[1:], strict=False):
        if level > before + 1:
            found.append(f"h{before} then h{level} {text!r}")
    return found

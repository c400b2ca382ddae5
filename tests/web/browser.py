"""What the browser tests share: Debian's Chromium driven by Playwright (never a downloaded
browser), screenshots kept under tests/artifacts/, and axe-core run inside the page.

axe-core (MPL-2.0) is vendored for the tests only: tests/web/vendor/axe.min.js, v4.14.1 from
the npm registry, with its licence beside it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 375, "height": 740}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 860}}


@pytest.fixture(scope="module")
def browser():
    """One Chromium per test module; each test opens its own contexts (cookies, language).

    Playwright's sync API keeps an event loop on this thread for as long as it runs; the test's
    own ORM calls (fixtures, assertions, the database flush after each test) are plain
    synchronous calls that Django refuses beside a running loop unless told it is safe here."""
    if CHROMIUM is None:
        pytest.fail("Chromium is missing: install Debian's package (apt-get install -y chromium); .ci/run does.")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def serious_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ["violations"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 5)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


def check_page(page, name: str) -> None:
    """Keep a screenshot of the page and fail on a serious or critical accessibility violation."""
    screenshot(page, name)
    assert serious_violations(page) == [], name

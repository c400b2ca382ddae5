"""Dependencies point one way: the API sits on top of the domain, the domain apps above scheduling
reach it through its hooks, and the domain errors depend on nothing."""

import ast

import pytest

from tests.architecture.source import imports, Module, PRODUCT, product_modules

DOMAIN = ("scheduling", "care", "checkins", "notifications", "telehealth", "accounts", "audit", "calendars", "web",
          "core", "waitlist")
# The root URL configuration mounts the API; it is the one module outside api/ that may import it.
MAY_IMPORT_API = {"config.urls"}
FRAMEWORKS = ("django", "rest_framework", "drf_spectacular", "knox")

# (package, what it must not import, why)
RULES = [
    *[(package, "api", "the domain does not depend on the API that serves it") for package in DOMAIN],
    ("scheduling", "notifications", "scheduling calls hooks that notifications registers"),
    ("scheduling", "checkins", "scheduling calls hooks that checkins registers"),
    ("scheduling", "care", "scheduling calls hooks that care registers"),
    ("scheduling", "calendars", "scheduling calls hooks that calendars registers"),
    ("notifications", "calendars", "calendars registers the confirmation's attachment with notifications"),
    ("calendars", "web", "the pages serve the calendars, not the other way round"),
    *[(package, "waitlist", f"{package} tells the waitlist through hooks and registries it registers")
      for package in ("scheduling", "notifications", "care")],
    ("waitlist", "web", "the waitlist is domain code; the pages sit above it"),
    ("accounts", "scheduling", "who may sign in does not depend on the calendar"),
    *[("core", other, "core is framework-free and depends on nothing of ours") for other in PRODUCT if other != "core"],
    *[("core", framework, "core is framework-free") for framework in FRAMEWORKS],
]


def offences(package: str, forbidden: str) -> list[str]:
    found = []
    for module in product_modules():
        if module.package != package or module.name in MAY_IMPORT_API:
            continue
        for imported in imports(module):
            if imported.module == forbidden or imported.module.startswith(f"{forbidden}."):
                found.append(f"{module.where(imported.node)} imports {imported.module}")
    return found


@pytest.mark.parametrize(("package", "forbidden", "why"), RULES, ids=[f"{p}-not-{f}" for p, f, _ in RULES])
def test_package_does_not_import(package, forbidden, why):
    found = offences(package, forbidden)

    assert not found, f"{package}/ must not import {forbidden} ({why}):\n" + "\n".join(found)


def test_relative_imports_are_read_as_the_modules_they_name(tmp_path):
    source = "from ...api import problems\nfrom ..models import Appointment\nfrom . import holds\n"
    path = tmp_path / "booking.py"
    module = Module(path, "scheduling.services.booking", ast.parse(source))

    assert [imported.module for imported in imports(module)] == ["api", "scheduling.models", "scheduling.services"]
    assert len(product_modules()) > 100  # the scan reads the real tree

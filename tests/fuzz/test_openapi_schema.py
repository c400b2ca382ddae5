"""Schemathesis against our own OpenAPI document, in-process: every documented operation is
called with generated requests (valid and invalid) as a patient, as the front desk and
anonymously, and every answer must be documented (status, content type, headers, body), never a
server error, and every 4xx a problem detail.

Reproduce a failure: the report names the operation and prints the request as a curl command;
rerun that one test, e.g.
`pytest 'tests/fuzz/test_openapi_schema.py::test_every_operation_answers_as_documented[POST /api/v1/holds][patient]'`
(the seed is fixed, so the same examples come back). `FUZZ_EXAMPLES=50` generates more;
`FUZZ_COVERAGE=1` adds Schemathesis' coverage phase."""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application

CONFIG = schemathesis.Config.from_dict({
    "seed": 20251121,
    "generation": {"max-examples": int(os.environ.get("FUZZ_EXAMPLES", 10)), "deterministic": True},
    # The coverage phase (boundary values, unsupported methods) doubles the run: by hand, FUZZ_COVERAGE=1.
    "phases": {"coverage": {"enabled": os.environ.get("FUZZ_COVERAGE") == "1"}},
})
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

PROBLEM_MEMBERS = ("type", "title", "status", "code")
# Path ids by the resource the path names; body fields by their own name.
PATH_IDS = {"/api/v1/appointments/{id}": "appointment", "/api/v1/telehealth/appointments/{id}": "appointment",
            "/api/v1/care/patients/{id}": "patient", "/api/v1/patients/{id}": "patient"}


def problem_details(ctx, response, case):
    """Every 4xx and 5xx is an RFC 9457 problem detail whose status is the response's."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/problem+json"), f"{response.status_code} as {content_type!r}"
    body = json.loads(response.content)
    missing = [name for name in PROBLEM_MEMBERS if name not in body]
    assert not missing, f"problem detail without {missing}: {body}"
    assert body["status"] == response.status_code, body
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, problem_details]


def aim_at_rows(case, fuzz_clinic) -> None:
    """Two generated ids in three are swapped for rows that exist (the caller's visit, a hold,
    someone else's visit, ...), and a generated start for a time the engine offers, so requests
    get past the 404 into the handlers; the rest stay as generated."""
    kind = next((k for prefix, k in PATH_IDS.items() if case.path.startswith(prefix)), None)
    value = (case.path_parameters or {}).get("id")
    if kind and isinstance(value, int) and value % 3:
        known = fuzz_clinic.ids[kind]
        case.path_parameters["id"] = known[value % len(known)]
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            if name in fuzz_clinic.ids and isinstance(value, int) and not isinstance(value, bool) and value % 3:
                known = fuzz_clinic.ids[name]
                case.body[name] = known[value % len(known)]
            elif name == "start" and isinstance(value, str) and len(value) % 3:
                case.body[name] = fuzz_clinic.starts[len(value) % len(fuzz_clinic.starts)]


@pytest.mark.parametrize("caller", ["patient", "front_desk", "anonymous"])
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, caller, fuzz_clinic, db):
    aim_at_rows(case, fuzz_clinic)
    token = fuzz_clinic.tokens.get(caller)
    case.call_and_validate(headers={"Authorization": f"Token {token}"} if token else {}, checks=CHECKS)

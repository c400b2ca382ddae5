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
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from config.wsgi import application
from tests.fuzz.conftest import aim_at_rows

CONFIG = schemathesis.Config.from_dict({
    "seed": 20251121,
    "generation": {"max-examples": int(os.environ.get("FUZZ_EXAMPLES", 10)), "deterministic": True},
    # The coverage phase (boundary values, unsupported methods) doubles the run: by hand, FUZZ_COVERAGE=1.
    "phases": {"coverage": {"enabled": os.environ.get("FUZZ_COVERAGE") == "1"}},
})
schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=CONFIG)

PROBLEM_MEMBERS = ("type", "title", "status", "code")


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


@pytest.fixture(autouse=True)
def _one_connection_per_test():
    """Each request would otherwise close the connection that the test's transaction lives on."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize("caller", ["patient", "front_desk", "anonymous"])
@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, caller, fuzz_clinic, db):
    aim_at_rows(case, fuzz_clinic)
    token = fuzz_clinic.tokens.get(caller)
    # In process nothing undoes a gzipped answer (availability's), so ask for none; the live-server
    # run takes it gzipped, as clients do.
    headers = {"Accept-Encoding": "identity", **({"Authorization": f"Token {token}"} if token else {})}
    case.call_and_validate(headers=headers, checks=CHECKS)

"""Schemathesis over real HTTP against a live server (pytest-django's `live_server`: the whole
Django stack in a thread, with its own database connections and the test database's committed
rows): every operation in the schema, with generated valid and invalid requests, anonymously, as a
patient and as a front desk that serves one site. No answer may be a server error (5xx); whether
answers match the schema is test_openapi_schema.py's job.

Bounded: a few examples per operation (`LIVE_FUZZ_EXAMPLES`, default 12), a fixed seed, and a
request timeout, so a hung handler fails the run instead of stalling it (~50 s in all on two cores).
`FUZZ_COVERAGE=1` adds Schemathesis' coverage phase (boundary values for every parameter: year 0
and 99999, ids beyond 64 bits, ...), about a minute per caller. Writes are fine: the database is
the test database, emptied after each caller's run.

A failure names the operation and prints the request as a curl command; the seed is fixed, so
rerunning `pytest tests/fuzz/test_live_server.py` brings the same examples back."""

from __future__ import annotations

import os

import pytest
import requests
import schemathesis
import time_machine
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.booking.conftest import NOW
from tests.fuzz.conftest import aim_at_rows, seed_clinic

CONFIG = schemathesis.Config.from_dict({
    "seed": 20261206,
    "generation": {"max-examples": int(os.environ.get("LIVE_FUZZ_EXAMPLES", 12)), "deterministic": True},
    # The coverage phase (boundary values for every parameter) takes ~60 s per caller: by hand, FUZZ_COVERAGE=1.
    "phases": {"coverage": {"enabled": os.environ.get("FUZZ_COVERAGE") == "1", "unexpected-methods": []}},
})
# Seconds one request may take; the slowest real answer here is well under one.
REQUEST_TIMEOUT = 15


@pytest.fixture(params=["anonymous", "patient", "front_desk"])
def caller(request) -> str:
    return request.param


@pytest.fixture
def live_clinic(transactional_db):
    """The fuzz's clinic, committed so the server's own connections see it. The clock stays on
    the seeded day and runs (the server's thread shares it): tokens are fresh, the visits ahead."""
    with time_machine.travel(NOW, tick=True):
        yield seed_clinic()


@pytest.fixture
def live_schema(live_server, live_clinic, caller):
    """The schema as the live server serves it; its requests go to that server, by its IPv4 address
    (as `localhost`, each request first tried IPv6 and took three times as long). The caller's token
    is checked first: an expired one would turn the run into an anonymous one without a word."""
    base = live_server.url.replace("//localhost:", "//127.0.0.1:")
    token = live_clinic.tokens.get(caller)
    if token:
        me = requests.get(f"{base}/api/v1/me", headers={"Authorization": f"Token {token}"}, timeout=REQUEST_TIMEOUT)
        assert me.status_code == 200, me.text
    return schemathesis.openapi.from_url(f"{base}/api/schema/", config=CONFIG)


lazy_schema = schemathesis.pytest.from_fixture("live_schema")


@lazy_schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_operation_answers_with_a_server_error(case, caller, live_clinic):
    aim_at_rows(case, live_clinic)
    token = live_clinic.tokens.get(caller)
    case.call_and_validate(headers={"Authorization": f"Token {token}"} if token else {}, checks=[not_a_server_error],
                           timeout=REQUEST_TIMEOUT)

"""Each log line carries the request id; production logs are JSON."""

import json
import logging
import textwrap

import pytest
from django.conf import settings

from config.request_id import RequestIdFilter
from tests.foundation.subprocess_env import PRODUCTION, run_python


@pytest.fixture
def log_lines():
    """Lines as the console handler writes them (text format, request id filter)."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Collect()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(logging.Formatter(settings.LOGGING["formatters"]["text"]["format"]))
    root = logging.getLogger()
    root.addHandler(handler)
    yield lines
    root.removeHandler(handler)


@pytest.mark.django_db
def test_every_response_carries_a_request_id(client):
    first = client.get("/healthz")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]

    assert len(first) == 32 and first != second


@pytest.mark.django_db
def test_a_proxys_request_id_is_kept_and_logged(client, log_lines):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a.42")

    assert response["X-Request-ID"] == "lb-7f3a.42"
    assert any("[lb-7f3a.42] GET /healthz 200" in line for line in log_lines)


@pytest.mark.django_db
def test_a_request_id_that_could_forge_log_lines_is_replaced(client):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="x\ny INFO forged")

    assert "\n" not in response["X-Request-ID"] and len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
@pytest.mark.urls("tests.foundation.error_urls")
def test_djangos_own_error_line_carries_the_request_id(client, log_lines):
    client.get("/api/test/broken", HTTP_X_REQUEST_ID="req-500")

    errors = [line for line in log_lines if " ERROR " in line]
    assert errors and all("[req-500]" in line for line in errors)


@pytest.mark.django_db
def test_links_that_are_credentials_never_reach_the_log(client, log_lines):
    secret = "Zq9x3LkP0aBcDeFgHiJk-5f3a9c1d2e"
    client.get(f"/visit/{secret}")
    client.get(f"/c/{secret}")
    client.get(f"/manage/{secret}")
    client.get(f"/calendars/{secret}.ics")

    assert log_lines, "the requests were logged"
    assert not [line for line in log_lines if secret in line]
    assert any("/visit/<token>" in line for line in log_lines)


def test_production_logs_one_json_object_per_line_with_the_request_id(tmp_path):
    code = textwrap.dedent("""
        import django
        django.setup()
        from django.test import Client
        Client().get("/healthz", secure=True, HTTP_HOST="clearday.example", HTTP_X_REQUEST_ID="req-json-1")
    """)
    result = run_python(code, data_dir=tmp_path, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stderr.splitlines() if line.strip()]
    access = [r for r in records if r["logger"] == "clearday.access"]
    assert access == [{**access[0], "level": "INFO", "request_id": "req-json-1", "message": access[0]["message"],
                       "method": "GET", "path": "/healthz", "status": 200}]
    assert access[0]["message"].startswith("GET /healthz 200 ")
    assert "time" in access[0]

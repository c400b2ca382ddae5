"""Every API error has one shape: RFC 9457 problem details with a stable `code`."""

import pytest
from knox.models import AuthToken

from accounts.models import Role
from tests.factories import PatientFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.foundation.error_urls")]

PROBLEM_KEYS = {"type", "title", "status", "code", "detail"}


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body.keys() >= PROBLEM_KEYS
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"].endswith("/" + code.replace("_", "-"))
    assert body["detail"]
    return body


def test_a_validation_error_lists_each_field_that_is_wrong(client):
    response = client.post("/api/test/validating", {"start": "soon", "chairs": [1, 0]},
                           content_type="application/json")

    body = assert_problem(response, 400, "validation_error")
    assert {(e["field"], e["code"]) for e in body["errors"]} == {("start", "invalid"), ("chairs.1", "min_value")}
    assert body["detail"] == f"{body['errors'][0]['field']}: {body['errors'][0]['message']}"


def test_malformed_json_is_a_400_problem(client):
    response = client.post("/api/test/validating", "{not json", content_type="application/json")

    assert_problem(response, 400, "malformed_request")


def test_a_caller_who_is_not_signed_in_gets_401(client):
    assert_problem(client.get("/api/v1/me"), 401, "not_authenticated")


def test_a_bad_token_gets_401(client):
    assert_problem(client.get("/api/v1/me", HTTP_AUTHORIZATION="Token nope"), 401, "authentication_failed")


def test_a_role_that_may_not_do_this_gets_403_and_one_that_may_gets_through(client):
    patient = PatientFactory(user=UserFactory(role=Role.PATIENT)).user
    desk = UserFactory(role=Role.FRONT_DESK)

    refused = client.get("/api/test/staff-only", HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(patient)[1]}")
    allowed = client.get("/api/test/staff-only", HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(desk)[1]}")

    assert assert_problem(refused, 403, "permission_denied")["detail"] == "Your role does not allow this."
    assert allowed.status_code == 200


def test_an_unknown_path_is_a_404_problem(client):
    body = assert_problem(client.get("/api/v1/no-such-thing"), 404, "not_found")

    assert body["detail"] == "Nothing is found at /api/v1/no-such-thing."


def test_a_browser_asking_for_an_unknown_page_gets_an_html_404(client):
    response = client.get("/no-such-page", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_method_the_endpoint_does_not_take_is_a_405_problem(client):
    body = assert_problem(client.get("/api/v1/auth/code"), 405, "method_not_allowed")

    assert body["detail"] == 'Method "GET" not allowed.'


def test_a_domain_conflict_keeps_its_own_code_and_words(client):
    body = assert_problem(client.post("/api/test/conflict"), 409, "slot_taken")

    assert body["detail"] == "Chair 3 is taken 10:15-11:45."


def test_an_unhandled_error_in_an_api_view_is_a_500_problem_without_internals(client, caplog):
    response = client.get("/api/test/broken")

    body = assert_problem(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert body["detail"] == "Something went wrong on our side. Please try again."
    logged = [r for r in caplog.records if r.exc_info and "hunter2" in str(r.exc_info[1])]
    assert logged, "the traceback belongs in the server log"


def test_an_unhandled_error_outside_drf_is_a_500_problem_too(client):
    client.raise_request_exception = False

    response = client.get("/api/test/broken-page")

    assert_problem(response, 500, "server_error")
    assert "hunter2" not in response.content.decode()

"""While the database is down or restarting, callers get a 503 to retry, not a 500: the API a
`database_unavailable` problem detail, pages a plain "back in a moment" page, both with
Retry-After. A wrong query is still a 500 (a bug, not an outage)."""

import psycopg
import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import include, path
from rest_framework.views import APIView

from api.problems import DATABASE_RETRY_AFTER_SECONDS

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.foundation.test_database_unavailable")]


def _raise_database_error(cause: Exception):
    """How Django surfaces a driver error: its own OperationalError, the driver's as the cause."""
    try:
        raise cause
    except Exception as exc:
        raise OperationalError(str(exc)) from exc


def server_unreachable():
    _raise_database_error(psycopg.OperationalError("connection failed: Connection refused"))


def server_shutting_down():
    _raise_database_error(psycopg.errors.AdminShutdown("terminating connection due to administrator command"))


def deadlock():
    _raise_database_error(psycopg.errors.DeadlockDetected("deadlock detected"))


class _Failing(APIView):
    permission_classes: list = []
    failure = staticmethod(server_unreachable)

    def get(self, request):
        self.failure()


def _page(failure):
    def view(request):
        failure()
    return view


urlpatterns = [
    path("api/test/db-down", _Failing.as_view()),
    path("api/test/db-shutdown", _Failing.as_view(failure=server_shutting_down)),
    path("api/test/deadlock", _Failing.as_view(failure=deadlock)),
    path("pages/db-down", _page(server_unreachable)),
    path("pages/deadlock", _page(deadlock)),
    path("", include("config.urls")),
]
handler500 = "api.problems.handler500"


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("url", ["/api/test/db-down", "/api/test/db-shutdown"])
def test_the_api_answers_503_database_unavailable_with_retry_after_when_the_server_is_gone(client, url):
    response = client.get(url)

    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    body = response.json()
    assert (body["status"], body["code"], body["retry_after"]) == (503, "database_unavailable",
                                                                  DATABASE_RETRY_AFTER_SECONDS)
    assert "try again" in body["detail"]


def test_a_failing_query_is_still_a_500_not_an_outage(client):
    response = client.get("/api/test/deadlock")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"


def test_a_page_answers_a_plain_503_page_with_retry_after(browser):
    response = browser.get("/pages/db-down")

    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    assert "try again in a few seconds" in response.content.decode()


def test_a_page_whose_query_fails_still_shows_the_500_page(browser):
    response = browser.get("/pages/deadlock")

    assert response.status_code == 500
    assert not response.has_header("Retry-After")

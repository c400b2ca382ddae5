"""An error answer is stored with its key only when the request wrote nothing that would stand.
A handler that wrote before refusing has its writes rolled back with its claim, and a retry runs
afresh; nothing half-done is ever committed beside a stored error."""

import itertools

import pytest
from django.db import transaction
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from core.errors import Conflict
from scheduling.models import IdempotencyRecord, Location

from .conftest import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.booking.test_idempotency_error_answers")]
RUNS = itertools.count(1)


class WritesThenRefuses(APIView):
    """Writes where no savepoint of its own would undo it, then answers 409."""

    @idempotent
    def post(self, request):
        run = next(RUNS)
        Location.objects.create(name=f"Half-made {run}", time_zone="America/Phoenix")
        raise Conflict(f"Refused after writing, run {run}.", code="refused_late")


class RefusesInsideItsBlock(APIView):
    """A service's way: the write is in its own atomic block, which the refusal rolls back."""

    @idempotent
    def post(self, request):
        run = next(RUNS)
        with transaction.atomic():
            Location.objects.create(name=f"Rolled back {run}", time_zone="America/Phoenix")
            raise Conflict(f"Refused inside the block, run {run}.", code="refused_inside")


class BreaksTheTransaction(APIView):
    """An error leaving an atomic block that has no savepoint marks the whole transaction for
    rollback: its answer cannot be stored."""

    @idempotent
    def post(self, request):
        with transaction.atomic(savepoint=False):
            raise Conflict("Refused in a block without a savepoint.", code="refused_no_savepoint")


class RefusesBeforeWriting(APIView):
    @idempotent
    def post(self, request):
        raise Conflict(f"Refused, run {next(RUNS)}.", code="refused_early")


class Writes(APIView):
    @idempotent
    def post(self, request):
        location = Location.objects.create(name=f"Made {next(RUNS)}", time_zone="America/Phoenix")
        return Response({"id": location.pk}, status=201)


urlpatterns = [
    path("writes-then-refuses", WritesThenRefuses.as_view()),
    path("refuses-inside-its-block", RefusesInsideItsBlock.as_view()),
    path("breaks-the-transaction", BreaksTheTransaction.as_view()),
    path("refuses-before-writing", RefusesBeforeWriting.as_view()),
    path("writes", Writes.as_view()),
]


@pytest.fixture
def client(people):
    return client_for(people.ana.user)


def test_a_refusal_before_any_write_is_stored_and_replayed(client):
    first = client.post("/refuses-before-writing", HTTP_IDEMPOTENCY_KEY="k")
    again = client.post("/refuses-before-writing", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == again.status_code == 409
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert IdempotencyRecord.objects.get().response_status == 409


@pytest.mark.parametrize("url", ["/writes-then-refuses", "/refuses-inside-its-block"])
def test_a_refusal_after_a_write_leaves_nothing_and_a_retry_runs_again(client, url):
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="k")
    again = client.post(url, HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == again.status_code == 409
    assert first["Content-Type"] == "application/problem+json"
    assert not again.has_header("Idempotent-Replayed") and again.json() != first.json()  # it ran again
    assert not Location.objects.filter(name__regex="^(Half-made|Rolled back)").exists()
    assert not IdempotencyRecord.objects.exists()


def test_a_refusal_that_spoilt_the_transaction_is_answered_not_stored(client):
    response = client.post("/breaks-the-transaction", HTTP_IDEMPOTENCY_KEY="k")

    assert response.status_code == 409 and response.json()["code"] == "refused_no_savepoint"
    assert not IdempotencyRecord.objects.exists()


def test_a_success_that_wrote_is_stored_with_its_writes(client):
    first = client.post("/writes", HTTP_IDEMPOTENCY_KEY="k")
    again = client.post("/writes", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert Location.objects.filter(name__startswith="Made").count() == 1


@pytest.mark.parametrize("sql, writes", [
    ("SELECT 1", False),
    ("  insert into t values (1)", True),
    ("UPDATE t SET updated_at = now()", True),
    ("WITH RECURSIVE moves(id) AS (SELECT 1) SELECT id FROM moves", False),
    ("WITH gone AS (DELETE FROM t RETURNING id) SELECT count(*) FROM gone", True),
    ("SELECT updated_at FROM t FOR UPDATE", False),
])
def test_only_statements_that_write_count_as_writes(sql, writes):
    from api.idempotency import _WriteWatch

    watch = _WriteWatch()
    watch(lambda *args: None, sql, [], False, {})
    assert watch.seen is writes

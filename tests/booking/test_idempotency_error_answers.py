"""Which answers a key keeps, decided from the outcome alone (api/idempotency.py): a success and
a refusal are kept and replayed, a 400 and a 5xx are not. The handler runs in a savepoint that a
refusal rolls back, so nothing half-done is ever committed beside a kept refusal."""

import itertools

import pytest
from django.db import transaction
from django.urls import path
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.idempotency import idempotent
from api.models import IdempotencyRecord
from core.errors import Conflict
from scheduling.models import Location

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


class BreaksTheTransaction(APIView):
    """An error leaving an atomic block that has no savepoint marks the transaction for rollback."""

    @idempotent
    def post(self, request):
        with transaction.atomic(savepoint=False):
            Location.objects.create(name="Half-made", time_zone="America/Phoenix")
            raise Conflict(f"Refused in a block without a savepoint, run {next(RUNS)}.", code="refused_no_savepoint")


class RefusesBeforeWriting(APIView):
    @idempotent
    def post(self, request):
        raise Conflict(f"Refused, run {next(RUNS)}.", code="refused_early")


class FailsValidation(APIView):
    @idempotent
    def post(self, request):
        raise serializers.ValidationError({"start": [f"Required, run {next(RUNS)}."]})


class Fails(APIView):
    @idempotent
    def post(self, request):
        Location.objects.create(name="Half-made", time_zone="America/Phoenix")
        return Response({"detail": f"Broken, run {next(RUNS)}."}, status=503)


class Writes(APIView):
    @idempotent
    def post(self, request):
        location = Location.objects.create(name=f"Made {next(RUNS)}", time_zone="America/Phoenix")
        return Response({"id": location.pk}, status=201)


urlpatterns = [
    path("writes-then-refuses", WritesThenRefuses.as_view()),
    path("breaks-the-transaction", BreaksTheTransaction.as_view()),
    path("refuses-before-writing", RefusesBeforeWriting.as_view()),
    path("fails-validation", FailsValidation.as_view()),
    path("fails", Fails.as_view()),
    path("writes", Writes.as_view()),
]


@pytest.fixture
def client(people):
    return client_for(people.ana.user)


@pytest.mark.parametrize("url", ["/refuses-before-writing", "/writes-then-refuses", "/breaks-the-transaction"])
def test_a_refusal_is_kept_and_replayed_without_its_writes(client, url):
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="k")
    again = client.post(url, HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == again.status_code == 409
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert again["Content-Type"] == "application/problem+json"
    assert IdempotencyRecord.objects.get().response_status == 409
    assert not Location.objects.filter(name__startswith="Half-made").exists()


@pytest.mark.parametrize("url, status", [("/fails-validation", 400), ("/fails", 503)])
def test_a_400_or_a_5xx_is_answered_not_kept_and_a_retry_runs_again(client, url, status):
    first = client.post(url, HTTP_IDEMPOTENCY_KEY="k")
    again = client.post(url, HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == again.status_code == status
    assert not again.has_header("Idempotent-Replayed") and again.json() != first.json()  # it ran again
    assert not IdempotencyRecord.objects.exists()
    assert not Location.objects.filter(name__startswith="Half-made").exists()


def test_a_success_that_wrote_is_kept_with_its_writes(client):
    first = client.post("/writes", HTTP_IDEMPOTENCY_KEY="k")
    again = client.post("/writes", HTTP_IDEMPOTENCY_KEY="k")

    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert Location.objects.filter(name__startswith="Made").count() == 1

"""`Idempotency-Key` for POSTs that create or change a booking: a retry gets the first answer.

Which answers are kept (decided from the request's outcome, like Stripe's keys):
- kept and replayed: every success, and every refusal below 500 except a 400; the handler runs
  in a savepoint that an error answer rolls back, so a kept refusal never stands beside writes;
- not kept: a 400 (the body or a header failed validation; the caller fixes it and may reuse the
  key) and any 5xx; the claim then rolls back with everything else and a retry runs afresh.

The claim on (owner, key) is made in the same transaction as the work it guards, and the answer
is stored in that transaction too. So a retry after the original committed replays its answer;
a retry racing its original waits on the unique index (PostgreSQL) or on BEGIN IMMEDIATE
(SQLite) until the original ends, then replays it; and if the original dies before committing,
its claim disappears with its work and the retry simply runs. Records are kept
IDEMPOTENCY_KEY_TTL_HOURS, then purged (api.tasks).
"""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from api.models import IdempotencyRecord
from api.problems import PROBLEM_CONTENT_TYPE
from core.errors import DomainError, Unprocessable

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER, type=OpenApiTypes.STR, location=OpenApiParameter.HEADER, required=False,
    description=(
        "A unique value per intended change (a UUID). Retrying with the same key and body returns "
        "the first response (header `Idempotent-Replayed: true`), unless that was a 400 or a 5xx; the "
        "same key with a different body is a 422 `idempotency_key_reused`. Keys are kept per user for "
        f"at least {settings.IDEMPOTENCY_KEY_TTL_HOURS} hours."),
)


class Abandoned(Exception):
    """Carries an answer that is not kept out of the transaction, so the claim rolls back."""

    def __init__(self, response: Response):
        self.response = response


def idempotent(handler):
    """Decorate an APIView handler (`post`). Without the header the handler runs as usual."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
            raise DomainError(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable characters.",
                              code="invalid_idempotency_key")
        try:
            return _answer(view, handler, request, key, *args, **kwargs)
        except IntegrityError:
            # A racing request with the same key committed its claim first (our insert waited for
            # it on the unique index): once more, the claim finds its answer and replays it.
            return _answer(view, handler, request, key, *args, **kwargs)

    return wrapper


def _answer(view, handler, request, key: str, *args, **kwargs) -> Response:
    """Claim the key, run the handler and keep its answer, all in one transaction; an answer
    that is not kept leaves the transaction by `Abandoned`, so the claim rolls back with it."""
    try:
        with transaction.atomic():
            record, replay = _claim(owner=owner_for(request), key=key, request=request)
            if replay is not None:
                return replay
            response = _run(view, handler, request, *args, **kwargs)
            if response.status_code == 400 or response.status_code >= 500:
                raise Abandoned(response)
            body = None if response.data is None else json.loads(JSONRenderer().render(response.data))
            IdempotencyRecord.objects.filter(pk=record.pk).update(response_status=response.status_code,
                                                                   response_body=body)
            return response
    except Abandoned as abandoned:
        return abandoned.response


def owner_for(request) -> str:
    user = request.user
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    address = request.META.get("REMOTE_ADDR", "")
    return "anon:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def request_fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(*, owner: str, key: str, request) -> tuple[IdempotencyRecord, Response | None]:
    """Claim the key, or find the earlier claim and answer from it. A key older than the TTL is
    forgotten and claimed afresh. A claim another transaction holds uncommitted makes the insert
    wait until that transaction ends."""
    fingerprint = request_fingerprint(request)
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
    if record is not None and record.created_at < cutoff:
        record.delete()
        record = None
    if record is None:
        # No savepoint: if a racing claim wins, the IntegrityError ends this transaction and the
        # caller tries once more (see `idempotent`).
        record = IdempotencyRecord.objects.create(owner=owner, key=key, method=request.method,
                                                  path=request.path[:300], request_hash=fingerprint)
        return record, None
    if record.request_hash != fingerprint:
        raise Unprocessable(
            f"This {HEADER} was already used for a different request ({record.method} {record.path}). "
            "Use a new key for a new change.", code="idempotency_key_reused")
    if record.response_status is None:
        # Only reachable if a claim was committed without its answer, which this module never does.
        raise DomainError("The first request with this key is still being processed; retry shortly.",
                          code="idempotency_in_progress", status=409, title="Conflict")
    replay = Response(record.response_body, status=record.response_status, headers={"Idempotent-Replayed": "true"})
    if record.response_status >= 400:
        replay.content_type = PROBLEM_CONTENT_TYPE
    return record, replay


def _run(view, handler, request, *args, **kwargs) -> Response:
    """The handler's answer, rendered as DRF would; in a savepoint an error answer rolls back, so
    whatever the handler wrote before refusing never stands."""
    with transaction.atomic():
        try:
            response = handler(view, request, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - rendered exactly as DRF would, then kept or not
            response = view.handle_exception(exc)
        if response.status_code >= 400:
            transaction.set_rollback(True)
    return response


def purge_idempotency_records(*, now: datetime | None = None) -> int:
    """Forget Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_HOURS; past it they are ignored anyway."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted

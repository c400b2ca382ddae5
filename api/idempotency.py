"""`Idempotency-Key` for POSTs that create or change a booking: a retry gets the first answer.

The claim on (owner, key) is inserted in the same transaction as the work it guards, and the
first response is stored in that transaction too. So:
- a retry that arrives after the original committed finds the stored response and replays it;
- a retry racing its original waits on the unique index (PostgreSQL) or on BEGIN IMMEDIATE
  (SQLite) until the original commits, then replays it: the work is never done twice;
- if the original dies before committing, its claim disappears with its work, and the retry
  simply runs. There is no orphaned "in progress" claim to time out.
Error answers (4xx) are stored and replayed like successes when the request wrote nothing that
stands (a lost race is refused before anything is written; a service's writes roll back with its
own atomic block). Otherwise, and for any 5xx, the answer is not stored and the whole transaction
rolls back, claim included, so the retry runs again. Records are kept IDEMPOTENCY_KEY_TTL_HOURS,
then purged (scheduling.services.housekeeping).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.errors import DomainError, Unprocessable
from api.problems import PROBLEM_CONTENT_TYPE
from config import hot_sql
from scheduling.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=HEADER, type=OpenApiTypes.STR, location=OpenApiParameter.HEADER, required=False,
    description=(
        "A unique value per intended change (a UUID). Retrying with the same key and body returns "
        "the first response (header `Idempotent-Replayed: true`); the same key with a different body "
        "is a 422 `idempotency_key_reused`. Keys are kept per user for at least "
        f"{settings.IDEMPOTENCY_KEY_TTL_HOURS} hours."),
)


class _Abandon(Exception):
    """Carries a 5xx response out of the transaction so the claim is rolled back with the work."""

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
        owner = owner_for(request)
        fingerprint = request_fingerprint(request)
        try:
            with transaction.atomic():
                record, replay = _claim(owner=owner, key=key, request=request, fingerprint=fingerprint)
                if replay is not None:
                    return replay
                response = _run(view, handler, request, *args, **kwargs)
                if response.status_code >= 500:
                    raise _Abandon(response)
                _store_answer(record, status=response.status_code, data=response.data)
                return response
        except _Abandon as abandoned:
            return abandoned.response

    return wrapper


def owner_for(request) -> str:
    user = request.user
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    address = request.META.get("REMOTE_ADDR", "")
    return "anon:" + hashlib.sha256(address.encode()).hexdigest()[:32]


def request_fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _claim(*, owner: str, key: str, request, fingerprint: str):
    """Insert the claim, or find the earlier one and answer from it. A key older than the TTL is
    forgotten and claimed afresh."""
    cutoff = timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    while True:
        record = _insert_claim(owner=owner, key=key, method=request.method, path=request.path[:300],
                               fingerprint=fingerprint)
        if record is not None:
            return record, None
        earlier = IdempotencyRecord.objects.get(owner=owner, key=key)
        if earlier.created_at >= cutoff:
            break
        IdempotencyRecord.objects.filter(pk=earlier.pk).delete()
    if earlier.request_hash != fingerprint:
        raise Unprocessable(
            f"This {HEADER} was already used for a different request ({earlier.method} {earlier.path}). "
            "Use a new key for a new change.", code="idempotency_key_reused")
    if earlier.response_status is None:
        # Only reachable if a claim was committed without its answer, which this module never does.
        raise DomainError("The first request with this key is still being processed; retry shortly.",
                      code="idempotency_in_progress", status=409, title="Conflict")
    replay = Response(earlier.response_body, status=earlier.response_status,
                      headers={"Idempotent-Replayed": "true"})
    if earlier.response_status >= 400:
        replay.content_type = PROBLEM_CONTENT_TYPE
    return earlier, replay


def _insert_claim(*, owner: str, key: str, method: str, path: str, fingerprint: str) -> IdempotencyRecord | None:
    """INSERT ... ON CONFLICT DO NOTHING: the new claim, or None when (owner, key) exists. If
    another transaction holds an uncommitted claim for the same key, this waits for it to end."""
    table = IdempotencyRecord._meta.db_table
    now = timezone.now()
    with transaction.get_connection().cursor() as cursor:
        # The table name is the model's own; every value is a parameter (bandit B608).
        cursor.execute(
            f'INSERT INTO {table} ("owner", "key", "method", "path", "request_hash", "created_at") '  # nosec B608
            "VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (\"owner\", \"key\") DO NOTHING RETURNING \"id\"",
            [owner, key, method, path, fingerprint, now])
        row = cursor.fetchone()
    if row is None:
        return None
    return IdempotencyRecord(pk=row[0], owner=owner, key=key, method=method, path=path, request_hash=fingerprint,
                             created_at=now)


def _store_answer(record: IdempotencyRecord, *, status: int, data) -> None:
    """The first answer, kept with its claim: one UPDATE, as SQL, with the body as the JSON text
    DRF renders (this runs for every booking POST; Model.save cost several times the statement)."""
    body = JSONRenderer().render(data).decode() if data is not None else None
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(_answer_sql(), [status, body, record.pk])
    record.response_status = status


@functools.cache
def _answer_sql() -> str:
    column = functools.partial(hot_sql.column, IdempotencyRecord)
    as_json = "%s::jsonb" if transaction.get_connection().vendor == "postgresql" else "%s"
    return (f"UPDATE {hot_sql.table(IdempotencyRecord)} SET {column('response_status')} = %s, "  # nosec B608 - model column names only
            f"{column('response_body')} = {as_json} WHERE {column('id')} = %s")


def _run(view, handler, request, *args, **kwargs) -> Response:
    """Run the handler. An error answer is stored only if the handler wrote nothing that stands:
    the services keep their writes in their own atomic blocks, which roll back with the error,
    and a lost race is refused before anything is written. Had anything been written (or the
    transaction been left unusable), the error is answered but not stored, and the whole
    transaction, claim included, rolls back as for a 5xx: a retry then simply runs again.

    This spares every request a savepoint of its own: three statements on a lost race, two on a
    booking."""
    writes = _WriteWatch()
    with transaction.get_connection().execute_wrapper(writes):
        try:
            response = handler(view, request, *args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - rendered exactly as DRF would, then stored
            response = view.handle_exception(exc)
    if response.status_code >= 400 and (writes.seen or transaction.get_connection().needs_rollback):
        raise _Abandon(response)
    return response


class _WriteWatch:
    """An execute wrapper that notes whether any statement wrote."""

    WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE")
    # A statement opening with a common table expression writes if any part of it does.
    WRITING_CTE = re.compile(r"\b(?:INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)

    def __init__(self):
        self.seen = False

    def __call__(self, execute, sql, params, many, context):
        if not self.seen:
            head = sql.lstrip()[:6].upper()
            self.seen = head.startswith(self.WRITES) or (
                head.startswith("WITH") and self.WRITING_CTE.search(sql) is not None)
        return execute(sql, params, many, context)

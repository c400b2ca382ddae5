"""One error shape for the whole API: RFC 9457 problem details with a stable `code`.

Services raise `core.errors.DomainError` (or a subclass); it, DRF's own exceptions and Django's
404/403/400/500 handlers are translated to the same shape here.
"""

from __future__ import annotations

import logging
import sys
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader, TemplateDoesNotExist
from django.views import defaults
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler, set_rollback

from core.errors import DomainError

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://clearday.example/problems/"
# A restarted PostgreSQL accepts connections again within seconds; clients wait this long.
DATABASE_RETRY_AFTER_SECONDS = 5
# "May not": a connection lost during COMMIT can leave the change saved; a retry with the same
# Idempotency-Key is safe either way.
DATABASE_UNAVAILABLE_DETAIL = ("The database is not answering right now, so your change may not have been saved. "
                               "Please try again shortly, with the same Idempotency-Key.")


def problem_body(status_code: int, code: str, detail: str, *, title: str | None = None,
                 **extra: Any) -> dict[str, Any]:
    body = {
        "type": TYPE_BASE + code.replace("_", "-"),
        "title": title or HTTPStatus(status_code).phrase,
        "status": status_code,
        "code": code,
        "detail": detail,
    }
    body.update({key: value for key, value in extra.items() if value is not None})
    return body


def as_problem(error: DomainError) -> dict[str, Any]:
    """A domain error as a problem-details body."""
    return problem_body(error.status, error.code, error.detail, title=error.title, **error.extra)


def problem_response(status_code: int, code: str, detail: str, **extra: Any) -> Response:
    return Response(problem_body(status_code, code, detail, **extra), status=status_code,
                    content_type=PROBLEM_CONTENT_TYPE)


_DRF_CODES = {
    exceptions.NotAuthenticated: "not_authenticated",
    exceptions.AuthenticationFailed: "authentication_failed",
    exceptions.PermissionDenied: "permission_denied",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "throttled",
    exceptions.ParseError: "malformed_request",
    exceptions.ValidationError: "validation_error",
}


def _flatten_errors(data: Any, prefix: str = "") -> list[dict[str, str]]:
    """DRF's nested error dicts as a flat list of {field, message, code}."""
    errors: list[dict[str, str]] = []
    if isinstance(data, dict):
        for key, value in data.items():
            name = key if not prefix else f"{prefix}.{key}"
            if key == "non_field_errors":
                name = prefix or ""
            errors.extend(_flatten_errors(value, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            if isinstance(value, (dict, list)):
                errors.extend(_flatten_errors(value, f"{prefix}[{index}]" if prefix else str(index)))
            else:
                errors.extend(_flatten_errors(value, prefix))
    else:
        errors.append({"field": prefix, "message": str(data), "code": getattr(data, "code", "invalid")})
    return errors


def database_unavailable(exc: BaseException | None) -> bool:
    """True when a database error means the server cannot be reached (down, restarting, the
    connection dropped), not that a query was wrong: that is a 503 to retry, not a 500 bug.
    PostgreSQL says so with SQLSTATE class 08 (connection), 57P (shutdown) or 53300 (too many
    connections, usual while it restarts), or no SQLSTATE at all when no server answered; other
    drivers' errors (SQLite's) stay 500s."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError) or not hasattr(exc.__cause__, "sqlstate"):
        return False
    sqlstate = exc.__cause__.sqlstate
    return sqlstate is None or sqlstate.startswith(("08", "57P")) or sqlstate == "53300"


def _database_unavailable_problem() -> Response:
    response = problem_response(503, "database_unavailable", DATABASE_UNAVAILABLE_DETAIL,
                                title="Service unavailable", retry_after=DATABASE_RETRY_AFTER_SECONDS)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    if database_unavailable(exc):
        logger.warning("Database unavailable: %s", exc.__class__.__name__, exc_info=exc)
        set_rollback()
        return _database_unavailable_problem()
    if isinstance(exc, DomainError):
        # No set_rollback(): a service may commit on purpose before it refuses (a wrong sign-in
        # code is counted, then answered with a 400).
        response = Response(as_problem(exc), status=exc.status, content_type=PROBLEM_CONTENT_TYPE)
        if exc.extra.get("retry_after") is not None:
            response["Retry-After"] = str(exc.extra["retry_after"])
        return response
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        # The traceback goes to the log (with the request id), never to the client.
        logger.error("Unhandled API error", exc_info=exc)
        set_rollback()
        return problem_response(500, "server_error", "Something went wrong on our side. Please try again.")

    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)),
                getattr(exc, "default_code", "error"))
    extra: dict[str, Any] = {}
    if isinstance(exc, exceptions.ValidationError):
        extra["errors"] = _flatten_errors(exc.detail)
        first = extra["errors"][0] if extra["errors"] else None
        if first and first["field"]:
            detail = f"{first['field']}: {first['message']}"
        elif first:
            detail = first["message"]
        else:
            detail = "The request is not valid."
    else:
        detail = str(exc.detail) if hasattr(exc, "detail") else str(exc)
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        extra["retry_after"] = int(exc.wait)
    body = problem_body(response.status_code, code, detail, **extra)
    response.data = body
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def _json_problem(status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse(problem_body(status_code, code, detail), status=status_code,
                        content_type=PROBLEM_CONTENT_TYPE)


def _wants_page(request) -> bool:
    """The path decides: outside the API and the webhooks, an error is an HTML page (the site's
    own 404.html, 500.html, ... in web/templates), whatever the client's Accept header says."""
    return not request.path.startswith(("/api/", "/webhooks/"))


def handler400(request, exception=None):
    if _wants_page(request):
        return defaults.bad_request(request, exception)
    return _json_problem(400, "bad_request", "The request could not be understood.")


def handler403(request, exception=None):
    if _wants_page(request):
        return defaults.permission_denied(request, exception)
    return _json_problem(403, "permission_denied", "You do not have permission to do this.")


def handler404(request, exception=None):
    if _wants_page(request):
        return defaults.page_not_found(request, exception)
    return _json_problem(404, "not_found", f"Nothing is found at {request.path}.")


def handler500(request):
    if database_unavailable(sys.exc_info()[1]):  # raised outside a DRF view (a page, a middleware)
        return _database_unavailable_response(request)
    if _wants_page(request):
        return defaults.server_error(request)
    return _json_problem(500, "server_error", "Something went wrong on our side. Please try again.")


def _database_unavailable_response(request) -> HttpResponse:
    """A 503 with Retry-After: the page from 503.html (rendered without a context, as Django
    renders 500.html: nothing in it may touch the database), or a problem detail for the API."""
    if _wants_page(request):
        try:
            response = HttpResponse(loader.get_template("503.html").render(), status=503)
        except TemplateDoesNotExist:
            response = HttpResponse("Service unavailable: please try again in a few seconds.", status=503,
                                    content_type="text/plain; charset=utf-8")
    else:
        response = JsonResponse(problem_body(503, "database_unavailable", DATABASE_UNAVAILABLE_DETAIL,
                                             title="Service unavailable", retry_after=DATABASE_RETRY_AFTER_SECONDS),
                                status=503, content_type=PROBLEM_CONTENT_TYPE)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response


# --- OpenAPI: the problem-details component every endpoint's error responses reference ------

class ProblemFieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="Dotted path of the field; empty for the whole request.")
    message = serializers.CharField()
    code = serializers.CharField()


class ProblemGateSerializer(serializers.Serializer):
    gate = serializers.CharField()
    detail = serializers.CharField()
    how_to_satisfy = serializers.CharField()
    overridable = serializers.BooleanField()


class ProblemRuleSerializer(serializers.Serializer):
    rule = serializers.CharField()
    detail = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, as every API error is rendered. Besides the members every problem
    has, some codes carry more, each described below with the codes that send it. Each operation
    lists its codes under its problem responses (`x-problem-codes`);
    any operation may also answer 400 `validation_error` or `malformed_request`, 401
    `not_authenticated` or `authentication_failed`, 403 `permission_denied`, 404 `not_found`, 405
    `method_not_allowed`, 406 `not_acceptable`, 415 `unsupported_media_type`, 429 `throttled` and
    503 `database_unavailable`."""

    type = serializers.URLField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    code = serializers.CharField(help_text="Stable, machine-readable; safe to branch on.")
    detail = serializers.CharField(help_text="Specific and human: what went wrong and what to do.")
    errors = ProblemFieldErrorSerializer(many=True, required=False, help_text=(
        "Validation errors, one per field (400 `validation_error`, `invalid_pagination`)."))
    retry_after = serializers.IntegerField(required=False, help_text="Seconds to wait (429 and 503).")
    reason = serializers.CharField(required=False, help_text=(
        "409 `slot_taken`: what the engine found in the way, `taken` (a visit or hold) or `capacity` (the "
        "nurse's watch is full). 422 `course_unplaceable`: why the search stopped (e.g. `no_opening`, "
        "`max_span`, `budget`)."))
    visit = serializers.IntegerField(required=False, help_text="422 `course_unplaceable`: the number of the visit "
                                                               "that could not be placed.")
    kind = serializers.CharField(required=False, help_text="422 `course_unplaceable`: `dose` or `companion`.")
    earliest_start = serializers.DateField(required=False, help_text=(
        "422 `course_unplaceable`: the earliest day the whole course fits from; absent when none does."))
    gate = serializers.CharField(required=False, help_text="422 `gate_failed`: the first gate that refused.")
    how_to_satisfy = serializers.CharField(required=False, help_text="422 `gate_failed`: what would let it pass.")
    overridable = serializers.BooleanField(required=False, help_text=(
        "422 `gate_failed`, `too_early_for_check_in`, `too_early_to_complete`: whether the front desk may "
        "override it with `override_reason`."))
    gates = ProblemGateSerializer(many=True, required=False, help_text="422 `gate_failed`: every gate that refused.")
    findings = serializers.ListField(child=serializers.CharField(), required=False, help_text=(
        "422 `findings_not_addressed`: the screening's findings the notes must weigh."))
    from_status = serializers.CharField(required=False, help_text="409 `illegal_transition`: the visit's status.")
    to_status = serializers.CharField(required=False, help_text="409 `illegal_transition`: the status asked for.")
    status_now = serializers.CharField(required=False, help_text=(
        "409 `hold_not_live`, `course_status`: the hold's or course's status now."))
    opens_at = serializers.DateTimeField(required=False, help_text=(
        "422 `checkin_not_open`, `too_early_for_check_in`: when it opens (UTC)."))
    starts_at = serializers.DateTimeField(required=False, help_text="422 `too_early_to_complete`: the visit's start.")
    rule = serializers.CharField(required=False, help_text="422 `course_spacing`: the first spacing rule broken.")
    rules = ProblemRuleSerializer(many=True, required=False, help_text="422 `course_spacing`: every rule broken.")
    appointment = serializers.IntegerField(required=False, help_text="409 `patient_busy`: the patient's other visit.")
    appointment_start = serializers.DateTimeField(required=False, help_text="409 `patient_busy`: its start.")
    appointment_end = serializers.DateTimeField(required=False, help_text="409 `patient_busy`: its end.")
    held = serializers.BooleanField(required=False, help_text="409 `patient_busy`: whether it is a live hold.")
    eligibility = serializers.CharField(required=False, help_text=(
        "422 `waitlist_not_eligible`: why (an eligibility code, or `no_video`, `no_place`)."))
    next_step = serializers.CharField(required=False, help_text="422 `waitlist_not_eligible`: what the patient does "
                                                                "next (book_evaluation, call_clinic, ...).")
    next_step_text = serializers.CharField(required=False, help_text="422 `waitlist_not_eligible`: that, in words.")
    checks = serializers.DictField(child=serializers.CharField(), required=False, help_text=(
        "503 `not_ready` (the readiness check): each dependency and its state."))

    class Meta:
        ref_name = "Problem"


_DEFAULT_DESCRIPTIONS = {
    400: "The request is not valid (see `errors`).",
    401: "Not signed in, or the token has expired.",
    403: "Signed in, but the role does not allow this.",
    404: "No such resource.",
    409: "Conflicts with the current state (e.g. the slot is taken).",
    422: "Understood but refused by a rule (e.g. a gate failed).",
    429: "Too many requests; see `retry_after`.",
    503: "A dependency is down.",
}


def problem_responses(*statuses: int, **descriptions: str) -> dict:
    """`extend_schema(responses={200: ..., **problem_responses(400, 401)})`.

    Pass `description_<status>="..."` to say what a status means for this endpoint.
    """
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(
            ProblemSerializer, description=descriptions.get(f"description_{code}", _DEFAULT_DESCRIPTIONS.get(code, "")))
        for code in statuses
    }

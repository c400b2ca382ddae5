"""One error shape for the whole API: RFC 9457 problem details with a stable `code`.

Raise `Problem` (or a subclass) from a service or view; DRF's own exceptions and Django's
404/403/400/500 handlers are translated to the same shape.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

PROBLEM_CONTENT_TYPE = "application/problem+json"
TYPE_BASE = "https://clearday.example/problems/"


class Problem(Exception):
    """An error a person will read. `code` is stable; `detail` says exactly what went wrong."""

    status: int = status.HTTP_400_BAD_REQUEST
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, status: int | None = None,
                 title: str | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        if status:
            self.status = status
        if title:
            self.title = title
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return problem_body(self.status, self.code, self.detail, title=self.title, **self.extra)


class Conflict(Problem):
    status = status.HTTP_409_CONFLICT
    code = "conflict"
    title = "Conflict"


class Unprocessable(Problem):
    status = status.HTTP_422_UNPROCESSABLE_ENTITY
    code = "unprocessable"
    title = "Unprocessable request"


class NotFound(Problem):
    status = status.HTTP_404_NOT_FOUND
    code = "not_found"
    title = "Not found"


class ServiceUnavailable(Problem):
    status = status.HTTP_503_SERVICE_UNAVAILABLE
    code = "service_unavailable"
    title = "Service unavailable"


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


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, Problem):
        return Response(exc.as_dict(), status=exc.status, content_type=PROBLEM_CONTENT_TYPE)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        logger.exception("Unhandled API error", exc_info=exc)
        return problem_response(500, "server_error", "Something went wrong on our side. Please try again.")

    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
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


def handler400(request, exception=None):
    return _json_problem(400, "bad_request", "The request could not be understood.")


def handler403(request, exception=None):
    return _json_problem(403, "permission_denied", "You do not have permission to do this.")


def handler404(request, exception=None):
    return _json_problem(404, "not_found", f"Nothing is found at {request.path}.")


def handler500(request):
    return _json_problem(500, "server_error", "Something went wrong on our side. Please try again.")

"""Errors the domain raises, framework-free: each carries a stable `code`, an HTTP-meaningful
`status`, a `title` and extra fields. `api/problems.py` turns them into RFC 9457 problem details
in one exception handler; the pages catch them and show `detail` in words."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """An error a person will read. `code` is stable; `detail` says exactly what went wrong."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(
        self, detail: str, *, code: str | None = None, status: int | None = None, title: str | None = None, **extra: Any
    ):
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        if status:
            self.status = status
        if title:
            self.title = title
        self.extra = extra


class Forbidden(DomainError):
    status = 403
    code = "permission_denied"
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"


class Unprocessable(DomainError):
    status = 422
    code = "unprocessable"
    title = "Unprocessable request"


class TooManyRequests(DomainError):
    status = 429
    code = "throttled"
    title = "Too many requests"


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"
    title = "Service unavailable"

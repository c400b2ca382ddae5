"""A request id on every log line: taken from X-Request-ID when a proxy sets one, else made.

The id is bound when Django starts handling a request (so even Django's own "Internal Server
Error" line, logged after the middleware, carries it) and travels with Celery tasks queued
during the request (see config/celery.py).
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar, Token

from django.core.signals import request_finished, request_started

NO_REQUEST = "-"
_request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)
# Kept from a client or proxy only when it is a short token of safe characters. `fullmatch`, not
# `match` with `$`: `$` also matches before a trailing newline, which let "id\n" through into the
# audit rows and the response header.
_VALID = re.compile(r"[A-Za-z0-9._-]{1,64}")

access_logger = logging.getLogger("clearday.access")


# Paths whose last segment is a credential (join links, manage links, check-in links, calendar
# feeds): logs keep the route but never the token.
_SECRET_PATH = re.compile(r"^(/(?:visit|manage|c|calendars|api/v1/checkins)/)[^/]+")


def loggable_path(path: str) -> str:
    return _SECRET_PATH.sub(r"\1<token>", path)


def current_request_id() -> str:
    return _request_id.get()


def is_request_id(value: object) -> bool:
    """A short token of safe characters: all that is kept from a client, logged or audited."""
    return isinstance(value, str) and _VALID.fullmatch(value) is not None


def bind_request_id(value: str | None) -> Token:
    """Bind `value` if it is a sane id (a proxy's), else a new one."""
    return _request_id.set(value if is_request_id(value) else uuid.uuid4().hex)


def unbind_request_id(token: Token) -> None:
    _request_id.reset(token)


def _bind_for_request(sender, environ=None, **kwargs) -> None:
    bind_request_id((environ or {}).get("HTTP_X_REQUEST_ID"))


def _unbind_after_request(sender, **kwargs) -> None:
    _request_id.set(NO_REQUEST)


request_started.connect(_bind_for_request, dispatch_uid="clearday.request_id.bind")
request_finished.connect(_unbind_after_request, dispatch_uid="clearday.request_id.unbind")


class RequestIdMiddleware:
    """Returns the id in X-Request-ID and logs one access line per request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = None
        if current_request_id() == NO_REQUEST:  # called without the request_started signal
            token = bind_request_id(request.headers.get("X-Request-ID"))
        request.request_id = current_request_id()
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.request_id
            elapsed_ms = round((time.monotonic() - started) * 1000, 1)
            access_logger.info(
                "%s %s %s %sms", request.method, loggable_path(request.path), response.status_code, elapsed_ms,
                extra={"method": request.method, "path": loggable_path(request.path), "status": response.status_code,
                       "duration_ms": elapsed_ms},
            )
            return response
        finally:
            if token is not None:
                unbind_request_id(token)


class RequestIdFilter(logging.Filter):
    """Adds the request id; also takes credentials out of Django's own request log lines
    ("Not Found: /visit/<token>")."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = _request_id.get()
        if record.name == "django.request" and record.args:
            record.args = tuple(loggable_path(a) if isinstance(a, str) else a for a in record.args)
        return True

"""Where a request came from, for the audit log: the client address as the per-IP limits see it
(through NUM_PROXIES, so a client cannot forge it with X-Forwarded-For), the user agent and the
request id. The middleware binds the request for the length of the request, so services deep in
a call (a clearance, an acknowledgement) record the same facts as the view without passing the
request down."""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass

from rest_framework.throttling import BaseThrottle

from config.request_id import current_request_id, is_request_id, NO_REQUEST

_request: ContextVar[object | None] = ContextVar("audit_request", default=None)


@dataclass(frozen=True)
class Origin:
    ip: str | None
    user_agent: str
    request_id: str


def client_ip(request) -> str | None:
    """The client's address, chosen exactly as DRF's throttles choose it (NUM_PROXIES)."""
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address((ident or "").strip()))
    except ValueError:
        return None


def current_request():
    return _request.get()


def origin(request=None) -> Origin:
    request = request if request is not None else current_request()
    request_id = current_request_id()
    request_id = "" if request_id == NO_REQUEST else request_id
    if request is None:
        return Origin(ip=None, user_agent="", request_id=request_id)
    # Only the sanitised id (config.request_id), never a raw header: a request attribute that is
    # not a safe token falls back to the id bound for this request.
    own = getattr(request, "request_id", "")
    return Origin(ip=client_ip(request), user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
                  request_id=own if is_request_id(own) else request_id)


class AuditContextMiddleware:
    """Binds the request so `audit.services.record` can say where a change came from."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request.set(request)
        try:
            return self.get_response(request)
        finally:
            _request.reset(token)

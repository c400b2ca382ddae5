"""The few pages that need more than the site-wide Content-Security-Policy, and why.

settings.CONTENT_SECURITY_POLICY is strict (scripts and styles from this server, a nonce for
server-written <style> blocks, no framing, forms post here). An exception is a decorator on the
one view that needs it, so each widening is written once, next to its reason.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace, csp_update
from django.conf import settings

# Swagger UI and Redoc (drf-spectacular's sidecar copies, served from here) write inline styles
# and draw icons from data: URIs; Redoc parses the schema in a blob: worker. Their scripts still
# come only from this server (Swagger UI's start-up script is its own URL, see config/urls.py).
# 'unsafe-inline' is ignored next to a nonce, so style-src is replaced, not extended.
API_DOCS_POLICY = {
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "worker-src": [SELF, "blob:"],
}


def api_docs_policy(view):
    return csp_replace(API_DOCS_POLICY)(view)


def video_room_origin() -> str:
    """The Jitsi server's origin (scheme://host[:port]) from JITSI_BASE_URL."""
    parts = urlsplit(settings.JITSI_BASE_URL)
    return f"{parts.scheme}://{parts.netloc}"


def allows_posting_to_the_video_room(view):
    """The visit page's "Join" form posts here and is answered with a redirect to the Jitsi room;
    browsers apply form-action to that redirect, so the room's origin is allowed on this page
    only. Jitsi is never framed or scripted from our pages: frame-src and script-src stay closed."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        return csp_update({"form-action": [video_room_origin()]})(view)(request, *args, **kwargs)

    return wrapped

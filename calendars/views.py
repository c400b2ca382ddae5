"""A clinician's calendar feed, read by their calendar app with the secret URL alone (calendar
apps send no credentials). Unknown, replaced and revoked URLs are a plain 404."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.views.decorators.http import require_GET

from audit.services import Action, record
from core.errors import NotFound

from . import feeds, ics


@require_GET
def feed(request, token: str):
    try:
        staff = feeds.staff_for_token(token)
    except NotFound:
        raise Http404 from None
    body = feeds.feed_calendar(staff=staff)
    record(
        action=Action.READ,
        kind="calendars.feed",
        record_id=staff.pk,
        actor=staff.user,
        summary="calendar feed read by the clinician's calendar app",
        request=request,
    )
    response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response

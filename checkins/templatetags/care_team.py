"""The staff navigation's counts: open risk alerts and unread inbox replies, each counted within
what the signed-in user may see (the same selectors as the pages they lead to)."""

from __future__ import annotations

from django import template

from accounts.models import Role
from checkins import selectors
from checkins.models import AlertStatus
from notifications import selectors as message_selectors

register = template.Library()

STAFF = (Role.FRONT_DESK, Role.CLINICIAN, Role.ADMIN)


@register.simple_tag
def staff_counts(user) -> dict:
    """{"alerts": open risk alerts, "inbox": replies waiting for a person}; zeros for anyone else."""
    if not getattr(user, "is_authenticated", False) or not user.has_role(*STAFF):
        return {"alerts": 0, "inbox": 0}
    return {
        "alerts": selectors.visible_alerts(user=user).filter(status=AlertStatus.OPEN).count(),
        "inbox": message_selectors.inbox(user=user).count(),
    }

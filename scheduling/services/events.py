"""The append-only appointment record. Every change goes through `record_event`."""

from __future__ import annotations

from typing import Any

from scheduling.models import Appointment, AppointmentEvent


def record_event(*, appointment: Appointment, action: str, actor=None, actor_kind: str = "system",
                 from_status: str = "", to_status: str = "", reason: str = "",
                 data: dict[str, Any] | None = None) -> AppointmentEvent:
    return AppointmentEvent.objects.create(
        appointment=appointment, action=action, actor=actor if getattr(actor, "pk", None) else None,
        actor_kind=actor_kind, from_status=from_status, to_status=to_status, reason=reason[:300],
        data=data or {},
    )

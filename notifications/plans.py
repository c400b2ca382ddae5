"""Which messages a booked visit gets, and when: the default plan and per-service plans.

A step is sent on every channel the patient can be reached on. `minutes_before` anchors it to
the visit's start; a step without it (the confirmation) goes out after the grace period that
lets a quick undo send nothing. `priority` decides which text a frequency limit keeps.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

# Templates that exist for appointment steps (notifications/templates/notifications/<channel>/<lang>/).
STEP_TEMPLATES = ("confirmation", "reminder", "join_link")


@dataclass(frozen=True)
class Step:
    key: str
    template: str
    priority: int
    minutes_before: int | None = None  # None: the confirmation, due after the grace period
    prep: bool = False  # the email carries the service's prep instructions (and the escort rule)
    video_only: bool = False

    @property
    def after_booking(self) -> bool:
        return self.minutes_before is None


DEFAULT_STEPS: list[dict] = [
    {"key": "confirmation", "template": "confirmation", "priority": 30, "prep": True},
    {"key": "reminder_72h", "template": "reminder", "minutes_before": 72 * 60, "priority": 10, "prep": True},
    {"key": "reminder_24h", "template": "reminder", "minutes_before": 24 * 60, "priority": 40},
    {"key": "reminder_2h", "template": "reminder", "minutes_before": 2 * 60, "priority": 20},
    {"key": "join_link", "template": "join_link", "minutes_before": 15, "priority": 50, "video_only": True},
]

# Messages outside the plan. The cancellation notice outranks every reminder; replies answer a
# text the patient just sent and are neither capped nor held for quiet hours.
CANCELLATION = Step(key="cancellation", template="cancellation", priority=60)
REPLY_TEMPLATES = ("help", "stop", "start", "confirmed", "reschedule", "cancel_request")
# Replies to the patient's own text: kind = REPLY_PREFIX + template; never counted toward the caps.
REPLY_PREFIX = "reply_"
# Messages about a visit that is over (checkins/): "checkin_<step>" and its one "checkin_<step>_nudge".
# They wait for a completed visit instead of a booked one and have no visit start as a deadline.
FOLLOW_UP_PREFIX = "checkin_"
FOLLOW_UP_TEMPLATES = ("checkin", "checkin_nudge")
# Urgent alerts to a clinician's own number or email (a check-in answer that signals risk): no
# patient, no quiet hours, no frequency limit, never any clinical detail in the text.
STAFF_PREFIX = "staff_"
STAFF_TEMPLATES = ("staff_alert",)
# A reminder due this soon after the confirmation says nothing new.
REMINDER_MIN_GAP_MINUTES = 60

_FIELDS = {"key", "template", "priority", "minutes_before", "prep", "video_only"}


def parse_steps(raw) -> list[Step]:
    """Validate a plan's JSON and return its steps; errors name the step and the field."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError("A message plan is a non-empty list of steps.")
    steps: list[Step] = []
    seen: set[str] = set()
    for index, item in enumerate(raw, start=1):
        where = f"Step {index}"
        if not isinstance(item, dict):
            raise ValidationError(f"{where} must be an object with key, template and priority.")
        unknown = set(item) - _FIELDS
        if unknown:
            raise ValidationError(f"{where} has unknown fields: {', '.join(sorted(unknown))}.")
        key = item.get("key")
        if not isinstance(key, str) or not key.replace("_", "").isalnum() or len(key) > 40:
            raise ValidationError(f"{where}: key must be a short slug such as reminder_24h.")
        if key in seen or key == CANCELLATION.key or key.startswith(REPLY_PREFIX):
            raise ValidationError(f"{where}: key {key!r} is already used.")
        seen.add(key)
        template = item.get("template")
        if template not in STEP_TEMPLATES:
            raise ValidationError(f"{where} ({key}): template must be one of {', '.join(STEP_TEMPLATES)}.")
        minutes = item.get("minutes_before")
        if minutes is not None and (not isinstance(minutes, int) or not 0 < minutes <= 30 * 24 * 60):
            raise ValidationError(f"{where} ({key}): minutes_before must be between 1 and 43200 (30 days).")
        if template == "confirmation" and minutes is not None:
            raise ValidationError(f"{where} ({key}): the confirmation is sent after booking; leave out minutes_before.")
        if template != "confirmation" and minutes is None:
            raise ValidationError(f"{where} ({key}): a {template} step needs minutes_before.")
        priority = item.get("priority", 0)
        if not isinstance(priority, int):
            raise ValidationError(f"{where} ({key}): priority must be a whole number.")
        steps.append(Step(key=key, template=template, priority=priority, minutes_before=minutes,
                          prep=bool(item.get("prep", False)),
                          video_only=bool(item.get("video_only", template == "join_link"))))
    return steps


def steps_for_service(service_id: int) -> list[Step]:
    from notifications.models import ServiceMessagePlan

    plan = ServiceMessagePlan.objects.filter(service_id=service_id).values_list("steps", flat=True).first()
    return parse_steps(plan) if plan is not None else list(_DEFAULT)  # without a plan of its own, the default


_DEFAULT = tuple(parse_steps(DEFAULT_STEPS))

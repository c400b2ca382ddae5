"""Which check-ins follow a completed visit, and when.

Dosing visits (IV, Spravato, KAP dosing: `Service.is_dosing`) get the default plan (24 h, 72 h and
7 days after, `DEFAULT_STEPS`) unless their service has its own `CheckInPlan`; any other service (a preparation or
integration session) gets check-ins only when it carries a plan. A step is anchored to the
visit's end: `hours_after` it the patient is asked, `nudge_after_hours` later they are reminded
once if they have not answered, and the link works for `open_hours` from the first message.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

SECTIONS = ("mood", "sleep", "side_effects")
QUESTIONNAIRES = ("phq2", "phq9", "gad7")
# A nudge due at night waits for the morning (at most ~13 h in the strictest state window), and
# the patient needs time to answer it before the link stops working.
NUDGE_TO_CLOSE_MIN_HOURS = 16
MAX_HOURS = 60 * 24
# The outbox kind is "checkin_<key>" or "checkin_<key>_nudge" (40 characters at most).
MAX_KEY_LENGTH = 20

DEFAULT_STEPS: list[dict] = [
    {"key": "24h", "hours_after": 24, "sections": ["mood", "side_effects"], "questionnaires": [],
     "nudge_after_hours": 24, "open_hours": 48, "priority": 35},
    {"key": "72h", "hours_after": 72, "sections": ["mood", "sleep", "side_effects"], "questionnaires": ["phq2"],
     "nudge_after_hours": 24, "open_hours": 72, "priority": 35},
    {"key": "7d", "hours_after": 168, "sections": ["mood", "sleep"], "questionnaires": ["phq9", "gad7"],
     "nudge_after_hours": 24, "open_hours": 96, "priority": 35},
]


@dataclass(frozen=True)
class Step:
    key: str
    hours_after: int
    sections: tuple[str, ...]
    questionnaires: tuple[str, ...]
    nudge_after_hours: int | None
    open_hours: int
    priority: int


_FIELDS = {"key", "hours_after", "sections", "questionnaires", "nudge_after_hours", "open_hours", "priority"}


def _hours(item: dict, name: str, where: str, *, required: bool) -> int | None:
    value = item.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_HOURS:
        raise ValidationError(f"{where}: {name} must be a whole number of hours between 1 and {MAX_HOURS}.")
    return value


def _choices(item: dict, name: str, allowed: tuple[str, ...], where: str) -> tuple[str, ...]:
    value = item.get(name, [])
    if not isinstance(value, list) or any(v not in allowed for v in value) or len(set(value)) != len(value):
        raise ValidationError(f"{where}: {name} must be a list drawn from {', '.join(allowed)}, each at most once.")
    return tuple(value)


def parse_steps(raw) -> list[Step]:
    """Validate a plan's JSON and return its steps; errors name the step and the field. An empty
    list is a valid plan: this service's visits get no check-ins."""
    if not isinstance(raw, list):
        raise ValidationError("A check-in plan is a list of steps (empty for none).")
    steps: list[Step] = []
    for index, item in enumerate(raw, start=1):
        where = f"Step {index}"
        if not isinstance(item, dict):
            raise ValidationError(f"{where} must be an object with key, hours_after and open_hours.")
        unknown = set(item) - _FIELDS
        if unknown:
            raise ValidationError(f"{where} has unknown fields: {', '.join(sorted(unknown))}.")
        key = item.get("key")
        if (not isinstance(key, str) or not key or not key.replace("_", "").isalnum() or len(key) > MAX_KEY_LENGTH
                or key.endswith("_nudge")):
            raise ValidationError(f"{where}: key must be a short slug such as 72h (at most {MAX_KEY_LENGTH} "
                                  "characters, letters, digits and _).")
        where = f"{where} ({key})"
        if any(step.key == key for step in steps):
            raise ValidationError(f"{where}: the key is already used by another step.")
        questionnaires = _choices(item, "questionnaires", QUESTIONNAIRES, where)
        if "phq2" in questionnaires and "phq9" in questionnaires:
            raise ValidationError(f"{where}: use phq2 (which continues to the PHQ-9 when positive) or phq9, not both.")
        sections = _choices(item, "sections", SECTIONS, where)
        if not sections and not questionnaires:
            raise ValidationError(f"{where}: ask at least one section or questionnaire.")
        hours_after = _hours(item, "hours_after", where, required=True)
        open_hours = _hours(item, "open_hours", where, required=True)
        nudge = _hours(item, "nudge_after_hours", where, required=False)
        if nudge is not None and nudge + NUDGE_TO_CLOSE_MIN_HOURS > open_hours:
            raise ValidationError(f"{where}: open_hours ({open_hours}) must be at least {NUDGE_TO_CLOSE_MIN_HOURS} "
                                  f"hours longer than nudge_after_hours ({nudge}), so a nudge held back overnight "
                                  "still leaves time to answer.")
        priority = item.get("priority", 35)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise ValidationError(f"{where}: priority must be a whole number.")
        steps.append(Step(key=key, hours_after=hours_after, sections=sections, questionnaires=questionnaires,
                          nudge_after_hours=nudge, open_hours=open_hours, priority=priority))
    return steps


def steps_for_service(service) -> list[Step]:
    """The service's own plan, else the default for a dosing service, else nothing."""
    from checkins.models import CheckInPlan

    plan = CheckInPlan.objects.filter(service_id=service.pk).values_list("steps", flat=True).first()
    if plan is not None:
        return parse_steps(plan)
    return parse_steps(DEFAULT_STEPS) if service.is_dosing else []

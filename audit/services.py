"""Writing the audit log. One function, `record`, called by views for staff reads and by
services for changes, inside the change's own transaction (the row commits or rolls back with
the change it describes).

What is recorded:
- reads by staff only: a patient reading their own records (the API only ever shows a patient
  their own) and the system are not logged, so `record(action=Action.READ, ...)` from a view
  serving both is a no-op for a patient;
- every change, whoever makes it (staff, a patient, or the system with no actor).

A list read (`record_read`) leaves `record_id` empty, `kind` names what was listed and `summary` the
filter. It is one entry per patient the request names (the patient filtered on, the patients a
search found), so the admin's patient filter finds it; a work list that names no patient (the
day's calendar, the inbox, the waiting list) is one entry without a patient. Its rows are not
expanded into one entry per patient shown: the entry says who listed what, when, with which
filter, and that is enough to reconstruct the page. Summaries are short and non-clinical: never
free text or answers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import models

from .context import current_request, origin
from .models import Action, AuditEntry

__all__ = ["Action", "record", "record_read"]

logger = logging.getLogger("clearday.audit")

PATIENT = "scheduling.patient"
_VERBS = {Action.READ: "read", Action.CREATE: "created", Action.CHANGE: "changed", Action.DELETE: "deleted",
          Action.OVERRIDE: "overrode"}


def record(*, action: str, target: models.Model | None = None, kind: str = "", record_id: object = None,
           patient: object = None, summary: str = "", actor: object = None, request: object = None
           ) -> AuditEntry | None:
    """Add one entry. `target` (a model instance) fills `kind`, `record_id` and, when it is or
    belongs to a patient, `patient`; explicit arguments win. The actor defaults to the signed-in
    user of the request being served; where from (address, user agent, request id) comes from
    that request. Returns None when nothing is recorded (a read that is not a staff read)."""
    request = request if request is not None else current_request()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        actor = user if getattr(user, "is_authenticated", False) else None
    actor = actor if getattr(actor, "pk", None) else None
    if action == Action.READ and not getattr(actor, "is_clinic_staff", False):
        return None
    if target is not None:
        kind = kind or target._meta.label_lower
        record_id = target.pk if record_id is None else record_id
        if patient is None:
            patient = patient_id_of(target)
    patient_id = getattr(patient, "pk", patient)
    where = origin(request)
    entry = AuditEntry(
        actor=actor, actor_username=actor.get_username() if actor else "", actor_role=getattr(actor, "role", "") or "",
        action=action, record_kind=kind, record_id="" if record_id is None else str(record_id)[:64],
        patient_id=patient_id, summary=summary[:200], ip=where.ip, user_agent=where.user_agent,
        request_id=where.request_id[:64])
    entry.save()
    _log(entry)
    return entry


def record_read(*, kind: str, summary: str, patients: Iterable[object] = (), request: object = None
                ) -> list[AuditEntry]:
    """A staff read of a list or a search: one entry per distinct patient in `patients` (models or
    ids: the filter's, a search's results), or one entry without a patient when there are none.
    Nothing for a reader who is not staff, as with `record`."""
    ids = sorted({int(getattr(p, "pk", p)) for p in patients if p is not None})
    entries = [record(action=Action.READ, kind=kind, patient=pid, summary=summary, request=request)
               for pid in ids or [None]]
    return [entry for entry in entries if entry is not None]


# How a record belongs to a patient: directly, or through its visit or its check-in.
PATIENT_LINKS = ("patient", "appointment", "checkin")


def patient_link(model) -> str | None:
    """The first of PATIENT_LINKS that `model` has as a foreign key, or None."""
    names = {f.name for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)}
    return next((name for name in PATIENT_LINKS if name in names), None)


def patient_id_of(target: models.Model) -> int | None:
    """The patient a record is, or belongs to (one query at most, through its visit or check-in)."""
    if target._meta.label_lower == PATIENT:
        return target.pk
    link = patient_link(type(target))
    if link is None:
        return None
    if link == "patient":
        return target.patient_id
    parent = getattr(target, link)
    return getattr(parent, "patient_id", None) if parent is not None else None


def _log(entry: AuditEntry) -> None:
    who = f"user {entry.actor_id}" if entry.actor_id else "the system"
    # A list of patients (a search) names each patient it found as the record read.
    shown = entry.record_id or (entry.patient_id if entry.record_kind == PATIENT else "")
    what = f"{entry.record_kind.rsplit('.', 1)[-1]} {shown or ''}".strip()
    whose = f" of patient {entry.patient_id}" if entry.patient_id and entry.record_kind != PATIENT else ""
    logger.info("%s %s %s%s%s", who, _VERBS.get(entry.action, entry.action), what, whose,
                f": {entry.summary}" if entry.summary else "")

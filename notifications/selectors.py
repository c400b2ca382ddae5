"""What the front desk reads about messages: per appointment, the inbox of replies that need a
person, and the messages that failed. Scoped like appointments (scheduling.selectors): staff see
messages about visits they can see, plus those tied to no visit whose patient they may see or that
name no patient (e.g. a text from an unknown number)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import Role
from notifications.models import InboundMessage, MessageStatus, OutboundMessage
from scheduling.models import Appointment
from scheduling.selectors.appointments import sees_nothing, visible_appointments, visible_patients


def _scoped(qs: QuerySet, *, user) -> QuerySet:
    if sees_nothing(user):
        return qs.none()
    if user.role == Role.ADMIN:
        return qs
    no_visit = Q(appointment__isnull=True) & (Q(patient__isnull=True) | Q(patient__in=visible_patients(user=user)))
    return qs.filter(no_visit | Q(appointment__in=visible_appointments(user=user)))


def messages_for_appointment(*, appointment) -> QuerySet[OutboundMessage]:
    """Everything planned for the visit, sent or not, in the order it was (or will be) due."""
    return OutboundMessage.objects.filter(appointment=appointment).order_by("due_at", "pk")


def replies_for_appointment(*, appointment) -> QuerySet[InboundMessage]:
    return (InboundMessage.objects.filter(appointment=appointment).select_related("handled_by")
            .order_by("received_at", "pk"))


def inbox_items(*, user) -> QuerySet[InboundMessage]:
    """Every reply that needed a person, handled or not, that this user may see."""
    qs = InboundMessage.objects.filter(needs_attention=True)
    return _scoped(qs, user=user).select_related("patient", "handled_by").order_by("-received_at", "-pk")


def inbox(*, user, handled: bool = False) -> QuerySet[InboundMessage]:
    return inbox_items(user=user).filter(handled_at__isnull=not handled)


def failed_messages(*, user) -> QuerySet[OutboundMessage]:
    qs = OutboundMessage.objects.filter(status=MessageStatus.FAILED)
    return _scoped(qs, user=user).select_related("patient").order_by("-updated_at", "-pk")


@dataclass(frozen=True)
class Reach:
    """Whether the patient heard about a visit: `confirmed` (replied to confirm), `reminded` (a
    reminder went out), `not_reached` (with why: `stop`, `failed`, `no_mobile`) or `pending`
    (nothing went out yet, nothing stands in the way)."""

    state: str
    why: str = ""


def reach_for_visits(*, appointment_ids) -> dict[int, Reach]:
    """The reach of many visits in one query (the desk's day), from the outbox and the replies."""
    reminders = OutboundMessage.objects.filter(appointment=OuterRef("pk"), template="reminder")
    rows = (Appointment.objects.filter(pk__in=appointment_ids)
            .annotate(confirmed=Exists(InboundMessage.objects.filter(appointment=OuterRef("pk"),
                                                                     action=InboundMessage.Action.CONFIRM)),
                      reminded=Exists(reminders.filter(status__in=(MessageStatus.SENT, MessageStatus.DELIVERED))),
                      failed=Exists(reminders.filter(status=MessageStatus.FAILED)))
            .values_list("pk", "confirmed", "reminded", "failed", "patient__phone", "patient__sms_opted_out"))
    answer: dict[int, Reach] = {}
    for pk, confirmed, reminded, failed, phone, opted_out in rows:
        if confirmed:
            answer[pk] = Reach("confirmed")
        elif opted_out:
            answer[pk] = Reach("not_reached", "stop")
        elif not phone:
            answer[pk] = Reach("not_reached", "no_mobile")
        elif failed and not reminded:
            answer[pk] = Reach("not_reached", "failed")
        elif reminded:
            answer[pk] = Reach("reminded")
        else:
            answer[pk] = Reach("pending")
    return answer

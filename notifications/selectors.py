"""What the front desk reads about messages: per appointment, the inbox of replies that need a
person, and the messages that failed. Scoped like appointments (scheduling.selectors): staff see
messages about visits they can see, plus those tied to no visit whose patient they may see or that
name no patient (e.g. a text from an unknown number)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Role
from notifications.models import InboundMessage, MessageStatus, OutboundMessage
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

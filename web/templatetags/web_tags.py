"""Template helpers for the pages: the clinic's name and phone, and words for a visit's status."""

from django import template
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber

from notifications.models import MessagingPolicy

register = template.Library()

STATUS_WORDS = {
    "held": _("Held for you"), "booked": _("Booked"), "checked_in": _("Checked in"), "completed": _("Completed"),
    "cancelled": _("Cancelled"), "no_show": _("Missed"), "rescheduled": _("Moved"), "expired": _("Hold expired"),
}


@register.simple_tag
def clinic() -> dict:
    policy = MessagingPolicy.current()
    phone = PhoneNumber.from_string(str(policy.phone)) if policy.phone else None
    return {"name": policy.brand_name, "phone": phone.as_national if phone else "",
            "phone_uri": phone.as_rfc3966 if phone else ""}


@register.filter
def visit_status(status: str) -> str:
    return str(STATUS_WORDS.get(status, status))

"""Finding patients: the staff's search by name, mobile number, email or date of birth, among the
patients the searcher may see (scheduling.selectors.appointments.visible_patients)."""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from django.conf import settings
from django.db.models import Q, QuerySet

from scheduling.models import Patient
from scheduling.selectors.appointments import visible_patients

MIN_QUERY = 2


def search_patients(*, query: str, user) -> QuerySet[Patient]:
    """By name (every word in some part of it), mobile number (any format), email, or date of birth
    (YYYY-MM-DD or MM/DD/YYYY), among the patients `user` may see: a desk finds its own sites'
    patients and new callers with no visit yet, never another site's. Ordered by name; none for a
    query shorter than MIN_QUERY."""
    query = (query or "").strip()
    if len(query) < MIN_QUERY:
        return Patient.objects.none()
    where = Q()
    born = _as_date(query)
    if born is not None:
        where |= Q(date_of_birth=born)
    phone = _as_phone(query)
    if phone:
        where |= Q(phone=phone)
    if "@" in query:
        where |= Q(email__iexact=query)
    words = [w for w in re.split(r"\s+", query) if w]
    if words and born is None and not phone:
        name = Q()
        for word in words:
            name &= (Q(legal_first_name__icontains=word) | Q(legal_last_name__icontains=word)
                     | Q(preferred_name__icontains=word))
        where |= name
    if not where:
        return Patient.objects.none()
    return visible_patients(user=user).filter(where).order_by("legal_last_name", "legal_first_name", "pk")


def _as_date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _as_phone(text: str) -> str:
    if sum(ch.isdigit() for ch in text) < 7:
        return ""
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

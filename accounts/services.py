"""Passwordless sign-in for patients: one-time codes by SMS or email, then an API token.

Nothing here tells a caller whether a phone or email belongs to a patient: a request for an
unknown destination stores a decoy row, so it counts against the same limits, locks after the
same number of wrong tries and gets the same answers; only no message goes out.
"""

from __future__ import annotations

import hmac
import logging
import math
import secrets
from datetime import datetime, timedelta
from functools import partial

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from knox.models import AuthToken

from audit.services import Action, record
from config import field_encryption
from core.errors import DomainError
from notifications.channels.sms import get_sms_backend
from notifications.models import MessagingPolicy
from notifications.segments import to_gsm7

from .destinations import Destination
from .models import OneTimeCode, Role, User
from .selectors import patient_model, patients_for_destination

logger = logging.getLogger(__name__)

CODE_DIGITS = 6
RATE_WINDOW = timedelta(hours=1)
RETENTION = timedelta(days=1)  # rows older than this no longer count for anything

# Named for the clinic's brand, like every text it sends; Spanish says "usted", like the pages.
# One GSM-7 segment with the longest brand (30 characters): the SMS is sent as to_gsm7 makes it.
MESSAGES = {
    "en": ("Your {brand} sign-in code", "Your {brand} sign-in code is {code}. It expires in {minutes} minutes."),
    "es": ("Su código de acceso de {brand}", "Su código de acceso de {brand} es {code}. Vence en {minutes} minutos."),
}


class InvalidCode(DomainError):
    code = "invalid_code"
    title = "Sign-in code not accepted"


class CodeLocked(DomainError):
    code = "code_locked"
    title = "Sign-in code locked"


class TooManyCodes(DomainError):
    status = 429
    code = "too_many_codes"
    title = "Too many sign-in codes"


def code_hash(*, destination: str, code: str) -> str:
    """HMAC-SHA256 keyed with SECRET_KEY; bound to the destination so a hash is useless elsewhere."""
    return salted_hmac("clearday.accounts.one_time_code", f"{destination}|{code}", algorithm="sha256").hexdigest()


def _new_code() -> str:
    return f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"


def _patient_to_sign_in(destination: Destination):
    """The one patient this destination signs in, or None (then only a decoy is stored)."""
    matches = patients_for_destination(destination=destination)
    if len(matches) != 1:
        if matches:
            logger.warning("Sign-in code not sent: several patients share this %s.", destination.channel)
        return None
    patient = matches[0]
    if patient.user is not None and (not patient.user.is_active or patient.user.role != Role.PATIENT):
        logger.warning("Sign-in code not sent: patient %s is linked to a %s account.", patient.pk,
                       "disabled" if not patient.user.is_active else "staff")
        return None
    if destination.is_sms and patient.sms_opted_out:
        logger.info("Sign-in code not sent: patient %s replied STOP to SMS.", patient.pk)
        return None
    return patient


def sign_in_code_request(*, destination: Destination, now: datetime | None = None) -> None:
    """Store a new code for the destination and queue it for sending if a patient has it.

    Raises TooManyCodes once OTP_MAX_PER_DESTINATION_PER_HOUR codes were requested in the hour.
    """
    now = now or timezone.now()
    limit = settings.OTP_MAX_PER_DESTINATION_PER_HOUR
    with transaction.atomic():
        OneTimeCode.objects.filter(created_at__lt=now - RETENTION).delete()
        recent = list(OneTimeCode.objects.filter(destination=destination.address, created_at__gt=now - RATE_WINDOW)
                      .order_by("created_at").values_list("created_at", flat=True)[:limit])
        if len(recent) >= limit:
            retry_after = max(1, math.ceil((recent[0] + RATE_WINDOW - now).total_seconds()))
            too_many = TooManyCodes(
                f"Too many sign-in codes were requested for this {_noun(destination)}. "
                f"Try again in {math.ceil(retry_after / 60)} minutes.", retry_after=retry_after)
        else:
            too_many = None
            patient = _patient_to_sign_in(destination)
            code = _new_code()
            row = OneTimeCode.objects.create(
                destination=destination.address, channel=destination.channel, patient=patient,
                code_hash=code_hash(destination=destination.address, code=code),
                created_at=now, expires_at=now + timedelta(seconds=settings.OTP_TTL_SECONDS))
            if patient is not None:
                transaction.on_commit(partial(_queue_delivery, code_id=row.pk, code=code))
    if too_many is not None:
        raise too_many


def _noun(destination: Destination) -> str:
    return "phone number" if destination.is_sms else "email address"


def seal_code(code: str) -> str:
    """The code as the task queue carries it: encrypted (Fernet, the field-encryption keys), so the
    broker (Redis) and its dumps never hold a live code. The database keeps only its keyed hash."""
    return field_encryption.encrypt(code)


def unseal_code(sealed: str) -> str | None:
    """The code, or None when the token is not ours or is older than a code lives."""
    try:
        return field_encryption.keyring().decrypt(sealed.encode(), ttl=settings.OTP_TTL_SECONDS).decode()
    except (InvalidToken, UnicodeError):
        return None


def _queue_delivery(*, code_id: int, code: str) -> None:
    """Sending runs in the worker so that answering takes the same time with or without a patient."""
    from .tasks import send_sign_in_code

    try:
        send_sign_in_code.delay(code_id, seal_code(code))
    except Exception:  # the answer must not change when the broker is down; the log says it
        logger.exception("Could not queue sign-in code %s.", code_id)


def sign_in_code_deliver(*, code_id: int, sealed_code: str, now: datetime | None = None) -> bool:
    """Send the code if it is still the destination's live code. Returns whether it was sent.

    Raises SmsError or an SMTP/OSError for the task to retry.
    """
    now = now or timezone.now()
    code = unseal_code(sealed_code)
    if code is None:
        logger.warning("Sign-in code %s not sent: its sealed code does not open.", code_id)
        return False
    row = OneTimeCode.objects.select_related("patient").filter(pk=code_id).first()
    if row is None or row.patient is None or row.used_at is not None or row.expires_at <= now:
        return False
    newest = (OneTimeCode.objects.filter(destination=row.destination)
              .order_by("-created_at", "-id").values_list("pk", flat=True).first())
    if newest != row.pk or not hmac.compare_digest(row.code_hash, code_hash(destination=row.destination, code=code)):
        return False
    subject, body = sign_in_code_text(language=row.patient.language, code=code,
                                      minutes=max(1, math.ceil((row.expires_at - now).total_seconds() / 60)))
    if row.channel == OneTimeCode.Channel.SMS:
        get_sms_backend().send(to=row.destination, body=to_gsm7(body))
    else:
        send_mail(subject, body, None, [row.destination])
    return True


def sign_in_code_text(*, language: str, code: str, minutes: int) -> tuple[str, str]:
    """(email subject, body) of the sign-in code message in the patient's language."""
    subject, template = MESSAGES.get(language, MESSAGES["en"])
    brand = MessagingPolicy.current().brand_name
    return subject.format(brand=brand), template.format(brand=brand, code=code, minutes=minutes)


def sign_in_code_verify(*, destination: Destination, code: str, now: datetime | None = None) -> User:
    """The patient's user (created and linked on first sign-in) when `code` is the live code.

    Raises InvalidCode (unknown destination, wrong, used or expired code) or CodeLocked (too many
    wrong tries on this code). Wrong tries are committed even though the call fails.
    """
    now = now or timezone.now()
    candidate = code_hash(destination=destination.address, code=code)
    with transaction.atomic():
        row = (OneTimeCode.objects.select_for_update()
               .filter(destination=destination.address).order_by("-created_at", "-id").first())
        user, locked = _redeem(row, candidate, now)
    if user is not None:
        return user
    if locked:
        raise CodeLocked("Too many wrong codes were tried. Request a new code and try again.")
    raise InvalidCode("That code is not valid or has expired. Check it, or request a new code.")


def _redeem(row: OneTimeCode | None, candidate: str, now: datetime) -> tuple[User | None, bool]:
    """(user, locked) for a locked row; counts a wrong try; marks a right one used."""
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None, False
    if row.attempts >= settings.OTP_MAX_ATTEMPTS:
        return None, True
    if not hmac.compare_digest(row.code_hash, candidate) or row.patient_id is None:
        row.attempts += 1
        row.save(update_fields=["attempts"])
        return None, row.attempts >= settings.OTP_MAX_ATTEMPTS
    row.used_at = now
    row.save(update_fields=["used_at"])
    return _user_for_patient(row.patient_id, now), False


def _user_for_patient(patient_id: int, now: datetime) -> User | None:
    patient = patient_model().objects.select_for_update().get(pk=patient_id)
    if patient.user_id is not None:
        user = User.objects.get(pk=patient.user_id)
        if not user.is_active or user.role != Role.PATIENT:
            return None
    else:
        user = User(username=f"patient-{secrets.token_hex(6)}", role=Role.PATIENT, email=patient.email,
                    first_name=patient.preferred_name or patient.legal_first_name, last_name=patient.legal_last_name)
        user.set_unusable_password()
        user.save()
        patient.user = user
        patient.save(update_fields=["user"])
        record(action=Action.CHANGE, target=patient, actor=user, summary="sign-in account created")
    user.last_login = now
    user.save(update_fields=["last_login"])
    return user


def api_token_issue(*, user: User) -> tuple[AuthToken, str]:
    """A new token for one device: its row (with the expiry) and its text, which exists only now
    (the database keeps a hash)."""
    return AuthToken.objects.create(user)


def api_token_revoke(*, token: AuthToken) -> None:
    """Sign this device out; the user's other devices stay signed in."""
    token.delete()


def api_tokens_revoke_all(*, user: User) -> int:
    """Sign every device out, e.g. after a lost phone."""
    deleted, _ = AuthToken.objects.filter(user=user).delete()
    return deleted

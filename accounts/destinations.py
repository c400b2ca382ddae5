"""Where a sign-in code goes: one normal form per phone number or email address, so the same
person typing "(602) 555-0134" or "+16025550134" hits the same limits and the same record."""

from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from .models import OneTimeCode


@dataclass(frozen=True)
class Destination:
    channel: str  # OneTimeCode.Channel
    address: str  # E.164 phone or lower-cased email

    @property
    def is_sms(self) -> bool:
        return self.channel == OneTimeCode.Channel.SMS


def parse_destination(raw: str) -> Destination:
    """Raise ValueError with a message for the person when `raw` is neither a phone nor an email."""
    value = (raw or "").strip()
    if "@" in value:
        try:
            validate_email(value)
        except ValidationError:
            raise ValueError("Enter a valid email address, like name@example.com.") from None
        return Destination(OneTimeCode.Channel.EMAIL, value.lower())
    try:
        number = phonenumbers.parse(value, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError("Enter a mobile number (like 602-555-0134) or an email address.")
    return Destination(OneTimeCode.Channel.SMS, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))

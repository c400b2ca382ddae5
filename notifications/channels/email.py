"""Email through Django's email framework (EMAIL_BACKEND: SMTP, console, locmem in tests).

An app may attach files to the emails of one template (the calendars app attaches the visit's
.ics to the confirmation): it registers, when it loads, a function giving the attachments of
one outbox row, built at send time from the visit as it is then."""

from __future__ import annotations

import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import make_msgid

from django.conf import settings
from django.core.mail import EmailMessage


@dataclass(frozen=True)
class EmailResult:
    provider_id: str  # our Message-ID header, the id the mail system knows it by


class EmailError(Exception):
    def __init__(self, message: str, *, temporary: bool, uncertain: bool = False):
        super().__init__(message)
        self.temporary = temporary
        self.uncertain = uncertain
        self.provider_code = ""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mimetype: str


_ATTACHMENTS: dict[str, Callable[..., list[Attachment]]] = {}


def register_attachments(template: str, provider: Callable[..., list[Attachment]]) -> None:
    _ATTACHMENTS[template] = provider


def attachments_for(message) -> list[Attachment]:
    """What the registered provider attaches to this outbox row's email (none by default)."""
    provider = _ATTACHMENTS.get(message.template)
    return provider(message) if provider is not None else []


def send_email(*, to: str, subject: str, body: str, attachments: list[Attachment] = ()) -> EmailResult:
    domain = settings.DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(" >") or "clearday.example"
    message_id = make_msgid(domain=domain)
    message = EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to],
                           headers={"Message-ID": message_id})
    for attachment in attachments:
        message.attach(attachment.filename, attachment.content, attachment.mimetype)
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise EmailError(f"The mail server refused {to}.", temporary=False) from exc
    except smtplib.SMTPResponseException as exc:
        # 5xx is a permanent refusal, 4xx a try-again-later.
        raise EmailError(f"The mail server answered {exc.smtp_code}.", temporary=exc.smtp_code < 500) from exc
    except (TimeoutError, smtplib.SMTPServerDisconnected) as exc:
        raise EmailError("The mail server went away mid-send; the message may have gone.", temporary=True,
                         uncertain=True) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise EmailError(f"The mail server could not be reached ({exc.__class__.__name__}).", temporary=True) from exc
    return EmailResult(provider_id=message_id)

"""Health information at rest: model fields whose values are stored as Fernet tokens, and the keys
that open them.

A patient's answers are encrypted in `get_prep_value` before they reach the database and decrypted
in `from_db_value`, so the rest of the code reads and writes plain Python values while a database
dump, a replica or a backup holds only tokens. The columns are `text` and cannot be searched or
filtered by content: every rule that reads the answers (risk rules, scoring, gates) runs in Python.

Keys come from FIELD_ENCRYPTION_KEYS (comma-separated Fernet keys, newest first): values are
written with the first and read with any, which is what lets `rotate_field_keys` move every value
to a new key while the old one still opens what is not yet moved. Without the variable (development
and tests only; production refuses to start) the key is derived from SECRET_KEY, so a local
database stays readable across restarts.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.apps import apps
from django.conf import settings
from django.core import checks
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.db import models

DEVELOPMENT_KEY_CONTEXT = b"clearday field encryption, development only:"


class UnreadableValue(Exception):
    """A stored value none of the configured keys opens: a key is missing or wrong, or the row was
    written outside the application. Never answered with a guess or an empty value."""


def development_key(secret_key: str) -> str:
    """The Fernet key used when FIELD_ENCRYPTION_KEYS is unset: SHA-256 of SECRET_KEY with a fixed
    context, so it differs from every other use of SECRET_KEY."""
    return base64.urlsafe_b64encode(hashlib.sha256(DEVELOPMENT_KEY_CONTEXT + secret_key.encode()).digest()).decode()


def configured_keys() -> tuple[str, ...]:
    keys = tuple(key.strip() for key in getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) if key.strip())
    if keys:
        return keys
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production.")
    return (development_key(settings.SECRET_KEY),)


@lru_cache(maxsize=4)
def _fernets(keys: tuple[str, ...]) -> tuple[Fernet, ...]:
    fernets = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
        except ValueError:
            raise ImproperlyConfigured(
                f"FIELD_ENCRYPTION_KEYS: key {position} is not a Fernet key (32 url-safe base64-encoded bytes; "
                "make one with `python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'`).") from None
    return tuple(fernets)


def keyring() -> MultiFernet:
    """All configured keys: encrypts with the newest, decrypts with any."""
    return MultiFernet(list(_fernets(configured_keys())))


def newest_key() -> Fernet:
    return _fernets(configured_keys())[0]


def encrypt(plaintext: str) -> str:
    return keyring().encrypt(plaintext.encode()).decode()


def decrypt(token: str, *, where: str = "a stored value") -> str:
    try:
        return keyring().decrypt(token.encode()).decode()
    except InvalidToken:
        raise UnreadableValue(
            f"Cannot decrypt {where}: none of the keys in FIELD_ENCRYPTION_KEYS opens it. Was a key removed "
            "before `manage.py rotate_field_keys` finished, or is this the wrong key for this database?") from None


class EncryptedField:
    """What every encrypted field shares; mixed in before a Django field class so forms, admin and
    API serializers still see a text, JSON, boolean or integer field."""

    encrypted = True

    def get_internal_type(self) -> str:
        return "TextField"  # the column type, and no backend converter before from_db_value

    def to_plaintext(self, value) -> str:
        return json.dumps(value, cls=getattr(self, "encoder", None))

    def from_plaintext(self, text: str):
        return json.loads(text)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None:
            return None
        return encrypt(self.to_plaintext(value))

    def get_db_prep_value(self, value, connection, prepared=False):
        if hasattr(value, "as_sql"):
            return value
        return value if prepared else self.get_prep_value(value)

    def get_db_prep_save(self, value, connection):
        return self.get_db_prep_value(value, connection, prepared=False)

    def from_db_value(self, value, expression, connection):
        if value is None:
            return None
        return self.from_plaintext(decrypt(value, where=f"{self.model._meta.label}.{self.name}"))

    def get_lookup(self, lookup_name):
        if lookup_name == "isnull":
            return super().get_lookup(lookup_name)
        raise FieldError(f"{self.model._meta.label}.{self.name} is encrypted at rest and cannot be filtered by "
                         "content; load the rows and test the value in Python.")

    def get_transform(self, lookup_name):
        return None


class EncryptedTextField(EncryptedField, models.TextField):
    """Free text the patient wrote. `max_length` limits the form field, as on TextField."""

    def to_plaintext(self, value) -> str:
        return str(value)

    def from_plaintext(self, text: str):
        return text


class EncryptedJSONField(EncryptedField, models.JSONField):
    """A list or mapping of answers (questionnaire items, chosen side effects, alert reasons)."""


class EncryptedBooleanField(EncryptedField, models.BooleanField):
    """A yes/no answer. "true" and "false" pad to the same token length, so the length says nothing."""


class EncryptedIntegerField(EncryptedField, models.IntegerField):
    """A number the patient chose, or a score computed from their answers."""

    @property
    def validators(self):
        # IntegerField adds the backend's range for its column type; the column here is text.
        return [*self.default_validators, *self._validators]


def encrypted_fields() -> list[tuple[type[models.Model], list[models.Field]]]:
    """Every concrete model with encrypted fields, and those fields, in a stable order."""
    found = []
    for model in sorted(apps.get_models(), key=lambda m: m._meta.label):
        fields = [f for f in model._meta.concrete_fields if getattr(f, "encrypted", False)]
        if fields and not model._meta.proxy:
            found.append((model, fields))
    return found


@checks.register(checks.Tags.security)
def check_field_encryption_keys(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`manage.py check` (and every command that runs checks) fails on a missing or malformed key."""
    try:
        keyring()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="clearday.E101")]
    return []

"""Walking the stored values of encrypted fields in batches, below the ORM: the migrations that
encrypt rows written before encryption (and decrypt them on the way back), and key rotation.

Rows are read with plain SQL so a value is seen as it is stored (a token, or the plain text cast
by the schema change), never through `from_db_value`. Each batch is its own short transaction and
every write is a compare-and-set on the value read, so a row the application saved in between is
left as the application wrote it, and a run stopped half-way is simply run again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field

from cryptography.fernet import InvalidToken
from django.db import models, transaction

from config import field_encryption as fe

BATCH_SIZE = 500


@dataclass
class Tally:
    """What one pass over one model did, for the command's report and the tests."""

    label: str
    rows: int = 0
    changed: dict[str, int] = field(default_factory=dict)
    skipped_changed_meanwhile: int = 0  # values, not rows

    @property
    def values_changed(self) -> int:
        return sum(self.changed.values())


def _batches(connection, model: type[models.Model], fields: list[models.Field],
             batch_size: int) -> Iterator[list[tuple]]:
    quote = connection.ops.quote_name
    pk = model._meta.pk.column
    columns = ", ".join(quote(f.column) for f in fields)
    # Quoted names of the model's own table and columns; every value is a parameter (bandit B608).
    select = (f"SELECT {quote(pk)}, {columns} FROM {quote(model._meta.db_table)} "  # nosec B608
              f"WHERE {quote(pk)} > %s ORDER BY {quote(pk)} LIMIT %s")
    last = -1
    while True:
        with connection.cursor() as cursor:
            cursor.execute(select, [last, batch_size])
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _rewrite(connection, model, fields, *, convert, batch_size: int) -> Tally:
    """Apply `convert(field, stored) -> new stored value or None (leave it)` to every non-null
    stored value of `fields`, batch by batch."""
    tally = Tally(model._meta.label, changed={f.name: 0 for f in fields})
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    for rows in _batches(connection, model, fields, batch_size):
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for pk_value, *stored in rows:
                tally.rows += 1
                changes = [(f, old, new) for f, old in zip(fields, stored, strict=True)
                           if old is not None and (new := convert(f, old, pk_value)) is not None]
                # One compare-and-set per value: a value the application saved meanwhile is left
                # as saved (it wrote it with the newest key), and the row's other values still
                # move, so one run leaves nothing under an old key.
                for f, old, new in changes:
                    column = quote(f.column)
                    # Quoted names of the model's own table and column; every value is a parameter (bandit B608).
                    cursor.execute(f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s",  # nosec B608
                                   [new, pk_value, old])
                    if cursor.rowcount == 1:
                        tally.changed[f.name] += 1
                    else:
                        tally.skipped_changed_meanwhile += 1
    return tally


def _is_token(stored: str) -> bool:
    try:
        fe.keyring().decrypt(str(stored).encode())
    except InvalidToken:
        return False
    return True


def _plain_value(f: models.Field, stored):
    """The Python value of a column cast to text by the schema change: SQLite keeps booleans as
    0/1 and PostgreSQL casts them to true/false; numbers and JSON arrive as their JSON text."""
    if isinstance(f, fe.EncryptedTextField):
        return str(stored)
    if isinstance(f, fe.EncryptedBooleanField):
        text = str(stored).strip().lower()
        if text not in {"1", "t", "true", "0", "f", "false"}:
            # Never guess an answer: a token no configured key opens would otherwise read as "no".
            raise ValueError(f"{f.model._meta.label}.{f.name}: {text[:12]!r}... is neither a yes/no value nor "
                             "a token the configured keys open.")
        return text in {"1", "t", "true"}
    return json.loads(str(stored))


def encrypt_plain_rows(connection, model: type[models.Model], fields: list[models.Field], *,
                       batch_size: int = BATCH_SIZE) -> Tally:
    """Encrypt every stored value that is not a token yet (a migration's forward step)."""
    def convert(f, stored, pk_value):
        return None if _is_token(stored) else fe.encrypt(f.to_plaintext(_plain_value(f, stored)))

    return _rewrite(connection, model, fields, convert=convert, batch_size=batch_size)


def decrypt_to_plain_rows(connection, model: type[models.Model], fields: list[models.Field], *,
                          batch_size: int = BATCH_SIZE) -> Tally:
    """Write every token back as plain text the column's old type casts from (a migration's
    backward step): 1/0 for booleans, digits for numbers, JSON text for lists."""
    def convert(f, stored, pk_value):
        if not _is_token(stored):
            return None
        value = f.from_plaintext(fe.decrypt(stored, where=f"{model._meta.label}.{f.name} of row {pk_value}"))
        if isinstance(f, fe.EncryptedTextField):
            return value
        if isinstance(f, fe.EncryptedBooleanField):
            return "1" if value else "0"
        return json.dumps(value)

    return _rewrite(connection, model, fields, convert=convert, batch_size=batch_size)


def rotate_rows(connection, model: type[models.Model], fields: list[models.Field], *,
                batch_size: int = BATCH_SIZE) -> Tally:
    """Re-encrypt with the newest key every value an older key wrote; values the newest key
    already opens are left alone, which makes a second run cheap and a stopped run resumable."""
    newest, ring = fe.newest_key(), fe.keyring()

    def convert(f, stored, pk_value):
        token = str(stored).encode()
        try:
            newest.decrypt(token)
            return None
        except InvalidToken:
            pass
        try:
            return ring.rotate(token).decode()
        except InvalidToken:
            raise fe.UnreadableValue(
                f"Cannot rotate {model._meta.label}.{f.name} of row {pk_value}: none of the keys in "
                "FIELD_ENCRYPTION_KEYS opens it. Put the key it was written with back in the list.") from None

    return _rewrite(connection, model, fields, convert=convert, batch_size=batch_size)


def migration_step(app_label: str, model_name: str, field_names: list[str], *, backward: bool = False):
    """A RunPython function over one model's encrypted fields, using the migration's model state."""
    def run(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        fields = [model._meta.get_field(name) for name in field_names]
        step = decrypt_to_plain_rows if backward else encrypt_plain_rows
        step(schema_editor.connection, model, fields)

    return run

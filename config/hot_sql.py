"""Reads and inserts on the booking path, written as SQL once per process instead of built by
the ORM on every request.

Building and compiling a queryset costs more Python time than PostgreSQL spends answering it:
for the token lookup every API request makes, three times as much. The few queries every booking
runs (the token, the clearance gate, the allocations around the slot, the rows in the way, the
patient's counted texts) keep their SQL text beside the code that runs them, made once from the
models' own column names with the helpers here, and turn rows into values with the same
converters the ORM would apply (dates on SQLite, decryption of encrypted fields), so what
callers get is what the ORM would have given them.

The rows a booking writes (the appointment, its allocations and event, its outbox messages) go
in through `insert`, which does what `bulk_create` does for them with the statement made once.

Only for queries of a fixed shape on a hot path; everything else uses the ORM.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from functools import cache

from django.db import connections
from django.db.models import AutoField, BigAutoField, Field, Model, SmallAutoField


def columns(model: type[Model], alias: str) -> str:
    """`alias."col", ...` for every concrete field of `model`, in `_meta.concrete_fields` order."""
    quote = connections["default"].ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def table(model: type[Model]) -> str:
    return connections["default"].ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    return connections["default"].ops.quote_name(model._meta.get_field(name).column)


def converter(field: Field, using: str = "default") -> Callable[[object], object]:
    """Turns a value of `field`'s column as the driver returns it into the field's Python value."""
    return _converter(field, using)


@cache
def _converter(field: Field, using: str):
    connection = connections[using]
    expression = field.get_col(field.model._meta.db_table)
    steps = [*connection.ops.get_db_converters(expression), *expression.get_db_converters(connection)]
    if not steps:
        return _same

    def convert(value):
        for step in steps:
            value = step(value, expression, connection)
        return value

    return convert


def _same(value):
    return value


def reader(model: type[Model], using: str = "default") -> Callable[[Sequence], Model]:
    """Builds a `model` instance from its `columns()` values, as a queryset would (from_db)."""
    return _reader(model, using)


@cache
def _reader(model: type[Model], using: str):
    fields = model._meta.concrete_fields
    names = [f.attname for f in fields]
    steps = [(index, _converter(f, using)) for index, f in enumerate(fields)]
    steps = [(index, step) for index, step in steps if step is not _same]
    from_db = model.from_db

    def read(values: Sequence) -> Model:
        values = list(values)
        for index, step in steps:
            values[index] = step(values[index])
        return from_db(using, names, values)

    return read


def by_pk(model: type[Model], pk, using: str = "default") -> Model | None:
    """The `model` row with this primary key, as `model.objects.filter(pk=pk).first()` would
    give it (every column, no related rows), or None."""
    with connections[using].cursor() as cursor:
        cursor.execute(_by_pk_sql(model, using), [pk])
        row = cursor.fetchone()
    return None if row is None else _reader(model, using)(row)


@cache
def _by_pk_sql(model: type[Model], using: str) -> str:
    quote = connections[using].ops.quote_name
    return (f"SELECT {columns(model, 'r')} FROM {quote(model._meta.db_table)} r "  # nosec B608 - model column names and placeholders only
            f"WHERE r.{quote(model._meta.pk.column)} = %s")


def among(column_sql: str, ids: Collection[int], using: str = "default") -> tuple[str, list]:
    """`column_sql` is one of `ids` (integers), as SQL and its parameters. On PostgreSQL one array
    parameter, so the text (and the statement prepared for it) is the same for any number of
    ids; on SQLite a placeholder per id (SQLite has no arrays; `IN ()` is simply false)."""
    if connections[using].vendor == "postgresql":
        return f"{column_sql} = ANY(%s::bigint[])", [list(ids)]
    return f"{column_sql} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def starts_with(column_sql: str, prefix: str) -> tuple[str, list]:
    """`column_sql` starts with `prefix`, as the ORM's `startswith` (LIKE, with `\\`, `%` and `_`
    in the prefix taken literally)."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{column_sql} LIKE %s ESCAPE '\\'", [f"{escaped}%"]


def update_among(model: type[Model], ids: Collection[int], *, values: dict[str, object], where: dict[str, object],
                 using: str = "default") -> int:
    """UPDATE the rows of `model` with these ids that still have the `where` values, setting
    `values` (field name -> value, made ready for the database as the ORM would); the number of
    rows changed. A compare-and-set: a row changed meanwhile is left as it is."""
    if not ids:
        return 0
    connection = connections[using]
    meta = model._meta
    sets = [(meta.get_field(name), value) for name, value in values.items()]
    wheres = [(meta.get_field(name), value) for name, value in where.items()]
    among_sql, among_params = among(column(model, "id"), ids, using)
    sql = (f"UPDATE {table(model)} SET {', '.join(f'{column(model, f.name)} = %s' for f, _ in sets)} "  # nosec B608 - model column names and placeholders only
           f"WHERE {' AND '.join([among_sql, *(f'{column(model, f.name)} = %s' for f, _ in wheres)])}")
    params = [*(f.get_db_prep_save(v, connection) for f, v in sets), *among_params,
              *(f.get_db_prep_value(v, connection) for f, v in wheres)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert(objs: Sequence[Model], using: str = "default") -> None:
    """Insert `objs` (new instances of one model) in one statement and set their primary keys,
    as `bulk_create` would: each field's pre_save (auto_now_add) and its conversion for the
    database (encryption, JSON, dates on SQLite) run as there; only the statement is made once
    per model and row count instead of compiled on every call. No signals, like bulk_create."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    fields = _insert_fields(model)
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, len(objs), using), params)
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, using


@cache
def _insert_fields(model: type[Model]) -> tuple[Field, ...]:
    return tuple(f for f in model._meta.concrete_fields
                 if not isinstance(f, (AutoField, BigAutoField, SmallAutoField)) and not f.generated)


@cache
def _insert_sql(model: type[Model], rows: int, using: str) -> str:
    quote = connections[using].ops.quote_name
    fields = _insert_fields(model)
    row = f"({', '.join(['%s'] * len(fields))})"
    return (f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "  # nosec B608 - model column names and placeholders only
            f"VALUES {', '.join([row] * rows)} RETURNING {quote(model._meta.pk.column)}")

"""Many rows into one table with one prepared INSERT (``bulk_insert``).

For loads of many rows built by code, the demo company above all: ``bulk_create`` spends most
of its time building a model instance per row and the SQL text of each batch (``as_sql``, a
placeholder and a prepared value per field and row), ten times what the database spends
inserting them. ``bulk_insert`` takes plain tuples, prepares only the values a driver cannot
take as they are, and sends one statement with ``executemany``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from itertools import batched
from typing import Any

from django.db import connection, models
from django.utils import timezone

#: fields whose plain Python values (``_PLAIN``, None) every driver takes as they are
_AS_IS = (
    models.IntegerField,
    models.CharField,
    models.TextField,
    models.BooleanField,
    models.ForeignKey,
)
_PLAIN = frozenset({int, str, bool})


def bulk_insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch: int = 10_000,
    ignore_conflicts: bool = False,
    prepared: bool = False,
) -> int:
    """Insert ``rows``, each the values of ``fields`` (attribute names: ``account_id`` for a
    foreign key), into ``model``'s table; returns the rows given. No ``save()``, no signals,
    no primary keys returned; the caller's transaction holds the whole write.
    ``ignore_conflicts``: a row that would break a unique constraint is left out (``ON
    CONFLICT DO NOTHING``, SQLite and PostgreSQL alike), as ``bulk_create`` leaves it.
    ``prepared``: every value is already one both databases take as it is (an int, a str, a
    bool or None; a date as its ISO text, JSON as its text, an instant as ``db_value`` gives
    it), so none is looked at: for hundreds of thousands of rows built by a frame, where the
    preparation of each value is most of the time.

    A value is prepared as ``bulk_create`` prepares it (``Field.get_db_prep_save``: dates,
    times, JSON, decimals …) unless it is a plain int, str or bool for a field that takes
    them as they are (integers, text, booleans, foreign keys). A concrete field not in
    ``fields`` gets its default, evaluated once for every row (``auto_now`` /
    ``auto_now_add``: now); a ``UUIDField``, whose default must differ per row, must be given
    (``ValueError``).
    """
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    given = set(fields)
    if len(given) != len(fields) or given - set(by_attname):
        raise ValueError(f"not the attribute names of {model.__name__}'s columns: {fields}")
    columns = [by_attname[name] for name in fields]
    defaults: list[tuple[models.Field[Any, Any], Any]] = []
    for field in meta.concrete_fields:
        if field.attname in given or field.primary_key:
            continue
        defaults.append((field, _default(model, field)))
    prepare = [_preparer(f) for f in columns]
    fixed = tuple(f.get_db_prep_save(value, connection) for f, value in defaults)
    names = ", ".join(
        connection.ops.quote_name(str(f.column)) for f in [*columns, *(f for f, _ in defaults)]
    )
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({names})"
        f" VALUES ({', '.join(['%s'] * (len(columns) + len(defaults)))})"
    )
    if ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    written = 0
    with connection.cursor() as cursor:
        for chunk in batched(rows, batch):
            if prepared:
                values = [(*row, *fixed) for row in chunk] if fixed else list(chunk)
            else:
                values = [
                    (*(p(v) for p, v in zip(prepare, row, strict=True)), *fixed) for row in chunk
                ]
            cursor.executemany(sql, values)
            written += len(values)
    return written


def db_value(model: type[models.Model], field: str, value: Any) -> Any:
    """``value`` of ``model``'s ``field`` (attribute name) as the database takes it (what
    ``bulk_insert`` prepares): to give a ``prepared`` insert an instant or a date once."""
    found = model._meta.get_field(field)
    if not isinstance(found, models.Field):
        raise ValueError(f"{model.__name__}.{field} is not a column")
    return found.get_db_prep_save(value, connection)


#: prepared dates and times remembered per column, up to this many distinct values
_MEMO_SIZE = 4096


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    def prepare(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    def as_is(value: Any) -> Any:  # an enum member or a lazy string still goes through Django
        return value if value is None or type(value) in _PLAIN else prepare(value)

    memo: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        # a day or an instant repeats across rows (a load's ``now``, a month's first day):
        # Django's preparation of it (time zone, the driver's text) is done once per value
        if type(value) not in _MEMO_TYPES:
            return prepare(value)
        try:
            return memo[value]
        except KeyError:
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            prepared = memo[value] = prepare(value)
            return prepared

    if isinstance(field, _AS_IS):
        return as_is
    if isinstance(field, models.DateField | models.TimeField):  # DateTimeField is a DateField
        return remembered
    return prepare


_MEMO_TYPES = frozenset({dt.date, dt.datetime, dt.time})


def _default(model: type[models.Model], field: models.Field[Any, Any]) -> Any:
    """What ``Model.__init__`` and ``pre_save`` would give ``field`` when no value is given."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        if isinstance(field, models.DateTimeField):
            return timezone.now()
        if isinstance(field, models.DateField):
            return dt.date.today()
        return dt.datetime.now().time()
    if isinstance(field, models.UUIDField):
        raise ValueError(f"{model.__name__}.{field.name} must be given")
    return field.get_default()


def bulk_insert_ids(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    batch: int = 10_000,
) -> list[int]:
    """``bulk_insert``, then the primary keys of the rows, in their order. Only for a table
    nobody else writes meanwhile (a load in one transaction, as the demo's): the keys are those
    above the largest before, which the database hands out in insertion order (SQLite's
    ``AUTOINCREMENT``, a PostgreSQL identity within one session). Raises ``RuntimeError``,
    the caller's transaction to be rolled back, when another write came between."""
    manager = model._default_manager
    before = manager.aggregate(top=models.Max("pk"))["top"] or 0
    bulk_insert(model, fields, rows, batch=batch)
    ids = list(manager.filter(pk__gt=before).order_by("pk").values_list("pk", flat=True))
    if len(ids) != len(rows):
        raise RuntimeError(f"{model.__name__}: {len(ids)} new rows, {len(rows)} inserted")
    return ids


def bulk_update_rows(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Iterable[Sequence[Any]],
    *,
    batch: int = 10_000,
) -> int:
    """Set ``fields`` (attribute names) of many rows of ``model``, each row the new values
    followed by the primary key, with one prepared ``UPDATE … WHERE pk = %s``; returns the rows
    given. ``bulk_update`` writes one ``CASE WHEN pk = … THEN …`` per field and row into the
    SQL text, and its cost grows with the batch: for an import that updates many rows with the
    same columns, one prepared statement run by ``executemany`` is many times faster. Values
    are prepared as ``bulk_insert`` prepares them; no signals, no ``auto_now``: give such a
    field."""
    meta = model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    if not fields or len(set(fields)) != len(fields) or set(fields) - set(by_attname):
        raise ValueError(f"not the attribute names of {model.__name__}'s columns: {fields}")
    columns = [by_attname[name] for name in fields]
    key = meta.pk
    assert key is not None
    prepare = [_preparer(f) for f in [*columns, key]]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in columns)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(str(key.column))} = %s"
    written = 0
    with connection.cursor() as cursor:
        for chunk in batched(rows, batch):
            values = [tuple(p(v) for p, v in zip(prepare, row, strict=True)) for row in chunk]
            cursor.executemany(sql, values)
            written += len(values)
    return written

"""Many rows of a ``values_list`` query as the driver returns them (``plain_rows``).

Django's ``values_list(...).iterator()`` runs each value of each row through the field's
converters (``apply_converters``), and SQLite's driver runs each date through a Python
converter before that: for a daily job that reads every subscription line or every renewal,
that is most of its reading time. ``plain_rows`` sends the query's own SQL with each date
column read as its ISO text (``CAST(… AS TEXT)``, the same on SQLite and PostgreSQL) and
turned into a ``date`` by ``date.fromisoformat``; every other column as the driver gives it.
Only for integer, text, boolean and date columns; JSON, decimals and datetimes still need
Django's conversion.

``paused_gc`` keeps Python's cycle collector from running while such rows are turned into
objects (see its docstring).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
from collections.abc import Iterator, Mapping
from typing import Any

import polars as pl
from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import F, QuerySet, TextField
from django.db.models.functions import Cast

_AS_IS = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
    }
)


def plain_rows(queryset: QuerySet[Any, Any], *, chunk: int = 20_000) -> Iterator[tuple[Any, ...]]:
    """The rows of ``queryset``, a ``values_list`` of field names whose columns are integers,
    text, booleans or dates, fetched ``chunk`` at a time: the same tuples ``values_list``
    gives. ``ValueError`` for another kind of column (JSON, decimal, datetime). A query that
    can match nothing (``pk__in=[]``) gives no row, as ``values_list`` does."""
    try:
        sql, params, days = _plain_sql(queryset)
    except EmptyResultSet:
        return
    day = dt.date.fromisoformat
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            if not days:
                yield from rows
                continue
            for row in rows:
                values = list(row)
                for position in days:
                    if values[position] is not None:
                        values[position] = day(values[position])
                yield tuple(values)


def plain_frame(queryset: QuerySet[Any, Any], schema: Mapping[str, Any]) -> pl.DataFrame:
    """``plain_rows`` as a Polars frame with ``schema`` (a name and a Polars type per column,
    in the ``values_list``'s order): the dates arrive as text and are parsed by Polars, column
    by column, not one value at a time in Python. A query that can match nothing gives an
    empty frame."""
    names = list(schema)
    try:
        sql, params, days = _plain_sql(queryset)
    except EmptyResultSet:
        return pl.DataFrame(schema=dict(schema))
    read = {name: (pl.Utf8 if n in days else kind) for n, (name, kind) in enumerate(schema.items())}
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        frame = pl.DataFrame(cursor.fetchall(), schema=read, orient="row")
    return frame.with_columns(
        pl.col(names[n]).str.to_date("%Y-%m-%d").cast(schema[names[n]]) for n in days
    )


def _plain_sql(queryset: QuerySet[Any, Any]) -> tuple[str, tuple[Any, ...], list[int]]:
    """The SQL of ``queryset`` with each date column cast to text, and those columns'
    positions."""
    names: tuple[str, ...] = queryset._fields  # type: ignore[attr-defined]
    if not names:
        raise ValueError("plain_rows reads a values_list of field names")
    compiler = queryset.query.get_compiler(queryset.db)
    days: list[int] = []
    for position, (column, _sql, _alias) in enumerate(compiler.get_select()[0]):
        kind = column.output_field.get_internal_type()
        if kind == "DateField":
            days.append(position)
        elif kind not in _AS_IS:
            raise ValueError(f"plain_rows cannot read a {kind} column")
    if days:
        columns = [
            Cast(F(name), TextField()) if position in days else F(name)
            for position, name in enumerate(names)
        ]
        compiler = queryset.values_list(*columns).query.get_compiler(queryset.db)
    sql, params = compiler.as_sql()
    return sql, tuple(params), days


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Python's cycle collector paused inside the block (a decorator too), as it was on exit.

    The collector runs whenever enough new containers are made, and each full pass walks every
    live object: a read that builds hundreds of thousands of tuples (a day's rule signals at
    100,000 accounts) sets it off again and again, for about a third of the read's time, and
    none of those tuples can form a cycle. Cycles made inside the block are collected by the
    collector's next run after it. Nested blocks leave the collector to the outermost one."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

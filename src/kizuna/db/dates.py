"""Date arithmetic inside a query, without a Python function per row (``DaysBefore``).

Django writes ``F("date") - timedelta(days=n)`` on SQLite as a call of a Python function it
registers on the connection (``django_format_dtdelta``), once per row; here SQLite's own
``date(…, '-n days')`` and PostgreSQL's ``date - n`` do it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import DateField, Func


class DaysBefore(Func):
    """The date ``days`` calendar days before ``expression`` (a date column or expression);
    NULL when it is NULL. Outside the years 1–9999 SQLite gives a year 0 or negative text and
    PostgreSQL a BC date: both compare below every stored date (no grade, no line is dated
    there)."""

    output_field = DateField()

    def __init__(self, expression: Any, days: int) -> None:
        if not isinstance(days, int) or isinstance(days, bool):
            raise TypeError("days must be an int")
        super().__init__(expression)
        self.days = days

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{-self.days:+d} days')", params

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"(({sql})::date - {self.days:d})", params

    def as_sql(
        self,
        compiler: Any,
        connection: Any,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, Any]:
        raise NotImplementedError(f"DaysBefore on {connection.vendor}")

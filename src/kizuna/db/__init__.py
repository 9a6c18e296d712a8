"""Database helpers below every app (Django, no model of their own): ``bulk.bulk_insert``,
``rows.plain_rows``, ``rows.paused_gc``, ``dates.DaysBefore``."""

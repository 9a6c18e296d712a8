"""The database's answers and sent invitations as the frames ``kizuna.core.voc.nps`` reads.

One query each (``db.rows.plain_frame``: no model objects, dates parsed by Polars), so a
report over a million answers reads them in a few seconds.

- **Answers**: every ``SurveyAnswer`` (an answer given again through the same link is one row,
  its latest score; the earlier ones are ``SurveyAnswerRevision`` rows, not read). The day is
  ``answered_at`` in the company's time zone.
- **Invitations**: the invitations actually sent (``sent_at`` set), dated by ``sent_at`` in the
  company's time zone, ``answered`` once ``answered_at`` is set; the kind is the program's.
- **Product and tenure** are those stored on the answer or invitation when it was made (the
  contract line's product, days since the line's start).
- **Segment and lifecycle phase** are the account's *current* ones: neither the answer nor the
  invitation stores them, so an account that moved from high touch to low touch counts all its
  answers under low touch. ``docs/surveys.md`` says so on the page's help.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import polars as pl
from django.db.models import Case, F, IntegerField, QuerySet, Value, When
from django.db.models.functions import TruncDate

from kizuna.apps.surveys.models import SurveyAnswer, SurveyInvitation
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.voc.rows import ANSWERS_SCHEMA, INVITATIONS_SCHEMA
from kizuna.db.rows import plain_frame


def company_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(tenant_settings_get().time_zone)


def day_bounds(
    first: dt.date, last: dt.date, zone: zoneinfo.ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """The instants [start of ``first``, start of the day after ``last``) in ``zone``
    (``last`` before 9999-12-31)."""
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def answers_in(
    first: dt.date, last: dt.date, zone: zoneinfo.ZoneInfo | None = None
) -> QuerySet[SurveyAnswer]:
    """The answers given on the company days ``first`` … ``last`` (both inclusive)."""
    start, end = day_bounds(first, last, zone or company_zone())
    return SurveyAnswer.objects.filter(answered_at__gte=start, answered_at__lt=end)


def answer_frame(
    first: dt.date, last: dt.date, zone: zoneinfo.ZoneInfo | None = None
) -> pl.DataFrame:
    """The answers of ``first`` … ``last`` as a frame of ``core.voc.rows.ANSWERS_SCHEMA``."""
    zone = zone or company_zone()
    rows: QuerySet[Any, Any] = (
        answers_in(first, last, zone)
        .order_by()
        .annotate(
            a_segment=F("account__segment"),
            a_phase=F("account__phase"),
            a_day=TruncDate("answered_at", tzinfo=zone),
        )
        .values_list("a_segment", "product_id", "a_phase", "tenure_days", "a_day", "score", "kind")
    )
    return plain_frame(rows, ANSWERS_SCHEMA)


def invitation_frame(
    first: dt.date, last: dt.date, zone: zoneinfo.ZoneInfo | None = None
) -> pl.DataFrame:
    """The invitations sent on ``first`` … ``last`` as a frame of ``INVITATIONS_SCHEMA``."""
    zone = zone or company_zone()
    start, end = day_bounds(first, last, zone)
    rows: QuerySet[Any, Any] = (
        SurveyInvitation.objects.filter(sent_at__gte=start, sent_at__lt=end)
        .order_by()
        .annotate(
            a_segment=F("account__segment"),
            a_phase=F("account__phase"),
            a_day=TruncDate("sent_at", tzinfo=zone),
            # whether it was answered, as 1 or 0 (SQLite has no boolean column)
            a_answered=Case(
                When(answered_at__isnull=False, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            a_kind=F("program__kind"),
        )
        .values_list(
            "a_segment", "product_id", "a_phase", "tenure_days", "a_day", "a_answered", "a_kind"
        )
    )
    read = {**INVITATIONS_SCHEMA, "answered": pl.Int64()}
    return plain_frame(rows, read).with_columns(pl.col("answered").cast(pl.Boolean))

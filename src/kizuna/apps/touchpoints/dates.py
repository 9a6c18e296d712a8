"""Which days a touchpoint may have happened on: one rule for the form, the API, the services
and the CSV imports (docs/imports.md, "Dates").

A touchpoint's day is its date in the company's time zone (company settings). It must be

- on or before today there: a touchpoint records a contact that took place (a meeting planned
  for next week is logged once it has happened, and a later time today is still today);
- on or after ``EARLIEST_DAY`` (2000-01-01): an earlier year is a typing mistake (1999 for
  2026, 0026 …), no CS team keeps a relevant history that old, and the usage events obey the
  same floor.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.core.calendar import local_day

EARLIEST_DAY = dt.date(2000, 1, 1)
FUTURE = "future_date"
TOO_EARLY = "early_date"


def touch_day(occurred_at: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.date | None:
    """The date of ``occurred_at`` in ``zone`` (a naive value is read in ``zone``); None when
    the conversion leaves the years 1–9999 (e.g. 0001-01-01 00:00+09:00)."""
    aware = occurred_at if occurred_at.tzinfo is not None else occurred_at.replace(tzinfo=zone)
    try:
        return local_day(aware, zone)
    except ValueError:
        return None


def touch_day_problem(
    occurred_at: dt.datetime, *, zone: zoneinfo.ZoneInfo, today: dt.date
) -> str | None:
    """``FUTURE`` when the day of ``occurred_at`` in ``zone`` is after ``today``, ``TOO_EARLY``
    when it is before ``EARLIEST_DAY``, None when the day is allowed (both bounds inclusive)."""
    day = touch_day(occurred_at, zone)
    if day is None:
        return TOO_EARLY if occurred_at.year < EARLIEST_DAY.year else FUTURE
    if day > today:
        return FUTURE
    if day < EARLIEST_DAY:
        return TOO_EARLY
    return None


def touch_day_message(code: str, *, today: dt.date) -> str:
    """Why the day is refused, in the reader's language."""
    if code == FUTURE:
        return _(
            "The date is after today (%(today)s): log a touchpoint once it has taken place."
        ) % {"today": date_format(today, "SHORT_DATE_FORMAT")}
    return _("The date is before %(earliest)s: check the year.") % {
        "earliest": date_format(EARLIEST_DAY, "SHORT_DATE_FORMAT")
    }


def touch_day_error(occurred_at: dt.datetime) -> ValidationError | None:
    """Why ``occurred_at`` is refused (today being the company's today), or None."""
    settings = tenant_settings_get()
    today = tenant_today(settings)
    code = touch_day_problem(occurred_at, zone=zoneinfo.ZoneInfo(settings.time_zone), today=today)
    if code is None:
        return None
    return ValidationError(touch_day_message(code, today=today), code=code)


def touch_day_validate(occurred_at: dt.datetime) -> None:
    """Raise ``ValidationError({"occurred_at": …})`` when ``touch_day_error`` refuses it."""
    error = touch_day_error(occurred_at)
    if error is not None:
        raise ValidationError({"occurred_at": error})


def touch_day_clean(occurred_at: dt.datetime | None) -> dt.datetime | None:
    """A form field's ``clean_occurred_at``: the value, or the field's ``ValidationError``."""
    error = touch_day_error(occurred_at) if occurred_at is not None else None
    if error is not None:
        raise error
    return occurred_at

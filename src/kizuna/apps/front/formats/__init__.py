"""Dates as the reader's language writes them: the format modules of each language
(``FORMAT_MODULE_PATH``; what they leave out comes from Django's own) and the month label every
page, table and chart axis uses (``{{ day|month }}``, :func:`month_label`)."""

from __future__ import annotations

import datetime as dt

from django.utils import formats


def month_label(day: dt.date | None) -> str:
    """The month of ``day`` in the active language: 2026年10月 (Japanese), Oct 2026 (English);
    empty for None."""
    if day is None:
        return ""
    return str(formats.date_format(day, "YEAR_MONTH_FORMAT"))


def day_in_month_label(day: dt.date) -> str:
    """A day without its year, for axes whose months are labelled: 10月5日, Oct 5."""
    return str(formats.date_format(day, "MONTH_DAY_FORMAT"))

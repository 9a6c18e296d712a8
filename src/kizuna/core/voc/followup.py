"""Closing the loop on detractors: a follow-up's SLA due day and the two figures the
follow-up list shows at its top (docs/metrics.md, "Voice of the customer").

- ``sla_due_on``: the answer's company day plus N business days (``core.business_days``);
- ``followup_metrics``: the median time to first contact and the share contacted within the
  SLA over a set of follow-ups, as of a day.

Pure: no Django, no clock; the caller gives the rows and ``as_of``.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable
from dataclasses import dataclass

from kizuna.core.business_days import add_business_days

#: the most business days a program may give its owners to make first contact
MAX_SLA_DAYS = 30


def sla_due_on(answered_on: dt.date, days: int, *, year_end_closure: bool = True) -> dt.date | None:
    """The day first contact is due: ``days`` business days after ``answered_on`` (the
    answer's company day, not counted itself; ``days = 0``: that day if it is a business day,
    else the next one). None when the count leaves the years the business-day calendar knows
    (an answer dated 9999): such a follow-up has no due day and is never overdue."""
    try:
        return add_business_days(answered_on, days, year_end_closure=year_end_closure)
    except ValueError:
        return None


@dataclass(frozen=True)
class FollowUpFacts:
    """What the figures read of one follow-up: when the answer came, its SLA due day (None:
    none), when the first contact was made and its company day (None: not yet), and whether
    it was resolved."""

    answered_at: dt.datetime
    sla_due_on: dt.date | None
    first_contact_at: dt.datetime | None = None
    first_contact_on: dt.date | None = None
    resolved: bool = False


@dataclass(frozen=True)
class FollowUpMetrics:
    #: follow-ups in the set
    total: int
    #: follow-ups with a first contact after their answer
    contacted: int
    #: median of (first contact − answer) over ``contacted``, in hours; None when none
    median_hours_to_first_contact: float | None
    #: follow-ups whose SLA outcome is known (the denominator of ``share_within_sla``)
    sla_decided: int
    #: of ``sla_decided``, those contacted on or before their SLA due day
    within_sla: int

    @property
    def share_within_sla(self) -> float | None:
        """``within_sla / sla_decided`` (0–1); None on a zero denominator."""
        return self.within_sla / self.sla_decided if self.sla_decided else None


def _hours(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 3600


def followup_metrics(rows: Iterable[FollowUpFacts], *, as_of: dt.date) -> FollowUpMetrics:
    """The figures over ``rows`` as of ``as_of`` (docs/metrics.md):

    - **median time to first contact** (hours): the median of ``first_contact_at −
      answered_at`` over the follow-ups contacted (a first contact at or before the answer
      counts as 0 hours); the mean of the two middle values for an even count; None when no
      follow-up was contacted;
    - **share contacted within SLA**: numerator the follow-ups whose first contact's company
      day is on or before their SLA due day (inclusive); denominator the follow-ups whose
      outcome is known: contacted, or resolved, or whose SLA due day is before ``as_of`` (the
      due day itself is still in time). A follow-up without an SLA due day counts only once
      contacted, and then as within. None on a zero denominator.
    """
    total = contacted = decided = within = 0
    hours: list[float] = []
    for row in rows:
        total += 1
        if row.first_contact_at is not None:
            contacted += 1
            hours.append(max(0.0, _hours(row.answered_at, row.first_contact_at)))
        on = row.first_contact_on
        due = row.sla_due_on
        overdue = due is not None and due < as_of
        if on is not None or row.resolved or overdue:
            decided += 1
            if on is not None and (due is None or on <= due):
                within += 1
    return FollowUpMetrics(
        total=total,
        contacted=contacted,
        median_hours_to_first_contact=statistics.median(hours) if hours else None,
        sla_decided=decided,
        within_sla=within,
    )


def is_overdue(
    *, sla_due_on: dt.date | None, contacted: bool, resolved: bool, today: dt.date
) -> bool:
    """Overdue: not contacted, not resolved, and its SLA due day is before ``today``."""
    return not contacted and not resolved and sla_due_on is not None and sla_due_on < today

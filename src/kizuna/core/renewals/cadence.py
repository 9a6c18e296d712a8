"""Closing-plan review cadence and the flags it raises (docs/renewals.md, *Closing plans and
review cadence*).

- **plan missing**: the touch model requires a plan, the renewal is open and inside its plan
  window (``date − plan_from_days ≤ today``), and it has no plan;
- **review overdue**: the renewal is open, has a plan, and the plan's next review date is
  before today — or, with no next review date, the last review (or, never reviewed, the day
  the window opened) is more than ``every_days`` ago.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

PLAN_MISSING: Final = "plan_missing"
REVIEW_OVERDUE: Final = "review_overdue"


@dataclass(frozen=True, slots=True)
class Cadence:
    #: renewals are created this many days before their date
    lead_days: int
    plan_required: bool
    #: a plan is needed from this many days before the date
    plan_from_days: int
    #: a manager reviews the plan every this many days
    every_days: int


def window_opens(renewal_date: dt.date, cadence: Cadence) -> dt.date:
    try:
        return renewal_date - dt.timedelta(days=cadence.plan_from_days)
    except OverflowError:
        return dt.date.min


def plan_flags(
    *,
    today: dt.date,
    renewal_date: dt.date,
    is_open: bool,
    cadence: Cadence,
    has_plan: bool,
    next_review_on: dt.date | None,
    last_review_on: dt.date | None,
) -> frozenset[str]:
    """The flags of one renewal on ``today`` (empty for a closed renewal or one whose date
    has passed)."""
    if not is_open or renewal_date < today:
        return frozenset()
    opens = window_opens(renewal_date, cadence)
    if not has_plan:
        needed = cadence.plan_required and opens <= today
        return frozenset({PLAN_MISSING}) if needed else frozenset()
    due = review_due_on(
        renewal_date=renewal_date,
        cadence=cadence,
        next_review_on=next_review_on,
        last_review_on=last_review_on,
    )
    return frozenset({REVIEW_OVERDUE}) if due < today else frozenset()


def review_due_on(
    *,
    renewal_date: dt.date,
    cadence: Cadence,
    next_review_on: dt.date | None,
    last_review_on: dt.date | None,
) -> dt.date:
    """When a plan's next review is due: its next review date when set, else one cadence after
    the last review (or, never reviewed, after the day the plan window opened). The review is
    overdue from the day after."""
    if next_review_on is not None:
        return next_review_on
    since = last_review_on or window_opens(renewal_date, cadence)
    try:
        return since + dt.timedelta(days=cadence.every_days)
    except OverflowError:
        return dt.date.max


def next_review_after(reviewed_on: dt.date, renewal_date: dt.date, cadence: Cadence) -> dt.date:
    """The next review date after a review signed off on ``reviewed_on``: one cadence later,
    never after the renewal date."""
    try:
        step = reviewed_on + dt.timedelta(days=cadence.every_days)
    except OverflowError:
        step = dt.date.max
    return min(step, renewal_date)

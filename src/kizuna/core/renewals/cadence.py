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
    if next_review_on is not None:
        return frozenset({REVIEW_OVERDUE}) if next_review_on < today else frozenset()
    since = last_review_on or opens
    if since <= today and (today - since).days > cadence.every_days:
        return frozenset({REVIEW_OVERDUE})
    return frozenset()


def next_review_after(reviewed_on: dt.date, renewal_date: dt.date, cadence: Cadence) -> dt.date:
    """The next review date after a review signed off on ``reviewed_on``: one cadence later,
    never after the renewal date."""
    try:
        step = reviewed_on + dt.timedelta(days=cadence.every_days)
    except OverflowError:
        step = dt.date.max
    return min(step, renewal_date)

"""Playbook due dates and progress, on the Japanese business calendar (docs/actions.md).

A playbook is an ordered list of steps. Each step is due ``offset_days`` **calendar** days after
its anchor (negative: before it):

- ``"start"``: the day the run started (onboarding kick-off: offset 0; "check in after a
  week": offset 7);
- ``"renewal"``: the anchor date given at start, usually the account's next renewal date
  ("120 days before renewal": offset −120).

**Rounding.** A due date that falls on a closed day (weekend, national holiday, year-end
closure 12/29–1/3; see ``core.business_days``) is moved to a business day:

- ``"auto"`` (the default): to the **previous** business day when the step is due *before* the
  renewal (anchor ``"renewal"`` and a negative offset, so the work is done before the deadline,
  never after it); to the **next** business day otherwise (nobody is asked to act on a day
  off, and a step never lands before its start);
- ``"none"``: the calendar date is kept as it is.

**Never before the start.** A step whose date has already passed when the run starts (120
days before a renewal that is 60 days away) is due on the start day instead, moved to the next
business day when that is closed: the work is still worth doing, and is due at once.
``year_end_closure`` is the company's setting (``core.business_days``).

Offsets are bounded by ``MAX_OFFSET_DAYS`` (about ten years). An offset outside the bound, a
renewal step without an anchor date, or a due date outside the years the calendar knows
(``business_days.FIRST_YEAR``–``LAST_YEAR``, so year 1 and year 9999 included) raises
``ValueError`` with a readable message, never another exception.

**Progress.** A step is *closed* when its task is done or dismissed. ``progress`` counts the
closed steps, names the next open step (earliest due date, then lowest order), and lists the
open steps whose due date is before today (overdue). A run with every step closed is complete.

**Titles.** A step has a Japanese and an English title; ``step_title`` picks the one of a
language, falling back to the other when it is blank.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from kizuna.core import business_days

Anchor = Literal["start", "renewal"]
Rounding = Literal["auto", "none"]
ANCHORS: tuple[Anchor, ...] = ("start", "renewal")
ROUNDINGS: tuple[Rounding, ...] = ("auto", "none")
#: The largest offset (either sign) a step may have, in calendar days: about ten years.
MAX_OFFSET_DAYS = 3660

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Step:
    order: int
    offset_days: int
    anchor: Anchor = "start"
    rounding: Rounding = "auto"


@dataclass(frozen=True)
class StepState:
    """One step of a run as its task stands: ``closed`` is done or dismissed."""

    order: int
    due_on: dt.date
    closed: bool


@dataclass(frozen=True)
class Progress:
    closed: int
    total: int
    next_step: StepState | None
    overdue: tuple[StepState, ...]

    @property
    def complete(self) -> bool:
        return self.total > 0 and self.closed == self.total


def check_step(step: Step) -> None:
    """Raise ``ValueError`` for a step no run could use (the form and the service call it)."""
    if step.anchor not in ANCHORS:
        raise ValueError(f"anchor must be one of {ANCHORS}, not {step.anchor!r}")
    if step.rounding not in ROUNDINGS:
        raise ValueError(f"rounding must be one of {ROUNDINGS}, not {step.rounding!r}")
    if not -MAX_OFFSET_DAYS <= step.offset_days <= MAX_OFFSET_DAYS:
        raise ValueError(
            f"offset must be {-MAX_OFFSET_DAYS} to {MAX_OFFSET_DAYS} days, not {step.offset_days}"
        )


def step_title(title_ja: str, title_en: str, language: str | None) -> str:
    """The title in ``language`` (``"en…"``: English; anything else, None included: Japanese),
    or the other language's title when that one is blank; "" when both are."""
    english = (language or "ja").startswith("en")
    first, second = (title_en, title_ja) if english else (title_ja, title_en)
    return first.strip() or second.strip()


def _shift(day: dt.date, days: int) -> dt.date:
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        raise ValueError(f"{day} {days:+d} days is outside the calendar") from None


def _previous_business_day_on_or_before(day: dt.date, *, year_end_closure: bool) -> dt.date:
    while not business_days.is_business_day(day, year_end_closure=year_end_closure):
        try:
            day = day - _ONE_DAY
        except OverflowError:
            raise ValueError("the due date runs before 0001-01-01") from None
    return day


def due_date(
    step: Step,
    *,
    started_on: dt.date,
    anchor_date: dt.date | None = None,
    year_end_closure: bool = True,
) -> dt.date:
    """The step's due date for a run started on ``started_on`` (see the module's rules)."""
    check_step(step)
    if step.anchor == "renewal":
        if anchor_date is None:
            raise ValueError("a step anchored on the renewal needs the renewal date")
        base = anchor_date
    else:
        base = started_on
    day = _shift(base, step.offset_days)
    if not business_days.FIRST_YEAR <= day.year <= business_days.LAST_YEAR:
        raise ValueError(
            f"the due date {day} is outside the business calendar's years "
            f"{business_days.FIRST_YEAR}-{business_days.LAST_YEAR}"
        )
    closure = year_end_closure
    if step.rounding == "none":
        due = day
    elif step.anchor == "renewal" and step.offset_days < 0:
        due = _previous_business_day_on_or_before(day, year_end_closure=closure)
    else:
        due = business_days.next_business_day_on_or_after(day, year_end_closure=closure)
    if due < started_on:
        return business_days.next_business_day_on_or_after(started_on, year_end_closure=closure)
    return due


def due_dates(
    steps: Sequence[Step],
    *,
    started_on: dt.date,
    anchor_date: dt.date | None = None,
    year_end_closure: bool = True,
) -> dict[int, dt.date]:
    """``{order: due date}`` for every step; duplicate orders raise ``ValueError``."""
    orders = [s.order for s in steps]
    if len(set(orders)) != len(orders):
        raise ValueError("step orders must be unique")
    return {
        s.order: due_date(
            s, started_on=started_on, anchor_date=anchor_date, year_end_closure=year_end_closure
        )
        for s in sorted(steps, key=lambda s: s.order)
    }


def progress(states: Iterable[StepState], *, today: dt.date) -> Progress:
    """Closed/total, the next open step and the overdue open steps (due before ``today``)."""
    ordered = sorted(states, key=lambda s: (s.due_on, s.order))
    open_steps = [s for s in ordered if not s.closed]
    return Progress(
        closed=len(ordered) - len(open_steps),
        total=len(ordered),
        next_step=open_steps[0] if open_steps else None,
        overdue=tuple(s for s in open_steps if s.due_on < today),
    )

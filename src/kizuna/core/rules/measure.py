"""How well a rule did: its record from the tasks it opened and what became of the accounts.

Per firing (a rule firing on an account on a day), the app gives a ``FiringOutcome``; over a
rule's firings up to ``as_of``:

- **fired**: the firings; **acted on**: those whose task someone acted on (a first action:
  a comment, a snooze, done); **dismissed**: those whose task was dismissed as not useful;
  **unowned**: those that opened no task because nobody could own it (an account without an
  owner in a team without an active manager), so that a gap between fired and acted on is
  explained.
- **precision**: of the firings whose 180 days are over (``fired_on + 180 ≤ as_of``) or whose
  account already churned or contracted within them, the share whose account churned or
  contracted within 180 days of the firing (``fired_on < lost_on ≤ fired_on + 180``) without
  a completed task: the rule saw a real risk that nobody worked. Denominator 0 → no value.
- **save rate**: of the firings with a completed task whose account's next renewal after the
  completion has come (``renewal_on ≤ as_of``, its result known), the share retained at that
  renewal. Denominator 0 → no value.
- **time to first action**: the median, over the tasks acted on, of first action − creation.

Both rates come with their counts (``Ratio``), never alone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

#: the window in which a churn or contraction counts as the rule's risk coming true
HORIZON_DAYS = 180


@dataclass(frozen=True)
class FiringOutcome:
    account_id: int
    fired_on: dt.date
    task_done: bool = False  # the task was completed (whatever the outcome)
    task_dismissed: bool = False  # dismissed as not useful
    first_action_after: dt.timedelta | None = None  # task created → first action
    lost_on: dt.date | None = None  # the first churn or contraction after the firing
    renewal_on: dt.date | None = None  # the account's next renewal after the completion
    retained: bool | None = None  # kept at that renewal (None: not known yet)
    unowned: bool = False  # carried out without a task: nobody could own it


@dataclass(frozen=True)
class Ratio:
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class RuleRecord:
    fired: int
    acted_on: int
    dismissed: int
    precision: Ratio
    save_rate: Ratio
    median_first_action: dt.timedelta | None
    unowned: int = 0


def rule_record(outcomes: Iterable[FiringOutcome], *, as_of: dt.date) -> RuleRecord:
    """The record of a rule's firings up to ``as_of`` (later ones are ignored)."""
    fired = acted = dismissed = unowned = 0
    judged = lost = completed = retained = 0
    waits: list[dt.timedelta] = []
    for outcome in outcomes:
        if outcome.fired_on > as_of:
            continue
        fired += 1
        dismissed += outcome.task_dismissed
        unowned += outcome.unowned
        if outcome.first_action_after is not None or outcome.task_done:
            acted += 1
        if outcome.first_action_after is not None:
            waits.append(outcome.first_action_after)
        window_end = _days_after(outcome.fired_on, HORIZON_DAYS)
        last_seen = as_of if window_end is None else min(window_end, as_of)
        lost_in_window = (
            outcome.lost_on is not None and outcome.fired_on < outcome.lost_on <= last_seen
        )
        if lost_in_window or (window_end is not None and window_end <= as_of):
            judged += 1
            lost += lost_in_window and not outcome.task_done
        renewed_by_now = outcome.renewal_on is not None and outcome.renewal_on <= as_of
        if outcome.task_done and outcome.retained is not None and renewed_by_now:
            completed += 1
            retained += outcome.retained
    return RuleRecord(
        fired=fired,
        acted_on=acted,
        dismissed=dismissed,
        precision=Ratio(lost, judged),
        save_rate=Ratio(retained, completed),
        median_first_action=_median(waits),
        unowned=unowned,
    )


def _median(values: list[dt.timedelta]) -> dt.timedelta | None:
    """The middle value, or the mean of the two middle ones; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def _days_after(day: dt.date, days: int) -> dt.date | None:
    """``day`` + ``days``, or None past the end of the calendar (a window never over)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return None

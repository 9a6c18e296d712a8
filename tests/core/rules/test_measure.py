"""``core.rules.measure.rule_record``: exact precision, save rate and time to first action,
with the boundaries of the 180-day window and the empty cases."""

from __future__ import annotations

import datetime as dt

from kizuna.core.rules.measure import FiringOutcome, Ratio, rule_record

AS_OF = dt.date(2026, 11, 29)
HOUR = dt.timedelta(hours=1)


def ago(days: int) -> dt.date:
    return AS_OF - dt.timedelta(days=days)


def test_nothing_fired() -> None:
    record = rule_record([], as_of=AS_OF)
    assert (record.fired, record.acted_on, record.dismissed) == (0, 0, 0)
    assert record.precision == Ratio(0, 0) and record.precision.value is None
    assert record.save_rate.value is None and record.median_first_action is None


def test_precision_counts_the_risks_nobody_worked_within_180_days() -> None:
    outcomes = [
        # judged (180 days over): lost on day 180 exactly, no task done → counts
        FiringOutcome(1, ago(200), lost_on=ago(20)),
        # judged: lost on day 181 → outside the window
        FiringOutcome(2, ago(200), lost_on=ago(19)),
        # judged: lost within the window, but the task was completed → not counted
        FiringOutcome(3, ago(190), task_done=True, lost_on=ago(100)),
        # judged: nothing happened
        FiringOutcome(4, ago(180)),
        # not yet judged (179 days), nothing happened
        FiringOutcome(5, ago(179)),
        # judged early: already lost within its window
        FiringOutcome(6, ago(30), lost_on=ago(1)),
        # lost on the firing day itself: not after the firing
        FiringOutcome(7, ago(200), lost_on=ago(200)),
        # fired after as_of: ignored
        FiringOutcome(8, AS_OF + dt.timedelta(days=1), lost_on=AS_OF + dt.timedelta(days=2)),
    ]
    record = rule_record(outcomes, as_of=AS_OF)
    assert record.fired == 7
    assert record.precision == Ratio(2, 6)  # 1 and 6, of 1, 2, 3, 4, 6, 7


def test_save_rate_counts_completed_tasks_whose_renewal_came() -> None:
    outcomes = [
        FiringOutcome(1, ago(300), task_done=True, renewal_on=ago(100), retained=True),
        FiringOutcome(2, ago(300), task_done=True, renewal_on=ago(10), retained=False),
        FiringOutcome(3, ago(300), task_done=True, renewal_on=AS_OF, retained=True),
        # renewal still ahead, or its result unknown: not counted
        FiringOutcome(4, ago(10), task_done=True, renewal_on=AS_OF + dt.timedelta(days=1)),
        FiringOutcome(5, ago(10), task_done=True, renewal_on=ago(1), retained=None),
        # no completed task: not counted, whatever the renewal
        FiringOutcome(6, ago(300), task_dismissed=True, renewal_on=ago(100), retained=True),
    ]
    record = rule_record(outcomes, as_of=AS_OF)
    assert record.save_rate == Ratio(2, 3)
    assert record.dismissed == 1 and record.acted_on == 5


def test_median_time_to_first_action() -> None:
    waits = [5 * HOUR, 1 * HOUR, 30 * HOUR, 2 * HOUR]
    outcomes = [FiringOutcome(n, ago(5), first_action_after=w) for n, w in enumerate(waits)]
    outcomes.append(FiringOutcome(9, ago(5)))  # never acted on
    record = rule_record(outcomes, as_of=AS_OF)
    assert record.acted_on == 4
    assert record.median_first_action == dt.timedelta(hours=3.5)
    odd = rule_record(outcomes[:3], as_of=AS_OF)
    assert odd.median_first_action == 5 * HOUR


def test_the_ends_of_the_calendar() -> None:
    outcomes = [FiringOutcome(1, dt.date(1, 1, 1), lost_on=dt.date(1, 6, 30))]
    record = rule_record(outcomes, as_of=dt.date(9999, 12, 31))
    assert record.precision == Ratio(1, 1)
    late = [FiringOutcome(1, dt.date(9999, 12, 1), lost_on=dt.date(9999, 12, 31))]
    assert rule_record(late, as_of=dt.date(9999, 12, 31)).precision == Ratio(1, 1)


def test_firings_nobody_could_own_are_counted_apart() -> None:
    outcomes = [
        FiringOutcome(1, ago(5), unowned=True),
        FiringOutcome(2, ago(5), unowned=True),
        FiringOutcome(3, ago(5), task_done=True),
        FiringOutcome(4, AS_OF + dt.timedelta(days=1), unowned=True),  # after as_of: ignored
    ]
    record = rule_record(outcomes, as_of=AS_OF)
    assert (record.fired, record.acted_on, record.unowned) == (3, 1, 2)
    assert rule_record([], as_of=AS_OF).unowned == 0

"""A detractor follow-up's SLA due day in Japanese business days, and the follow-up list's two
figures (docs/metrics.md, "Voice of the customer") with exact values."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.voc.followup import FollowUpFacts, followup_metrics, is_overdue, sla_due_on

D = dt.date


def at(day: int, hour: int = 0, month: int = 5) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("answered_on", "days", "closure", "due"),
    [
        # Golden Week 2026: 5/2 Sat, 5/3 Sun, 5/4–5/5 holidays, 5/6 substitute holiday
        (D(2026, 4, 30), 2, True, D(2026, 5, 7)),
        (D(2026, 5, 1), 1, True, D(2026, 5, 7)),
        (D(2026, 5, 2), 0, True, D(2026, 5, 7)),  # a Saturday answer, due "the same day"
        (D(2026, 5, 7), 0, True, D(2026, 5, 7)),
        # the year-end closure 12/29–1/3, and the same days for a company that works then
        (D(2026, 12, 28), 2, True, D(2027, 1, 5)),
        (D(2026, 12, 28), 2, False, D(2026, 12, 30)),
        (D(2026, 12, 31), 1, True, D(2027, 1, 4)),
        # a plain week: Friday + 2 is Tuesday
        (D(2026, 3, 6), 2, True, D(2026, 3, 10)),
    ],
)
def test_the_sla_counts_business_days_after_the_answer(
    answered_on: dt.date, days: int, closure: bool, due: dt.date
) -> None:
    assert sla_due_on(answered_on, days, year_end_closure=closure) == due


@pytest.mark.parametrize(
    ("answered_on", "days"),
    [(D(9999, 12, 30), 2), (D(1, 1, 1), 2), (D(2026, 3, 6), -1), (D(2026, 3, 6), 10**9)],
)
def test_a_day_the_calendar_does_not_know_gives_no_due_day(answered_on: dt.date, days: int) -> None:
    assert sla_due_on(answered_on, days) is None


def test_the_figures_over_a_mixed_set() -> None:
    rows = [
        # contacted 3 h after, on the answer's day: within
        FollowUpFacts(at(1), D(2026, 5, 7), at(1, 3), D(2026, 5, 1)),
        # contacted a week later, the day after the due day: not within
        FollowUpFacts(at(1), D(2026, 5, 7), at(8), D(2026, 5, 8)),
        # never contacted, due day passed: decided, not within
        FollowUpFacts(at(11), D(2026, 5, 13)),
        # due after as_of, and due on as_of itself: not decided yet
        FollowUpFacts(at(14), D(2026, 5, 18)),
        FollowUpFacts(at(14), D(2026, 5, 15)),
        # resolved without a contact: decided, not within
        FollowUpFacts(at(14), D(2026, 5, 18), resolved=True),
        # no due day (an answer the calendar does not reach), contacted 10 h after: within
        FollowUpFacts(at(12), None, at(12, 10), D(2026, 5, 12)),
    ]
    figures = followup_metrics(rows, as_of=D(2026, 5, 15))
    assert (figures.total, figures.contacted, figures.sla_decided, figures.within_sla) == (
        7,
        3,
        5,
        2,
    )
    assert figures.median_hours_to_first_contact == 10.0  # of 3, 168, 10
    assert figures.share_within_sla == 0.4


def test_an_even_count_takes_the_mean_of_the_middle_two_and_an_early_contact_is_zero() -> None:
    rows = [
        FollowUpFacts(at(1), D(2026, 5, 7), at(1, 3), D(2026, 5, 1)),
        FollowUpFacts(at(1), D(2026, 5, 7), at(8), D(2026, 5, 8)),
    ]
    assert followup_metrics(rows, as_of=D(2026, 5, 1)).median_hours_to_first_contact == 85.5
    early = [FollowUpFacts(at(2), D(2026, 5, 7), at(1), D(2026, 5, 1))]
    figures = followup_metrics(early, as_of=D(2026, 5, 1))
    assert (figures.median_hours_to_first_contact, figures.share_within_sla) == (0.0, 1.0)


def test_no_rows_and_no_decided_row_give_no_figure() -> None:
    empty = followup_metrics([], as_of=D(2026, 5, 15))
    assert (empty.total, empty.contacted, empty.sla_decided, empty.within_sla) == (0, 0, 0, 0)
    assert (empty.median_hours_to_first_contact, empty.share_within_sla) == (None, None)
    waiting = followup_metrics([FollowUpFacts(at(14), D(2026, 5, 18))], as_of=D(2026, 5, 15))
    assert (waiting.total, waiting.sla_decided, waiting.share_within_sla) == (1, 0, None)
    assert waiting.median_hours_to_first_contact is None


@pytest.mark.parametrize(
    ("due", "contacted", "resolved", "overdue"),
    [
        (D(2026, 5, 14), False, False, True),
        (D(2026, 5, 15), False, False, False),  # the due day itself is in time
        (D(2026, 5, 14), True, False, False),
        (D(2026, 5, 14), False, True, False),
        (None, False, False, False),
    ],
)
def test_overdue(due: dt.date | None, contacted: bool, resolved: bool, overdue: bool) -> None:
    got = is_overdue(sla_due_on=due, contacted=contacted, resolved=resolved, today=D(2026, 5, 15))
    assert got is overdue

"""``core.renewals.cadence``: when a plan is missing and when its review is overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.renewals.cadence import (
    PLAN_MISSING,
    REVIEW_OVERDUE,
    Cadence,
    next_review_after,
    plan_flags,
)

D = dt.date
HIGH = Cadence(lead_days=180, plan_required=True, plan_from_days=120, every_days=30)
TECH = Cadence(lead_days=180, plan_required=False, plan_from_days=30, every_days=90)
RENEWAL = D(2026, 9, 1)  # the window opens 120 days before: 2026-05-04


def flags(today: dt.date, **kwargs: object) -> frozenset[str]:
    base: dict[str, object] = {
        "renewal_date": RENEWAL,
        "is_open": True,
        "cadence": HIGH,
        "has_plan": False,
        "next_review_on": None,
        "last_review_on": None,
    }
    base.update(kwargs)
    return plan_flags(today=today, **base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 5, 3), frozenset()),
        (D(2026, 5, 4), {PLAN_MISSING}),
        (D(2026, 9, 1), {PLAN_MISSING}),
        (D(2026, 9, 2), frozenset()),  # the date has passed: the outcome speaks
    ],
)
def test_plan_missing_inside_the_window(today: dt.date, expected: set[str]) -> None:
    assert flags(today) == expected


def test_no_plan_needed_for_tech_touch_or_a_closed_renewal() -> None:
    assert flags(D(2026, 8, 20), cadence=TECH) == frozenset()
    assert flags(D(2026, 6, 1), is_open=False) == frozenset()


def test_review_overdue_by_the_next_review_date() -> None:
    planned = {"has_plan": True, "next_review_on": D(2026, 6, 10)}
    assert flags(D(2026, 6, 10), **planned) == frozenset()
    assert flags(D(2026, 6, 11), **planned) == {REVIEW_OVERDUE}


def test_review_overdue_without_a_next_date_counts_from_the_last_review_or_the_window() -> None:
    never = {"has_plan": True}
    assert flags(D(2026, 6, 3), **never) == frozenset()  # 30 days after 2026-05-04
    assert flags(D(2026, 6, 4), **never) == {REVIEW_OVERDUE}
    reviewed = {"has_plan": True, "last_review_on": D(2026, 6, 20)}
    assert flags(D(2026, 7, 20), **reviewed) == frozenset()
    assert flags(D(2026, 7, 21), **reviewed) == {REVIEW_OVERDUE}


def test_next_review_moves_on_by_the_cadence_never_past_the_renewal() -> None:
    assert next_review_after(D(2026, 6, 1), RENEWAL, HIGH) == D(2026, 7, 1)
    assert next_review_after(D(2026, 8, 20), RENEWAL, HIGH) == RENEWAL
    assert next_review_after(D(9999, 12, 20), D(9999, 12, 31), HIGH) == D(9999, 12, 31)


def test_hostile_dates() -> None:
    assert flags(D(1, 1, 1), renewal_date=D(1, 1, 2)) == {PLAN_MISSING}
    assert flags(D(9999, 12, 31), renewal_date=D(9999, 12, 31)) == {PLAN_MISSING}

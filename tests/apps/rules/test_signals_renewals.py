"""``rules.signals`` of the renewals: a renewal without a closing plan inside its window, a
plan's review overdue, each day with its value; and renewals derived from the lines' terms
count for ``renewal_due`` too."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kizuna.apps.renewals.models import ClosingPlan, PlanReview, Renewal, ReviewCadence, Stage
from kizuna.apps.rules.signals import signals_between
from kizuna.core.rules.model import TriggerKind
from tests.factories import World

pytestmark = pytest.mark.django_db
K = TriggerKind
D = dt.date
RENEWAL = D(2026, 9, 1)  # high touch: the plan window opens 120 days before, on 2026-05-04


def got(kind: TriggerKind, start: dt.date, end: dt.date) -> list[tuple[Any, ...]]:
    signals = signals_between(start=start, end=end, kinds={kind})
    return [(s.account_id, s.day, s.value) for s in signals]


@pytest.fixture
def renewal(world: World) -> Renewal:
    world.account.segment = "high"
    world.account.save()
    return Renewal.objects.create(account=world.account, date=RENEWAL, mrr_due=100_000)


def test_a_renewal_without_a_plan_inside_its_window(world: World, renewal: Renewal) -> None:
    account = world.account.pk
    assert got(K.RENEWAL_PLAN_MISSING, D(2026, 5, 2), D(2026, 5, 5)) == [
        (account, D(2026, 5, 4), 120),
        (account, D(2026, 5, 5), 119),
    ]
    # each links to the renewal's page (its plan and reviews)
    (signal,) = signals_between(
        start=D(2026, 5, 4), end=D(2026, 5, 4), kinds={K.RENEWAL_PLAN_MISSING}
    )
    assert signal.evidence == f"/renewals/{renewal.pk}/"
    # a plan made on 5/5 (its creation time is "now" in the test: backdate it)
    plan = ClosingPlan.objects.create(renewal=renewal)
    ClosingPlan.objects.filter(pk=plan.pk).update(
        created_at=dt.datetime(2026, 5, 5, 3, 0, tzinfo=dt.UTC)
    )
    assert got(K.RENEWAL_PLAN_MISSING, D(2026, 5, 2), D(2026, 5, 6)) == [
        (account, D(2026, 5, 4), 120)
    ]


def test_no_plan_needed_where_the_cadence_says_so_or_once_closed(
    world: World, renewal: Renewal
) -> None:
    ReviewCadence.objects.create(segment="high", plan_required=False)
    assert got(K.RENEWAL_PLAN_MISSING, D(2026, 8, 1), D(2026, 8, 1)) == []
    ReviewCadence.objects.all().delete()
    Renewal.objects.filter(pk=renewal.pk).update(no_longer_due=True)
    assert got(K.RENEWAL_PLAN_MISSING, D(2026, 8, 1), D(2026, 8, 1)) == []


def test_a_review_overdue_from_the_day_after_it_was_due(world: World, renewal: Renewal) -> None:
    account = world.account.pk
    plan = ClosingPlan.objects.create(renewal=renewal, next_review_on=D(2026, 7, 1))
    ClosingPlan.objects.filter(pk=plan.pk).update(
        created_at=dt.datetime(2026, 5, 1, 3, 0, tzinfo=dt.UTC)
    )
    # never reviewed: the next review date set with the plan holds
    assert got(K.PLAN_REVIEW_OVERDUE, D(2026, 7, 1), D(2026, 7, 3)) == [
        (account, D(2026, 7, 2), 1),
        (account, D(2026, 7, 3), 2),
    ]
    # reviewed on 6/20 with the next review on 7/20: before 6/20 the cadence counts from the
    # window's opening (5/4 + 30 = 6/3); from 6/20 on, the next review date
    PlanReview.objects.create(plan=plan, reviewed_on=D(2026, 6, 20))
    ClosingPlan.objects.filter(pk=plan.pk).update(next_review_on=D(2026, 7, 20))
    assert got(K.PLAN_REVIEW_OVERDUE, D(2026, 6, 19), D(2026, 7, 21)) == [
        (account, D(2026, 6, 19), 16),
        (account, D(2026, 7, 21), 1),
    ]
    # closed by its outcome: nothing after the date
    Renewal.objects.filter(pk=renewal.pk).update(stage=Stage.RENEWED)
    assert got(K.PLAN_REVIEW_OVERDUE, D(2026, 9, 2), D(2026, 9, 3)) == []


def test_a_renewal_derived_from_a_term_is_due_like_a_lines_renewal_date(
    world: World, renewal: Renewal
) -> None:
    signals = signals_between(start=D(2026, 8, 30), end=D(2026, 9, 2), kinds={K.RENEWAL_DUE})
    assert [(s.day, s.value) for s in signals] == [
        (D(2026, 8, 30), 2),
        (D(2026, 8, 31), 1),
        (D(2026, 9, 1), 0),
    ]


def test_hostile_dates(world: World) -> None:
    world.account.segment = "high"
    world.account.save()
    Renewal.objects.create(account=world.account, date=D(9999, 12, 31), mrr_due=1)
    Renewal.objects.create(account=world.account, date=D(1, 1, 2), mrr_due=1)
    assert got(K.RENEWAL_PLAN_MISSING, D(9999, 12, 30), D(9999, 12, 31)) == [
        (world.account.pk, D(9999, 12, 30), 1),
        (world.account.pk, D(9999, 12, 31), 0),
    ]
    assert got(K.PLAN_REVIEW_OVERDUE, D(1, 1, 1), D(1, 1, 1)) == []

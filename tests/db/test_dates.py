"""``kizuna.db.dates.DaysBefore``: the database's own date arithmetic, exact at month ends,
leap days and the ends of the calendar, NULL for NULL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import F

from kizuna.apps.customers.models import SubscriptionLine
from kizuna.db.dates import DaysBefore
from tests.factories import World

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.mark.parametrize(
    ("day", "days", "expected"),
    [
        (D(2026, 3, 1), 1, D(2026, 2, 28)),
        (D(2024, 3, 1), 1, D(2024, 2, 29)),
        (D(2026, 5, 1), 90, D(2026, 1, 31)),
        (D(2026, 5, 1), 120, D(2026, 1, 1)),
        (D(2026, 1, 1), 0, D(2026, 1, 1)),
        (D(2026, 12, 31), -1, D(2027, 1, 1)),
        (D(9999, 12, 31), 30, D(9999, 12, 1)),
        (D(1, 1, 31), 30, D(1, 1, 1)),
    ],
)
def test_days_before_a_date_column(
    world: World, day: dt.date, days: int, expected: dt.date
) -> None:
    # given
    line = SubscriptionLine.objects.create(
        account=world.account, product=world.product, billing_period="annual",
        billing_amount=1, mrr=1, start_date=day, end_date=None,
    )  # fmt: skip
    rows = SubscriptionLine.objects.filter(pk=line.pk)
    # when / then: the date itself, and a filter on it
    assert rows.annotate(before=DaysBefore(F("start_date"), days)).get().before == expected
    assert rows.filter(start_date__gt=DaysBefore(F("start_date"), days)).exists() == (days > 0)


def test_a_null_date_has_no_day_before(world: World) -> None:
    line = SubscriptionLine.objects.create(
        account=world.account, product=world.product, billing_period="annual",
        billing_amount=1, mrr=1, start_date=D(2026, 1, 1), end_date=None,
    )  # fmt: skip
    rows = SubscriptionLine.objects.filter(pk=line.pk)
    assert rows.annotate(before=DaysBefore(F("end_date"), 90)).get().before is None


def test_before_the_year_1_compares_below_every_date(world: World) -> None:
    # given: a line starting on the first day of the calendar
    SubscriptionLine.objects.create(
        account=world.account, product=world.product, billing_period="annual",
        billing_amount=1, mrr=1, start_date=D(1, 1, 1), end_date=None,
    )  # fmt: skip
    # when / then: 90 days before it is below it (never an error)
    assert SubscriptionLine.objects.filter(start_date__gt=DaysBefore(F("start_date"), 90)).exists()


def test_days_must_be_a_whole_number() -> None:
    for bad in (1.5, "90", True):
        with pytest.raises(TypeError):
            DaysBefore(F("start_date"), bad)  # type: ignore[arg-type]

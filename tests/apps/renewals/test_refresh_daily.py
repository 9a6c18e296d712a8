"""``renewals_refresh_daily``: the daily job's refresh derives only the accounts whose
renewals the day changes, and leaves the renewals as a full refresh would; every account
again once a week, after a cadence change, or with no run before."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kizuna.apps.renewals.models import RefreshRun, Renewal, ReviewCadence
from kizuna.apps.renewals.services import (
    FULL_EVERY_DAYS,
    RefreshResult,
    renewals_refresh,
    renewals_refresh_daily,
)
from tests.apps.renewals.test_refresh import annual
from tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
D = dt.date


def stored() -> list[tuple[Any, ...]]:
    return list(
        Renewal.objects.order_by("account_id", "date").values_list(
            "account_id", "date", "line_ids", "mrr_due", "mrr_after", "outcome", "stage",
            "no_longer_due", "derived",
        )
    )  # fmt: skip


def test_day_by_day_the_renewals_are_those_a_full_refresh_gives(world: Any) -> None:
    # given: accounts whose boundaries fall on month ends, on leap days, inside and outside
    # the window, one line ending at a boundary (churn), one at ¥0
    annual(world.account, world.product, D(2024, 1, 31))
    annual(world.other_account, world.product, D(2023, 2, 28), D(2026, 2, 28))
    leap = AccountFactory(name="閏年株式会社")
    annual(leap, world.product, D(2024, 2, 29), mrr=0)
    late = AccountFactory(name="遠い先株式会社")
    annual(late, world.product, D(2025, 9, 15), term_months=36)
    first, _result = renewals_refresh_daily(today=D(2026, 1, 1))
    assert first.full
    # when: one run a day for two months (a full one each week)
    day = D(2026, 1, 2)
    kinds = []
    while day <= D(2026, 3, 2):
        run, _result = renewals_refresh_daily(today=day)
        kinds.append(run.full)
        after_daily = stored()
        # then: a full refresh of the same day finds nothing to change
        assert renewals_refresh(today=day) == RefreshResult(0, 0, len(after_daily), 0, 0), day
        assert stored() == after_daily
        day += dt.timedelta(days=1)
    assert kinds.count(True) == 60 // FULL_EVERY_DAYS
    assert RefreshRun.objects.filter(full=False).count() == 60 - kinds.count(True)
    # the churn of 2026-02-28 and the renewals of 2026-01-31 / 2026-02-28 came on their day
    assert Renewal.objects.get(account=world.other_account, date=D(2026, 2, 28)).outcome == (
        "churned"
    )


def test_a_day_run_reads_only_the_accounts_the_day_changes(world: Any) -> None:
    # given: a full run yesterday; one account's boundary today, another's far away
    annual(world.account, world.product, D(2025, 6, 10))
    annual(world.other_account, world.product, D(2025, 1, 20))
    renewals_refresh_daily(today=D(2026, 6, 9))
    # when
    run, result = renewals_refresh_daily(today=D(2026, 6, 10))
    # then: one account, its renewal of today closed as renewed
    assert (run.full, run.accounts) == (False, 1)
    assert result == RefreshResult(0, 1, 0, 0, 0)
    assert Renewal.objects.get(account=world.account, date=D(2026, 6, 10)).outcome == "renewed"


def test_a_new_renewal_enters_the_window_on_its_day(world: Any) -> None:
    # given: a boundary 2027-01-20, the default window 180 days ahead (high touch)
    annual(world.account, world.product, D(2026, 1, 20))
    renewals_refresh_daily(today=D(2026, 7, 23))
    assert not Renewal.objects.filter(date=D(2027, 1, 20)).exists()
    # when: the day it is 180 days ahead
    run, result = renewals_refresh_daily(today=D(2026, 7, 24))
    # then
    assert not run.full and result.created == 1
    assert Renewal.objects.filter(date=D(2027, 1, 20)).exists()


def test_a_changed_cadence_or_a_week_without_a_full_run_derives_every_account(
    world: Any,
) -> None:
    annual(world.account, world.product, D(2025, 6, 10))
    assert renewals_refresh_daily(today=D(2026, 1, 1))[0].full
    assert not renewals_refresh_daily(today=D(2026, 1, 2))[0].full
    # a cadence saved after the last full run
    ReviewCadence.objects.create(segment="high", lead_days=30)
    assert renewals_refresh_daily(today=D(2026, 1, 3))[0].full
    assert not renewals_refresh_daily(today=D(2026, 1, 4))[0].full
    # a gap of a week since the last full run
    assert renewals_refresh_daily(today=D(2026, 1, 10))[0].full


def test_a_rerun_of_the_same_day_changes_nothing(world: Any) -> None:
    annual(world.account, world.product, D(2025, 6, 10))
    renewals_refresh_daily(today=D(2026, 6, 9))
    renewals_refresh_daily(today=D(2026, 6, 10))
    before = stored()
    run, result = renewals_refresh_daily(today=D(2026, 6, 10))
    assert not run.full and result.created == result.updated == result.deleted == 0
    assert stored() == before

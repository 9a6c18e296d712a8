"""``renewals_refresh``: renewals derived from the lines, written as a difference; people's
work (plans, calls, stages) survives; a renewal the lines no longer produce goes or is
marked; a refresh of some accounts touches nothing else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kizuna.apps.renewals.models import ClosingPlan, ForecastCall, Renewal, Stage
from kizuna.apps.renewals.services import RefreshResult, renewals_refresh
from tests.factories import AccountFactory, SubscriptionLineFactory

TODAY = dt.date(2026, 5, 1)
D = dt.date


def annual(
    account: Any, product: Any, start: dt.date, end: dt.date | None = None, **kw: Any
) -> Any:
    mrr = kw.pop("mrr", 100_000)
    return SubscriptionLineFactory(
        account=account,
        product=product,
        billing_period="annual",
        billing_amount=12 * mrr,
        mrr=mrr,
        start_date=start,
        end_date=end,
        **kw,
    )


def rows() -> list[tuple[Any, ...]]:
    return list(
        Renewal.objects.order_by("account_id", "date").values_list(
            "account__name", "date", "mrr_due", "mrr_after", "outcome", "stage", "no_longer_due"
        )
    )


@pytest.mark.django_db
def test_refresh_derives_renewals_and_a_second_run_changes_nothing(world: Any) -> None:
    annual(world.account, world.product, D(2024, 6, 1))
    annual(world.other_account, world.product, D(2024, 4, 1), D(2025, 4, 1))
    # a monthly line a month after the end: never renews, and does not save the renewal
    SubscriptionLineFactory(
        account=world.other_account, product=world.product, start_date=D(2025, 5, 1)
    )
    assert renewals_refresh(today=TODAY) == RefreshResult(3, 0, 0, 0, 0)
    assert rows() == [
        ("株式会社山田製作所", D(2025, 6, 1), 100_000, 100_000, "renewed", "renewed", False),
        ("株式会社山田製作所", D(2026, 6, 1), 100_000, None, "", "not_started", False),
        ("合同会社北斗", D(2025, 4, 1), 100_000, 0, "churned", "churned", False),
    ]
    assert renewals_refresh(today=TODAY) == RefreshResult(0, 0, 3, 0, 0)
    upcoming = Renewal.objects.get(date=D(2026, 6, 1))
    assert upcoming.arr_due == 1_200_000
    assert upcoming.account.renewals.count() == 2


@pytest.mark.django_db
def test_people_set_stage_call_and_plan_survive_and_the_outcome_closes_it(world: Any) -> None:
    line = annual(world.account, world.product, D(2025, 6, 1))
    renewals_refresh(today=TODAY)
    renewal = Renewal.objects.get()
    renewal.stage = Stage.NEGOTIATION
    renewal.forecast_call = ForecastCall.LIKELY
    renewal.save()
    ClosingPlan.objects.create(renewal=renewal, risks="予算削減")
    assert renewals_refresh(today=TODAY).unchanged == 1
    renewal.refresh_from_db()
    assert (renewal.stage, renewal.forecast_call) == ("negotiation", "likely")
    # the date comes; the customer cut the contract to 70,000 on it
    line.end_date = D(2026, 6, 1)
    line.save()
    annual(world.account, world.product, D(2026, 6, 1), mrr=70_000)
    result = renewals_refresh(today=D(2026, 6, 2))
    assert (result.updated, result.created) == (1, 0)
    renewal.refresh_from_db()
    assert (renewal.stage, renewal.outcome, renewal.mrr_after, renewal.mrr_kept) == (
        "downgraded",
        "downgraded",
        70_000,
        70_000,
    )
    assert renewal.forecast_call == "likely"
    assert ClosingPlan.objects.filter(renewal=renewal).exists()


@pytest.mark.django_db
def test_a_renewal_gone_from_the_lines_is_deleted_unless_someone_worked_on_it(world: Any) -> None:
    untouched = annual(world.account, world.product, D(2025, 6, 1))
    worked = annual(world.other_account, world.product, D(2025, 7, 1))
    renewals_refresh(today=TODAY)
    ClosingPlan.objects.create(renewal=Renewal.objects.get(account=world.other_account))
    untouched.delete()
    worked.delete()
    assert renewals_refresh(today=TODAY) == RefreshResult(0, 0, 0, 1, 1)
    assert rows() == [("合同会社北斗", D(2026, 7, 1), 100_000, None, "", "not_started", True)]
    # the line comes back: due again
    annual(world.other_account, world.product, D(2025, 7, 1))
    assert renewals_refresh(today=TODAY).updated == 1
    assert rows()[0][-1] is False


@pytest.mark.django_db
def test_a_refresh_of_some_accounts_touches_no_other(world: Any) -> None:
    annual(world.account, world.product, D(2025, 6, 1))
    annual(world.other_account, world.product, D(2025, 7, 1))
    renewals_refresh(today=TODAY)
    SubscriptionLineFactory._meta.model.objects.filter(account=world.other_account).delete()
    result = renewals_refresh(today=TODAY, account_ids=[world.account.pk])
    assert result == RefreshResult(0, 0, 1, 0, 0)
    assert Renewal.objects.filter(account=world.other_account).count() == 1


@pytest.mark.django_db
def test_renewals_older_than_the_history_are_left_alone(world: Any) -> None:
    old = AccountFactory(owner=world.csm, team=world.account.team, name="古い会社")
    Renewal.objects.create(account=old, date=D(2019, 1, 1), mrr_due=5, stage=Stage.RENEWED)
    renewals_refresh(today=TODAY)
    assert Renewal.objects.filter(account=old).count() == 1


@pytest.mark.django_db
def test_hostile_lines_do_not_stop_the_refresh(world: Any) -> None:
    annual(world.account, world.product, D(9999, 1, 1))
    annual(world.account, world.product, D(1, 1, 1), mrr=0)
    annual(world.other_account, world.product, D(2025, 6, 1), mrr=10**15, term_months=120)
    annual(world.other_account, world.product, D(2025, 6, 1), term_months=24)
    renewals_refresh(today=TODAY)
    assert rows() == [
        ("株式会社山田製作所", D(2021, 1, 1), 0, 0, "renewed", "renewed", False),
        ("株式会社山田製作所", D(2022, 1, 1), 0, 0, "renewed", "renewed", False),
        ("株式会社山田製作所", D(2023, 1, 1), 0, 0, "renewed", "renewed", False),
        ("株式会社山田製作所", D(2024, 1, 1), 0, 0, "renewed", "renewed", False),
        ("株式会社山田製作所", D(2025, 1, 1), 0, 0, "renewed", "renewed", False),
        ("株式会社山田製作所", D(2026, 1, 1), 0, 0, "renewed", "renewed", False),
    ]


@pytest.mark.django_db
def test_new_renewals_are_written_with_their_lists_text_and_instants(world: Any) -> None:
    # given: a co-termed upgrade (two lines due together) and a second product
    main = annual(world.account, world.product, D(2024, 8, 1))
    upgrade = annual(world.account, world.product, D(2025, 2, 1), mrr=20_000,
                     renewal_date=D(2025, 8, 1))  # fmt: skip
    before = dt.datetime.now(dt.UTC)
    # when
    renewals_refresh(today=TODAY)
    # then: the JSON lists, the derived text and the three instants, as an update writes them
    first = Renewal.objects.get(date=D(2025, 8, 1))
    assert (first.line_ids, first.products) == ([main.pk, upgrade.pk], [world.product.pk])
    assert first.derived == f"{main.pk},{upgrade.pk}|{world.product.pk}|120000|120000|renewed"
    assert first.created_at == first.refreshed_at == first.updated_at
    assert before <= first.created_at <= dt.datetime.now(dt.UTC)
    upcoming = Renewal.objects.get(date=D(2026, 8, 1))
    assert upcoming.derived == f"{main.pk},{upgrade.pk}|{world.product.pk}|120000||"
    assert (upcoming.stage, upcoming.outcome, upcoming.forecast_call) == ("not_started", "", "")
    # and: the upgrade ends before the renewal: the renewal is updated, nothing else
    upgrade.end_date = D(2026, 7, 1)
    upgrade.save()
    assert renewals_refresh(today=TODAY) == RefreshResult(0, 1, 1, 0, 0)
    upcoming.refresh_from_db()
    assert (upcoming.line_ids, upcoming.mrr_due) == ([main.pk], 100_000)
    assert upcoming.derived == f"{main.pk}|{world.product.pk}|100000||"


@pytest.mark.django_db
def test_no_lines_no_renewals(world: Any) -> None:
    assert renewals_refresh(today=TODAY) == RefreshResult(0, 0, 0, 0, 0)
    assert renewals_refresh(today=TODAY, account_ids=[]) == RefreshResult(0, 0, 0, 0, 0)

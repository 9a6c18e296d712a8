"""``rules.signals``: each kind's signals from each app's data, day by day, with exact values;
the accounts' filter facts; hostile ranges and values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kizuna.apps.customers.models import Account, Phase
from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.onboarding.models import (
    CriterionCheck,
    Onboarding,
    OnboardingCriterion,
    OnboardingTransition,
)
from kizuna.apps.onboarding.services import onboardings_start
from kizuna.apps.rules.signals import account_facts, signals_between
from kizuna.apps.usage.models import UsageDropSignal
from kizuna.core.rules.model import AccountFacts, Signal, TriggerKind
from tests.apps.onboarding.conftest import START
from tests.factories import ProductFactory, SubscriptionLineFactory, TouchpointFactory, World

pytestmark = pytest.mark.django_db
K = TriggerKind


def day(month: int, number: int, year: int = 2026) -> dt.date:
    return dt.date(year, month, number)


def got(kind: TriggerKind, start: dt.date, end: dt.date, **kwargs: Any) -> list[tuple[Any, ...]]:
    signals = signals_between(start=start, end=end, kinds={kind}, **kwargs)
    assert all(s.kind is kind for s in signals)
    return [(s.account_id, s.day, s.value) for s in signals]


@pytest.fixture
def onboarding(world: World, line: Any) -> Onboarding:
    """The account's onboarding, handed over on 2026-09-01, with its own history of states."""
    onboardings_start(as_of=START)
    onboarding = Onboarding.objects.get()
    OnboardingTransition.objects.filter(onboarding=onboarding).delete()
    for on, before, after in (
        (START, "", "in_progress"),
        (day(9, 10), "in_progress", "stalled"),
        (day(9, 15), "stalled", "in_progress"),
        (day(9, 20), "in_progress", "expected_churn"),
    ):
        OnboardingTransition.objects.create(
            onboarding=onboarding, on=on, from_state=before, to_state=after, reason="test"
        )
    return onboarding


def test_onboarding_states_give_a_signal_each_day_they_hold(
    world: World, onboarding: Onboarding
) -> None:
    a = world.account.pk
    assert got(K.ONBOARDING_STALLED, day(9, 8), day(9, 22)) == [
        (a, day(9, n), None) for n in range(10, 15)
    ]
    assert got(K.ONBOARDING_EXPECTED_CHURN, day(9, 8), day(9, 22)) == [
        (a, day(9, n), None) for n in range(20, 23)
    ]
    assert got(K.ONBOARDING_STALLED, day(9, 15), day(12, 31)) == []
    signal = signals_between(start=day(9, 10), end=day(9, 10), kinds={K.ONBOARDING_STALLED})[0]
    assert signal.evidence == f"/onboarding/{onboarding.pk}/"


def test_setup_not_done_counts_the_days_since_the_hand_over_until_it_is_done(
    world: World, onboarding: Onboarding
) -> None:
    a = world.account.pk
    # the setup phase is not done: every open day, value = days since 2026-09-01
    assert got(K.SETUP_NOT_DONE, day(8, 30), day(9, 3)) == [
        (a, day(9, 1), 0), (a, day(9, 2), 1), (a, day(9, 3), 2),
    ]  # fmt: skip
    # its one criterion met on 9/12: the last signal is on 9/11
    setup = OnboardingCriterion.objects.get(phase__is_setup=True)
    CriterionCheck.objects.create(onboarding=onboarding, criterion=setup, met_on=day(9, 12),
                                  source="manual")  # fmt: skip
    assert got(K.SETUP_NOT_DONE, day(9, 10), day(9, 14)) == [
        (a, day(9, 10), 9),
        (a, day(9, 11), 10),
    ]
    # an onboarding completed (not open) gives none
    OnboardingTransition.objects.create(onboarding=onboarding, on=day(9, 21),
                                        from_state="expected_churn", to_state="completed",
                                        reason="test")  # fmt: skip
    CriterionCheck.objects.all().delete()
    assert got(K.SETUP_NOT_DONE, day(9, 20), day(9, 23)) == [(a, day(9, 20), 19)]


def test_usage_drops_one_signal_per_account_and_day(world: World) -> None:
    for method in ("share", "robust_z"):
        UsageDropSignal.objects.create(
            account=world.account, as_of=day(11, 2), method=method, recent=1, baseline=10.0,
            value=0.1, threshold=0.5,
        )  # fmt: skip
    UsageDropSignal.objects.create(account=world.other_account, as_of=day(11, 4), method="share",
                                   recent=0, baseline=1e300, value=0.0, threshold=0.5)  # fmt: skip
    assert got(K.USAGE_DROP, day(11, 1), day(11, 3)) == [(world.account.pk, day(11, 2), None)]
    assert got(K.USAGE_DROP, day(11, 4), day(11, 4)) == [(world.other_account.pk, day(11, 4), None)]


def scores(account: Account, *rows: tuple[dt.date, int | None, str]) -> None:
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.filter(name="adoption").first()
    for on, grade, rag in rows:
        HealthScore.objects.create(account=account, day=on, model=model, score=50, grade=grade,
                                   rag=rag)  # fmt: skip


def test_health_falls_and_red_days(world: World) -> None:
    a = world.account.pk
    scores(
        world.account,
        (day(8, 20), 4, "green"), (day(9, 9), 4, "green"), (day(9, 10), 2, "red"),
        (day(9, 14), 3, "amber"), (day(9, 15), None, ""), (day(9, 16), 1, "red"),
    )  # fmt: skip
    # red since 8/10, read through the lookback (35 days before 9/8 is 8/4): the other account
    scores(world.other_account, (day(8, 10), 1, "red"))
    o = world.other_account.pk
    assert got(K.HEALTH_FELL, day(9, 8), day(9, 16)) == [(a, day(9, 10), 2)]
    assert got(K.HEALTH_RED, day(9, 8), day(9, 17)) == [
        (o, day(9, 8), None), (o, day(9, 9), None),
        (a, day(9, 10), None), (o, day(9, 10), None), (a, day(9, 11), None), (o, day(9, 11), None),
        (a, day(9, 12), None), (o, day(9, 12), None), (a, day(9, 13), None), (o, day(9, 13), None),
        (o, day(9, 14), None), (o, day(9, 15), None),
        (a, day(9, 16), None), (o, day(9, 16), None), (a, day(9, 17), None), (o, day(9, 17), None),
    ]  # fmt: skip


def test_coverage_due_counts_the_days_left_like_the_worklist(world: World) -> None:
    # a high-touch account (one month), touched on 2026-08-20: falls out on 9/20
    Account.objects.filter(pk=world.account.pk).update(segment="high", mrr=100_000)
    TouchpointFactory(
        account=world.account, csm=world.csm, occurred_at=dt.datetime(2026, 8, 20, 1, tzinfo=dt.UTC)
    )
    a = world.account.pk
    assert got(K.COVERAGE_DUE, day(9, 8), day(9, 10)) == [
        (a, day(9, 8), 12), (a, day(9, 9), 11), (a, day(9, 10), 10),
    ]  # fmt: skip
    assert got(K.COVERAGE_DUE, day(9, 8), day(9, 10), max_days=10) == [(a, day(9, 10), 10)]
    # the day it falls out and after: no longer "about to"
    assert got(K.COVERAGE_DUE, day(9, 19), day(9, 22)) == [(a, day(9, 19), 1)]


def test_mrr_contraction_but_not_churn(world: World) -> None:
    product = ProductFactory()
    SubscriptionLineFactory(account=world.account, product=product, billing_amount=100_000,
                            start_date=day(4, 1, 2025), end_date=day(9, 10))  # fmt: skip
    SubscriptionLineFactory(account=world.account, product=product, billing_amount=50_000,
                            start_date=day(4, 1, 2025))  # fmt: skip
    SubscriptionLineFactory(account=world.other_account, product=product, billing_amount=80_000,
                            start_date=day(4, 1, 2025), end_date=day(9, 12))  # fmt: skip
    # an upgrade the same day elsewhere nets out: 30,000 ends, 40,000 starts
    third = Account.objects.create(name="株式会社三番")
    SubscriptionLineFactory(account=third, product=product, billing_amount=30_000,
                            start_date=day(4, 1, 2025), end_date=day(9, 11))  # fmt: skip
    SubscriptionLineFactory(account=third, product=product, billing_amount=40_000,
                            start_date=day(9, 11))  # fmt: skip
    assert got(K.MRR_CONTRACTION, day(9, 1), day(9, 30)) == [
        (world.account.pk, day(9, 10), 100_000)
    ]


def test_renewals_within_the_days_ahead(world: World) -> None:
    SubscriptionLineFactory(account=world.account, start_date=day(10, 1, 2025),
                            renewal_date=day(9, 30))  # fmt: skip
    SubscriptionLineFactory(account=world.account, start_date=day(10, 1, 2025),
                            renewal_date=day(12, 31, 9999))  # fmt: skip
    # a line that ended before its renewal date does not count
    SubscriptionLineFactory(account=world.other_account, start_date=day(10, 1, 2025),
                            end_date=day(9, 1), renewal_date=day(9, 30))  # fmt: skip
    a = world.account.pk
    assert got(K.RENEWAL_DUE, day(9, 28), day(10, 1)) == [
        (a, day(9, 28), 2), (a, day(9, 29), 1), (a, day(9, 30), 0),
    ]  # fmt: skip
    assert got(K.RENEWAL_DUE, day(9, 28), day(9, 28), max_days=1) == []
    assert got(K.RENEWAL_DUE, day(12, 30, 9999), day(12, 31, 9999)) == [
        (a, day(12, 30, 9999), 1), (a, day(12, 31, 9999), 0),
    ]  # fmt: skip


def test_account_facts(world: World) -> None:
    SubscriptionLineFactory(account=world.account, start_date=day(1, 1, 2026))
    payroll = ProductFactory(code="payroll", name_ja="給与", name_en="Payroll")
    SubscriptionLineFactory(account=world.account, product=payroll, start_date=day(1, 1, 2026),
                            end_date=day(6, 1))  # fmt: skip
    Account.objects.filter(pk=world.account.pk).update(mrr=2**63 - 1, segment="high")
    scores(world.account, (day(5, 1), 2, "amber"), (day(7, 1), 4, "green"))
    churned = Account.objects.create(name="解約済み株式会社", phase=Phase.CHURNED)
    facts = account_facts(on=day(6, 15))
    assert facts[world.account.pk] == AccountFacts(
        world.account.pk, owner_id=world.csm.pk, segment="high", team="strategic",
        products=frozenset({"expense"}), grade=2, mrr=2**63 - 1,
    )  # fmt: skip
    assert facts[world.other_account.pk].team == "adoption"
    assert facts[world.other_account.pk].grade is None
    assert churned.pk not in facts


def test_empty_and_hostile_ranges(world: World) -> None:
    assert signals_between(start=day(9, 2), end=day(9, 1)) == []
    assert signals_between(start=dt.date(1, 1, 1), end=dt.date(1, 1, 2)) == []
    assert signals_between(start=dt.date(9999, 12, 30), end=dt.date(9999, 12, 31)) == []
    assert signals_between(start=day(9, 1), end=day(9, 1), kinds=set()) == []
    signals = signals_between(start=day(9, 1), end=day(9, 1), max_days=-5)
    assert signals == [] and all(isinstance(s, Signal) for s in signals)


def test_a_score_older_than_the_lookback_is_not_read(world: World) -> None:
    scores(world.account, (day(8, 2), 1, "red"), (day(9, 9), 1, "red"))  # 8/3 is read
    assert got(K.HEALTH_RED, day(9, 7), day(9, 9)) == [(world.account.pk, day(9, 9), None)]

"""The load and capacity pages' reads: the scenario's starting values and the planned rows."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from kizuna.apps.assignments.selectors import MeasuredInputs, capacity_defaults, planned_rows
from kizuna.apps.segments.models import CoveragePolicy
from kizuna.core.assignment import Assignment
from tests.factories import World

MEASURED = MeasuredInputs(
    accounts={"high": 12, "low": 40},
    new_per_month={"high": Fraction(1, 3), "low": Fraction(7, 6)},
    churn_per_month={"low": Fraction(1, 80)},
    headcount={},
    team_names={},
    onboarding_now={},
)


def test_the_scenario_starts_at_the_norms_maxima_and_the_measured_rates(world: World) -> None:
    # given the seeded norms (high 5–10, low 20–30)
    # when / then
    assert capacity_defaults(MEASURED) == {
        "high_load": Decimal(10),
        "low_load": Decimal(30),
        "high_new": Decimal("0.33"),
        "low_new": Decimal("1.17"),
        "churn": Decimal("0.0125"),
        "onboarding_months": Decimal(3),
        "concurrent": Decimal(30),
    }


def test_a_policy_without_a_norm_starts_at_the_cores_default_norm(world: World) -> None:
    # given a high-touch policy whose norm was cleared and a low-touch one edited to 15–25
    CoveragePolicy.objects.filter(segment="high").update(max_accounts_per_csm=None)
    CoveragePolicy.objects.filter(segment="low").update(max_accounts_per_csm=25)

    # when the scenario's loads are read
    defaults = capacity_defaults(MEASURED)

    # then high touch falls back to 10 (core.assignment.DEFAULT_NORMS), low touch reads 25
    assert (defaults["high_load"], defaults["low_load"], defaults["concurrent"]) == (
        Decimal(10),
        Decimal(25),
        Decimal(25),
    )


def test_planned_rows_join_accounts_and_csms_and_keep_the_gone_ones(world: World) -> None:
    # given a plan naming an existing account and CSM, and an account id that is gone
    plan = [
        Assignment(world.account.pk, world.csm.pk, pinned=False),
        Assignment(999_999, world.csm.pk, pinned=False),
    ]

    # when / then
    assert planned_rows(plan) == [
        (plan[0], world.account, world.csm),
        (plan[1], None, world.csm),
    ]
    assert planned_rows(()) == []

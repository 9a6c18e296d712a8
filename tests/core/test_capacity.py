"""Capacity plan arithmetic: book and onboarding CSMs, projection, rounding, inflow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from kizuna.core.capacity import (
    CapacityParams,
    Duty,
    TeamNeed,
    book_need,
    capacity_plan,
    monthly_new_contracts,
)


def _params(**changes: object) -> CapacityParams:
    values: dict[str, object] = {
        "accounts": {"high": 50, "low": 300, "tech": 1000},
        "target_load": {"high": 10, "low": 25},
        "monthly_new_contracts": {"high": 1, "low": 10, "tech": 40},
        "monthly_churn_rate": {"low": Decimal("0.02"), "tech": Decimal("0.05")},
        "onboarding_months": {"low": 3},
        "concurrent_onboardings": {"low": 15},
        "headcount": {"strategic": 4, "onboarding": 1, "adoption": 12, "enablement": 3},
        "duties": (
            Duty("strategic", "high", "book"),
            Duty("onboarding", "low", "onboarding"),
            Duty("adoption", "low", "book"),
        ),
    }
    values.update(changes)
    return CapacityParams(**values)  # type: ignore[arg-type]


def test_the_as_of_month_uses_todays_accounts() -> None:
    # given / when
    now = capacity_plan(_params(), as_of=date(2026, 4, 15), months=0)

    # then high 50 / 10 = 5; onboarding 10 × 3 / 15 = 2; adoption (300 − 10 × 3) / 25 = 10.8
    # (the accounts in onboarding are the onboarding team's, not counted twice)
    assert len(now) == 1
    assert now[0].month == date(2026, 4, 1)
    assert now[0].book_needs == {"high": Fraction(5), "low": Fraction(12)}
    assert now[0].teams == (
        TeamNeed("adoption", Fraction(54, 5), 11, 12, -1, 0),
        TeamNeed("enablement", Fraction(0), 0, 3, -3, 0),
        TeamNeed("onboarding", Fraction(2), 2, 1, 1, 1),
        TeamNeed("strategic", Fraction(5), 5, 4, 1, 1),
    )


def test_accounts_grow_by_new_contracts_and_shrink_by_churn_each_month() -> None:
    # given / when
    plan = capacity_plan(_params(), as_of=date(2026, 4, 15), months=2)

    # then low: 300 × 0.98 + 10 = 304, then 304 × 0.98 + 10 = 307.92;
    # tech: 1000 × 0.95 + 40 = 990, then 980.5; high has no churn: 51, 52
    assert [row.month for row in plan] == [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    assert plan[1].accounts == {"high": 51, "low": 304, "tech": 990}
    assert plan[2].accounts == {
        "high": 52,
        "low": Fraction("307.92"),
        "tech": Fraction("980.5"),
    }


def test_a_team_need_is_the_exact_fraction_and_its_ceiling() -> None:
    # given / when
    month_one = capacity_plan(_params(), as_of=date(2026, 4, 15), months=1)[1]

    # then strategic 51 / 10 = 5.1 → 6 people, adoption (304 − 30) / 25 = 10.96 → 11
    teams = {need.team: need for need in month_one.teams}
    assert teams["strategic"] == TeamNeed("strategic", Fraction(51, 10), 6, 4, 2, 2)
    assert teams["adoption"] == TeamNeed("adoption", Fraction(274, 25), 11, 12, -1, 0)


def test_duties_of_one_team_are_added_before_rounding() -> None:
    # given one team carrying both low-touch duties: book (300 − 37.5) / 25 = 10.5, onboarding
    # 12.5 × 3 / 15 = 2.5; 10.5 + 2.5 = 13 people, not 11 + 3
    duties = (Duty("corporate", "low", "book"), Duty("corporate", "low", "onboarding"))
    params = _params(
        duties=duties,
        headcount={"corporate": 10},
        monthly_new_contracts={"low": Fraction(25, 2)},
    )

    # when
    now = capacity_plan(params, as_of=date(2026, 4, 1), months=0)[0]

    # then
    assert now.teams == (TeamNeed("corporate", Fraction(13), 13, 10, 3, 3),)


def test_twelve_months_by_default_converging_to_the_steady_state() -> None:
    # given / when
    plan = capacity_plan(_params(), as_of=date(2026, 12, 31))

    # then 13 rows to December 2027; low = 500 − 200 × 0.98^m (steady state 10 / 0.02 = 500)
    assert len(plan) == 13
    assert plan[-1].month == date(2027, 12, 1)
    assert plan[-1].accounts["low"] == 500 - 200 * Fraction(49, 50) ** 12
    assert plan[-1].accounts["high"] == 62


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"target_load": {"high": 0, "low": 25}}, "target_load"),
        ({"concurrent_onboardings": {}}, "concurrent_onboardings"),
        ({"monthly_churn_rate": {"low": Decimal("1.5")}}, "monthly_churn_rate"),
    ],
)
def test_bad_parameters_are_refused(changes: dict[str, object], message: str) -> None:
    # given / when / then
    with pytest.raises(ValueError, match=message):
        capacity_plan(_params(**changes), as_of=date(2026, 4, 1))


FIRST_CONTRACTS = [
    date(2025, 11, 30),
    date(2025, 12, 1),
    date(2025, 12, 31),
    date(2026, 1, 1),
    date(2026, 2, 15),
    date(2026, 3, 31),
    date(2026, 4, 1),
]


def test_new_contract_inflow_over_complete_months_including_a_finished_as_of_month() -> None:
    # given as of 31 March, March is complete: the window is January–March (3 contracts)
    # when / then
    assert monthly_new_contracts(FIRST_CONTRACTS, as_of=date(2026, 3, 31), months=3) == 1


def test_new_contract_inflow_skips_the_month_in_progress() -> None:
    # given as of 30 March the window is December–February (4 contracts)
    # when / then
    assert monthly_new_contracts(FIRST_CONTRACTS, as_of=date(2026, 3, 30), months=3) == Fraction(
        4, 3
    )
    assert monthly_new_contracts([], as_of=date(2026, 3, 30), months=12) == 0
    with pytest.raises(ValueError, match="months"):
        monthly_new_contracts(FIRST_CONTRACTS, as_of=date(2026, 3, 30), months=0)


def test_the_as_of_month_takes_the_accounts_onboarding_now_and_later_months_the_steady_state() -> (
    None
):
    # given 45 low-touch accounts onboarding today (steady state 10 × 3 = 30)
    params = _params(onboarding_now={"low": 45}, monthly_churn_rate={})

    # when
    plan = capacity_plan(params, as_of=date(2026, 4, 15), months=1)

    # then now: onboarding 45 / 15 = 3, adoption (300 − 45) / 25 = 10.2 → 11;
    # month 1: onboarding 30 / 15 = 2, adoption (310 − 30) / 25 = 11.2 → 12
    now = {need.team: need for need in plan[0].teams}
    later = {need.team: need for need in plan[1].teams}
    assert now["onboarding"] == TeamNeed("onboarding", Fraction(3), 3, 1, 2, 2)
    assert now["adoption"] == TeamNeed("adoption", Fraction(51, 5), 11, 12, -1, 0)
    assert later["onboarding"] == TeamNeed("onboarding", Fraction(2), 2, 1, 1, 1)
    assert later["adoption"] == TeamNeed("adoption", Fraction(56, 5), 12, 12, 0, 0)


def test_a_book_never_goes_below_zero_when_onboardings_outnumber_the_segment() -> None:
    # given 5 low-touch accounts but 10 × 3 = 30 onboarding in the steady state
    params = _params(accounts={"low": 5}, monthly_churn_rate={})

    # when
    now = {n.team: n for n in capacity_plan(params, as_of=date(2026, 4, 1), months=0)[0].teams}

    # then the adoption book is empty, not negative
    assert now["adoption"] == TeamNeed("adoption", Fraction(0), 0, 12, -12, 0)


def test_an_empty_team_and_no_accounts_need_nobody() -> None:
    # given no accounts, no new contracts and a team of nobody
    params = _params(
        accounts={},
        monthly_new_contracts={},
        headcount={"strategic": 0},
        duties=(Duty("strategic", "high", "book"),),
    )

    # when
    now = capacity_plan(params, as_of=date(2026, 4, 1), months=0)[0]

    # then
    assert now.teams == (TeamNeed("strategic", Fraction(0), 0, 0, 0, 0),)


def test_book_need_is_exact_and_refuses_a_zero_norm() -> None:
    # given / when / then
    assert book_need(163, 10) == Fraction(163, 10)
    assert book_need(0, 30) == 0
    with pytest.raises(ValueError, match="positive"):
        book_need(5, 0)
    with pytest.raises(ValueError, match="target_load"):
        capacity_plan(_params(target_load={"high": 0, "low": 25}), as_of=date(2026, 4, 1))

"""Balanced auto-assignment within load norms, exceptions, shortage and determinism."""

from __future__ import annotations

import pytest

from kizuna.core.assignment import (
    AccountToAssign,
    Assignment,
    AssignmentPlan,
    CsmLoad,
    LoadNorm,
    Shortage,
    auto_assign,
)

NORMS = (LoadNorm("high", 1, 2), LoadNorm("low", 2, 3))


def _high(
    account_id: int, acv: int, team: int | None = 1, pinned: int | None = None
) -> AccountToAssign:
    return AccountToAssign(account_id, "high", acv, team, pinned)


def test_it_balances_by_count_then_acv_in_acv_order() -> None:
    # given two empty high-touch CSMs of team 1 and three accounts
    csms = [CsmLoad(11, 1, "high", 0, 0), CsmLoad(12, 1, "high", 0, 0)]
    accounts = [_high(1, 100), _high(2, 300), _high(3, 200)]

    # when
    plan = auto_assign(csms, accounts, norms=NORMS)

    # then 2 (300) → 11 (tie on count and ACV: smaller id), 3 (200) → 12 (fewer accounts),
    # 1 (100) → 12 (same count, lower ACV: 200 < 300)
    assert plan == AssignmentPlan(
        assignments=(Assignment(2, 11, False), Assignment(3, 12, False), Assignment(1, 12, False)),
        shortages=(),
        pooled=(),
        loads=(CsmLoad(11, 1, "high", 1, 300), CsmLoad(12, 1, "high", 2, 300)),
        over_max=(),
    )


def test_it_never_exceeds_the_maximum_and_reports_the_shortage() -> None:
    # given one high-touch CSM already at 1 of max 2, and three accounts
    csms = [CsmLoad(11, 1, "high", 1, 50)]
    accounts = [_high(1, 30), _high(2, 20), _high(3, 10)]

    # when
    plan = auto_assign(csms, accounts, norms=NORMS)

    # then one seat is left: the largest account takes it, two are short → ceil(2 / 2) = 1 CSM
    assert plan.assignments == (Assignment(1, 11, False),)
    assert plan.shortages == (Shortage("high", (2, 3), 1),)
    assert plan.loads == (CsmLoad(11, 1, "high", 2, 80),)


def test_it_fills_every_csm_to_the_maximum_before_any_shortage() -> None:
    # given 3 low-touch CSMs (max 3 → 9 seats, 2 already taken) and 12 accounts
    csms = [CsmLoad(20 + i, 2, "low", load, 0) for i, load in enumerate((2, 0, 0))]
    accounts = [AccountToAssign(i, "low", 1000 - i, None) for i in range(12)]

    # when
    plan = auto_assign(csms, accounts, norms=NORMS)

    # then capacity 7 is used up, nobody exceeds 3, the 5 smallest are short: ceil(5 / 3) = 2
    assert [csm.accounts for csm in plan.loads] == [3, 3, 3]
    assert len(plan.assignments) == 7
    assert plan.shortages == (Shortage("low", (7, 8, 9, 10, 11), 2),)
    assert plan.over_max == ()


def test_it_respects_the_account_team_and_the_csm_segment() -> None:
    # given a team-2 high-touch account, CSMs of team 1 (high) and team 2 (low and high)
    csms = [
        CsmLoad(11, 1, "high", 0, 0),
        CsmLoad(21, 2, "low", 0, 0),
        CsmLoad(22, 2, "high", 1, 999),
    ]
    accounts = [_high(1, 10, team=2), _high(2, 10, team=None)]

    # when
    plan = auto_assign(csms, accounts, norms=NORMS)

    # then the team-2 account goes to the only team-2 high CSM despite its bigger book;
    # the account without a team may go to any high-touch CSM (the least loaded)
    assert plan.assignments == (Assignment(1, 22, False), Assignment(2, 11, False))


def test_a_pinned_account_goes_to_its_owner_even_over_the_norm() -> None:
    # given a CSM at the maximum and an exception pinning one more account on them
    csms = [CsmLoad(11, 1, "high", 2, 0), CsmLoad(12, 1, "high", 0, 0)]
    accounts = [_high(1, 10, pinned=11), _high(2, 500)]

    # when
    plan = auto_assign(csms, accounts, norms=NORMS)

    # then the exception wins and is reported; the other account avoids the full CSM
    assert plan.assignments == (Assignment(1, 11, True), Assignment(2, 12, False))
    assert plan.over_max == (11,)


def test_tech_touch_accounts_are_pooled_for_one_to_n() -> None:
    # given no per-CSM norm for tech touch
    accounts = [AccountToAssign(5, "tech", 10, None), AccountToAssign(4, "tech", 10, None)]

    # when
    plan = auto_assign([CsmLoad(11, 1, "high", 0, 0)], accounts, norms=NORMS)

    # then
    assert (plan.assignments, plan.pooled, plan.shortages) == ((), (4, 5), ())


def test_no_csm_for_a_segment_means_everything_is_short() -> None:
    # given / when
    plan = auto_assign([], [_high(1, 1), _high(2, 1), _high(3, 1)], norms=NORMS)

    # then ceil(3 / 2) = 2 CSMs missing
    assert plan.shortages == (Shortage("high", (1, 2, 3), 2),)


def test_default_norms_are_upwards() -> None:
    # given 12 high-touch accounts and one CSM under the default norm (5–10)
    accounts = [_high(i, 100) for i in range(12)]

    # when
    plan = auto_assign([CsmLoad(11, 1, "high", 0, 0)], accounts)

    # then
    assert plan.loads[0].accounts == 10
    assert plan.shortages == (Shortage("high", (10, 11), 1),)


def test_it_is_deterministic_whatever_the_input_order() -> None:
    # given the same inputs in two orders
    csms = [CsmLoad(i, 1, "low", i % 2, 0) for i in range(1, 6)]
    accounts = [AccountToAssign(i, "low", (i * 37) % 11, 1) for i in range(20)]

    # when
    first = auto_assign(csms, accounts, norms=NORMS)
    second = auto_assign(list(reversed(csms)), list(reversed(accounts)), norms=NORMS)

    # then
    assert first == second
    assert all(csm.accounts <= 3 for csm in first.loads)


def test_bad_inputs_are_refused() -> None:
    # given / when / then
    with pytest.raises(ValueError, match="listed twice"):
        auto_assign([CsmLoad(1, 1, "high", 0, 0)] * 2, [])
    with pytest.raises(ValueError, match="listed twice"):
        auto_assign([], [_high(1, 1), _high(1, 2)])
    with pytest.raises(ValueError, match="unknown CSM"):
        auto_assign([], [_high(1, 1, pinned=9)])
    with pytest.raises(ValueError, match="norm"):
        LoadNorm("high", 5, 4)
    with pytest.raises(ValueError, match="two norms"):
        auto_assign([], [], norms=(LoadNorm("high", 1, 2), LoadNorm("high", 1, 3)))

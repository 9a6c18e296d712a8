"""Balanced auto-assignment within load norms, exceptions, shortage and determinism."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.core.assignment import (
    DEFAULT_NORMS,
    AccountToAssign,
    Assignment,
    AssignmentPlan,
    CsmLoad,
    LoadNorm,
    Shortage,
    TeamLoad,
    auto_assign,
    handoff_owners,
    load_state,
    team_loads,
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
        teams=(TeamLoad(1, "high", NORMS[0], 2, 3, 0, 0, 0, 1, 0),),
    )


def test_it_never_exceeds_the_maximum_and_reports_the_shortage() -> None:
    # given one high-touch CSM already at 1 of max 2, and three accounts
    csms = [CsmLoad(11, 1, "high", 1, 50)]
    accounts = [_high(1, 30), _high(2, 20), _high(3, 10)]

    # when
    plan = auto_assign(csms, accounts, norms=NORMS)

    # then one seat is left: the largest account takes it, two are short: 4 accounts for a
    # norm of 2 → 2 CSMs needed, 1 to hire
    assert plan.assignments == (Assignment(1, 11, False),)
    assert plan.shortages == (Shortage("high", (2, 3)),)
    assert plan.loads == (CsmLoad(11, 1, "high", 2, 80),)
    assert plan.teams == (TeamLoad(1, "high", NORMS[0], 1, 2, 2, 0, 0, 0, 0),)
    assert (plan.teams[0].accounts, plan.teams[0].needed, plan.teams[0].hiring_need) == (4, 2, 1)


def test_it_fills_every_csm_to_the_maximum_before_any_shortage() -> None:
    # given 3 low-touch CSMs (max 3 → 9 seats, 2 already taken) and 12 accounts
    csms = [CsmLoad(20 + i, 2, "low", load, 0) for i, load in enumerate((2, 0, 0))]
    accounts = [AccountToAssign(i, "low", 1000 - i, None) for i in range(12)]

    # when
    plan = auto_assign(csms, accounts, norms=NORMS)

    # then capacity 7 is used up, nobody exceeds 3, the 5 smallest are short (no team: in no
    # pool, so the team's own book of 9 needs its 3 CSMs)
    assert [csm.accounts for csm in plan.loads] == [3, 3, 3]
    assert len(plan.assignments) == 7
    assert plan.shortages == (Shortage("low", (7, 8, 9, 10, 11)),)
    assert plan.over_max == ()
    assert [(t.accounts, t.needed, t.hiring_need) for t in plan.teams] == [(9, 3, 0)]


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

    # then everything is short; no team, so no pool
    assert plan.shortages == (Shortage("high", (1, 2, 3)),)
    assert plan.teams == ()


def test_default_norms_are_upwards() -> None:
    # given 12 high-touch accounts and one CSM under the default norm (5–10)
    accounts = [_high(i, 100) for i in range(12)]

    # when
    plan = auto_assign([CsmLoad(11, 1, "high", 0, 0)], accounts)

    # then
    assert plan.loads[0].accounts == 10
    assert plan.shortages == (Shortage("high", (10, 11)),)
    assert (plan.teams[0].needed, plan.teams[0].hiring_need) == (2, 1)


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


@pytest.mark.parametrize(
    ("accounts", "state"),
    [(0, "under"), (4, "under"), (5, "ok"), (10, "ok"), (11, "over")],
)
def test_the_state_against_the_norm_includes_both_bounds(accounts: int, state: str) -> None:
    # given the high-touch norm 5–10 / when / then
    assert load_state(accounts, LoadNorm("high", 5, 10)) == state


def test_without_a_norm_every_load_is_ok() -> None:
    # given tech touch (1:N) / when / then
    assert load_state(500, None) == "ok"


def test_a_zero_minimum_is_never_under_and_a_zero_maximum_is_refused() -> None:
    # given / when / then
    assert load_state(0, LoadNorm("low", 0, 3)) == "ok"
    with pytest.raises(ValueError, match="norm"):
        LoadNorm("low", 0, 0)


def test_team_loads_of_an_empty_team_and_a_csm_without_accounts() -> None:
    # given no people at all, then one CSM with nothing
    assert team_loads([], norms=NORMS) == ()

    # when
    rows = team_loads([CsmLoad(11, 1, "high", 0, 0)], norms=NORMS)

    # then under the minimum 1, two free places, nobody needed
    assert rows == (TeamLoad(1, "high", NORMS[0], 1, 0, 0, 0, 1, 2, 0),)
    assert (rows[0].needed, rows[0].hiring_need) == (0, 0)


def test_team_loads_count_over_under_free_places_and_waiting_accounts() -> None:
    # given the default low-touch norm 20–30 and a team of four CSMs at 35, 30, 25 and 12,
    # three accounts waiting for the team and one for another team
    csms = [CsmLoad(i, 7, "low", n, 0) for i, n in enumerate((35, 30, 25, 12), start=1)]
    waiting = {(7, "low"): 3, (8, "low"): 1}

    # when
    (row,) = team_loads(csms, waiting)

    # then 102 + 3 = 105 accounts → ceil(105 / 30) = 4 needed, no hire; one over (35), one
    # under (12); free places 0 + 5 + 18 = 23; above the norm 5
    assert row == TeamLoad(7, "low", DEFAULT_NORMS[1], 4, 102, 3, 1, 1, 23, 5)
    assert (row.accounts, row.needed, row.hiring_need) == (105, 4, 0)


def test_a_manager_carrying_accounts_is_not_capacity_and_takes_no_new_account() -> None:
    # given a high-touch team: one CSM at 1 of max 2, its manager carrying 3 accounts
    csms = [CsmLoad(11, 1, "high", 1, 0), CsmLoad(90, 1, "high", 3, 0, capacity=False)]

    # when two accounts wait for the team
    plan = auto_assign(csms, [_high(1, 20), _high(2, 10)], norms=NORMS)

    # then the CSM takes one, the other is short; the manager's 3 are above the norm:
    # 6 accounts → 3 CSMs needed for a headcount of 1 → hire 2 = ceil((1 + 3) / 2)
    assert plan.assignments == (Assignment(1, 11, False),)
    assert plan.shortages == (Shortage("high", (2,)),)
    assert plan.over_max == ()
    assert plan.teams == (TeamLoad(1, "high", NORMS[0], 1, 5, 1, 0, 0, 0, 3),)
    assert (plan.teams[0].needed, plan.teams[0].hiring_need) == (3, 2)


def test_an_account_can_still_be_pinned_to_a_manager() -> None:
    # given / when
    plan = auto_assign(
        [CsmLoad(90, 1, "high", 0, 0, capacity=False)], [_high(1, 5, pinned=90)], norms=NORMS
    )

    # then
    assert plan.assignments == (Assignment(1, 90, True),)
    assert plan.teams[0].above_norm == 1


@pytest.mark.parametrize("over", [0, 3, 7])
def test_once_accounts_are_short_the_hiring_need_is_the_unplaced_and_the_excess_over_the_max(
    over: int,
) -> None:
    # given two CSMs of max 3, one already ``over`` above it, and 5 accounts waiting
    csms = [CsmLoad(11, 1, "low", 3 + over, 0), CsmLoad(12, 1, "low", 0, 0)]
    waiting = [AccountToAssign(i, "low", 1, 1) for i in range(5)]

    # when
    plan = auto_assign(csms, waiting, norms=NORMS)

    # then 3 are placed, 2 are short; CSMs needed = ceil((3 + over + 5) / 3), hiring need =
    # ceil((2 + over) / 3): the same number whichever way it is asked
    (team,) = plan.teams
    assert len(plan.shortages[0].unplaced) == 2
    assert team.free_places == 0
    assert team.hiring_need == -(-(2 + over) // 3) == team.needed - 2


def _handoff_owners_naive(loads: dict[int, int], paying: list[bool]) -> list[int | None]:
    """The hand-off rule as first written: the minimum over every CSM at each account."""
    books, owners = dict(loads), []
    for pays in paying:
        owner = min(books, key=lambda csm: (books[csm], csm)) if books else None
        owners.append(owner)
        if owner is not None and pays:
            books[owner] += 1
    return owners


def test_the_handoff_goes_to_the_lightest_csm_ties_to_the_smallest_id() -> None:
    # given 7 carrying 1, 3 and 5 carrying 2; four paying accounts, then a free one
    loads = {5: 2, 3: 2, 7: 1}
    owners = handoff_owners(loads, [True, True, True, True, False, True])
    # then 7 (1 → 2); all at 2: 3 (→ 3), then 5 (→ 3), then 7 (→ 3); all at 3: the free
    # account goes to 3 and leaves its load at 3, so the last one goes to 3 as well
    assert owners == [7, 3, 5, 7, 3, 3]
    assert loads == {5: 2, 3: 2, 7: 1}  # the caller's books are not touched


def test_the_handoff_without_csms_leaves_every_account_unowned() -> None:
    assert handoff_owners({}, [True, False]) == [None, None]
    assert handoff_owners({1: 0}, []) == []


@settings(deadline=None)  # a shared machine: no time limit per example
@given(
    loads=st.dictionaries(st.integers(1, 40), st.integers(0, 6), max_size=8),
    paying=st.lists(st.booleans(), max_size=60),
)
def test_the_handoff_heap_places_as_the_minimum_over_every_csm(
    loads: dict[int, int], paying: list[bool]
) -> None:
    assert handoff_owners(loads, paying) == _handoff_owners_naive(loads, paying)

"""Who held an account on a past day: the recorded changes replayed back from today."""

from __future__ import annotations

from datetime import date

from kizuna.core.coverage import AccountAtDate
from kizuna.core.ownership import OwnershipChange, OwnershipHistory

TODAY = date(2026, 11, 25)
CSM1, CSM2, CSM3 = 1, 2, 3
TEAM_A, TEAM_B = 10, 20


def _history(*changes: OwnershipChange) -> OwnershipHistory:
    return OwnershipHistory(changes, today=TODAY)


def test_an_account_without_changes_is_held_by_todays_owner_on_every_day() -> None:
    # given no change at all / when / then
    history = _history()
    assert len(history) == 0
    assert history.holders_on(date(2020, 1, 31)) == {}
    account = AccountAtDate(7, "high", CSM1, TEAM_A, 100)
    assert history.accounts_on(date(2020, 1, 31), [account]) == [account]


def test_a_reassignment_mid_month_splits_the_months_between_the_two_csms() -> None:
    # given account 7 held by CSM1 until 2026-10-15, then by CSM2 (today's owner)
    history = _history(OwnershipChange(7, date(2026, 10, 15), CSM1, TEAM_A))
    today = AccountAtDate(7, "high", CSM2, TEAM_A, 100)
    # when / then the day before the change is CSM1's, the day of the change CSM2's
    assert history.holders_on(date(2026, 9, 30)) == {7: (CSM1, TEAM_A)}
    assert history.holders_on(date(2026, 10, 14)) == {7: (CSM1, TEAM_A)}
    assert history.holders_on(date(2026, 10, 15)) == {}
    assert history.holders_on(date(2026, 10, 31)) == {}
    assert history.accounts_on(date(2026, 9, 30), [today]) == [
        AccountAtDate(7, "high", CSM1, TEAM_A, 100)
    ]
    assert history.accounts_on(date(2026, 10, 31), [today]) == [today]


def test_several_changes_are_undone_back_to_the_earliest_after_the_day() -> None:
    # given CSM1 (team A) → CSM2 (team A) on 08-10 → CSM3 (team B) on 09-20 → today's owner
    history = _history(
        OwnershipChange(7, date(2026, 8, 10), CSM1, TEAM_A),
        OwnershipChange(7, date(2026, 9, 20), CSM2, TEAM_A),
    )
    # when / then each month end gets the holder of its day
    assert history.holders_on(date(2026, 7, 31)) == {7: (CSM1, TEAM_A)}
    assert history.holders_on(date(2026, 8, 31)) == {7: (CSM2, TEAM_A)}
    assert history.holders_on(date(2026, 9, 30)) == {}


def test_two_changes_on_one_day_give_the_day_before_the_first_ones_holder() -> None:
    # given CSM1 → CSM2 → CSM3 on the same day, recorded in that order
    history = _history(
        OwnershipChange(7, date(2026, 10, 15), CSM1, TEAM_A),
        OwnershipChange(7, date(2026, 10, 15), CSM2, TEAM_A),
    )
    # when / then
    assert history.holders_on(date(2026, 10, 14)) == {7: (CSM1, TEAM_A)}
    assert history.holders_on(date(2026, 10, 15)) == {}


def test_changes_given_out_of_day_order_are_sorted_by_day() -> None:
    # given the later change listed first
    history = _history(
        OwnershipChange(7, date(2026, 9, 20), CSM2, TEAM_A),
        OwnershipChange(7, date(2026, 8, 10), CSM1, TEAM_A),
    )
    # when / then
    assert history.holders_on(date(2026, 7, 31)) == {7: (CSM1, TEAM_A)}
    assert history.holders_on(date(2026, 8, 31)) == {7: (CSM2, TEAM_A)}


def test_a_team_change_moves_the_account_between_teams() -> None:
    # given account 8 moved from team A to team B with the same owner on 2026-10-01
    history = _history(OwnershipChange(8, date(2026, 10, 1), CSM1, TEAM_A))
    today = AccountAtDate(8, "low", CSM1, TEAM_B, 50)
    # when / then
    assert history.accounts_on(date(2026, 9, 30), [today]) == [
        AccountAtDate(8, "low", CSM1, TEAM_A, 50)
    ]
    assert history.accounts_on(date(2026, 10, 1), [today]) == [today]


def test_a_null_owner_or_team_before_a_change_is_unassigned_on_those_days() -> None:
    # given the account had no owner and no team (or they were deleted) before 2026-09-10
    history = _history(OwnershipChange(9, date(2026, 9, 10), None, None))
    today = AccountAtDate(9, "high", CSM2, TEAM_A, 100)
    # when / then
    assert history.accounts_on(date(2026, 8, 31), [today]) == [
        AccountAtDate(9, "high", None, None, 100)
    ]
    assert history.accounts_on(date(2026, 9, 30), [today]) == [today]


def test_a_change_dated_after_today_counts_as_made_today() -> None:
    # given a change stamped 2027-01-01 by a clock that ran ahead
    history = _history(OwnershipChange(7, date(2027, 1, 1), CSM1, TEAM_A))
    # when / then every day before today is before it; today and later already show it
    assert history.holders_on(date(2026, 10, 31)) == {7: (CSM1, TEAM_A)}
    assert history.holders_on(date(2026, 11, 24)) == {7: (CSM1, TEAM_A)}
    assert history.holders_on(TODAY) == {}
    assert history.holders_on(date(2026, 12, 31)) == {}
    assert history.holders_on(date(2027, 1, 1)) == {}


def test_only_changed_accounts_are_replaced_and_order_is_kept() -> None:
    # given three accounts of which one changed after the day
    history = _history(OwnershipChange(2, date(2026, 10, 15), CSM1, TEAM_A))
    accounts = [
        AccountAtDate(3, "tech", None, TEAM_B, 10),
        AccountAtDate(2, "high", CSM2, TEAM_A, 20),
        AccountAtDate(1, "low", CSM3, TEAM_B, 30),
    ]
    # when
    held = history.accounts_on(date(2026, 9, 30), accounts)
    # then the unchanged ones are the very same objects, in the same order
    assert held == [accounts[0], AccountAtDate(2, "high", CSM1, TEAM_A, 20), accounts[2]]
    assert held[0] is accounts[0] and held[2] is accounts[2]


def test_a_change_back_to_the_same_holder_keeps_the_account_as_it_is() -> None:
    # given a change whose before equals today's holder (reassigned away and back)
    history = _history(
        OwnershipChange(2, date(2026, 10, 1), CSM2, TEAM_A),
        OwnershipChange(2, date(2026, 10, 20), CSM1, TEAM_A),
    )
    account = AccountAtDate(2, "high", CSM2, TEAM_A, 20)
    # when / then
    assert history.accounts_on(date(2026, 9, 30), [account])[0] is account
    assert history.accounts_on(date(2026, 10, 10), [account]) == [
        AccountAtDate(2, "high", CSM1, TEAM_A, 20)
    ]

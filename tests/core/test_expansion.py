"""CSQL expansion attribution, the job's derived states and conversion (core.expansion), with
exact expectations. Months are written by their first day."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.expansion import (
    ACCEPTED,
    LOST,
    NO_EXPANSION,
    PROPOSED,
    WON,
    Attributed,
    Csql,
    CsqlRow,
    attribute,
    conversion_table,
    conversion_total,
    decide,
    expansions_from_lines,
    window_ends_on,
)
from kizuna.core.revenue.lines import SubscriptionLine, lines_frame

D = dt.date


def test_the_window_is_the_six_months_after_the_raise_month() -> None:
    # given a CSQL raised on 15 January, and expansion in January (raise month), February
    # (first month), July (sixth) and August (seventh)
    csql = Csql(1, 10, D(2026, 1, 15), ACCEPTED)
    expansions = {
        10: {D(2026, 1, 1): 100, D(2026, 2, 1): 200, D(2026, 7, 1): 300, D(2026, 8, 1): 400}
    }
    # when
    got = attribute([csql], expansions, window_months=6)
    # then only February and July count
    assert got == [Attributed(1, D(2026, 2, 1), 200), Attributed(1, D(2026, 7, 1), 300)]
    assert window_ends_on(D(2026, 1, 15), 6) == D(2026, 7, 31)
    assert window_ends_on(D(2026, 1, 31), 1) == D(2026, 2, 28)


def test_expansion_before_the_raise_is_not_counted() -> None:
    csql = Csql(1, 10, D(2026, 5, 31), PROPOSED)
    expansions = {10: {D(2026, 3, 1): 500, D(2026, 4, 1): 500, D(2026, 5, 1): 500}}
    assert attribute([csql], expansions) == []


def test_two_csqls_on_one_account_share_nothing() -> None:
    # given two CSQLs on the same account, raised in January and March, windows overlapping
    first = Csql(7, 10, D(2026, 1, 10), ACCEPTED)
    second = Csql(3, 10, D(2026, 3, 1), PROPOSED)  # a lower id, raised later
    expansions = {10: {D(2026, 2, 1): 10, D(2026, 4, 1): 20, D(2026, 8, 1): 40}}
    # when
    got = attribute([second, first], expansions)
    # then each month goes to the earliest raised CSQL whose window holds it
    assert got == [
        Attributed(3, D(2026, 8, 1), 40),  # outside the first's window (Feb..Jul)
        Attributed(7, D(2026, 2, 1), 10),
        Attributed(7, D(2026, 4, 1), 20),
    ]
    assert sum(a.mrr for a in got) == 70  # every yen once


def test_a_lost_csql_gets_nothing_and_passes_its_months_on() -> None:
    lost = Csql(1, 10, D(2026, 1, 10), LOST)
    later = Csql(2, 10, D(2026, 1, 20), ACCEPTED)
    expansions = {10: {D(2026, 2, 1): 10}}
    assert attribute([lost, later], expansions) == [Attributed(2, D(2026, 2, 1), 10)]


def test_same_day_csqls_go_by_id() -> None:
    a, b = Csql(5, 10, D(2026, 1, 10), PROPOSED), Csql(4, 10, D(2026, 1, 10), WON)
    assert attribute([a, b], {10: {D(2026, 2, 1): 9}}) == [Attributed(4, D(2026, 2, 1), 9)]


def test_other_accounts_expansion_is_not_counted() -> None:
    csql = Csql(1, 10, D(2026, 1, 10), ACCEPTED)
    assert attribute([csql], {11: {D(2026, 2, 1): 10}}) == []


def test_a_churn_in_the_window_then_a_reactivation_is_not_expansion() -> None:
    # given an account at 100 from 2025-11, expanding to 150 in March, churning in April,
    # coming back at 300 in June and expanding to 400 in July
    lines = lines_frame(
        [
            SubscriptionLine("a", "10", D(2025, 11, 1), D(2026, 4, 1), 100),
            SubscriptionLine("b", "10", D(2026, 3, 1), D(2026, 4, 1), 50),
            SubscriptionLine("c", "10", D(2026, 6, 1), None, 300),
            SubscriptionLine("d", "10", D(2026, 7, 1), None, 100),
        ]
    )
    # when
    expansions = expansions_from_lines(lines, as_of=D(2026, 9, 30))
    # then March (+50) and July (+100) are expansion; June (0 → 300) is a reactivation
    assert expansions == {10: {D(2026, 3, 1): 50, D(2026, 7, 1): 100}}
    got = attribute([Csql(1, 10, D(2026, 2, 3), ACCEPTED)], expansions)
    assert got == [Attributed(1, D(2026, 3, 1), 50), Attributed(1, D(2026, 7, 1), 100)]


def test_a_cross_sell_on_an_active_account_is_expansion_a_swap_is_not() -> None:
    lines = lines_frame(
        [
            SubscriptionLine("a", "10", D(2026, 1, 1), D(2026, 5, 1), 100, product="expense"),
            SubscriptionLine("b", "10", D(2026, 3, 1), None, 80, product="invoice"),
            SubscriptionLine("c", "10", D(2026, 5, 1), None, 100, product="card"),
        ]
    )
    assert expansions_from_lines(lines, as_of=D(2026, 6, 1)) == {10: {D(2026, 3, 1): 80}}
    assert expansions_from_lines(lines.clear(), as_of=D(2026, 6, 1)) == {}


def test_decide_wins_an_accepted_csql_on_its_first_expansion() -> None:
    csqls = [Csql(1, 10, D(2026, 1, 10), ACCEPTED)]
    expansions = {10: {D(2026, 3, 1): 30, D(2026, 5, 1): 20}}
    # when the job runs on 2026-04-02
    (d,) = decide(csqls, expansions, as_of=D(2026, 4, 2))
    # then it is won on the last day of March, with 30 (May is after the run but is
    # attributed from the lines as they stand)
    assert (d.state, d.closed_on, d.lost_reason) == (WON, D(2026, 3, 31), "")
    assert d.attributed_mrr == 50
    assert d.window_ends_on == D(2026, 7, 31)


def test_decide_closes_on_the_day_of_the_run_within_the_month() -> None:
    (d,) = decide(
        [Csql(1, 10, D(2026, 1, 10), ACCEPTED)], {10: {D(2026, 3, 1): 30}}, as_of=D(2026, 3, 5)
    )
    assert (d.state, d.closed_on) == (WON, D(2026, 3, 5))


def test_a_proposed_csql_with_expansion_stays_proposed_in_its_window() -> None:
    (d,) = decide(
        [Csql(1, 10, D(2026, 1, 10), PROPOSED)], {10: {D(2026, 3, 1): 30}}, as_of=D(2026, 7, 31)
    )
    assert (d.state, d.closed_on, d.attributed_mrr) == (PROPOSED, None, 30)


@pytest.mark.parametrize(
    ("as_of", "state"),
    [(D(2026, 7, 31), ACCEPTED), (D(2026, 8, 1), LOST)],  # the window's last day, the next
)
def test_decide_loses_an_accepted_csql_without_expansion_after_the_window(
    as_of: dt.date, state: str
) -> None:
    (d,) = decide([Csql(1, 10, D(2026, 1, 10), ACCEPTED)], {}, as_of=as_of)
    assert d.state == state
    if state == LOST:
        assert (d.closed_on, d.lost_reason) == (D(2026, 7, 31), NO_EXPANSION)


def test_an_expired_proposed_csql_passes_its_months_to_a_later_accepted_one() -> None:
    # given a CSQL that sales never accepted, and a later accepted one on the same account
    old = Csql(1, 10, D(2026, 1, 10), PROPOSED)
    new = Csql(2, 10, D(2026, 2, 10), ACCEPTED)
    expansions = {10: {D(2026, 4, 1): 60}}
    # when the first's window has passed
    first, second = decide([old, new], expansions, as_of=D(2026, 8, 1))
    # then the first is lost with nothing and April goes to the second, which is won
    assert (first.state, first.attributed_mrr, first.lost_reason) == (LOST, 0, NO_EXPANSION)
    assert (second.state, second.attributed_mrr, second.closed_on) == (WON, 60, D(2026, 4, 30))
    # and running again on the result changes nothing
    again = decide(
        [Csql(1, 10, old.raised_on, LOST), Csql(2, 10, new.raised_on, WON)],
        expansions,
        as_of=D(2026, 8, 1),
    )
    assert [(d.state, d.attributed_mrr) for d in again] == [(LOST, 0), (WON, 60)]


def test_decide_never_changes_a_state_set_by_people() -> None:
    won = Csql(1, 10, D(2026, 1, 10), WON)
    lost = Csql(2, 11, D(2026, 1, 10), LOST)
    a, b = decide([won, lost], {11: {D(2026, 2, 1): 5}}, as_of=D(2027, 1, 1))
    assert (a.state, a.closed_on, a.attributed_mrr) == (WON, None, 0)
    assert (b.state, b.closed_on, b.attributed_mrr) == (LOST, None, 0)


def test_window_bounds() -> None:
    with pytest.raises(ValueError, match="window_months"):
        attribute([], {}, window_months=0)
    with pytest.raises(ValueError, match="window_months"):
        attribute([], {}, window_months=25)
    assert window_ends_on(D(9999, 11, 1), 6) == D(9999, 12, 31)
    assert window_ends_on(D(1, 1, 1), 1) == D(1, 2, 28)


def _row(
    i: int, by: int | None, team: int | None, day: dt.date, state: str, mrr: int = 0
) -> CsqlRow:
    return CsqlRow(i, by, team, day, state, mrr)


def test_conversion_per_csm_and_month() -> None:
    rows = [
        _row(1, 1, 9, D(2026, 1, 5), WON, 30_000),
        _row(2, 1, 9, D(2026, 1, 20), LOST),
        _row(3, 1, 9, D(2026, 1, 25), LOST),
        _row(4, 1, 9, D(2026, 2, 1), PROPOSED, 10_000),
        _row(5, 2, 9, D(2026, 1, 9), ACCEPTED),
        _row(6, None, None, D(2026, 2, 9), WON, 5),
    ]
    table = conversion_table(rows, key=lambda r: r.raised_by)
    got = [
        (c.key, c.month, c.raised, c.open, c.won, c.lost, c.conversion, c.expansion_mrr)
        for c in table
    ]
    assert got == [
        (1, D(2026, 2, 1), 1, 1, 0, 0, None, 10_000),
        (None, D(2026, 2, 1), 1, 0, 1, 0, 1.0, 5),
        (1, D(2026, 1, 1), 3, 0, 1, 2, 1 / 3, 30_000),
        (2, D(2026, 1, 1), 1, 1, 0, 0, None, 0),
    ]
    (team,) = conversion_table(rows[:5], key=lambda r: r.team, by_month=False)
    assert (team.raised, team.closed, team.conversion, team.expansion_mrr) == (5, 3, 1 / 3, 40_000)


def test_conversion_with_nothing_closed_or_nothing_at_all() -> None:
    assert conversion_table([], key=lambda r: r.team) == []
    total = conversion_total([])
    assert (total.raised, total.closed, total.conversion, total.expansion_mrr) == (0, 0, None, 0)
    open_only = conversion_total([_row(1, 1, 1, D(2026, 1, 1), PROPOSED)])
    assert (open_only.closed, open_only.conversion) == (0, None)

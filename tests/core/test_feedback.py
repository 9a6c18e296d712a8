"""Feature request weights, the board's order, the status moves and whom a shipped request
tells (core.feedback), with exact expectations."""

from __future__ import annotations

import pytest

from kizuna.core.feedback import (
    DECLINED,
    NEW,
    PLANNED,
    SHIPPED,
    Ask,
    Requester,
    Weight,
    can_move,
    ranked,
    request_weights,
    ship_recipients,
)


def test_an_account_that_asks_twice_counts_once_with_its_mrr_once() -> None:
    # given request 1 asked by account 10 twice and account 20 once; request 2 by account 20
    asks = [Ask(1, 10), Ask(1, 10), Ask(1, 20), Ask(2, 20)]
    mrr = {10: 150_000, 20: 30_000}
    # when weighted
    weights = request_weights(asks, mrr)
    # then
    assert weights == {1: Weight(1, 2, 180_000, 3), 2: Weight(2, 1, 30_000, 1)}


def test_nobody_asked_is_zero_not_undefined() -> None:
    assert request_weights([], {}) == {}
    assert request_weights([], {}, request_ids=[7, 8]) == {
        7: Weight(7, 0, 0, 0),
        8: Weight(8, 0, 0, 0),
    }


def test_a_churned_account_counts_and_adds_no_mrr() -> None:
    # given account 1 churned (0), account 2 unknown to the MRR map, 3 negative, 4 None
    asks = [Ask(5, 1), Ask(5, 2), Ask(5, 3), Ask(5, 4), Ask(5, 6)]
    weights = request_weights(asks, {1: 0, 3: -500, 4: None, 6: 10**15})
    assert weights[5] == Weight(5, 5, 10**15, 5)


def test_the_board_ranks_by_mrr_then_accounts_then_feedback_then_id() -> None:
    weights = [
        Weight(1, 1, 100, 1),
        Weight(2, 3, 100, 3),
        Weight(3, 3, 100, 5),
        Weight(4, 0, 0, 0),
        Weight(5, 1, 900, 1),
        Weight(6, 0, 0, 0),
    ]
    assert [w.request_id for w in ranked(weights)] == [5, 3, 2, 1, 4, 6]


@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (NEW, PLANNED, True),
        (NEW, DECLINED, True),
        (NEW, SHIPPED, False),
        (PLANNED, SHIPPED, True),
        (PLANNED, DECLINED, True),
        (PLANNED, NEW, False),
        (SHIPPED, DECLINED, False),
        (SHIPPED, SHIPPED, False),
        (DECLINED, PLANNED, False),
        ("nonsense", PLANNED, False),
        (NEW, "nonsense", False),
    ],
)
def test_the_moves(current: str, target: str, allowed: bool) -> None:
    assert can_move(current, target) is allowed


def test_a_shipped_request_tells_each_logger_and_account_owner_once() -> None:
    requesters = [
        Requester(logged_by=3, account_owner=7),
        Requester(logged_by=3, account_owner=3),
        Requester(logged_by=None, account_owner=9),
        Requester(logged_by=4, account_owner=None),
        Requester(logged_by=None, account_owner=None),
    ]
    assert ship_recipients(requesters) == [3, 4, 7, 9]
    assert ship_recipients(iter(requesters)) == [3, 4, 7, 9]  # read once, as a query's rows
    assert ship_recipients([]) == []

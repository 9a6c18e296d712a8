"""Group companies: roots, descendants and roll-ups from stored parent links (core.groups)."""

from __future__ import annotations

import pytest

from kizuna.core.groups import (
    GroupRollUp,
    ancestors,
    children_of,
    descendants,
    group_members,
    group_mrr,
    group_roll_up,
    root,
    worst_grade,
    would_cycle,
)

#: 1 ← 2 ← 3 ← 4 (depth 3), 1 ← 5, and 6 alone; 7 ← 8 with 7 a key of its own
TREE = {1: None, 2: 1, 3: 2, 4: 3, 5: 1, 6: None, 7: None, 8: 7}


def test_ancestors_are_nearest_first() -> None:
    assert ancestors(4, TREE) == (3, 2, 1)
    assert ancestors(5, TREE) == (1,)
    assert ancestors(1, TREE) == ()


def test_the_root_of_every_member_is_the_top_at_any_depth() -> None:
    assert [root(i, TREE) for i in (1, 2, 3, 4, 5)] == [1, 1, 1, 1, 1]
    assert root(8, TREE) == 7


def test_descendants_at_any_depth_ascending() -> None:
    assert descendants(1, TREE) == (2, 3, 4, 5)
    assert descendants(2, TREE) == (3, 4)
    assert descendants(4, TREE) == ()


def test_a_group_is_the_root_and_everything_below_it_whichever_member_asks() -> None:
    assert group_members(3, TREE) == (1, 2, 3, 4, 5)
    assert group_members(1, TREE) == (1, 2, 3, 4, 5)
    assert group_members(8, TREE) == (7, 8)


def test_an_account_with_no_group_is_a_group_of_one() -> None:
    assert group_members(6, TREE) == (6,)
    # and so is one the links do not name at all
    assert group_members(99, TREE) == (99,)
    assert group_roll_up(6, TREE, mrr={6: 5_000}, grades={}) == GroupRollUp(
        root=6, members=(6,), mrr=5_000, worst_grade=None
    )


def test_a_cycle_in_stored_data_does_not_loop_and_has_one_root() -> None:
    # given 10 → 11 → 12 → 10 (a cycle the database could hold), 13 below 12, 14 above nothing
    links = {10: 11, 11: 12, 12: 10, 13: 12, 14: None}
    # then walking up stops at the first account seen twice
    assert ancestors(10, links) == (11, 12)
    # and every member, in the cycle or below it, names the smallest id of the cycle its root
    assert [root(i, links) for i in (10, 11, 12, 13)] == [10, 10, 10, 10]
    assert descendants(10, links) == (11, 12, 13)
    assert group_members(13, links) == (10, 11, 12, 13)
    assert group_members(14, links) == (14,)


def test_an_account_its_own_parent_is_a_group_of_one() -> None:
    links = {20: 20, 21: 20}
    assert ancestors(20, links) == ()
    assert root(20, links) == 20
    assert root(21, links) == 20
    assert group_members(21, links) == (20, 21)
    assert children_of(links) == {20: (21,)}


def test_an_orphan_whose_parent_was_deleted_heads_its_own_group() -> None:
    # given 31 below 30, 32 below 31, and 30 deleted: its id is no longer a key
    links = {31: 30, 32: 31}
    # then 31 is the top of what is known, with 32 below it
    assert ancestors(32, links) == (31,)
    assert root(32, links) == 31
    assert group_members(32, links) == (31, 32)
    assert children_of(links) == {31: (32,)}
    # and with the link cleared (the database's ON DELETE SET NULL), the same
    assert group_members(32, {31: None, 32: 31}) == (31, 32)


def test_would_cycle_refuses_itself_and_anything_below_it() -> None:
    assert would_cycle(2, 2, TREE)
    assert would_cycle(2, 3, TREE)
    assert would_cycle(2, 4, TREE)
    assert would_cycle(1, 4, TREE)
    assert not would_cycle(2, 5, TREE)
    assert not would_cycle(6, 1, TREE)
    assert not would_cycle(1, 6, TREE)
    # a parent no link names (a huge id) closes no loop: whether it exists is for the caller
    assert not would_cycle(1, 2**63 - 1, TREE)


def test_group_mrr_sums_the_members_once_each() -> None:
    mrr = {1: 100_000, 2: 20_000, 3: 3_000, 4: 400, 5: 50, 6: 999_999}
    assert group_mrr((1, 2, 3, 4, 5), mrr) == 123_450
    assert group_mrr((1, 1, 2), mrr) == 120_000
    assert group_mrr((77,), mrr) == 0


@pytest.mark.parametrize(
    ("grades", "worst"),
    [([3, 5, 2, 4], 2), ([None, 4, None], 4), ([None, None], None), ([], None), ([1, 1], 1)],
)
def test_the_worst_grade_is_the_lowest_known(grades: list[int | None], worst: int | None) -> None:
    assert worst_grade(grades) == worst


def test_the_roll_up_of_a_three_level_group() -> None:
    mrr = {1: 100_000, 2: 20_000, 3: 3_000, 4: 400, 5: 50, 6: 999_999, 7: 1}
    grades = {1: 4, 2: 5, 3: None, 4: 2, 5: 3, 6: 1}
    assert group_roll_up(4, TREE, mrr=mrr, grades=grades) == GroupRollUp(
        root=1, members=(1, 2, 3, 4, 5), mrr=123_450, worst_grade=2
    )
    assert group_roll_up(8, TREE, mrr=mrr, grades=grades) == GroupRollUp(
        root=7, members=(7, 8), mrr=1, worst_grade=None
    )

"""Touchpoint kinds: the one list, the one-to-one kinds, a stable order for stored lists."""

from __future__ import annotations

from typing import get_args

from kizuna.core.touchpoints import HUMAN_KINDS, TOUCH_KINDS, TouchKind, in_kind_order


def test_the_kinds_are_the_literal_type_in_form_order() -> None:
    # given / when / then
    assert TOUCH_KINDS == ("meeting", "call", "email", "onsite", "webinar", "other", "note")
    assert get_args(TouchKind) == TOUCH_KINDS
    assert {"meeting", "call", "email", "onsite"} == HUMAN_KINDS
    assert set(TOUCH_KINDS) > HUMAN_KINDS


def test_in_kind_order_sorts_by_the_list_and_puts_unknown_names_last() -> None:
    # given a set in no particular order, with two names that are not kinds
    kinds = {"webinar", "zoom", "call", "meeting", "fax"}

    # when / then
    assert in_kind_order(kinds) == ["meeting", "call", "webinar", "fax", "zoom"]
    assert in_kind_order(frozenset()) == []

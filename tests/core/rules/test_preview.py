"""``core.rules.preview``: the accounts matching today and the weekly counts, replayed."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.rules.model import (
    AccountFacts,
    Action,
    Rule,
    RuleFilter,
    Signal,
    Trigger,
    TriggerKind,
)
from kizuna.core.rules.preview import preview

TODAY = dt.date(2026, 11, 29)  # a Sunday
K = TriggerKind
ACCOUNTS = {
    1: AccountFacts(1, owner_id=10, segment="high"),
    2: AccountFacts(2, owner_id=10, segment="tech"),
}


def days_ago(n: int) -> dt.date:
    return TODAY - dt.timedelta(days=n)


def test_a_signal_that_stays_opens_one_task_and_one_that_comes_back_another() -> None:
    # given: account 1 drops for 10 days running (days 20…11 ago), recovers, drops again on
    # day 3 ago; account 2 drops 30 days ago only; cool-down 7 days
    rule = Rule(id=1, trigger=Trigger(K.USAGE_DROP), cooldown_days=7)
    signals = [Signal(1, days_ago(n), K.USAGE_DROP) for n in range(11, 21)]
    signals += [Signal(1, days_ago(3), K.USAGE_DROP), Signal(2, days_ago(30), K.USAGE_DROP)]
    # when
    result = preview(rule, signals, ACCOUNTS, today=TODAY, weeks=5)
    # then: weeks end on today; week of days 34…28 ago: account 2; 20…14 ago: account 1's
    # first day; 6…0: its return (the task closed on day 10 ago)
    assert [(w.start, w.end, w.tasks, w.alerts) for w in result.weeks] == [
        (days_ago(34), days_ago(28), 1, 1),
        (days_ago(27), days_ago(21), 0, 0),
        (days_ago(20), days_ago(14), 1, 1),
        (days_ago(13), days_ago(7), 0, 0),
        (days_ago(6), TODAY, 1, 1),
    ]
    assert result.matching_today == []


def test_the_cool_down_holds_back_a_signal_that_comes_back_soon() -> None:
    rule = Rule(id=1, trigger=Trigger(K.HEALTH_RED), cooldown_days=30)
    signals = [Signal(1, days_ago(n), K.HEALTH_RED) for n in (20, 10, 0)]
    result = preview(rule, signals, ACCOUNTS, today=TODAY, weeks=3)
    assert [w.tasks for w in result.weeks] == [1, 0, 0]
    assert result.matching_today == [1]


def test_filter_threshold_and_actions_shape_the_counts() -> None:
    rule = Rule(
        id=4,
        trigger=Trigger(K.COVERAGE_DUE, 7),
        filter=RuleFilter(segments=frozenset({"tech"})),
        actions=frozenset({Action.NOTIFY}),
    )
    signals = [
        Signal(1, TODAY, K.COVERAGE_DUE, 1),  # filtered out
        Signal(2, TODAY, K.COVERAGE_DUE, 8),  # too far
        Signal(2, days_ago(8), K.COVERAGE_DUE, 7),
        Signal(2, days_ago(84), K.COVERAGE_DUE, 0),  # before the 12 weeks
        Signal(2, TODAY, K.USAGE_DROP),  # another kind
    ]
    result = preview(rule, signals, ACCOUNTS, today=TODAY)
    assert len(result.weeks) == 12 and result.weeks[0].start == days_ago(83)
    assert [(w.tasks, w.alerts) for w in result.weeks] == [(0, 0)] * 10 + [(0, 1), (0, 0)]
    assert result.matching_today == []


def test_no_history_and_bad_windows() -> None:
    rule = Rule(id=1, trigger=Trigger(K.USAGE_DROP))
    result = preview(rule, [], {}, today=TODAY, weeks=1)
    assert [(w.start, w.end, w.tasks, w.alerts) for w in result.weeks] == [
        (days_ago(6), TODAY, 0, 0)
    ]
    with pytest.raises(ValueError):
        preview(rule, [], {}, today=TODAY, weeks=0)
    with pytest.raises(ValueError):
        preview(rule, [], {}, today=dt.date(1, 1, 5), weeks=12)

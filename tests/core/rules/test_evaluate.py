"""``core.rules.evaluate``: each trigger with exact firings on constructed data; dedup,
cool-down, the weekly budget, hostile values."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.core.rules.evaluate import Delivery, evaluate
from kizuna.core.rules.model import (
    AccountFacts,
    Action,
    Priority,
    Rule,
    RuleFilter,
    Signal,
    State,
    Trigger,
    TriggerKind,
    dedup_key,
)

DAY = dt.date(2026, 11, 30)
K = TriggerKind


def accounts(*facts: AccountFacts) -> dict[int, AccountFacts]:
    return {fact.account_id: fact for fact in facts}


ACCOUNTS = accounts(
    AccountFacts(1, owner_id=10, segment="high", team="strategic", products=frozenset({"hr"}),
                 grade=1, mrr=500_000),
    AccountFacts(2, owner_id=10, segment="tech", team="smb", products=frozenset({"payroll"}),
                 grade=3, mrr=20_000),
    AccountFacts(3, owner_id=20, segment="low", team="smb", products=frozenset({"hr", "payroll"}),
                 grade=5, mrr=0),
    AccountFacts(4, owner_id=None, segment="tech", team="", grade=None, mrr=2**63 - 1),
)  # fmt: skip


def fired(rules: list[Rule], signals: list[Signal], **kwargs: object) -> list[tuple[int, int]]:
    state = kwargs.pop("state", State())
    assert isinstance(state, State)
    budget = kwargs.pop("weekly_budget", None)
    result = evaluate(rules, signals, ACCOUNTS, state, day=DAY, weekly_budget=budget)  # type: ignore[arg-type]
    return [(f.rule_id, f.account_id) for f in result.firings]


@pytest.mark.parametrize(
    ("trigger", "values", "expected"),
    [
        # kinds without a value: every signal of the kind
        (Trigger(K.ONBOARDING_STALLED), {1: None, 2: None}, [1, 2]),
        (Trigger(K.ONBOARDING_EXPECTED_CHURN), {3: None}, [3]),
        (Trigger(K.USAGE_DROP), {2: None, 4: None}, [2, 4]),
        (Trigger(K.HEALTH_RED), {1: None}, [1]),
        # "at least": setup not done by day 30, a fall of two grades, a contraction ≥ ¥10,000
        (Trigger(K.SETUP_NOT_DONE, 30), {1: 29, 2: 30, 3: 10_000}, [2, 3]),
        (Trigger(K.HEALTH_FELL, 2), {1: 1, 2: 2, 3: 4}, [2, 3]),
        (Trigger(K.MRR_CONTRACTION, 10_000), {1: 9_999, 2: 10_000, 4: 2**63 - 1}, [2, 4]),
        # "at most": out of coverage within 14 days, a renewal within 90 days
        (Trigger(K.COVERAGE_DUE, 14), {1: 0, 2: 14, 3: 15, 4: -3}, [1, 2, 4]),
        (Trigger(K.RENEWAL_DUE, 90), {1: 91, 2: 90, 3: 1}, [2, 3]),
        # no threshold: every value; a signal without a value never meets a threshold
        (Trigger(K.RENEWAL_DUE), {1: 3650, 2: None}, [1, 2]),
        (Trigger(K.SETUP_NOT_DONE, 30), {1: None, 2: 31}, [2]),
    ],
)
def test_each_trigger_fires_on_exactly_the_matching_accounts(
    trigger: Trigger, values: dict[int, int | None], expected: list[int]
) -> None:
    # given: one rule, and the day's signals of its kind (and one of another kind)
    rule = Rule(id=7, trigger=trigger)
    other = K.HEALTH_RED if trigger.kind is not K.HEALTH_RED else K.USAGE_DROP
    signals = [Signal(a, DAY, trigger.kind, v) for a, v in values.items()]
    signals.append(Signal(3, DAY, other))
    # when / then
    assert fired([rule], signals) == [(7, account) for account in expected]


def test_signals_of_other_days_are_ignored() -> None:
    rule = Rule(id=1, trigger=Trigger(K.USAGE_DROP))
    signals = [
        Signal(1, DAY - dt.timedelta(days=1), K.USAGE_DROP),
        Signal(2, DAY + dt.timedelta(days=1), K.USAGE_DROP),
        Signal(3, dt.date(1, 1, 1), K.USAGE_DROP),
        Signal(4, dt.date(9999, 12, 31), K.USAGE_DROP),
    ]
    assert fired([rule], signals) == []


def test_several_signals_of_a_kind_count_once_with_the_strongest_value() -> None:
    at_most = Rule(id=1, trigger=Trigger(K.COVERAGE_DUE, 7))
    at_least = Rule(id=2, trigger=Trigger(K.HEALTH_FELL, 2))
    signals = [
        Signal(1, DAY, K.COVERAGE_DUE, 30), Signal(1, DAY, K.COVERAGE_DUE, 5),
        Signal(1, DAY, K.COVERAGE_DUE, None),
        Signal(2, DAY, K.HEALTH_FELL, None), Signal(2, DAY, K.HEALTH_FELL, 1),
        Signal(2, DAY, K.HEALTH_FELL, 3),
    ]  # fmt: skip
    result = evaluate([at_most, at_least], signals, ACCOUNTS, State(), day=DAY, weekly_budget=None)
    assert [(f.rule_id, f.account_id, f.value) for f in result.firings] == [(1, 1, 5), (2, 2, 3)]


@pytest.mark.parametrize(
    ("rule_filter", "expected"),
    [
        (RuleFilter(), [1, 2, 3, 4]),
        (RuleFilter(segments=frozenset({"tech"})), [2, 4]),
        (RuleFilter(products=frozenset({"hr"})), [1, 3]),
        (RuleFilter(teams=frozenset({"smb"})), [2, 3]),
        (RuleFilter(grades=frozenset({1, 3})), [1, 2]),
        (RuleFilter(mrr_min=20_000), [1, 2, 4]),
        (RuleFilter(mrr_max=20_000), [2, 3]),
        (RuleFilter(mrr_min=20_000, mrr_max=20_000), [2]),
        (RuleFilter(segments=frozenset({"tech"}), products=frozenset({"payroll"})), [2]),
        (RuleFilter(mrr_min=1, mrr_max=0), []),
    ],
)
def test_the_filter(rule_filter: RuleFilter, expected: list[int]) -> None:
    rule = Rule(id=3, trigger=Trigger(K.USAGE_DROP), filter=rule_filter)
    signals = [Signal(account, DAY, K.USAGE_DROP) for account in (1, 2, 3, 4)]
    assert fired([rule], signals) == [(3, account) for account in expected]


def test_cool_down_and_dedup_and_the_reasons_counted() -> None:
    # given: a rule with a 14-day cool-down; account 1 fired 13 days ago, account 2 fired
    # 14 days ago, account 3's task is still open, account 9 is unknown
    rule = Rule(id=5, trigger=Trigger(K.HEALTH_FELL, 1), cooldown_days=14)
    state = State(
        last_fired={(5, 1): DAY - dt.timedelta(days=13), (5, 2): DAY - dt.timedelta(days=14),
                    (6, 4): DAY},
        open_keys={dedup_key(5, 3), dedup_key(6, 4)},
    )  # fmt: skip
    signals = [Signal(a, DAY, K.HEALTH_FELL, 1) for a in (1, 2, 3, 4, 9)]
    signals.append(Signal(4, DAY, K.HEALTH_FELL, 0))
    # when
    result = evaluate([rule], signals, ACCOUNTS, state, day=DAY, weekly_budget=None)
    # then: 2 fires (the cool-down is over on its 14th day), 4 too (rule 6's state is not
    # rule 5's); the others are skipped, each for its reason
    assert [f.account_id for f in result.firings] == [2, 4]
    assert result.skipped == {
        (5, "cooling_down"): 1,
        (5, "task_open"): 1,
        (5, "unknown_account"): 1,
    }
    assert result.firings[0].dedup_key == "rule:5:account:2"


def test_below_threshold_and_filtered_are_counted() -> None:
    rule = Rule(id=1, trigger=Trigger(K.RENEWAL_DUE, 30), filter=RuleFilter(grades=frozenset({1})))
    signals = [Signal(1, DAY, K.RENEWAL_DUE, 31), Signal(2, DAY, K.RENEWAL_DUE, 30)]
    result = evaluate([rule], signals, ACCOUNTS, State(), day=DAY, weekly_budget=None)
    assert result.firings == []
    assert result.skipped == {(1, "below_threshold"): 1, (1, "filtered"): 1}


def test_the_weekly_budget_sends_lower_priority_alerts_to_the_digest() -> None:
    # given: owner 10 (accounts 1, 2) already had 2 interruptions this week, budget 3;
    # owner 20 (account 3) none; account 4 has no owner
    high = Rule(id=9, trigger=Trigger(K.HEALTH_RED), priority=Priority.HIGH)
    medium = Rule(id=2, trigger=Trigger(K.USAGE_DROP), priority=Priority.MEDIUM)
    low = Rule(id=1, trigger=Trigger(K.COVERAGE_DUE), priority=Priority.LOW)
    quiet = Rule(id=3, trigger=Trigger(K.USAGE_DROP), actions=frozenset({Action.TASK}))
    signals = [
        Signal(a, DAY, kind)
        for a in (1, 2, 3, 4)
        for kind in (K.HEALTH_RED, K.USAGE_DROP, K.COVERAGE_DUE)
    ]
    state = State(interruptions={10: 2})
    # when
    result = evaluate(
        [low, quiet, medium, high], signals, ACCOUNTS, state, day=DAY, weekly_budget=3
    )
    # then: handed out most urgent first; high always interrupts; the rest of owner 10 waits
    got = [(f.rule_id, f.account_id, f.delivery) for f in result.firings]
    assert got == [
        (9, 1, Delivery.IMMEDIATE), (9, 2, Delivery.IMMEDIATE), (9, 3, Delivery.IMMEDIATE),
        (9, 4, Delivery.NONE),
        (2, 1, Delivery.DIGEST), (2, 2, Delivery.DIGEST), (2, 3, Delivery.IMMEDIATE),
        (2, 4, Delivery.NONE),
        (3, 1, Delivery.NONE), (3, 2, Delivery.NONE), (3, 3, Delivery.NONE), (3, 4, Delivery.NONE),
        (1, 1, Delivery.DIGEST), (1, 2, Delivery.DIGEST), (1, 3, Delivery.IMMEDIATE),
        (1, 4, Delivery.NONE),
    ]  # fmt: skip
    assert state.interruptions == {10: 2}  # the state given is not changed


def test_a_budget_of_zero_and_no_budget() -> None:
    rule = Rule(id=1, trigger=Trigger(K.USAGE_DROP))
    signals = [Signal(1, DAY, K.USAGE_DROP)]
    zero = evaluate([rule], signals, ACCOUNTS, State(), day=DAY, weekly_budget=0)
    unlimited = evaluate(
        [rule], signals, ACCOUNTS, State(interruptions={10: 10**9}), day=DAY, weekly_budget=None
    )
    assert [f.delivery for f in zero.firings] == [Delivery.DIGEST]
    assert [f.delivery for f in unlimited.firings] == [Delivery.IMMEDIATE]
    with pytest.raises(ValueError):
        evaluate([rule], signals, ACCOUNTS, State(), day=DAY, weekly_budget=-1)


def test_nothing_in_nothing_out() -> None:
    result = evaluate([], [], {}, State(), day=DAY, weekly_budget=5)
    assert result.firings == [] and not result.skipped
    rule = Rule(id=1, trigger=Trigger(K.USAGE_DROP))
    assert evaluate([rule], [], ACCOUNTS, State(), day=DAY, weekly_budget=5).firings == []


def test_evaluation_at_the_ends_of_the_calendar() -> None:
    rule = Rule(id=1, trigger=Trigger(K.USAGE_DROP), cooldown_days=10**7)
    for day in (dt.date(1, 1, 1), dt.date(9999, 12, 31)):
        state = State(last_fired={(1, 2): dt.date(1, 1, 1)})
        result = evaluate([rule], [Signal(1, day, K.USAGE_DROP), Signal(2, day, K.USAGE_DROP)],
                          ACCOUNTS, state, day=day, weekly_budget=1)  # fmt: skip
        assert [f.account_id for f in result.firings] == [1]


def test_a_running_playbook_holds_its_rule_back_on_that_account_only() -> None:
    # given: rule 7 starts a playbook; its playbook still runs on account 1 (started by
    # rule 7) and on account 2 for rule 8 only; account 3's open task belongs to rule 7
    rule = Rule(id=7, trigger=Trigger(K.USAGE_DROP), actions=frozenset({Action.PLAYBOOK}))
    state = State(playbooks_running={(7, 1), (8, 2)}, open_keys={dedup_key(7, 3)})
    signals = [Signal(a, DAY, K.USAGE_DROP) for a in (1, 2, 3, 4)]
    # when
    result = evaluate([rule], signals, ACCOUNTS, state, day=DAY, weekly_budget=None)
    # then: 2 and 4 fire; 1 waits for its run, 3 for its task (the task's reason comes first)
    assert [f.account_id for f in result.firings] == [2, 4]
    assert result.skipped == {(7, "playbook_running"): 1, (7, "task_open"): 1}
    assert result.firings[0].actions == frozenset({Action.PLAYBOOK})

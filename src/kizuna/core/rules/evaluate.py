"""One day's evaluation: which rules fire on which accounts.

For each rule (most urgent first, then by id) and each of the day's signals of its trigger's
kind, the rule **fires** on the account when all of these hold, else the signal is
**skipped** for the first reason that applies (counted per rule, so a rule's page can say
why it stayed quiet):

1. ``unknown_account``: the account is not among those given (closed, or deleted since);
2. ``below_threshold``: the signal's value does not reach the trigger's threshold;
3. ``filtered``: the rule's filter does not admit the account;
4. ``cooling_down``: the rule fired on the account less than ``cooldown_days`` days ago
   (fired on day d, it may fire again from d + cooldown_days);
5. ``task_open``: the rule's task on the account (``dedup_key``) is still open or snoozed:
   the rule neither opens another nor alerts again while it is;
6. ``playbook_running``: the rule starts a playbook and that playbook still runs on the
   account (``State.playbooks_running``): as with its open task, the rule stays quiet on the
   account (no second run, no alert) until the run is completed or cancelled.

An account with several signals of one kind on the day counts once, with its strongest value
(the largest for an "at least" trigger, the smallest for an "at most" one).

**The weekly budget.** A firing that notifies interrupts its account's owner, and each owner
takes at most ``weekly_budget`` interruptions a week (``State.interruptions``: those already
taken this week, whatever rule made them). Firings are handed out most urgent first (then by
rule id, account id); once an owner's budget is spent, a firing of priority below high waits
in the owner's digest instead (``Delivery.DIGEST``); a high-priority firing always
interrupts, and counts. ``weekly_budget=None``: no budget. A firing for an account without
an owner interrupts nobody (``Delivery.NONE``): the app routes it to the team.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kizuna.core.rules.model import (
    COMPARE,
    AccountFacts,
    Action,
    Compare,
    Priority,
    Rule,
    Signal,
    State,
    TriggerKind,
    dedup_key,
)


class Delivery(enum.StrEnum):
    IMMEDIATE = "immediate"
    DIGEST = "digest"
    NONE = "none"  # the rule does not notify, or nobody owns the account


@dataclass(frozen=True)
class Firing:
    rule_id: int
    rule_version: int
    account_id: int
    owner_id: int | None
    day: dt.date
    priority: Priority
    actions: frozenset[Action]
    delivery: Delivery
    dedup_key: str
    value: int | None
    evidence: str


@dataclass(frozen=True)
class Evaluation:
    firings: list[Firing]
    skipped: Counter[tuple[int, str]]  # (rule id, reason) → signals skipped


def strongest(signals: Iterable[Signal], day: dt.date) -> dict[TriggerKind, list[Signal]]:
    """The day's signals by kind, one per account: the one with the strongest value."""
    best: dict[tuple[TriggerKind, int], Signal] = {}
    for signal in signals:
        if signal.day != day:
            continue
        key = (signal.kind, signal.account_id)
        held = best.get(key)
        if held is None or _stronger(signal, held):
            best[key] = signal
    by_kind: dict[TriggerKind, list[Signal]] = {}
    for (kind, _account), signal in sorted(best.items(), key=lambda item: item[0][1]):
        by_kind.setdefault(kind, []).append(signal)
    return by_kind


def _stronger(signal: Signal, held: Signal) -> bool:
    if signal.value is None or held.value is None:
        return held.value is None and signal.value is not None
    if COMPARE[signal.kind] is Compare.AT_MOST:
        return signal.value < held.value
    return signal.value > held.value


def _skip_reason(
    rule: Rule, signal: Signal, account: AccountFacts | None, state: State, day: dt.date
) -> str:
    if account is None:
        return "unknown_account"
    if not rule.trigger.matches(signal.value):
        return "below_threshold"
    if not rule.filter.admits(account):
        return "filtered"
    last = state.last_fired.get((rule.id, account.account_id))
    if last is not None and (day - last).days < rule.cooldown_days:
        return "cooling_down"
    if dedup_key(rule.id, account.account_id) in state.open_keys:
        return "task_open"
    if (rule.id, account.account_id) in state.playbooks_running:
        return "playbook_running"
    return ""


def evaluate(
    rules: Sequence[Rule],
    signals: Iterable[Signal],
    accounts: Mapping[int, AccountFacts],
    state: State,
    *,
    day: dt.date,
    weekly_budget: int | None,
) -> Evaluation:
    """The firings of ``rules`` on ``day`` (most urgent first, then rule id, account id) and
    the signals each rule skipped, by reason. ``signals`` of other days are ignored."""
    if weekly_budget is not None and weekly_budget < 0:
        raise ValueError("the weekly budget cannot be negative")
    by_kind = strongest(signals, day)
    ordered = sorted(rules, key=lambda rule: (-rule.priority, rule.id))
    matched: list[tuple[Rule, Signal, AccountFacts]] = []
    skipped: Counter[tuple[int, str]] = Counter()
    for rule in ordered:
        for signal in by_kind.get(rule.trigger.kind, ()):
            account = accounts.get(signal.account_id)
            reason = _skip_reason(rule, signal, account, state, day)
            if reason:
                skipped[(rule.id, reason)] += 1
            else:
                assert account is not None
                matched.append((rule, signal, account))
    used = Counter(state.interruptions)
    firings = []
    for rule, signal, account in matched:
        delivery = _delivery(rule, account.owner_id, used, weekly_budget)
        firings.append(
            Firing(
                rule_id=rule.id,
                rule_version=rule.version,
                account_id=account.account_id,
                owner_id=account.owner_id,
                day=day,
                priority=rule.priority,
                actions=rule.actions,
                delivery=delivery,
                dedup_key=dedup_key(rule.id, account.account_id),
                value=signal.value,
                evidence=signal.evidence,
            )
        )
    return Evaluation(firings, skipped)


def _delivery(
    rule: Rule, owner_id: int | None, used: Counter[int], weekly_budget: int | None
) -> Delivery:
    if Action.NOTIFY not in rule.actions or owner_id is None:
        return Delivery.NONE
    if rule.priority is Priority.HIGH or weekly_budget is None or used[owner_id] < weekly_budget:
        used[owner_id] += 1
        return Delivery.IMMEDIATE
    return Delivery.DIGEST

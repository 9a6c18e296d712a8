"""What a rule would have done, before it is enabled: the accounts it matches today, and the
tasks and alerts it would have made in each of the last weeks, replayed from the signals'
history.

The replay runs ``evaluate`` day by day over the window with the rule alone, from no history:
its cool-down applies between the replayed firings, and a replayed task stays open while the
account keeps matching the rule on the following days (the signal is still there, nobody
fixed it); the first day it does not match, the task counts as closed, so a signal that
comes back later may open a new one. The accounts' filter facts are today's (the segment,
team, grade and MRR an account has now): a replay shows what this rule, as written, does on
the company as it is. Budgets are not replayed (they are shared by every rule of an owner):
the alerts counted are every firing that notifies.

Weeks end on ``today``: week 0 is ``today − 6 … today``, week k ends 7k days earlier;
returned oldest first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kizuna.core.rules.evaluate import evaluate, strongest
from kizuna.core.rules.model import AccountFacts, Action, Rule, Signal, State, dedup_key


@dataclass(frozen=True)
class WeekCount:
    start: dt.date  # first day (inclusive)
    end: dt.date  # last day (inclusive)
    tasks: int
    alerts: int


@dataclass(frozen=True)
class Preview:
    matching_today: list[int]  # account ids, matching the trigger and filter today
    weeks: list[WeekCount]


def preview(
    rule: Rule,
    signals: Iterable[Signal],
    accounts: Mapping[int, AccountFacts],
    *,
    today: dt.date,
    weeks: int = 12,
) -> Preview:
    """The rule's ``Preview`` over the ``weeks`` weeks ending ``today`` (see the module)."""
    if weeks < 1:
        raise ValueError("a preview covers at least one week")
    try:
        first = today - dt.timedelta(days=7 * weeks - 1)
    except OverflowError:
        raise ValueError("the preview would start before the year 1") from None
    by_day: dict[dt.date, list[Signal]] = {}
    for signal in signals:
        if first <= signal.day <= today and signal.kind is rule.trigger.kind:
            by_day.setdefault(signal.day, []).append(signal)
    last_fired: dict[tuple[int, int], dt.date] = {}
    open_keys: set[str] = set()
    tasks = [0] * weeks
    alerts = [0] * weeks
    for offset in range(7 * weeks):
        day = first + dt.timedelta(days=offset)
        todays = by_day.get(day, [])
        matching = _matching(rule, todays, accounts, day)
        open_keys &= {dedup_key(rule.id, account) for account in matching}
        state = State(last_fired=last_fired, open_keys=open_keys)
        week = offset // 7
        evaluation = evaluate([rule], todays, accounts, state, day=day, weekly_budget=None)
        for firing in evaluation.firings:
            last_fired[(rule.id, firing.account_id)] = day
            if Action.TASK in firing.actions:
                open_keys.add(firing.dedup_key)
                tasks[week] += 1
            if Action.NOTIFY in firing.actions:
                alerts[week] += 1
    counts = [
        WeekCount(
            start=first + dt.timedelta(days=7 * k),
            end=first + dt.timedelta(days=7 * k + 6),
            tasks=tasks[k],
            alerts=alerts[k],
        )
        for k in range(weeks)
    ]
    return Preview(sorted(_matching(rule, by_day.get(today, []), accounts, today)), counts)


def _matching(
    rule: Rule, signals: list[Signal], accounts: Mapping[int, AccountFacts], day: dt.date
) -> set[int]:
    """The accounts whose signal of the day meets the trigger and whose facts the filter
    admits (cool-down and open tasks aside)."""
    found = set()
    for signal in strongest(signals, day).get(rule.trigger.kind, ()):
        account = accounts.get(signal.account_id)
        if (
            account is not None
            and rule.trigger.matches(signal.value)
            and rule.filter.admits(account)
        ):
            found.add(account.account_id)
    return found

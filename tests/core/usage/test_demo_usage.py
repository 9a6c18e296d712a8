"""The demo's usage: seeded, with a weekday rhythm, segment differences and declines."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from statistics import mean

from kizuna.demo.generator import generate
from kizuna.demo.usage import DAYS, generate_usage

AS_OF = dt.date(2026, 11, 25)
DATASET = generate(as_of=AS_OF, accounts=300, seed=7)


def test_it_is_deterministic_and_bounded() -> None:
    first = generate_usage(DATASET, seed=1)
    assert first == generate_usage(DATASET, seed=1)
    assert first != generate_usage(DATASET, seed=2)
    assert all(AS_OF - dt.timedelta(days=DAYS - 1) <= d.day <= AS_OF for d in first.days)
    assert all(d.active_users > 0 and d.events >= d.active_users for d in first.days)


def test_weekends_are_quiet() -> None:
    usage = generate_usage(DATASET, seed=1)
    by_weekday: dict[bool, list[int]] = defaultdict(list)
    for d in usage.days:
        by_weekday[d.day.weekday() >= 5].append(d.events)
    assert sum(by_weekday[True]) < 0.2 * sum(by_weekday[False]) / 5 * 2


def test_high_touch_accounts_use_more_of_their_seats_than_tech_touch() -> None:
    usage = generate_usage(DATASET, seed=1)
    segment = {a.key: a.segment for a in DATASET.accounts}
    seats: dict[str, int] = defaultdict(int)
    for line in DATASET.subscription_lines:
        if line.end_date is None:
            seats[line.account_key] += line.seats
    ratio: dict[str, list[float]] = defaultdict(list)
    for d in usage.days:
        if d.day.weekday() == 2 and seats[d.account_key]:
            ratio[segment[d.account_key]].append(d.active_users / seats[d.account_key])
    assert mean(ratio["high"]) > mean(ratio["tech"])


def test_usage_fades_before_a_churn() -> None:
    # given: accounts whose last line ended in the last 45 days (window: AS_OF − 59 … AS_OF)
    usage = generate_usage(DATASET, seed=1)
    first = AS_OF - dt.timedelta(days=59)
    ends: dict[str, list[dt.date | None]] = defaultdict(list)
    for line in DATASET.subscription_lines:
        ends[line.account_key].append(line.end_date)
    churned = {
        key: max(e for e in dates if e)
        for key, dates in ends.items()
        if None not in dates and max(e for e in dates if e) >= AS_OF - dt.timedelta(days=45)
    }
    assert churned
    for key, end in churned.items():
        days = [d for d in usage.days if d.account_key == key]
        # then: the last full week before the end has less usage than the window's first week
        first_week = sum(d.events for d in days if d.day < first + dt.timedelta(days=7))
        last_week = sum(d.events for d in days if end - dt.timedelta(days=7) <= d.day)
        assert last_week < first_week or first_week == 0
        assert all(d.day < end for d in days)

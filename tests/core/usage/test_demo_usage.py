"""The demo's usage: seeded, with a weekday rhythm, segment differences and declines."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from statistics import mean
from types import SimpleNamespace
from typing import Any

import polars as pl

from kizuna.demo.generator import generate
from kizuna.demo.usage import DAYS, DAYS_SCHEMA, TOP_USERS_SCHEMA, generate_usage

AS_OF = dt.date(2026, 11, 25)
DATASET = generate(as_of=AS_OF, accounts=300, seed=7)


def rows(frame: pl.DataFrame) -> list[Any]:
    return [SimpleNamespace(**row) for row in frame.iter_rows(named=True)]


def test_it_is_deterministic_and_bounded() -> None:
    first = generate_usage(DATASET, seed=1)
    assert first.equals(generate_usage(DATASET, seed=1))
    assert not first.equals(generate_usage(DATASET, seed=2))
    assert first.days.schema == DAYS_SCHEMA and first.top_users.schema == TOP_USERS_SCHEMA
    days = rows(first.days)
    assert all(AS_OF - dt.timedelta(days=DAYS - 1) <= d.day <= AS_OF for d in days)
    assert all(d.active_users > 0 and d.events >= d.active_users for d in days)
    # one row per account-day, its features named once, sorted, with events adding up
    assert first.days.select("account_key", "day").is_duplicated().sum() == 0
    for d in days:
        names = [f["feature"] for f in d.feature_counts]
        assert names == sorted(set(names))
        assert all(f["events"] > 0 for f in d.feature_counts)
        assert sum(f["events"] for f in d.feature_counts) == d.events
    # up to five top users per account with usage in the last 28 days, most events first
    recent = {d.account_key for d in days if d.day > AS_OF - dt.timedelta(days=28)}
    tops: dict[str, list[int]] = defaultdict(list)
    for user in rows(first.top_users):
        tops[user.account_key].append(user.events)
    assert set(tops) == recent
    assert all(1 <= len(e) <= 5 and e == sorted(e, reverse=True) for e in tops.values())


def test_rows_come_in_account_order_then_day() -> None:
    usage = generate_usage(DATASET, seed=1)
    order = {a.key: n for n, a in enumerate(DATASET.accounts)}
    keys = [(order[d.account_key], d.day) for d in rows(usage.days)]
    assert keys == sorted(keys)


def test_no_accounts_no_usage() -> None:
    empty = generate(as_of=AS_OF, accounts=0, seed=7)
    usage = generate_usage(empty, seed=1)
    assert usage.days.is_empty() and usage.top_users.is_empty()
    assert usage.days.schema == DAYS_SCHEMA


def test_weekends_are_quiet() -> None:
    usage = generate_usage(DATASET, seed=1)
    by_weekday: dict[bool, list[int]] = defaultdict(list)
    for d in rows(usage.days):
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
    for d in rows(usage.days):
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
        days = [d for d in rows(usage.days) if d.account_key == key]
        # then: the last full week before the end has less usage than the window's first week
        first_week = sum(d.events for d in days if d.day < first + dt.timedelta(days=7))
        last_week = sum(d.events for d in days if end - dt.timedelta(days=7) <= d.day)
        assert last_week < first_week or first_week == 0
        assert all(d.day < end for d in days)


def test_usage_ramps_up_after_a_line_starts() -> None:
    # given: lines that started inside the window, the only line of their account
    usage = generate_usage(DATASET, seed=1)
    first = AS_OF - dt.timedelta(days=DAYS - 1)
    lines: dict[str, list[Any]] = defaultdict(list)
    for line in DATASET.subscription_lines:
        lines[line.account_key].append(line)
    young = {
        key: found[0].start_date
        for key, found in lines.items()
        if len(found) == 1
        and found[0].end_date is None
        and first + dt.timedelta(days=7) <= found[0].start_date <= AS_OF - dt.timedelta(days=90)
    }
    assert young
    early = late = 0
    for d in rows(usage.days):
        if d.account_key in young:
            age = (d.day - young[d.account_key]).days
            early += d.events if 0 <= age < 14 else 0
            late += d.events if 60 <= age < 74 else 0
    # then: their second fortnight of two months later has more events than their first
    assert late > 1.5 * early


def test_about_one_live_account_in_fifteen_declines_now() -> None:
    # a live account in decline: its last fortnight well below its fortnight a month before
    usage = generate_usage(DATASET, seed=1)
    ended = {ln.account_key for ln in DATASET.subscription_lines if ln.end_date is not None}
    live = {ln.account_key for ln in DATASET.subscription_lines if ln.end_date is None} - ended
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for d in rows(usage.days):
        if d.account_key in live:
            back = (AS_OF - d.day).days
            if back < 14:
                weeks[d.account_key][1] += d.events
            elif 42 <= back < 56:
                weeks[d.account_key][0] += d.events
    steady = [k for k, (before, now) in weeks.items() if before > 0]
    falling = [k for k in steady if weeks[k][1] < 0.6 * weeks[k][0]]
    assert 0.02 < len(falling) / len(steady) < 0.15

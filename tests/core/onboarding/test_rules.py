"""Usage-rule criteria on constructed rollups: the first day each rule held, exactly."""

from __future__ import annotations

from datetime import date

import polars as pl

from kizuna.core.onboarding.rules import RULE_SCHEMA, first_met

D = date


def _rules(*rows: tuple[int, int, date, str, str, int, int, int | None]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=RULE_SCHEMA, orient="row")


def _daily(rows: list[tuple[int, date, int, int]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "account_id": pl.Int64,
            "day": pl.Date,
            "events": pl.Int64,
            "active_users": pl.Int64,
        },
        orient="row",
    )


FEATURES = pl.DataFrame(
    [
        (1, D(2026, 4, 1), "report", 2),
        (1, D(2026, 4, 3), "report", 2),
        (1, D(2026, 4, 9), "report", 1),  # window (3 Apr, 9 Apr]: 2 + 1 = 3
        (1, D(2026, 4, 10), "report", 2),  # window (4 Apr, 10 Apr]: 1 + 2 = 3
        (1, D(2026, 4, 12), "report", 3),  # window (6 Apr, 12 Apr]: 1 + 2 + 3 = 6 ≥ 5
        (1, D(2026, 4, 12), "approval", 9),
    ],
    schema={"account_id": pl.Int64, "day": pl.Date, "feature": pl.String, "events": pl.Int64},
    orient="row",
)
DAILY = _daily(
    [
        (1, D(2026, 3, 30), 50, 9),  # before the start: never counts
        (1, D(2026, 4, 1), 4, 2),
        (1, D(2026, 4, 2), 0, 0),
        (1, D(2026, 4, 3), 4, 6),  # 6 of 10 seats = 60 %
        (1, D(2026, 4, 5), 3, 1),
    ]
)


APRIL_1, APRIL_30 = D(2026, 4, 1), D(2026, 4, 30)


def _met(rules: pl.DataFrame, since: date = APRIL_1, as_of: date = APRIL_30) -> dict[int, date]:
    return dict(first_met(rules, DAILY, FEATURES, since=since, as_of=as_of).rows())


def test_it_finds_the_first_day_a_feature_reached_its_count_in_a_rolling_window() -> None:
    rules = _rules((10, 1, D(2026, 4, 1), "feature_events", "report", 5, 7, None))
    assert _met(rules) == {10: D(2026, 4, 12)}


def test_the_window_is_calendar_days_ending_on_the_day() -> None:
    # 2 + 2 on 1 and 3 April: the 3-day window 1–3 April holds 4 events, the 2-day one 2–3 April 2
    three = _rules((1, 1, D(2026, 4, 1), "feature_events", "report", 4, 3, None))
    two = _rules((1, 1, D(2026, 4, 1), "feature_events", "report", 4, 2, None))
    assert _met(three) == {1: D(2026, 4, 3)}
    assert _met(two) == {}  # no two days in a row reach 4: 9–10 April hold 1 + 2 = 3
    two_of_three = _rules((1, 1, D(2026, 4, 1), "feature_events", "report", 3, 2, None))
    assert _met(two_of_three) == {1: D(2026, 4, 10)}


def test_events_before_the_start_do_not_count() -> None:
    rules = _rules((1, 1, D(2026, 4, 1), "events", "", 10, 7, None))
    assert _met(rules) == {1: D(2026, 4, 5)}  # 4 + 0 + 4 + 3 = 11, not the 50 of 30 March


def test_active_days_and_seat_share() -> None:
    rules = _rules(
        (1, 1, D(2026, 4, 1), "active_days", "", 3, 7, None),
        (2, 1, D(2026, 4, 1), "seat_share", "", 60, 1, 10),
        (3, 1, D(2026, 4, 1), "seat_share", "", 61, 1, 10),
        (4, 1, D(2026, 4, 1), "seat_share", "", 10, 1, None),  # seats unknown: never
    )
    assert _met(rules) == {1: D(2026, 4, 5), 2: D(2026, 4, 3)}


def test_only_days_from_since_to_as_of_are_reported_but_earlier_days_fill_the_window() -> None:
    rules = _rules((1, 1, D(2026, 4, 1), "events", "", 11, 7, None))
    assert _met(rules, since=D(2026, 4, 5), as_of=D(2026, 4, 5)) == {1: D(2026, 4, 5)}
    assert _met(rules, since=D(2026, 4, 6), as_of=D(2026, 4, 30)) == {}
    assert _met(rules, since=D(2026, 4, 1), as_of=D(2026, 4, 4)) == {}


def test_no_rules_or_no_usage_gives_nothing() -> None:
    empty = pl.DataFrame(schema=RULE_SCHEMA)
    assert first_met(empty, DAILY, FEATURES, since=D(2026, 4, 1), as_of=D(2026, 4, 30)).rows() == []
    rules = _rules((1, 2, D(2026, 4, 1), "events", "", 1, 7, None))
    assert _met(rules) == {}

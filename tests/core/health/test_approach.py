"""Approach score: exact points and reasons, who is left out, the ranking."""

from __future__ import annotations

import polars as pl
import pytest

from kizuna.core.health.approach import approach_scores, similar_products

SCHEMA = {
    "account_id": pl.Int64,
    "industry": pl.String,
    "segment": pl.String,
    "products": pl.List(pl.String),
    "grade": pl.Int8,
    "active_user_ratio": pl.Float64,
    "usage_trend": pl.Float64,
    "days_to_renewal": pl.Int64,
}


def _accounts(rows: list[tuple[object, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


ROWS = [
    # seats 0.95 → 35; trend 1.25 → 10; grade 5 → 20; lacks "invoice" which 2 of 4 similar
    # accounts have (50 %) → (0.5 − 0.2) / 0.4 × 15 = 11.25 → 11.2; renewal in 60 days → 10
    (1, "it", "low", ["expense"], 5, 0.95, 1.25, 60),
    (2, "it", "low", ["expense", "invoice"], 4, 0.5, 0.9, 200),  # only healthy → 10
    (3, "it", "low", ["expense", "invoice"], 2, 0.99, 2.0, 60),  # grade 2: not ranked
    (4, "it", "low", ["expense"], None, 0.99, 2.0, 60),  # no grade: not ranked
    (5, "retail", "high", ["expense"], 3, None, None, None),  # nothing: not listed
]


def test_it_gives_points_with_their_reasons() -> None:
    ranked = approach_scores(_accounts(ROWS))
    assert [(a.account_id, a.score) for a in ranked] == [(1, 86.2), (2, 10.0)]
    first = ranked[0]
    assert [(r.code, r.points) for r in first.reasons] == [
        ("seats_nearly_full", 35.0),
        ("usage_growing", 10.0),
        ("healthy", 20.0),
        ("similar_accounts_use", 11.2),
        ("renewal_ahead", 10.0),
    ]
    assert first.reasons[3].details == {"product": "invoice", "share": 0.5}


def test_shares_of_similar_accounts() -> None:
    shares = similar_products(_accounts(ROWS)).sort("industry", "product")
    assert shares.rows() == [
        ("it", "low", "expense", 1.0),
        ("it", "low", "invoice", 0.5),
        ("retail", "high", "expense", 1.0),
    ]


@pytest.mark.parametrize(("days", "points"), [(29, 0), (30, 10), (120, 10), (121, 0)])
def test_renewal_window_boundaries(days: int, points: float) -> None:
    ranked = approach_scores(_accounts([(1, "it", "low", ["expense"], 4, None, None, days)]))
    assert sum(r.points for r in ranked[0].reasons if r.code == "renewal_ahead") == points


def test_a_tiny_account_is_not_full_just_because_its_few_seats_are_used() -> None:
    frame = _accounts([(1, "it", "low", ["expense"], 4, 1.0, None, None)]).with_columns(
        pl.lit(3).alias("seats")
    )
    assert [r.code for r in approach_scores(frame)[0].reasons] == ["healthy"]

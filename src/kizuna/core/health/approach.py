"""Approach score: which accounts are ready for an expansion conversation, and why.

Separate from health (Wantedly keeps the two apart: health says *whether* an account is fine,
the approach score says *when* to talk about more). Per account, as of a day, from:

- ``active_user_ratio`` (peak daily users ÷ seats) and ``usage_trend`` (see ``inputs``);
- ``grade``: today's health grade (1–5);
- ``days_to_renewal``;
- ``products``: the products it has, ``industry`` and ``segment`` (to find similar accounts).

Points (0–100), each with its reason:

- **seats nearly full** (35): linear from 60 % to 95 % of seats used on the busiest day, for
  accounts with at least ``MIN_SEATS`` seats (a 3-seat account is "full" with three users);
- **usage growing** (20): linear from a trend of 1.0 (as usual) to 1.5 (half again);
- **healthy** (20): grade 4 → 10, grade 5 → 20;
- **what similar accounts use** (15): for each product the account lacks, the share of
  accounts of the same industry and touch model that have it; linear from 20 % to 60 % on the
  largest share;
- **renewal ahead** (10): 10 when the renewal is 30–120 days away (time to prepare a proposal).

Accounts in grade 1–2 or without a grade are not ranked (fix health first). Ties are broken
by account id. Every point carries a reason code and its numbers for the page to word.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import polars as pl

SEATS_POINTS: Final = 35.0
GROWTH_POINTS: Final = 20.0
HEALTH_POINTS: Final = 20.0
SIMILAR_POINTS: Final = 15.0
RENEWAL_POINTS: Final = 10.0
MIN_SEATS: Final = 5


@dataclass(frozen=True, slots=True)
class Reason:
    code: str  # seats_nearly_full | usage_growing | healthy | similar_accounts_use | renewal_ahead
    points: float
    details: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Approach:
    account_id: int
    score: float
    reasons: tuple[Reason, ...]


def _linear(x: float | None, low: float, high: float) -> float:
    if x is None:
        return 0.0
    return min(1.0, max(0.0, (x - low) / (high - low)))


def similar_products(accounts: pl.DataFrame) -> pl.DataFrame:
    """Per (industry, segment, product): the share of the group's accounts that have it.
    ``accounts``: account_id, industry, segment, products (list of codes)."""
    sizes = accounts.group_by("industry", "segment").agg(pl.len().alias("n"))
    owned = (
        accounts.explode("products")
        .drop_nulls("products")
        .group_by("industry", "segment", "products")
        .agg(pl.col("account_id").n_unique().alias("have"))
    )
    return owned.join(sizes, on=["industry", "segment"]).select(
        "industry",
        "segment",
        pl.col("products").alias("product"),
        (pl.col("have") / pl.col("n")).alias("share"),
    )


def approach_scores(accounts: pl.DataFrame, *, top: int = 100) -> list[Approach]:
    """Rank ``accounts`` (columns: account_id, industry, segment, products, grade,
    active_user_ratio, usage_trend, days_to_renewal, optionally seats) by their approach
    score."""
    shares = similar_products(accounts)
    lookup: dict[tuple[str, str], dict[str, float]] = {}
    for industry, segment, product, share in shares.iter_rows():
        lookup.setdefault((industry, segment), {})[product] = share
    ranked = []
    for row in accounts.iter_rows(named=True):
        if row["grade"] is None or row["grade"] <= 2:
            continue
        reasons = _reasons(row, lookup.get((row["industry"], row["segment"]), {}))
        total = round(sum(r.points for r in reasons), 1)
        if total > 0:
            ranked.append(Approach(row["account_id"], total, tuple(reasons)))
    ranked.sort(key=lambda a: (-a.score, a.account_id))
    return ranked[:top]


def _reasons(row: dict[str, Any], shares: dict[str, float]) -> list[Reason]:
    reasons = []
    big_enough = (row.get("seats") or MIN_SEATS) >= MIN_SEATS
    seats = _linear(row["active_user_ratio"], 0.6, 0.95) if big_enough else 0.0
    if seats:
        reasons.append(
            Reason(
                "seats_nearly_full",
                round(SEATS_POINTS * seats, 1),
                {"ratio": row["active_user_ratio"]},
            )
        )
    growth = _linear(row["usage_trend"], 1.0, 1.5)
    if growth:
        reasons.append(
            Reason("usage_growing", round(GROWTH_POINTS * growth, 1), {"trend": row["usage_trend"]})
        )
    if row["grade"] >= 4:
        points = HEALTH_POINTS if row["grade"] == 5 else HEALTH_POINTS / 2
        reasons.append(Reason("healthy", points, {"grade": row["grade"]}))
    missing = {p: s for p, s in shares.items() if p not in set(row["products"] or [])}
    if missing:
        product, share = max(missing.items(), key=lambda item: (item[1], item[0]))
        similar = _linear(share, 0.2, 0.6)
        if similar:
            details = {"product": product, "share": share}
            reasons.append(
                Reason("similar_accounts_use", round(SIMILAR_POINTS * similar, 1), details)
            )
    days = row["days_to_renewal"]
    if days is not None and 30 <= days <= 120:
        reasons.append(Reason("renewal_ahead", RENEWAL_POINTS, {"days": days}))
    return reasons

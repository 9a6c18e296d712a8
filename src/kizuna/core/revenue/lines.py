"""Subscription lines: the one input of the revenue core, and the month arithmetic on it.

A line is a contract line of one customer (account): it earns ``monthly_amount`` (integer minor
units, e.g. yen) on every day d with ``start_date ≤ d < end_date``; ``end_date`` is exclusive and
null means the line is still open. Optional dimension columns (``product``, ``segment``,
``channel``, ``team``) label a line so that every figure can be cut by them.

Months are calendar months, represented in outputs by their first day (``date_month``) and
internally by a month index ``year · 12 + month − 1`` (``core.calendar.month_index``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Final, Literal

import polars as pl

from kizuna.core.calendar import month_from_index

Dimension = Literal["product", "segment", "channel", "team"]

#: Dimensions a caller may cut every figure by (``by="segment"``).
DIMENSIONS: Final[tuple[Dimension, ...]] = ("product", "segment", "channel", "team")

#: Columns every lines frame must have.
REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "subscription_id",
    "customer_id",
    "start_date",
    "end_date",
    "monthly_amount",
)


@dataclass(frozen=True)
class SubscriptionLine:
    """One contract line; see the module docstring for the meaning of each field."""

    subscription_id: str
    customer_id: str
    start_date: dt.date
    end_date: dt.date | None
    monthly_amount: int
    product: str | None = None
    segment: str | None = None
    channel: str | None = None
    team: str | None = None


LINES_SCHEMA: Final[dict[str, pl.DataType]] = {
    "subscription_id": pl.String(),
    "customer_id": pl.String(),
    "start_date": pl.Date(),
    "end_date": pl.Date(),
    "monthly_amount": pl.Int64(),
    "product": pl.String(),
    "segment": pl.String(),
    "channel": pl.String(),
    "team": pl.String(),
}


def lines_frame(lines: Sequence[SubscriptionLine]) -> pl.DataFrame:
    """The lines as a Polars frame with :data:`LINES_SCHEMA` (all columns, nulls kept)."""
    return pl.DataFrame([asdict(line) for line in lines], schema=LINES_SCHEMA, orient="row")


def check_lines(lines: pl.DataFrame, *, by: Dimension | None = None) -> None:
    """Raise ``ValueError`` unless ``lines`` is a valid lines frame (cheap, vectorised).

    Valid: the :data:`REQUIRED_COLUMNS` (and ``by``) exist; dates are ``Date``; the amount is an
    integer type; ids and start dates are never null; amounts are ≥ 0; ``end_date ≥ start_date``.
    """
    missing = [c for c in (*REQUIRED_COLUMNS, *([by] if by else [])) if c not in lines.columns]
    if missing:
        raise ValueError(f"lines frame lacks column(s): {', '.join(missing)}")
    for column in ("start_date", "end_date"):
        if lines.schema[column] != pl.Date:
            raise ValueError(f"{column} must be of type Date, not {lines.schema[column]}")
    if not lines.schema["monthly_amount"].is_integer():
        raise ValueError("monthly_amount must be an integer type (minor units)")
    bad = lines.select(
        null_ids=pl.any_horizontal(
            pl.col("subscription_id").is_null(),
            pl.col("customer_id").is_null(),
            pl.col("start_date").is_null(),
            pl.col("monthly_amount").is_null(),
        ).any(),
        negative=(pl.col("monthly_amount") < 0).any(),
        reversed=(pl.col("end_date") < pl.col("start_date")).any(),
    ).row(0, named=True)
    problems = [name for name, flagged in bad.items() if flagged]
    if problems:
        raise ValueError(f"invalid lines: {', '.join(problems)}")


def month_index_expr(column: str | pl.Expr) -> pl.Expr:
    """Polars expression: the month index of a ``Date`` column (null stays null)."""
    expr = pl.col(column) if isinstance(column, str) else column
    return expr.dt.year().cast(pl.Int32) * 12 + expr.dt.month().cast(pl.Int32) - 1


def month_start_expr(index: pl.Expr, *, low: int, high: int) -> pl.Expr:
    """Polars expression: the first day (``Date``) of the month with index ``index``.

    Every index must lie in ``[low, high]``: the dates come from a small lookup table, which
    is an order of magnitude faster than building millions of dates.
    """
    table = pl.Series([month_from_index(i) for i in range(low, high + 1)], dtype=pl.Date)
    return pl.lit(table).gather(index - low)


def keys_for(by: Dimension | None) -> list[str]:
    """The grain of the per-customer frames: ``[by, "customer_id"]`` or ``["customer_id"]``."""
    return [by, "customer_id"] if by else ["customer_id"]


def groups_for(by: Dimension | None) -> list[str]:
    """The grain of the per-month frames besides ``date_month``: ``[by]`` or ``[]``."""
    return [by] if by else []


def default_as_of(lines: pl.DataFrame) -> dt.date | None:
    """The latest month in which any line starts or ends (its first day); None for no lines.

    With month-start dates and exclusive ends this is the month after the last active month of
    a fully closed book, so the last churn shows. Open lines do not extend it: pass an explicit
    ``as_of`` when the data runs to today.
    """
    latest = lines.select(
        pl.max_horizontal(pl.col("start_date").max(), pl.col("end_date").max())
    ).item()
    if latest is None:
        return None
    assert isinstance(latest, dt.date)
    return latest.replace(day=1)


def first_row_expr(keys: list[str]) -> pl.Expr:
    """True on the first row of each run of equal ``keys`` (rows of one customer contiguous)."""
    changed = [pl.col(k).ne_missing(pl.col(k).shift(1)) for k in keys]
    return pl.any_horizontal(pl.int_range(pl.len()) == 0, *changed)


def run_first_expr(expr: pl.Expr, first_row: pl.Expr) -> pl.Expr:
    """``expr``'s value on the first row of the current run, repeated over the run.

    A linear-time stand-in for ``expr.first().over(keys)`` on frames sorted by ``keys``.
    """
    return pl.when(first_row).then(expr).forward_fill()

"""Helpers for the revenue core tests: compact books of lines and readable result rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import polars as pl
import pytest

from kizuna.core.revenue import SubscriptionLine, lines_frame

#: (customer_id, start "YYYY-MM-DD", end "YYYY-MM-DD" or None, monthly_amount[, dimensions])
Row = tuple[Any, ...]
MakeLines = Callable[..., pl.DataFrame]
ReadRows = Callable[..., list[tuple[Any, ...]]]


def _line(number: int, row: Row) -> SubscriptionLine:
    customer, start, end, amount, *rest = row
    dimensions: Mapping[str, str] = rest[0] if rest else {}
    return SubscriptionLine(
        subscription_id=f"s{number}",
        customer_id=customer,
        start_date=dt.date.fromisoformat(start),
        end_date=dt.date.fromisoformat(end) if end else None,
        monthly_amount=amount,
        **dimensions,
    )


@pytest.fixture
def make_lines() -> MakeLines:
    """``make_lines(("a", "2024-01-01", None, 100), ...)`` → a lines frame."""

    def make(*rows: Row) -> pl.DataFrame:
        return lines_frame([_line(number, row) for number, row in enumerate(rows, start=1)])

    return make


@pytest.fixture
def read_rows() -> ReadRows:
    """``read_rows(frame, "date_month", "mrr")`` → row tuples, dates as "YYYY-MM", floats rounded
    to 6 decimals, enums as text."""

    def read(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
        picked = frame.select(columns).with_columns(
            pl.col(pl.Date).dt.to_string("%Y-%m"),
            pl.col(pl.Float64).round(6),
            pl.col(pl.Enum).cast(pl.String),
        )
        return picked.rows()

    return read


@pytest.fixture
def small_book(make_lines: MakeLines) -> pl.DataFrame:
    """Four customers, January–April 2024 (as of April):

    a 100 throughout; b 50 in Jan–Feb, churns in Mar; c new in Feb at 40, expands to 60 in Mar;
    d 30 in Jan–Feb, contracts to 10 in Mar. Totals: Jan 180, Feb 220, Mar 170, Apr 170.
    """
    return make_lines(
        ("a", "2024-01-01", None, 100, {"segment": "high"}),
        ("b", "2024-01-01", "2024-03-01", 50, {"segment": "low"}),
        ("c", "2024-02-01", None, 40, {"segment": "low"}),
        ("c", "2024-03-01", None, 20, {"segment": "low"}),
        ("d", "2024-01-01", "2024-03-01", 20, {"segment": "tech"}),
        ("d", "2024-01-01", None, 10, {"segment": "tech"}),
    )


SMALL_BOOK_AS_OF = dt.date(2024, 4, 1)

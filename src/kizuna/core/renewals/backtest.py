"""The forecast backtested like the health score: each past quarter's forecast as it was on
the quarter's first day, beside what happened; the reliability of the probabilities (predicted
mean against actual rate per grade and touch model) and the Brier score.

docs/metrics.md ("Forecast and calibration") has the definitions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import polars as pl

from kizuna.core.renewals.forecast import (
    PRIOR_WEIGHT,
    Quarter,
    calibrate,
    predict,
    quarter_after,
    quarter_of,
    with_grades_on,
)

#: past quarters backtested
BACKTEST_QUARTERS: Final = 8


@dataclass(frozen=True, slots=True)
class PastQuarter:
    """A past quarter's forecast as it was at its first day, beside what happened."""

    quarter: Quarter
    renewals: int
    mrr_due: int
    forecast_renewals: float
    actual_renewals: int
    forecast_grr: float | None
    actual_grr: float | None
    forecast_nrr: float | None
    actual_nrr: float | None


@dataclass(frozen=True, slots=True)
class ReliabilityRow:
    grade: int | None
    segment: str
    renewals: int
    predicted: float  # mean p
    actual: float  # renewed ÷ renewals


@dataclass(frozen=True, slots=True)
class Backtest:
    quarters: tuple[PastQuarter, ...]  # oldest first
    grr_mae: float | None
    nrr_mae: float | None
    reliability: tuple[ReliabilityRow, ...]
    brier: float | None  # mean (p − renewed)² over every backtested renewal
    renewals: int


def backtest(
    history: pl.DataFrame,
    grades: pl.DataFrame,
    *,
    today: dt.date,
    start_month: int,
    quarters: int = BACKTEST_QUARTERS,
    prior_weight: float = PRIOR_WEIGHT,
) -> Backtest:
    """For each of the ``quarters`` fiscal quarters before ``today``'s, the forecast made on
    its first day *s* (calibrated on ``history`` renewals dated before *s*, each renewal of
    the quarter graded as of *s*) against the actual GRR and NRR of those renewals.
    ``history`` carries ``grade`` (as of 90 days before each date) for the calibration.
    MAE = mean |forecast − actual| over the quarters where both are defined (None if none).
    The reliability rows and the Brier score pool every backtested renewal's prediction."""
    done: list[PastQuarter] = []
    predictions: list[pl.DataFrame] = []
    for past in backtest_quarters(today=today, start_month=start_month, quarters=quarters):
        calibration = calibrate(history, as_of=past.first, prior_weight=prior_weight)
        rows = history.filter(
            pl.col("date").is_between(past.first, past.last)
            & pl.col("mrr_after").is_not_null()
            & (pl.col("mrr_due") > 0)
        ).drop("grade")
        rows = predict(calibration, with_grades_on(rows, grades, past.first))
        predictions.append(rows.select("grade", "segment", "p", "mrr_after"))
        done.append(_past_quarter(past, rows))
    return _backtest_of(done, predictions)


def backtest_quarters(*, today: dt.date, start_month: int, quarters: int) -> list[Quarter]:
    """The ``quarters`` fiscal quarters before ``today``'s, oldest first (those before the
    year 1 left out)."""
    current = quarter_of(today, start_month)
    found = []
    for steps in range(quarters, 0, -1):
        try:
            found.append(quarter_after(current, start_month, -steps))
        except ValueError:  # before the year 1
            continue
    return found


def _past_quarter(quarter: Quarter, rows: pl.DataFrame) -> PastQuarter:
    due = int(rows["mrr_due"].sum())
    sums = rows.select(
        (pl.col("p") * pl.col("q") * pl.col("mrr_due")).sum().alias("a"),
        (pl.col("p") * (pl.col("q") + pl.col("e")) * pl.col("mrr_due")).sum().alias("b"),
        pl.col("p").sum().alias("c"),
        pl.min_horizontal("mrr_after", "mrr_due").sum().alias("d"),
        pl.col("mrr_after").sum().alias("e"),
        (pl.col("mrr_after") > 0).sum().alias("f"),
    ).row(0)
    return PastQuarter(
        quarter=quarter,
        renewals=rows.height,
        mrr_due=due,
        forecast_renewals=float(sums[2] or 0.0),
        actual_renewals=int(sums[5] or 0),
        forecast_grr=_ratio(float(sums[0] or 0.0), due),
        actual_grr=_ratio(int(sums[3] or 0), due),
        forecast_nrr=_ratio(float(sums[1] or 0.0), due),
        actual_nrr=_ratio(int(sums[4] or 0), due),
    )


def _mae(pairs: Iterable[tuple[float | None, float | None]]) -> float | None:
    errors = [abs(f - a) for f, a in pairs if f is not None and a is not None]
    return sum(errors) / len(errors) if errors else None


def _backtest_of(done: list[PastQuarter], predictions: list[pl.DataFrame]) -> Backtest:
    pooled = (
        pl.concat(predictions)
        if predictions
        else pl.DataFrame(
            schema={"grade": pl.Int64, "segment": pl.Utf8, "p": pl.Float64, "mrr_after": pl.Int64}
        )
    )
    pooled = pooled.with_columns((pl.col("mrr_after") > 0).cast(pl.Float64).alias("y"))
    table = (
        pooled.group_by("grade", "segment")
        .agg(pl.len().alias("n"), pl.col("p").mean(), pl.col("y").mean())
        .sort("grade", "segment", nulls_last=True)
    )
    reliability = tuple(
        ReliabilityRow(grade, segment, int(n), float(p), float(y))
        for grade, segment, n, p, y in table.iter_rows()
    )
    brier = (
        pooled.select(((pl.col("p") - pl.col("y")) ** 2).mean()).item() if pooled.height else None
    )
    return Backtest(
        quarters=tuple(done),
        grr_mae=_mae((q.forecast_grr, q.actual_grr) for q in done),
        nrr_mae=_mae((q.forecast_nrr, q.actual_nrr) for q in done),
        reliability=reliability,
        brier=None if brier is None else float(brier),
        renewals=pooled.height,
    )


def _ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None

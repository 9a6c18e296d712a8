"""History tables brought from elsewhere, for a backtest (the command and the upload page).

One row per account and date: ``account_id``, ``date``, one column per input of the model, and
an outcome column that is either a date (when the account churned) or 0/1 (the label itself).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from kizuna.core.health.model import ScoreModel


class InputError(Exception):
    """A table that cannot be backtested, with the reason in the message."""


def load_samples(path: Path, *, model: ScoreModel, outcome: str) -> pl.DataFrame:
    """The table as backtest rows: ``account_id``, ``as_of``, the inputs, and ``churn_on`` (a
    date outcome) or ``label`` (0/1)."""
    try:
        frame = (
            pl.read_parquet(path)
            if path.suffix == ".parquet"
            else pl.read_csv(path, try_parse_dates=True)
        )
    except (OSError, pl.exceptions.PolarsError) as error:
        raise InputError(f"cannot read {path}: {error}") from error
    needed = ["account_id", "date", outcome, *model.inputs]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise InputError(f"{path} lacks the columns: {', '.join(missing)}")
    if frame.schema["date"] != pl.Date:
        raise InputError("the date column must hold dates (YYYY-MM-DD)")
    bad = [c for c in model.inputs if not frame.schema[c].is_numeric()]
    if bad:
        raise InputError(f"input columns must be numbers: {', '.join(bad)}")
    rows = frame.rename({"date": "as_of"})
    if rows.schema[outcome] == pl.Date:
        return rows.rename({outcome: "churn_on"}) if outcome != "churn_on" else rows
    values = set(rows[outcome].drop_nulls().unique().to_list())
    if not values <= {0, 1}:
        raise InputError(f"the outcome column {outcome} must be a date or 0/1")
    return rows.with_columns(pl.col(outcome).cast(pl.Int8).alias("label"))

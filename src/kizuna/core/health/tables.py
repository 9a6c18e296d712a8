"""History tables brought from elsewhere, for a backtest (the command and the upload page).

One row per account and date: ``account_id``, ``date``, one column per input of the model, and
an outcome column that is either a date (when the account churned) or 0/1 (the label itself).
The survey inputs (``nps_last``, ``csat_mean``) may be left out: the table then has no answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO, Literal

import polars as pl

from kizuna.core.health.inputs import VOC_INPUTS
from kizuna.core.health.model import ScoreModel

TableKind = Literal["csv", "parquet"]


class InputError(Exception):
    """A table that cannot be backtested. ``code`` names the reason (``unreadable``,
    ``missing_columns``, ``dates``, ``inputs_not_numeric``, ``outcome``) and ``columns`` the
    columns at fault, so that a page can word it in the member's language; the message is
    English for the command line. Neither names a file."""

    def __init__(self, code: str, message: str, *, columns: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.columns = columns


def table_kind(name: str) -> TableKind:
    """Parquet for a ``.parquet`` name (any case), CSV otherwise."""
    return "parquet" if name.lower().endswith(".parquet") else "csv"


def read_table(source: Path | BinaryIO, *, kind: TableKind) -> pl.DataFrame:
    """The whole table, from a path or an open binary file."""
    try:
        if kind == "parquet":
            return pl.read_parquet(source)
        return pl.read_csv(source, try_parse_dates=True)
    except (OSError, ValueError, pl.exceptions.PolarsError) as error:
        raise InputError("unreadable", f"cannot read the table as {kind}: {error}") from error


def load_samples(path: Path, *, model: ScoreModel, outcome: str) -> pl.DataFrame:
    """The table at ``path`` as backtest rows (see ``samples_from``)."""
    frame = read_table(path, kind=table_kind(path.name))
    return samples_from(frame, model=model, outcome=outcome)


def samples_from(frame: pl.DataFrame, *, model: ScoreModel, outcome: str) -> pl.DataFrame:
    """The table as backtest rows: ``account_id``, ``as_of``, the inputs, and ``churn_on`` (a
    date outcome) or ``label`` (0/1). A survey input the table lacks is null on every row."""
    frame = frame.with_columns(
        pl.lit(None, dtype=pl.Float64).alias(name)
        for name in sorted(VOC_INPUTS)
        if name not in frame.columns
    )
    needed = ["account_id", "date", outcome, *model.inputs]
    missing = tuple(c for c in needed if c not in frame.columns)
    if missing:
        raise InputError(
            "missing_columns",
            f"the table lacks the columns: {', '.join(missing)}",
            columns=missing,
        )
    if frame.schema["date"] != pl.Date:
        raise InputError("dates", "the date column must hold dates (YYYY-MM-DD)", columns=("date",))
    bad = tuple(c for c in model.inputs if not frame.schema[c].is_numeric())
    if bad:
        raise InputError(
            "inputs_not_numeric", f"input columns must be numbers: {', '.join(bad)}", columns=bad
        )
    rows = frame.rename({"date": "as_of"})
    if rows.schema[outcome] == pl.Date:
        return rows.rename({outcome: "churn_on"}) if outcome != "churn_on" else rows
    values = set(rows[outcome].drop_nulls().unique().to_list())
    if not values <= {0, 1}:
        raise InputError(
            "outcome", f"the outcome column {outcome} must be a date or 0/1", columns=(outcome,)
        )
    return rows.with_columns(pl.col(outcome).cast(pl.Int8).alias("label"))

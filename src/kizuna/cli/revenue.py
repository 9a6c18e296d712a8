"""``kizuna revenue``: MRR movements and retention KPIs from a subscriptions file.

Reads CSV or Parquet lines (``subscription_id, customer_id, start_date, end_date,
monthly_amount``; optional ``product, segment, channel, team`` become dimensions; other columns
are ignored), validates every row, and writes ``mrr.csv``, ``summary.csv``, ``cohorts.csv`` and
one ``summary_by_<dimension>.csv`` per dimension column present. If any row is bad, every bad
row is reported with its line number and nothing is written. Definitions: docs/metrics.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from typing import Any

import polars as pl

from kizuna.core.revenue import (
    DIMENSIONS,
    REQUIRED_COLUMNS,
    default_as_of,
    revenue_reports,
    trim_inactive_tail,
)
from kizuna.core.revenue.report import SUMMARY_COLUMNS

MRR_COLUMNS = (
    "date_month",
    "customer_id",
    "mrr",
    "previous_month_mrr",
    "mrr_change",
    "change_category",
)
_WHOLE_NUMBER = r"^[+-]?[0-9]+(\.0*)?$"
_DATE_FORMAT = "%Y-%m-%d"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "revenue",
        help="compute MRR movements, churn, GRR, NRR and LTV from a file",
        description=(
            "Compute MRR per customer per month, its movements and the monthly KPIs "
            "(churn, GRR, NRR, ARPA, LTV) from a file of subscription lines. "
            "Definitions: docs/metrics.md."
        ),
    )
    parser.add_argument(
        "--subscriptions",
        required=True,
        type=Path,
        metavar="PATH",
        help="CSV or Parquet with subscription_id, customer_id, start_date, end_date "
        "(exclusive, empty = still active), monthly_amount (integer minor units); optional "
        "product, segment, channel, team",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="output folder")
    parser.add_argument(
        "--as-of",
        type=_month,
        metavar="YYYY-MM",
        help="last month to report (default: the latest month in which a line starts or ends)",
    )
    parser.add_argument(
        "--gross-margin",
        type=float,
        metavar="FRACTION",
        help="gross margin in (0, 1] that LTV is multiplied by (default: none)",
    )
    parser.set_defaults(handler=run)


def _month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM, got {text!r}") from None


def run(args: argparse.Namespace) -> int:
    try:
        raw, line_offset, where = _read(args.subscriptions)
    except (OSError, pl.exceptions.PolarsError) as error:
        print(f"kizuna revenue: cannot read {args.subscriptions}: {error}", file=sys.stderr)
        return 1
    missing = [c for c in REQUIRED_COLUMNS if c not in raw.columns]
    if missing:
        print(f"{where} 1: missing required column(s): {', '.join(missing)}", file=sys.stderr)
        print("kizuna revenue: nothing written", file=sys.stderr)
        return 1
    lines, problems = parse_lines(raw, line_offset=line_offset)
    if problems:
        for number, reason in problems:
            print(f"{where} {number}: {reason}", file=sys.stderr)
        print(f"kizuna revenue: {len(problems)} bad row(s); nothing written", file=sys.stderr)
        return 1
    as_of = args.as_of or default_as_of(lines)
    if as_of is None:
        print("kizuna revenue: no subscription lines; pass --as-of", file=sys.stderr)
        return 1
    try:
        outputs = _outputs(lines, as_of=as_of, gross_margin=args.gross_margin)
    except ValueError as error:
        print(f"kizuna revenue: {error}", file=sys.stderr)
        return 1
    _write_all(args.out, outputs)
    print(f"kizuna revenue: as of {as_of:%Y-%m}, wrote {', '.join(outputs)} to {args.out}")
    return 0


def _read(path: Path) -> tuple[pl.DataFrame, int, str]:
    """The file with every column as text, the number of its first data row, and its unit."""
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic == b"PAR1":
        frame = pl.read_parquet(path)
        return frame.select(_as_text(frame, name) for name in frame.columns), 1, "row"
    return pl.read_csv(path, infer_schema=False), 2, "line"


def _as_text(frame: pl.DataFrame, name: str) -> pl.Expr:
    dtype = frame.schema[name]
    column = pl.col(name)
    if dtype == pl.Date:
        return column.dt.to_string(_DATE_FORMAT)
    if isinstance(dtype, pl.Datetime):
        return column.dt.date().dt.to_string(_DATE_FORMAT)
    return column.cast(pl.String)


def parse_lines(
    raw: pl.DataFrame, *, line_offset: int
) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """Typed lines frame from an all-text frame, and every bad row as (line number, reasons).

    Row i of ``raw`` is reported as line ``i + line_offset``. Empty or blank cells are missing.
    A row is bad when an id or the start date is missing, a date is not YYYY-MM-DD, the end is
    before the start, or the amount is not a whole non-negative number ("50" and "50.0" are
    fine, "50.5" and "-1" are not). Several reasons of one row are joined by "; ".
    """
    dimensions = [d for d in DIMENSIONS if d in raw.columns]
    text = raw.select(
        pl.col(c).cast(pl.String).str.strip_chars().replace("", None)
        for c in (*REQUIRED_COLUMNS, *dimensions)
    )
    checked = text.with_columns(
        _start=pl.col("start_date").str.to_date(_DATE_FORMAT, strict=False),
        _end=pl.col("end_date").str.to_date(_DATE_FORMAT, strict=False),
        _amount=pl.col("monthly_amount").str.replace(r"\.0*$", "").cast(pl.Int64, strict=False),
    ).with_columns(_reasons=_reasons())
    bad = checked.with_row_index("line", offset=line_offset).filter(pl.col("_reasons") != "")
    problems = [(int(n), str(r)) for n, r in bad.select("line", "_reasons").iter_rows()]
    lines = checked.select(
        "subscription_id",
        "customer_id",
        pl.col("_start").alias("start_date"),
        pl.col("_end").alias("end_date"),
        pl.col("_amount").alias("monthly_amount"),
        *dimensions,
    )
    return lines, problems


def _reasons() -> pl.Expr:
    """Why a row is bad ("" when it is fine): raw text columns next to parsed ``_*`` columns."""
    amount = pl.col("monthly_amount")
    whole = amount.str.contains(_WHOLE_NUMBER)

    def said(column: str) -> pl.Expr:
        return pl.lit(" '") + pl.col(column) + pl.lit("'")

    checks = [
        (pl.col("subscription_id").is_null(), pl.lit("missing subscription_id")),
        (pl.col("customer_id").is_null(), pl.lit("missing customer_id")),
        (pl.col("start_date").is_null(), pl.lit("missing start_date")),
        (
            pl.col("_start").is_null() & pl.col("start_date").is_not_null(),
            pl.lit("unparseable start_date") + said("start_date"),
        ),
        (
            pl.col("_end").is_null() & pl.col("end_date").is_not_null(),
            pl.lit("unparseable end_date") + said("end_date"),
        ),
        (pl.col("_end") < pl.col("_start"), pl.lit("end_date before start_date")),
        (amount.is_null(), pl.lit("missing monthly_amount")),
        (~whole, pl.lit("monthly_amount is not a whole number") + said("monthly_amount")),
        (whole & pl.col("_amount").is_null(), pl.lit("monthly_amount too large")),
        (pl.col("_amount") < 0, pl.lit("negative monthly_amount") + said("monthly_amount")),
    ]
    messages = [pl.when(flag.fill_null(False)).then(message) for flag, message in checks]
    return pl.concat_str(messages, separator="; ", ignore_nulls=True).fill_null("")


def _outputs(
    lines: pl.DataFrame, *, as_of: dt.date, gross_margin: float | None
) -> dict[str, pl.DataFrame]:
    """Every file to write, by name, computed before anything touches the disk."""
    cuts = [dimension for dimension in DIMENSIONS if dimension in lines.columns]
    reports = revenue_reports(lines, as_of=as_of, cuts=(None, *cuts), gross_margin=gross_margin)
    report = reports[None]
    mrr = trim_inactive_tail(report.movements).with_columns(
        pl.col("change_category").cast(pl.String).replace({"unchanged": None})
    )
    order = [pl.col("customer_id").cast(pl.Int64, strict=False), "customer_id", "date_month"]
    outputs = {
        "mrr.csv": mrr.sort(order, nulls_last=True).select(MRR_COLUMNS),
        "summary.csv": report.summary.select("date_month", *SUMMARY_COLUMNS),
        "cohorts.csv": report.cohorts,
    }
    for dimension in cuts:
        outputs[f"summary_by_{dimension}.csv"] = reports[dimension].summary.select(
            dimension, "date_month", *SUMMARY_COLUMNS
        )
    return outputs


def _write_all(out: Path, outputs: dict[str, pl.DataFrame]) -> None:
    """Write each file under a temporary name first, then rename them all into place."""
    out.mkdir(parents=True, exist_ok=True)
    staged = []
    for name, frame in outputs.items():
        temporary = out / f".{name}.partial"
        frame.write_csv(temporary, null_value="")
        staged.append((temporary, out / name))
    for temporary, final in staged:
        os.replace(temporary, final)

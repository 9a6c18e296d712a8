"""Renewals derived column by column (Polars): the rules of ``generate`` over every line at once.

``generate`` states the rules (docs/renewals.md, *A renewal is derived from subscription
lines*); this module applies them to frames, for the refresh of every account (250,000 lines:
one Python loop per line and per boundary took seconds):

- each renewing line's term boundaries are month offsets from its anchor: the month index
  (``year·12 + month − 1``) of ``anchor + k·term`` for a range of ``k`` per line, exploded,
  the day clamped to the month's last day;
- a renewal is the group of boundaries of one account and date;
- its MRR after, once the date has come, is a join of the date with the account's lines of the
  same products, kept when running on the date (``start ≤ date < end``).

Frames:

``LINES`` (one row per subscription line, renewing or not: the MRR after counts every line of
the product) and ``RENEWALS`` (one row per account and date, sorted by both; ``mrr_after`` and
``outcome`` null while the date is to come). Amounts are Int64 minor units; a sum beyond
the largest (``MAX_AMOUNT``, what the database's columns hold) is held at it instead of
wrapping round to a negative amount.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import polars as pl

from kizuna.core.calendar import month_index

#: A line renews when its contract term is at least a year (monthly lines renew every month:
#: that is not renewal work).
MIN_RENEWING_TERM: Final = 12
#: Terms beyond 10 years are not contracts but typing errors; such a line never renews.
MAX_TERM: Final = 120

#: the largest amount an Int64 column (and the database's BIGINT) holds
MAX_AMOUNT: Final = 2**63 - 1

RENEWED: Final = "renewed"
DOWNGRADED: Final = "downgraded"
CHURNED: Final = "churned"

LINES: Final = {
    "line_id": pl.Int64,
    "account_id": pl.Int64,
    "product": pl.Int64,
    "start": pl.Date,
    "end": pl.Date,
    "mrr": pl.Int64,
    "term_months": pl.Int64,
    "renewal_date": pl.Date,
}
RENEWALS: Final[dict[str, Any]] = {
    "account_id": pl.Int64,
    "date": pl.Date,
    "line_ids": pl.List(pl.Int64),
    "products": pl.List(pl.Int64),
    "mrr_due": pl.Int64,
    "mrr_after": pl.Int64,
    "outcome": pl.Utf8,
}
LEADS: Final = {"account_id": pl.Int64, "lead_days": pl.Int64}

#: the month index (``calendar.month_index``) of December 9999
_LAST_INDEX: Final = month_index(dt.date.max)
_EPOCH: Final = dt.date(1970, 1, 1)
_LAST_DAY: Final = (dt.date.max - _EPOCH).days


def _month_index(column: str | pl.Expr) -> pl.Expr:
    """``calendar.month_index`` on a date column."""
    day = pl.col(column) if isinstance(column, str) else column
    return day.dt.year().cast(pl.Int64) * 12 + day.dt.month().cast(pl.Int64) - 1


def term_expr(billing_period: str, term_months: str) -> pl.Expr:
    """``generate.term_of`` on two columns: the line's own term when above 0, else 12 for an
    annual line and 1 for a monthly one."""
    own = pl.col(term_months).cast(pl.Int64)
    default = pl.when(pl.col(billing_period) == "annual").then(12).otherwise(1)
    return pl.when(own > 0).then(own).otherwise(default).cast(pl.Int64)


def due_boundaries(
    lines: pl.DataFrame, *, until: pl.Expr, since: dt.date | None = None
) -> pl.DataFrame:
    """One row per renewing line (term of ``MIN_RENEWING_TERM`` … ``MAX_TERM`` months) and
    due term boundary: the line's columns and ``date``, for every ``anchor + k·term`` months
    (anchor: the renewal date, else the start) with ``start < date ≤ min(until, end)`` and
    ``date ≥ since`` when given, up to the year 9999. ``until`` is a date expression over
    ``lines`` (a column per account, or a literal). ``generate.boundaries`` per line."""
    term = pl.col("term_months")
    anchor = pl.coalesce("renewal_date", "start")
    frame = lines.filter(term.is_between(MIN_RENEWING_TERM, MAX_TERM)).with_columns(
        anchor.alias("_anchor"),
        pl.min_horizontal(until.cast(pl.Date), pl.col("end")).alias("_last"),
    )
    base = _month_index("_anchor")
    # the first k whose boundary is in the start's month or later (the anchor may be a renewal
    # date years after the start), jumped ahead to ``since``'s month: the boundaries before
    # are dated before it; the last k whose boundary is in ``_last``'s month or before
    first = -((base - _month_index("start")) // term)
    if since is not None:
        jump = -((base - month_index(since)) // term)
        later = pl.lit(since, dtype=pl.Date) > pl.col("start")
        first = pl.when(later).then(pl.max_horizontal(first, jump)).otherwise(first)
    last = pl.min_horizontal((_month_index("_last") - base) // term, (_LAST_INDEX - base) // term)
    frame = (
        frame.with_columns(first.alias("_first"), last.alias("_k_last"))
        .filter(pl.col("_k_last") >= pl.col("_first"))
        .with_columns(pl.int_ranges("_first", pl.col("_k_last") + 1).alias("_k"))
        .explode("_k")
    )
    index = base + pl.col("_k") * term
    year, month = index // 12, index % 12 + 1
    in_month = pl.date(year, month, 1).dt.days_in_month().cast(pl.Int64)
    day = pl.min_horizontal(pl.col("_anchor").dt.day().cast(pl.Int64), in_month)
    found = frame.with_columns(pl.date(year, month, day).alias("date"))
    keep = (pl.col("date") > pl.col("start")) & (pl.col("date") <= pl.col("_last"))
    if since is not None:
        keep &= pl.col("date") >= since
    return found.filter(keep).drop("_anchor", "_last", "_first", "_k_last", "_k")


def renewals_frame(
    lines: pl.DataFrame,
    *,
    today: dt.date,
    lead_days: int | pl.DataFrame = 180,
    since: dt.date | None = None,
) -> pl.DataFrame:
    """Every renewal (``RENEWALS``) due up to ``today + lead`` days, from ``since`` on when
    given, with its MRR after and outcome when its date is on or before ``today``. ``lines``
    has the columns of ``LINES``. ``lead_days`` is one lead for every account or a frame of
    ``LEADS`` (an account missing from it has a lead of 0; a negative lead counts as 0);
    ``today + lead`` beyond 9999-12-31 is that day. ``generate.renewals_from_lines``."""
    lines = lines.select(pl.col(name).cast(kind) for name, kind in LINES.items())
    today_days = (today - _EPOCH).days
    if isinstance(lead_days, int):
        lead = pl.lit(max(0, lead_days), dtype=pl.Int64)
    else:
        leads = lead_days.select(pl.col(n).cast(k) for n, k in LEADS.items()).unique("account_id")
        lines = lines.join(leads, on="account_id", how="left")
        lead = pl.col("lead_days").fill_null(0).clip(lower_bound=0)
    until = pl.min_horizontal(lead + today_days, pl.lit(_LAST_DAY, dtype=pl.Int64)).cast(pl.Date)
    due = due_boundaries(lines, until=until, since=since)
    renewals = due.group_by("account_id", "date").agg(
        pl.col("line_id").sort().alias("line_ids"),
        pl.col("product").unique().sort().alias("products"),
        _held_sum("mrr").alias("mrr_due"),
    )
    asked = due.filter(pl.col("date") <= today).select("account_id", "date", "product").unique()
    running = (pl.col("start") <= pl.col("date")) & (
        pl.col("end").is_null() | (pl.col("date") < pl.col("end"))
    )
    after = (
        asked.join(
            lines.select("account_id", "product", "start", "end", "mrr"),
            on=["account_id", "product"],
        )
        .filter(running)
        .group_by("account_id", "date")
        .agg(_held_sum("mrr").alias("_after"))
    )
    came = pl.col("date") <= today
    mrr_after = pl.when(came).then(pl.col("_after").fill_null(0))
    return (
        renewals.join(after, on=["account_id", "date"], how="left")
        .with_columns(mrr_after.alias("mrr_after"))
        .with_columns(pl.when(came).then(outcome_expr("mrr_due", "mrr_after")).alias("outcome"))
        .select(pl.col(name).cast(kind) for name, kind in RENEWALS.items())
        .sort("account_id", "date")
    )


def _held_sum(column: str) -> pl.Expr:
    """The sum of an Int64 column, held at ``MAX_AMOUNT``: Int64 sums wrap round silently."""
    return pl.col(column).cast(pl.Int128).sum().clip(upper_bound=MAX_AMOUNT).cast(pl.Int64)


def outcome_expr(due: str, after: str) -> pl.Expr:
    """``generate.outcome_of`` on two columns: renewed when the MRR after is at least the MRR
    due (and above 0), downgraded when lower but above 0, churned at 0; a renewal of ¥0 that
    stays at ¥0 is renewed."""
    mrr_due, mrr_after = pl.col(due), pl.col(after)
    return (
        pl.when(mrr_after <= 0)
        .then(
            pl.when((mrr_due <= 0) & (mrr_after == 0))
            .then(pl.lit(RENEWED))
            .otherwise(pl.lit(CHURNED))
        )
        .when(mrr_after >= mrr_due)
        .then(pl.lit(RENEWED))
        .otherwise(pl.lit(DOWNGRADED))
    )

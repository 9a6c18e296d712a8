"""Onboarding KPIs: completion rate within period, durations, and the account-count CS funnel.

Input: one Polars frame, one row per onboarding (one onboarding per account-product):

- ``onboarding_id`` Int64, never null, unique;
- ``product``, ``segment``, ``team``, ``csm`` String (team and csm nullable): dimension labels,
  needed only when cutting by them (``by="product"`` etc.);
- ``started_on`` Date, never null: the day the account was handed over to CS (contract start);
- ``target_on`` Date, never null: the final target date (start + the last phase's offset);
- ``completed_on`` Date, nullable: the day all completion criteria were met;
- ``stalled_on`` Date, nullable: the first day it was stalled (some phase target passed unmet);
- ``expected_churn_on`` Date, nullable: the first day it was "expected churn" (解約見込);
- ``ended_on`` Date, nullable: the day the account's subscription to the product ended,
  **exclusive** (the last subscribed day is the day before); null = still subscribed;
- ``first_renewal_on`` Date, nullable: the subscription's first renewal date (null = unknown).

When an onboarding becomes stalled or expected churn is decided by the onboarding timeline
(``kizuna.core.onboarding.timeline``); this module only reads the dates. Everything is as of an
explicit ``as_of`` day (inclusive): a date after ``as_of`` has not happened yet, so it counts as
null. Months are calendar months, written as their first day (``Date``); ``first_month`` and
``last_month`` may be any day of their month, and every month between them gets a row.

**Completion rate within period** (``completion_cohorts``). The cohort of month m is the
onboardings whose ``target_on`` falls in m **and** ``target_on ≤ as_of``: an onboarding enters
its cohort only once its target date has come (otherwise the current month would look bad
before its dates come), so a month after ``as_of`` has no cohort yet.

- ``completion_rate = completed_on_time / cohort_size``, where on time means
  ``completed_on ≤ target_on`` (completing on the target date itself is on time) and
  ``completed_on ≤ as_of``;
- ``completed``: completed on any day up to ``as_of``; duration = ``completed_on − started_on``
  in days, over those; ``duration_median_days`` = the middle value, the mean of the two middle
  values for an even count; ``duration_p80_days`` = nearest rank, the ⌈0.8·n⌉-th smallest;
- ``stalled`` (``stalled_on ≤ as_of``), ``expected_churn`` (``expected_churn_on ≤ as_of``),
  ``revived`` (expected churn, then completed later: ``expected_churn_on < completed_on ≤
  as_of``), ``revival_rate = revived / expected_churn``.

**Account-count CS funnel** (``onboarding_funnel``, 顧客数ベースのCSファネル). The cohort of
month m is the onboardings with ``started_on`` in m and ``started_on ≤ as_of`` (handed over).
Nodes, each a count of the cohort's onboardings, as of ``as_of``: see ``FUNNEL_NODES``. Every
node is also a rate of ``handed_over``; plus ``revival_rate = revived / expected_churn`` and
``first_renewal_retention = retained / renewal_due``.

**Zero denominator**: every rate (and the durations) is None — "undefined", shown as "—" —
never 0. A month or dimension value with no onboarding still has a row, with counts 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

import polars as pl

from kizuna.core.revenue.summary import ratio

Dimension = Literal["product", "segment", "team", "csm"]

#: Dimensions a caller may cut every figure by (``by="product"``).
DIMENSIONS: Final[tuple[Dimension, ...]] = ("product", "segment", "team", "csm")

#: The input frame's columns and types (dimension columns needed only when cut by them).
ONBOARDINGS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "onboarding_id": pl.Int64(),
    "product": pl.String(),
    "segment": pl.String(),
    "team": pl.String(),
    "csm": pl.String(),
    "started_on": pl.Date(),
    "target_on": pl.Date(),
    "completed_on": pl.Date(),
    "stalled_on": pl.Date(),
    "expected_churn_on": pl.Date(),
    "ended_on": pl.Date(),
    "first_renewal_on": pl.Date(),
}

DATE_COLUMNS: Final[tuple[str, ...]] = tuple(
    name for name, dtype in ONBOARDINGS_SCHEMA.items() if dtype == pl.Date
)

#: Count columns of ``completion_cohorts``.
COHORT_COUNTS: Final[tuple[str, ...]] = (
    "cohort_size",
    "completed_on_time",
    "completed",
    "stalled",
    "expected_churn",
    "revived",
)

#: Funnel nodes, in display order (each an Int64 count column of ``onboarding_funnel``):
#:
#: - ``handed_over``: the cohort (``started_on`` in the month, ``≤ as_of``);
#: - ``completed_on_time``: ``completed_on ≤ target_on`` and ``completed_on ≤ as_of``;
#: - ``missed_target`` (shown as "stalled"): ``target_on ≤ as_of`` and not completed on time;
#: - ``completed_late``: ``target_on < completed_on ≤ as_of``, not expected churn before it
#:   completed (``expected_churn_on`` null or ≥ ``completed_on``);
#: - ``expected_churn``: ``expected_churn_on ≤ as_of``;
#: - ``revived``: ``expected_churn_on < completed_on ≤ as_of``;
#: - ``churned_before_completion``: ``ended_on ≤ as_of`` and not ``completed_on < ended_on``;
#: - ``still_onboarding``: not completed by ``as_of`` and not ended by ``as_of`` (due or not);
#: - ``renewal_due``: ``first_renewal_on ≤ as_of``;
#: - ``retained``: renewal due and (``ended_on`` null or ``ended_on > first_renewal_on``);
#: - ``churned_at_first_renewal``: renewal due and ``ended_on ≤ first_renewal_on`` (the end is
#:   exclusive: ending on the renewal day means not renewed).
FUNNEL_NODES: Final[tuple[str, ...]] = (
    "handed_over",
    "completed_on_time",
    "missed_target",
    "completed_late",
    "expected_churn",
    "revived",
    "churned_before_completion",
    "still_onboarding",
    "renewal_due",
    "retained",
    "churned_at_first_renewal",
)

#: Rate columns of ``onboarding_funnel``: ``<node>_rate = <node> / handed_over`` for every node
#: after ``handed_over``, then ``revival_rate`` and ``first_renewal_retention``.
FUNNEL_RATES: Final[tuple[str, ...]] = (
    *(f"{node}_rate" for node in FUNNEL_NODES[1:]),
    "revival_rate",
    "first_renewal_retention",
)


@dataclass(frozen=True, slots=True)
class PeriodCompletion:
    """Completion rate pooled over the cohorts of ``first_month`` … ``last_month``.

    ``value`` is the dimension value of ``by`` (None: onboardings without one); with ``by``
    None, one row for everything and ``value`` None. ``completion_rate`` is None when
    ``cohort_size`` is 0, and so is ``meets_target``.
    """

    by: Dimension | None
    value: str | None
    first_month: dt.date
    last_month: dt.date
    cohort_size: int
    completed_on_time: int
    completion_rate: float | None
    target: float
    meets_target: bool | None


@dataclass(frozen=True, slots=True)
class CohortRow:
    """One row of ``completion_cohorts`` without a cut (``by`` None)."""

    cohort_month: dt.date
    cohort_size: int
    completed_on_time: int
    completion_rate: float | None
    completed: int
    duration_median_days: float | None
    duration_p80_days: int | None
    stalled: int
    expected_churn: int
    revived: int
    revival_rate: float | None


@dataclass(frozen=True, slots=True, kw_only=True)
class FunnelRow:
    """One row of ``onboarding_funnel`` without a cut, or of its ``funnel_totals``
    (``cohort_month`` None): the ``FUNNEL_NODES`` counts, then the ``FUNNEL_RATES``."""

    cohort_month: dt.date | None = None
    handed_over: int = 0
    completed_on_time: int = 0
    missed_target: int = 0
    completed_late: int = 0
    expected_churn: int = 0
    revived: int = 0
    churned_before_completion: int = 0
    still_onboarding: int = 0
    renewal_due: int = 0
    retained: int = 0
    churned_at_first_renewal: int = 0
    completed_on_time_rate: float | None = None
    missed_target_rate: float | None = None
    completed_late_rate: float | None = None
    expected_churn_rate: float | None = None
    revived_rate: float | None = None
    churned_before_completion_rate: float | None = None
    still_onboarding_rate: float | None = None
    renewal_due_rate: float | None = None
    retained_rate: float | None = None
    churned_at_first_renewal_rate: float | None = None
    revival_rate: float | None = None
    first_renewal_retention: float | None = None


def cohort_rows(cohorts: pl.DataFrame) -> tuple[CohortRow, ...]:
    """The rows of a ``completion_cohorts`` frame without a cut, as values."""
    return tuple(CohortRow(**row) for row in cohorts.iter_rows(named=True))


def funnel_rows(funnel: pl.DataFrame) -> tuple[FunnelRow, ...]:
    """The rows of an ``onboarding_funnel`` or ``funnel_totals`` frame without a cut."""
    return tuple(FunnelRow(**row) for row in funnel.iter_rows(named=True))


def check_onboardings(onboardings: pl.DataFrame, *, by: Dimension | None = None) -> None:
    """Raise ``ValueError`` unless ``onboardings`` is a valid input frame (cheap, vectorised).

    Valid: ``onboarding_id``, the date columns (and ``by``) exist; dates are ``Date``;
    ``onboarding_id``, ``started_on`` and ``target_on`` are never null; ids are unique.
    """
    if by is not None and by not in DIMENSIONS:
        raise ValueError(f"cannot cut onboardings by {by!r}")
    required = ("onboarding_id", *DATE_COLUMNS, *([by] if by else []))
    missing = [column for column in required if column not in onboardings.columns]
    if missing:
        raise ValueError(f"onboardings frame lacks column(s): {', '.join(missing)}")
    for column in DATE_COLUMNS:
        if onboardings.schema[column] != pl.Date:
            raise ValueError(f"{column} must be of type Date, not {onboardings.schema[column]}")
    bad = onboardings.select(
        null_keys=pl.any_horizontal(
            pl.col("onboarding_id").is_null(),
            pl.col("started_on").is_null(),
            pl.col("target_on").is_null(),
        ).any(),
        duplicate_ids=pl.col("onboarding_id").is_duplicated().any(),
    ).row(0, named=True)
    problems = [name for name, flagged in bad.items() if flagged]
    if problems:
        raise ValueError(f"invalid onboardings: {', '.join(problems)}")


def _month_range(first_month: dt.date, last_month: dt.date) -> tuple[dt.date, dt.date]:
    first, last = first_month.replace(day=1), last_month.replace(day=1)
    if first > last:
        raise ValueError("first_month must not be after last_month")
    return first, last


def _groups(by: Dimension | None) -> list[str]:
    """The grain of the result frames besides ``cohort_month``: ``[by]`` or ``[]``."""
    return [by] if by else []


def _on_or_before(column: str, day: dt.date | str) -> pl.Expr:
    """``column ≤ day`` (a date or another column), False where either side is null."""
    other = pl.col(day) if isinstance(day, str) else pl.lit(day, dtype=pl.Date)
    return (pl.col(column) <= other).fill_null(False)


def _before(column: str, other: str) -> pl.Expr:
    """``column < other``, False where either side is null."""
    return (pl.col(column) < pl.col(other)).fill_null(False)


def _grid(
    onboardings: pl.DataFrame, groups: list[str], first: dt.date, last: dt.date
) -> pl.DataFrame:
    """Every month of the range × every value of the dimension found in ``onboardings``."""
    months = pl.DataFrame(
        {"cohort_month": pl.date_range(first, last, interval="1mo", eager=True)},
        schema={"cohort_month": pl.Date},
    )
    if not groups:
        return months
    return months.join(onboardings.select(pl.col(groups).unique()), how="cross")


def _on_grid(
    counts: pl.DataFrame,
    onboardings: pl.DataFrame,
    groups: list[str],
    first: dt.date,
    last: dt.date,
    columns: tuple[str, ...],
) -> pl.DataFrame:
    """``counts`` joined onto the full grid, missing counts 0."""
    keys = ["cohort_month", *groups]
    return (
        _grid(onboardings, groups, first, last)
        .join(counts, on=keys, how="left", nulls_equal=True)
        .with_columns(pl.col(columns).fill_null(0))
    )


def _cohort_members(
    onboardings: pl.DataFrame, *, as_of: dt.date, first: dt.date, last: dt.date, month_of: str
) -> pl.DataFrame:
    """The onboardings with ``month_of ≤ as_of`` whose month of ``month_of`` is in range."""
    month = pl.col(month_of).dt.month_start()
    return onboardings.filter(
        pl.col(month_of) <= as_of, month >= first, month <= last
    ).with_columns(cohort_month=month)


def _cohort_counts(
    onboardings: pl.DataFrame,
    *,
    as_of: dt.date,
    first: dt.date,
    last: dt.date,
    groups: list[str],
) -> pl.DataFrame:
    """Per cohort month (of ``target_on``) and group: the ``COHORT_COUNTS`` and durations."""
    members = _cohort_members(
        onboardings, as_of=as_of, first=first, last=last, month_of="target_on"
    ).select(
        "cohort_month",
        *groups,
        on_time=_on_or_before("completed_on", "target_on") & _on_or_before("completed_on", as_of),
        completed=_on_or_before("completed_on", as_of),
        stalled=_on_or_before("stalled_on", as_of),
        expected_churn=_on_or_before("expected_churn_on", as_of),
        revived=_on_or_before("completed_on", as_of) & _before("expected_churn_on", "completed_on"),
        duration=(pl.col("completed_on") - pl.col("started_on")).dt.total_days(),
    )
    keys = ["cohort_month", *groups]
    counts = members.group_by(keys).agg(
        cohort_size=pl.len().cast(pl.Int64),
        completed_on_time=pl.col("on_time").sum().cast(pl.Int64),
        **{name: pl.col(name).sum().cast(pl.Int64) for name in COHORT_COUNTS[2:]},
    )
    duration = pl.col("duration")
    durations = (
        members.filter(pl.col("completed"))
        .group_by(keys)
        .agg(
            duration_median_days=duration.median(),
            duration_p80_days=duration.sort().get((pl.len() * 4 + 4) // 5 - 1),  # ⌈0.8·n⌉-th
        )
    )
    return counts.join(durations, on=keys, how="left", nulls_equal=True)


def completion_cohorts(
    onboardings: pl.DataFrame,
    *,
    as_of: dt.date,
    first_month: dt.date,
    last_month: dt.date,
    by: Dimension | None = None,
) -> pl.DataFrame:
    """Completion rate within period, durations, stalls and revivals per target-date cohort.

    Cohort of month m: onboardings with ``target_on`` in m and ``target_on ≤ as_of`` (see the
    module docstring for every formula and boundary). One row per month from ``first_month``
    to ``last_month`` (per value of ``by`` found in ``onboardings``, null its own group), even
    when empty: counts 0, rates and durations None.
    Columns: ``cohort_month (Date), [by], cohort_size, completed_on_time, completion_rate,
    completed, duration_median_days (Float64), duration_p80_days (Int64), stalled,
    expected_churn, revived, revival_rate`` (counts Int64, rates Float64); sorted by
    ``cohort_month`` then ``by`` (null last).
    """
    check_onboardings(onboardings, by=by)
    first, last = _month_range(first_month, last_month)
    groups = _groups(by)
    counts = _cohort_counts(onboardings, as_of=as_of, first=first, last=last, groups=groups)
    return (
        _on_grid(counts, onboardings, groups, first, last, COHORT_COUNTS)
        .select(
            "cohort_month",
            *groups,
            "cohort_size",
            "completed_on_time",
            completion_rate=ratio(pl.col("completed_on_time"), pl.col("cohort_size")),
            completed="completed",
            duration_median_days="duration_median_days",
            duration_p80_days="duration_p80_days",
            stalled="stalled",
            expected_churn="expected_churn",
            revived="revived",
            revival_rate=ratio(pl.col("revived"), pl.col("expected_churn")),
        )
        .sort(["cohort_month", *groups], nulls_last=True)
    )


def period_completion(
    onboardings: pl.DataFrame,
    *,
    as_of: dt.date,
    first_month: dt.date,
    last_month: dt.date,
    by: Dimension | None = None,
    target: float = 0.9,
) -> tuple[PeriodCompletion, ...]:
    """Completion rate pooled over the cohorts of ``first_month`` … ``last_month``.

    ``completion_rate = Σ completed_on_time / Σ cohort_size`` over those months (the cohorts of
    ``completion_cohorts``, so a month's onboardings count only once their target date ≤
    ``as_of``). E.g. the last 3 months per product against the 90 % target:
    ``by="product"``, ``target=0.9``. ``meets_target`` = rate ≥ target, compared exactly (9 of
    10 meets 90 %); None when the rate is None. One result per value of ``by`` found in
    ``onboardings`` (sorted, None last), or one result when ``by`` is None.
    """
    if not 0 <= target <= 1:
        raise ValueError("target must be a fraction between 0 and 1")
    check_onboardings(onboardings, by=by)
    first, last = _month_range(first_month, last_month)
    groups = _groups(by)
    counts = _on_grid(
        _cohort_counts(onboardings, as_of=as_of, first=first, last=last, groups=groups),
        onboardings,
        groups,
        first,
        last,
        COHORT_COUNTS,
    )
    sums = [pl.col("cohort_size").sum(), pl.col("completed_on_time").sum()]
    pooled = (
        counts.group_by(groups).agg(sums).sort(groups, nulls_last=True)
        if groups
        else counts.select(pl.lit(None, dtype=pl.String).alias("value"), *sums)
    )
    return tuple(
        _period_row(by, value, first, last, int(size), int(on_time), target)
        for value, size, on_time in pooled.iter_rows()
    )


def _period_row(
    by: Dimension | None,
    value: str | None,
    first: dt.date,
    last: dt.date,
    size: int,
    on_time: int,
    target: float,
) -> PeriodCompletion:
    rate = on_time / size if size else None
    meets = None if not size else Decimal(on_time) >= Decimal(str(target)) * size
    return PeriodCompletion(by, value, first, last, size, on_time, rate, target, meets)


def completed_on_time(as_of: dt.date) -> pl.Expr:
    """True for an onboarding completed on or before its target date and on or before
    ``as_of`` (the funnel's ``completed_on_time``; the account-count funnel of
    ``kizuna.core.funnels`` reads the same expression, so the two cannot disagree)."""
    return _on_or_before("completed_on", as_of) & _on_or_before("completed_on", "target_on")


def _funnel_flags(as_of: dt.date) -> dict[str, pl.Expr]:
    """The ``FUNNEL_NODES`` after ``handed_over`` as boolean expressions of one onboarding."""
    completed = _on_or_before("completed_on", as_of)
    on_time = completed_on_time(as_of)
    ended = _on_or_before("ended_on", as_of)
    renewal_due = _on_or_before("first_renewal_on", as_of)
    churned_at_renewal = renewal_due & _on_or_before("ended_on", "first_renewal_on")
    return {
        "completed_on_time": on_time,
        "missed_target": _on_or_before("target_on", as_of) & ~on_time,
        "completed_late": completed
        & _before("target_on", "completed_on")
        & ~_before("expected_churn_on", "completed_on"),
        "expected_churn": _on_or_before("expected_churn_on", as_of),
        "revived": completed & _before("expected_churn_on", "completed_on"),
        "churned_before_completion": ended & ~_before("completed_on", "ended_on"),
        "still_onboarding": ~completed & ~ended,
        "renewal_due": renewal_due,
        "retained": renewal_due & ~churned_at_renewal,
        "churned_at_first_renewal": churned_at_renewal,
    }


def _funnel_rates() -> list[pl.Expr]:
    handed_over = pl.col("handed_over")
    rates = [ratio(pl.col(node), handed_over).alias(f"{node}_rate") for node in FUNNEL_NODES[1:]]
    return [
        *rates,
        ratio(pl.col("revived"), pl.col("expected_churn")).alias("revival_rate"),
        ratio(pl.col("retained"), pl.col("renewal_due")).alias("first_renewal_retention"),
    ]


def onboarding_funnel(
    onboardings: pl.DataFrame,
    *,
    as_of: dt.date,
    first_month: dt.date,
    last_month: dt.date,
    by: Dimension | None = None,
) -> pl.DataFrame:
    """The account-count CS funnel per hand-over month (顧客数ベースのCSファネル).

    Cohort of month m: onboardings with ``started_on`` in m and ``started_on ≤ as_of``. Nodes
    and their rules: ``FUNNEL_NODES``. An onboarding that missed its target (and did not
    complete on or after its end date) is in exactly one of ``completed_late``, ``revived``,
    ``churned_before_completion`` and ``still_onboarding``; ``still_onboarding`` also counts
    open onboardings not due yet, ``revived`` also on-time completions after expected churn.
    One row per month from ``first_month`` to ``last_month`` (per value of ``by`` found in
    ``onboardings``, null its own group), even when empty (counts 0, rates None).
    Columns: ``cohort_month (Date), [by]``, the ``FUNNEL_NODES`` (Int64), then the
    ``FUNNEL_RATES`` (Float64, None when the denominator is 0); sorted by ``cohort_month``
    then ``by`` (null last).
    """
    check_onboardings(onboardings, by=by)
    first, last = _month_range(first_month, last_month)
    groups = _groups(by)
    members = _cohort_members(
        onboardings, as_of=as_of, first=first, last=last, month_of="started_on"
    ).select("cohort_month", *groups, **_funnel_flags(as_of))
    counts = members.group_by(["cohort_month", *groups]).agg(
        handed_over=pl.len().cast(pl.Int64),
        **{node: pl.col(node).sum().cast(pl.Int64) for node in FUNNEL_NODES[1:]},
    )
    return (
        _on_grid(counts, onboardings, groups, first, last, FUNNEL_NODES)
        .select("cohort_month", *groups, *FUNNEL_NODES, *_funnel_rates())
        .sort(["cohort_month", *groups], nulls_last=True)
    )


def funnel_totals(
    funnel: pl.DataFrame,
    *,
    first_month: dt.date | None = None,
    last_month: dt.date | None = None,
) -> pl.DataFrame:
    """The funnel summed over the cohorts from ``first_month`` to ``last_month`` (inclusive;
    None: no bound), per value of the dimension column of ``funnel`` if it has one.

    Input: ``onboarding_funnel`` output. The counts are summed and every rate recomputed from
    the sums (not averaged): ``completed_on_time_rate = Σ completed_on_time / Σ handed_over``.
    Columns: ``[by]``, the ``FUNNEL_NODES``, the ``FUNNEL_RATES``; sorted by ``by`` (null last).
    With ``by`` None there is always exactly one row (counts 0 and rates None when empty).
    """
    groups = [column for column in DIMENSIONS if column in funnel.columns]
    month, keep = pl.col("cohort_month"), pl.lit(True)
    if first_month is not None:
        keep &= month >= first_month.replace(day=1)
    if last_month is not None:
        keep &= month <= last_month.replace(day=1)
    rows = funnel.filter(keep)
    sums = pl.col(FUNNEL_NODES).sum()
    totals = rows.group_by(groups).agg(sums) if groups else rows.select(sums)
    return totals.select(*groups, *FUNNEL_NODES, *_funnel_rates()).sort(groups, nulls_last=True)

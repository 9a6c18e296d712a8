"""The two CS funnels (LayerX): by account count and by revenue, per cohort month and cut.

Pure: Polars in, Polars out; no Django, no clock, ``as_of`` explicit. Definitions and a worked
example: ``docs/metrics.md``, "The two CS funnels".

**Cohort.** An account's cohort is its first month with MRR > 0 (its contract month), exactly
the cohort of ``kizuna.core.revenue.cohort_retention``; month k of the cohort is k calendar
months later. A month is **complete** when its last day is on or before ``as_of``; a node that
looks at month k is *due* once month c + k is complete, and only due accounts count in it.

**Account funnel** (``account_funnel``), each a count of the cohort's accounts:

- ``contracted``: every account of the cohort;
- ``handed_over``: accounts with at least one onboarding handed over (``started_on``) in the
  cohort month, on or before ``as_of`` (its first contract's onboardings);
- ``onboarded_on_time``: handed over, and every one of those onboardings completed on or
  before its target date and ``as_of`` (``kizuna.core.onboarding.kpis.completed_on_time``);
- ``adoption_due`` / ``adopted``: month c + ``adoption_months`` complete and handed over /
  and, on that month's last day, active (MRR > 0) with every first-contract onboarding
  completed (late ones too): the account reached the adoption phase (活用・定着期);
- ``renewal_due`` / ``renewed``: the account's first renewal (earliest renewal date) has come
  and has an outcome / and it is renewed or downgraded. An account without any renewal (no
  renewing line): month c + ``renewal_months`` complete / and active at its end;
- ``expansion_due`` / ``expanded``: month c + ``expansion_months`` complete / and an
  expansion movement (MRR up, both months > 0) in some month c + 1 … c + N, both included.

Rates: ``handed_over_rate = handed_over / contracted``, ``on_time_rate = onboarded_on_time /
handed_over``, ``adoption_rate = adopted / adoption_due``, ``renewal_rate = renewed /
renewal_due``, ``expansion_rate = expanded / expansion_due``.

**Revenue funnel** (``revenue_funnel``), per cohort: ``new_mrr`` = Σ MRR in month 0; once
month c + ``retention_months`` is complete (``due_accounts`` = the cohort's size, else 0 and
every later column null): ``churned_mrr`` (month-0 MRR of accounts at 0), ``contraction_mrr``
(start − end where 0 < end < start), ``retained_mrr`` = Σ min(end, start), ``expansion_mrr`` =
Σ max(end − start, 0), ``net_mrr`` = Σ end; ``retained_rate`` = retained / new (GRR-like),
``expansion_rate`` = expansion / new, ``net_rate`` = net / new (NRR-like) — the
``gross_revenue_retention`` and ``revenue_retention`` of ``cohort_retention`` at that month.

**Cuts** (``CUTS``): an account's touch model, first product (the product of its earliest
line with MRR > 0; ties: the larger MRR, then the smaller code), channel, team and industry.
Each account is in exactly one group of a cut (null its own group), with all of its MRR, so
every count and amount of the groups adds up to the whole.

**Zero denominator**: every rate is None ("—"), never 0. Every month of the range has a row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import polars as pl

from kizuna.core.calendar import month_end, month_index
from kizuna.core.onboarding.kpis import completed_on_time
from kizuna.core.renewals.generate import DOWNGRADED, OUTCOMES, RENEWED
from kizuna.core.revenue import check_lines, customer_mrr
from kizuna.core.revenue.lines import month_index_expr
from kizuna.core.revenue.summary import ratio

Cut = Literal["segment", "first_product", "channel", "team", "industry"]

#: The cuts a caller may ask for (``by="segment"``); None is the whole company.
CUTS: Final[tuple[Cut, ...]] = ("segment", "first_product", "channel", "team", "industry")

#: Account attributes read from the accounts frame (``first_product`` comes from the lines).
ACCOUNTS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "customer_id": pl.String(),
    "segment": pl.String(),
    "channel": pl.String(),
    "team": pl.String(),
    "industry": pl.String(),
}
ONBOARDINGS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "customer_id": pl.String(),
    "started_on": pl.Date(),
    "target_on": pl.Date(),
    "completed_on": pl.Date(),
}
RENEWALS_SCHEMA: Final[dict[str, pl.DataType]] = {
    "customer_id": pl.String(),
    "renewal_on": pl.Date(),
    "outcome": pl.String(),  # renewed | downgraded | churned; null: not known yet
}

#: Count columns of ``account_funnel``, in display order.
ACCOUNT_NODES: Final[tuple[str, ...]] = (
    "contracted",
    "handed_over",
    "onboarded_on_time",
    "adoption_due",
    "adopted",
    "renewal_due",
    "renewed",
    "expansion_due",
    "expanded",
)
#: Rate columns of ``account_funnel``: (name, numerator, denominator).
ACCOUNT_RATES: Final[tuple[tuple[str, str, str], ...]] = (
    ("handed_over_rate", "handed_over", "contracted"),
    ("on_time_rate", "onboarded_on_time", "handed_over"),
    ("adoption_rate", "adopted", "adoption_due"),
    ("renewal_rate", "renewed", "renewal_due"),
    ("expansion_rate", "expanded", "expansion_due"),
)
#: Amount columns of ``revenue_funnel`` that exist only once the cohort's month R is complete.
REVENUE_DUE_AMOUNTS: Final[tuple[str, ...]] = (
    "churned_mrr",
    "contraction_mrr",
    "retained_mrr",
    "expansion_mrr",
    "net_mrr",
)
REVENUE_COUNTS: Final[tuple[str, ...]] = ("accounts", "new_mrr", "due_accounts", "due_new_mrr")
REVENUE_RATES: Final[tuple[tuple[str, str], ...]] = (
    ("retained_rate", "retained_mrr"),
    ("expansion_rate", "expansion_mrr"),
    ("net_rate", "net_mrr"),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class FunnelPolicy:
    """The ages (in months after the cohort month) at which each node is read."""

    adoption_months: int = 6
    renewal_months: int = 12  # accounts without a renewing line: active at this age
    expansion_months: int = 12
    retention_months: int = 12

    def __post_init__(self) -> None:
        for name in ("adoption_months", "renewal_months", "expansion_months", "retention_months"):
            value = getattr(self, name)
            if not isinstance(value, int) or not 1 <= value <= 120:
                raise ValueError(f"{name} must be a whole number of months from 1 to 120")


def _check(frame: pl.DataFrame, schema: dict[str, pl.DataType], name: str) -> None:
    missing = [column for column in schema if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} frame lacks column(s): {', '.join(missing)}")
    for column, dtype in schema.items():
        if frame.schema[column] != dtype:
            raise ValueError(f"{name}.{column} must be of type {dtype}, not {frame.schema[column]}")
    if frame["customer_id"].null_count():
        raise ValueError(f"{name}.customer_id must not be null")


def _month_end_expr(month: pl.Expr, months: int) -> pl.Expr:
    """The last day of the month ``months`` after ``month`` (a first of month)."""
    return month.dt.offset_by(f"{months + 1}mo").dt.offset_by("-1d")


def _account_months(lines: pl.DataFrame, *, as_of: dt.date, policy: FunnelPolicy) -> pl.DataFrame:
    """Per account, from its MRR grid: cohort, month-0 MRR, the MRR at each policy age (null
    when that month is not complete), and whether it expanded in months 1 … N."""
    last = month_index(as_of) - (0 if as_of == month_end(as_of) else 1)  # last complete month
    ages = {
        "adoption": policy.adoption_months,
        "renewal": policy.renewal_months,
        "retention": policy.retention_months,
    }
    horizon = max(*ages.values(), policy.expansion_months)
    grid = customer_mrr(lines, as_of=as_of).with_columns(index=month_index_expr("date_month"))
    first = pl.col("index").min().over("customer_id")
    grid = grid.with_columns(age=pl.col("index") - first, cohort=first).filter(
        pl.col("age") <= horizon
    )
    previous = pl.col("mrr").shift(1)
    grid = grid.with_columns(
        up=(pl.col("mrr") > previous) & (previous > 0) & (pl.col("age") >= 1),
        due=pl.col("index") <= last,
    )
    at = {
        f"{name}_mrr": pl.col("mrr").filter((pl.col("age") == age) & pl.col("due")).first()
        for name, age in ages.items()
    }
    window = (pl.col("age") <= policy.expansion_months) & pl.col("up")
    return grid.group_by("customer_id").agg(
        cohort_month=pl.col("date_month").first(),
        cohort_index=pl.col("cohort").first(),
        start_mrr=pl.col("mrr").first(),
        **at,
        expanded=window.any(),
        expansion_due=(pl.col("cohort").first() + policy.expansion_months) <= last,
    )


def _first_products(lines: pl.DataFrame) -> pl.DataFrame:
    """Per account: the product of its earliest line with MRR > 0 (ties: larger MRR, then the
    smaller product code)."""
    if "product" not in lines.columns:
        return pl.DataFrame(schema={"customer_id": pl.String, "first_product": pl.String})
    return (
        lines.filter(pl.col("monthly_amount") > 0)
        .sort(
            ["customer_id", "start_date", "monthly_amount", "product"],
            descending=[False, False, True, False],
            nulls_last=True,
        )
        .group_by("customer_id", maintain_order=True)
        .agg(first_product=pl.col("product").first())
    )


def _onboarding_flags(
    onboardings: pl.DataFrame, cohorts: pl.DataFrame, *, as_of: dt.date, policy: FunnelPolicy
) -> pl.DataFrame:
    """Per account with a first-contract onboarding: all on time? all completed by the
    adoption day (the last day of month c + adoption_months, and ``as_of``)?"""
    adoption_day = pl.min_horizontal(
        _month_end_expr(pl.col("cohort_month"), policy.adoption_months), pl.lit(as_of)
    )
    return (
        onboardings.join(cohorts, on="customer_id")
        .filter(
            pl.col("started_on") <= as_of,
            pl.col("started_on").dt.month_start() == pl.col("cohort_month"),
        )
        .group_by("customer_id")
        .agg(
            handed_over=pl.lit(True),
            onboarded_on_time=completed_on_time(as_of).all(),
            completed_by_adoption=(pl.col("completed_on") <= adoption_day).fill_null(False).all(),
        )
    )


def _first_renewals(renewals: pl.DataFrame) -> pl.DataFrame:
    """Per account: its earliest renewal date and that renewal's outcome."""
    bad = renewals.filter(pl.col("outcome").is_not_null() & ~pl.col("outcome").is_in(OUTCOMES))
    if bad.height:
        raise ValueError(f"unknown renewal outcome(s): {sorted(set(bad['outcome']))}")
    return (
        renewals.filter(pl.col("renewal_on").is_not_null())
        .sort(["customer_id", "renewal_on"])
        .group_by("customer_id", maintain_order=True)
        .agg(first_renewal_on=pl.col("renewal_on").first(), outcome=pl.col("outcome").first())
    )


def account_facts(
    lines: pl.DataFrame,
    *,
    accounts: pl.DataFrame,
    onboardings: pl.DataFrame,
    renewals: pl.DataFrame,
    as_of: dt.date,
    policy: FunnelPolicy | None = None,
) -> pl.DataFrame:
    """One row per account ever active on a month's last day up to ``as_of``: its cohort,
    its cuts and every node of both funnels (see the module docstring).

    Inputs: ``lines`` as ``kizuna.core.revenue`` reads them (``product`` optional), and
    ``accounts``, ``onboardings``, ``renewals`` with ``ACCOUNTS_SCHEMA``,
    ``ONBOARDINGS_SCHEMA``, ``RENEWALS_SCHEMA`` (rows of accounts not in the lines are ignored).
    Columns: ``customer_id, cohort_month``, the ``CUTS``, the boolean nodes ``handed_over,
    onboarded_on_time, adoption_due, adopted, renewal_due, renewed, expansion_due, expanded``,
    then ``start_mrr``, ``retention_due`` and ``end_mrr`` (Int64, null unless due); sorted
    by ``customer_id``. Compute it once and cut it as often as wanted.
    """
    policy = policy or FunnelPolicy()
    check_lines(lines)
    _check(accounts, ACCOUNTS_SCHEMA, "accounts")
    _check(onboardings, ONBOARDINGS_SCHEMA, "onboardings")
    _check(renewals, RENEWALS_SCHEMA, "renewals")
    months = _account_months(lines, as_of=as_of, policy=policy)
    cohorts = months.select("customer_id", "cohort_month")
    flags = _onboarding_flags(onboardings, cohorts, as_of=as_of, policy=policy)
    attributes = accounts.select(list(ACCOUNTS_SCHEMA)).unique("customer_id", keep="first")
    last = month_index(as_of) - (0 if as_of == month_end(as_of) else 1)
    has_renewal = pl.col("first_renewal_on").is_not_null()
    handed_over = pl.col("handed_over").fill_null(False)
    adoption_due = (pl.col("cohort_index") + policy.adoption_months <= last) & handed_over
    renewal_due = (
        pl.when(has_renewal)
        .then((pl.col("first_renewal_on") <= as_of) & pl.col("outcome").is_not_null())
        .otherwise(pl.col("cohort_index") + policy.renewal_months <= last)
    )
    renewed = (
        pl.when(has_renewal)
        .then(pl.col("outcome").is_in([RENEWED, DOWNGRADED]))
        .otherwise(pl.col("renewal_mrr") > 0)
    )
    return (
        months.join(flags, on="customer_id", how="left")
        .join(attributes, on="customer_id", how="left")
        .join(_first_products(lines), on="customer_id", how="left")
        .join(_first_renewals(renewals), on="customer_id", how="left")
        .select(
            "customer_id",
            "cohort_month",
            *CUTS,
            handed_over=handed_over,
            onboarded_on_time=pl.col("onboarded_on_time").fill_null(False),
            adoption_due=adoption_due,
            adopted=adoption_due
            & pl.col("completed_by_adoption").fill_null(False)
            & (pl.col("adoption_mrr") > 0).fill_null(False),
            renewal_due=renewal_due.fill_null(False),
            renewed=(renewal_due & renewed).fill_null(False),
            expansion_due=pl.col("expansion_due"),
            expanded=pl.col("expansion_due") & pl.col("expanded"),
            start_mrr=pl.col("start_mrr"),
            retention_due=pl.col("retention_mrr").is_not_null(),
            end_mrr=pl.col("retention_mrr"),
        )
        .sort("customer_id")
    )


def _grid(
    facts: pl.DataFrame, groups: Sequence[str], first: dt.date, last: dt.date
) -> pl.DataFrame:
    """Every month of the range × every value of the cut found in ``facts``."""
    months = pl.DataFrame(
        {"cohort_month": pl.date_range(first, last, interval="1mo", eager=True)},
        schema={"cohort_month": pl.Date},
    )
    if not groups:
        return months
    return months.join(facts.select(pl.col(list(groups)).unique()), how="cross")


def _cohorts(
    facts: pl.DataFrame,
    sums: dict[str, pl.Expr],
    *,
    first_month: dt.date,
    last_month: dt.date,
    by: Cut | None,
) -> pl.DataFrame:
    if by is not None and by not in CUTS:
        raise ValueError(f"cannot cut the funnels by {by!r}")
    first, last = first_month.replace(day=1), last_month.replace(day=1)
    if first > last:
        raise ValueError("first_month must not be after last_month")
    groups: list[str] = [by] if by else []
    keys = ["cohort_month", *groups]
    counts = facts.filter(pl.col("cohort_month").is_between(first, last)).group_by(keys).agg(**sums)
    return (
        _grid(facts, groups, first, last)
        .join(counts, on=keys, how="left", nulls_equal=True)
        .with_columns(pl.col(list(sums)).fill_null(0))
        .sort(keys, nulls_last=True)
    )


def _account_rates() -> list[pl.Expr]:
    return [ratio(pl.col(n), pl.col(d)).alias(name) for name, n, d in ACCOUNT_RATES]


def account_funnel(
    facts: pl.DataFrame, *, first_month: dt.date, last_month: dt.date, by: Cut | None = None
) -> pl.DataFrame:
    """The account-count funnel (顧客数ベースのCSファネル) per cohort month (and cut value).

    Input: ``account_facts``. One row per month from ``first_month`` to ``last_month`` (per
    value of ``by`` found in ``facts``, null its own group), counts 0 and rates None when
    empty. Columns: ``cohort_month, [by]``, the ``ACCOUNT_NODES`` (Int64), the rates of
    ``ACCOUNT_RATES`` (Float64, None on a zero denominator).
    """
    sums = {"contracted": pl.len().cast(pl.Int64)} | {
        node: pl.col(node).sum().cast(pl.Int64) for node in ACCOUNT_NODES[1:]
    }
    table = _cohorts(facts, sums, first_month=first_month, last_month=last_month, by=by)
    return table.with_columns(_account_rates())


def revenue_funnel(
    facts: pl.DataFrame, *, first_month: dt.date, last_month: dt.date, by: Cut | None = None
) -> pl.DataFrame:
    """The revenue funnel (収益ベースのCSファネル) per cohort month (and cut value): new MRR →
    retained MRR (capped per account at its month-0 MRR) → net MRR with expansion.

    Input: ``account_facts``. Rows as ``account_funnel``. Columns: ``cohort_month, [by],
    accounts, new_mrr, due_accounts, due_new_mrr``, the ``REVENUE_DUE_AMOUNTS`` (Int64, null
    when ``due_accounts`` is 0) and the rates of ``REVENUE_RATES`` over ``due_new_mrr``.
    """
    start, end = pl.col("start_mrr"), pl.col("end_mrr")
    due = pl.col("retention_due")
    sums = {
        "accounts": pl.len().cast(pl.Int64),
        "new_mrr": start.sum().cast(pl.Int64),
        "due_accounts": due.sum().cast(pl.Int64),
        "due_new_mrr": start.filter(due).sum().cast(pl.Int64),
        "churned_mrr": start.filter(due & (end == 0)).sum().cast(pl.Int64),
        "contraction_mrr": (start - end).filter((end > 0) & (end < start)).sum().cast(pl.Int64),
        "retained_mrr": pl.min_horizontal(start, end).filter(due).sum().cast(pl.Int64),
        "expansion_mrr": (end - start).filter(end > start).sum().cast(pl.Int64),
        "net_mrr": end.filter(due).sum().cast(pl.Int64),
    }
    table = _cohorts(facts, sums, first_month=first_month, last_month=last_month, by=by)
    return _revenue_shape(table, [by] if by else [])


def _revenue_shape(table: pl.DataFrame, groups: Sequence[str]) -> pl.DataFrame:
    undue = pl.col("due_accounts") == 0
    return table.select(
        *(["cohort_month"] if "cohort_month" in table.columns else []),
        *groups,
        *REVENUE_COUNTS,
        *(pl.when(undue).then(None).otherwise(pl.col(c)).alias(c) for c in REVENUE_DUE_AMOUNTS),
        *(ratio(pl.col(n), pl.col("due_new_mrr")).alias(name) for name, n in REVENUE_RATES),
    )


def funnel_totals(funnel: pl.DataFrame, *, by: Cut | None = None) -> pl.DataFrame:
    """An ``account_funnel`` or ``revenue_funnel`` summed over its cohort months, per value
    of ``by`` (the same cut as the input's; None: one row). Every rate is recomputed from
    the sums (Σ renewed / Σ renewal due), never averaged; amounts of the revenue funnel stay
    null when no cohort was due.
    """
    groups: list[str] = [by] if by else []
    revenue = "new_mrr" in funnel.columns
    columns = [*REVENUE_COUNTS, *REVENUE_DUE_AMOUNTS] if revenue else list(ACCOUNT_NODES)
    sums = pl.col(columns).sum()
    totals = funnel.group_by(groups).agg(sums) if groups else funnel.select(sums)
    totals = totals.sort(groups, nulls_last=True)
    if revenue:
        return _revenue_shape(totals, groups)
    return totals.select(*groups, *ACCOUNT_NODES, *_account_rates())

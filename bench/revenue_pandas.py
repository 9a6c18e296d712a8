"""The pandas baseline of the revenue benchmark: the definitions of docs/metrics.md written the
way an analyst would write them in a notebook (explode lines to months, group, shift, merge).

Not part of Kizuna (pandas is not a dependency): ``bench/revenue_bench.py`` runs it side by side
with the core and checks that both give the same figures. Run it with
``uv run --with pandas python bench/revenue_bench.py``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd


def _month_index(dates: pd.Series) -> pd.Series:
    return dates.dt.year * 12 + dates.dt.month - 1


def customer_mrr(lines: pd.DataFrame, as_of: dt.date, by: str | None = None) -> pd.DataFrame:
    """MRR per customer-month on the month's last day, first active month to ``as_of``."""
    keys = [by, "customer_id"] if by else ["customer_id"]
    last = as_of.year * 12 + as_of.month - 1
    df = lines[lines["monthly_amount"] > 0].copy()
    df["start"] = _month_index(pd.to_datetime(df["start_date"]))
    df["end"] = _month_index(pd.to_datetime(df["end_date"])).fillna(last + 1).clip(upper=last + 1)
    df = df[(df["start"] < df["end"]) & (df["start"] <= last)]
    df["month"] = [list(range(int(s), int(e))) for s, e in zip(df["start"], df["end"], strict=True)]
    active = df.explode("month")
    mrr = active.groupby([*keys, "month"], dropna=False)["monthly_amount"].sum().reset_index()
    first = mrr.groupby(keys, dropna=False)["month"].min().rename("first").reset_index()
    first["month"] = [list(range(int(f), last + 1)) for f in first["first"]]
    grid = first.explode("month")
    grid["month"] = grid["month"].astype("int64")
    mrr["month"] = mrr["month"].astype("int64")
    out = grid.merge(mrr, on=[*keys, "month"], how="left")
    out["mrr"] = out["monthly_amount"].fillna(0).astype("int64")
    return out[[*keys, "month", "first", "mrr"]].sort_values([*keys, "month"], ignore_index=True)


def mrr_movements(grid: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    keys = [by, "customer_id"] if by else ["customer_id"]
    df = grid.copy()
    grouped = df.groupby(keys, dropna=False, sort=False)
    df["previous_month_mrr"] = grouped["mrr"].shift(1).fillna(0).astype("int64")
    df["mrr_change"] = df["mrr"] - df["previous_month_mrr"]
    prev, cur = df["previous_month_mrr"], df["mrr"]
    df["change_category"] = np.select(
        [
            (prev == 0) & (cur > 0) & (df["month"] == df["first"]),
            (prev == 0) & (cur > 0),
            (prev > 0) & (cur == 0),
            (prev > 0) & (cur > prev),
            (cur > 0) & (cur < prev),
            cur > 0,
        ],
        ["new", "reactivation", "churn", "expansion", "contraction", "unchanged"],
        default="",
    )
    return df


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator != 0)).astype("float64")


def monthly_summary(movements: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    groups = [by, "month"] if by else ["month"]
    df = movements.assign(active=movements["mrr"] > 0)
    for category, sign in (
        ("new", 1),
        ("expansion", 1),
        ("contraction", -1),
        ("churn", -1),
        ("reactivation", 1),
    ):
        hit = df["change_category"] == category
        df[f"{category}_mrr"] = np.where(hit, df["mrr_change"] * sign, 0)
        df[f"{category}_n"] = hit.astype("int64")
    aggs = {"mrr": "sum", "active": "sum"} | {
        c: "sum" for c in df.columns if c.endswith("_mrr") and c != "previous_month_mrr"
    }
    aggs |= {c: "sum" for c in df.columns if c.endswith("_n")}
    summary = df.groupby(groups, dropna=False).agg(aggs).reset_index()
    summary = summary.rename(columns={"mrr": "total_mrr", "active": "active_customers"})
    over = summary.groupby(by, dropna=False) if by else None
    shift = (lambda c: over[c].shift(1)) if over is not None else (lambda c: summary[c].shift(1))
    summary["previous_total_mrr"] = shift("total_mrr").fillna(0)
    summary["previous_active_customers"] = shift("active_customers").fillna(0)
    summary["net_new_mrr"] = (
        summary["new_mrr"]
        + summary["expansion_mrr"]
        + summary["reactivation_mrr"]
        - summary["contraction_mrr"]
        - summary["churn_mrr"]
    )
    losses = summary["churn_mrr"] + summary["contraction_mrr"]
    summary["logo_churn_rate"] = _ratio(summary["churn_n"], summary["previous_active_customers"])
    summary["gross_mrr_churn_rate"] = _ratio(losses, summary["previous_total_mrr"])
    summary["net_mrr_churn_rate"] = _ratio(
        losses - summary["expansion_mrr"], summary["previous_total_mrr"]
    )
    return summary


def retention(movements: pd.DataFrame, months: int, by: str | None = None) -> pd.DataFrame:
    """GRR/NRR of the window ending each month: cohort = customers active at its start."""
    keys = [by, "customer_id"] if by else ["customer_id"]
    df = movements[[*keys, "month", "mrr"]].copy()
    df["end"] = df.groupby(keys, dropna=False, sort=False)["mrr"].shift(-months)
    df = df[(df["mrr"] > 0) & df["end"].notna()]
    df["month"] = df["month"] + months
    df["kept"] = np.minimum(df["mrr"], df["end"])
    groups = [by, "month"] if by else ["month"]
    sums = df.groupby(groups, dropna=False)[["mrr", "end", "kept"]].sum().reset_index()
    sums[f"grr_{months}m"] = sums["kept"] / sums["mrr"]
    sums[f"nrr_{months}m"] = sums["end"] / sums["mrr"]
    return sums[[*groups, f"grr_{months}m", f"nrr_{months}m"]]


def cohorts(movements: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    df = movements.copy()
    keys = [by, "customer_id"] if by else ["customer_id"]
    df["months_since_start"] = df["month"] - df["first"]
    start = df[df["months_since_start"] == 0][[*keys, "mrr"]].rename(columns={"mrr": "start"})
    df = df.merge(start, on=keys, how="left")
    df["capped"] = np.minimum(df["mrr"], df["start"])
    df["active"] = df["mrr"] > 0
    groups = [*([by] if by else []), "first", "months_since_start"]
    table = (
        df.groupby(groups, dropna=False)
        .agg(active_customers=("active", "sum"), mrr=("mrr", "sum"), capped=("capped", "sum"))
        .reset_index()
    )
    size = table[table["months_since_start"] == 0][[*groups[:-1], "active_customers", "mrr"]]
    size = size.rename(columns={"active_customers": "cohort_customers", "mrr": "cohort_start_mrr"})
    table = table.merge(size, on=groups[:-1], how="left")
    table["logo_retention"] = table["active_customers"] / table["cohort_customers"]
    table["revenue_retention"] = table["mrr"] / table["cohort_start_mrr"]
    table["gross_revenue_retention"] = table["capped"] / table["cohort_start_mrr"]
    return table


def revenue_report(
    lines: pd.DataFrame, as_of: dt.date, by: str | None = None
) -> dict[str, pd.DataFrame]:
    """Movements, the monthly summary (rates, GRR/NRR 3m and 12m, ARPA, LTV) and cohorts."""
    movements = mrr_movements(customer_mrr(lines, as_of, by), by)
    summary = monthly_summary(movements, by)
    groups = [by, "month"] if by else ["month"]
    for months in (3, 12):
        summary = summary.merge(retention(movements, months, by), on=groups, how="left")
    summary["arpa"] = _ratio(summary["total_mrr"], summary["active_customers"])
    rolling = summary.groupby(by, dropna=False) if by else None
    if rolling is not None:
        mean = rolling["logo_churn_rate"].transform(lambda s: s.rolling(6, min_periods=1).mean())
    else:
        mean = summary["logo_churn_rate"].rolling(6, min_periods=1).mean()
    summary["ltv"] = _ratio(summary["arpa"], mean)
    return {"movements": movements, "summary": summary, "cohorts": cohorts(movements, by)}

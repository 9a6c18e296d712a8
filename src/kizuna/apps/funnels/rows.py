"""The funnels' rows as the page and its charts read them: one typed row per cohort, cut value
or total, from the core's frames (``kizuna.core.funnels``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl


@dataclass(frozen=True, slots=True)
class AccountFunnelRow:
    """One row of the account funnel (a cohort, a cut's value, or the range's totals)."""

    label: str | None
    cohort_month: dt.date | None
    contracted: int
    handed_over: int
    onboarded_on_time: int
    adoption_due: int
    adopted: int
    renewal_due: int
    renewed: int
    expansion_due: int
    expanded: int
    handed_over_rate: float | None
    on_time_rate: float | None
    adoption_rate: float | None
    renewal_rate: float | None
    expansion_rate: float | None


@dataclass(frozen=True, slots=True)
class RevenueFunnelRow:
    """One row of the revenue funnel; the amounts are ``None`` while month 12 is to come."""

    label: str | None
    cohort_month: dt.date | None
    accounts: int
    new_mrr: int
    due_accounts: int
    due_new_mrr: int
    churned_mrr: int | None
    contraction_mrr: int | None
    retained_mrr: int | None
    expansion_mrr: int | None
    net_mrr: int | None
    retained_rate: float | None
    expansion_rate: float | None
    net_rate: float | None


def typed_row[Row: (AccountFunnelRow, RevenueFunnelRow)](
    kind: type[Row], values: dict[str, Any], label: str | None
) -> Row:
    names = [field.name for field in dataclasses.fields(kind) if field.name != "label"]
    return kind(label, *(values.get(name) for name in names))  # type: ignore[arg-type]


def funnel_rows[Row: (AccountFunnelRow, RevenueFunnelRow)](
    kind: type[Row], frame: pl.DataFrame, cut: str | None, labels: dict[str, str]
) -> list[Row]:
    """The rows of a funnel frame for the template, newest cohort first, with the cut's label."""
    rows = list(frame.iter_rows(named=True))
    if "cohort_month" in frame.columns:
        rows.sort(key=lambda row: row["cohort_month"], reverse=True)
    typed = []
    for row in rows:
        value = row.get(cut) if cut else None
        typed.append(typed_row(kind, row, labels.get(value, value) if value is not None else None))
    return typed

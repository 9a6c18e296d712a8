"""ARPA and LTV.

``ARPA(m) = total_mrr(m) / active_customers(m)`` (minor units per account per month) and
``LTV(m) = ARPA(m) × gross_margin / mean monthly logo churn rate`` over the ``churn_months``
months ending with m (default 6: m−5 … m, both inclusive). ARPA and LTV are ratios of money,
so they are floats in minor units; round them only for display.
"""

from __future__ import annotations

import polars as pl

from kizuna.core.revenue.lines import Dimension, groups_for
from kizuna.core.revenue.summary import ratio


def _check_margin(gross_margin: float | None) -> None:
    if gross_margin is not None and not 0 < gross_margin <= 1:
        raise ValueError("gross_margin is a fraction in (0, 1]")


def lifetime_value(
    arpa: float | None, monthly_churn: float | None, *, gross_margin: float | None = None
) -> float | None:
    """``LTV = arpa × gross_margin / monthly_churn`` (gross margin 1 when None).

    Units: those of ``arpa`` (minor units). None when ``arpa`` or ``monthly_churn`` is None or
    the churn is 0 — with no churn the lifetime is unbounded, which is "undefined", not ∞.
    """
    _check_margin(gross_margin)
    if arpa is None or monthly_churn is None or monthly_churn == 0:
        return None
    margin = 1.0 if gross_margin is None else gross_margin
    return arpa * margin / monthly_churn


def arpa_and_ltv(
    rates: pl.DataFrame,
    *,
    by: Dimension | None = None,
    gross_margin: float | None = None,
    churn_months: int = 6,
) -> pl.DataFrame:
    """Add ``arpa``, ``mean_logo_churn_rate`` and ``ltv`` to a monthly frame with churn rates.

    Input: :func:`kizuna.core.revenue.churn.churn_rates` output with the same ``by`` (months
    contiguous per ``by`` value).
    Formulas: ``arpa = total_mrr / active_customers`` (null with no active customer);
    ``mean_logo_churn_rate`` = arithmetic mean of the defined ``logo_churn_rate`` values of the
    ``churn_months`` months ending with m (months without a rate are skipped; null when none is
    defined); ``ltv = arpa × gross_margin / mean_logo_churn_rate`` (gross margin 1 when None),
    null when ARPA or the mean churn is null or the mean churn is 0.
    """
    _check_margin(gross_margin)
    if churn_months < 1:
        raise ValueError("churn_months is at least 1")
    groups = groups_for(by)
    mean_churn = pl.col("logo_churn_rate").rolling_mean(window_size=churn_months, min_samples=1)
    margin = 1.0 if gross_margin is None else gross_margin
    return rates.with_columns(
        arpa=ratio(pl.col("total_mrr"), pl.col("active_customers")),
        mean_logo_churn_rate=mean_churn.over(groups) if groups else mean_churn,
    ).with_columns(ltv=ratio(pl.col("arpa") * margin, pl.col("mean_logo_churn_rate")))

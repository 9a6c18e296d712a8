"""Monthly churn rates (logo, gross MRR, net MRR) and their annualised forms.

All rates are fractions (0.05 = 5 %) of the base at the END of month m−1; a month whose base is
0 (no active customer, no MRR at the end of m−1) has no rate: null, never 0.
"""

from __future__ import annotations

import polars as pl

from kizuna.core.revenue.summary import ratio


def churn_rates(summary: pl.DataFrame) -> pl.DataFrame:
    """Add the monthly churn rates to a :func:`~kizuna.core.revenue.summary.monthly_summary`.

    Formulas (month m, base = end of m−1, i.e. ``previous_*`` columns):

    - ``logo_churn_rate = churned_customers / previous_active_customers``
    - ``gross_mrr_churn_rate = (churn_mrr + contraction_mrr) / previous_total_mrr``
    - ``net_mrr_churn_rate = (churn_mrr + contraction_mrr − expansion_mrr) /
      previous_total_mrr`` — negative when expansion outgrows losses ("net negative churn").
      Reactivation MRR is left out: reactivated customers were not in the base at m−1, so
      ``1 − net_mrr_churn_rate`` is exactly the one-month NRR of the customers active at m−1.
    - ``logo_churn_annualised = 1 − (1 − logo_churn_rate)^12`` (compounded) and
      ``logo_churn_simple_annual = 12 · logo_churn_rate`` (the seeds' shortcut); the same two for
      ``gross_mrr_churn_rate`` as ``gross_mrr_churn_annualised`` / ``..._simple_annual``.

    Each rate is null when its denominator is 0. Works per ``by`` value unchanged, since the
    ``previous_*`` columns already are.
    """
    losses = pl.col("churn_mrr") + pl.col("contraction_mrr")
    base_mrr = pl.col("previous_total_mrr")
    rates = summary.with_columns(
        logo_churn_rate=ratio(pl.col("churned_customers"), pl.col("previous_active_customers")),
        gross_mrr_churn_rate=ratio(losses, base_mrr),
        net_mrr_churn_rate=ratio(losses - pl.col("expansion_mrr"), base_mrr),
    )
    return rates.with_columns(
        logo_churn_annualised=annualised_churn_expr(pl.col("logo_churn_rate")),
        logo_churn_simple_annual=pl.col("logo_churn_rate") * 12,
        gross_mrr_churn_annualised=annualised_churn_expr(pl.col("gross_mrr_churn_rate")),
        gross_mrr_churn_simple_annual=pl.col("gross_mrr_churn_rate") * 12,
    )


def annualised_churn_expr(monthly: pl.Expr) -> pl.Expr:
    """Polars form of :func:`annualised_churn` (null stays null)."""
    return 1 - (1 - monthly).pow(12)


def annualised_churn(monthly_rate: float) -> float:
    """Compounded annual churn of a constant monthly rate c: ``1 − (1 − c)^12``.

    c = 0.02 → 0.2153 (not 0.24): customers lost early cannot churn again later.
    Raises ``ValueError`` outside 0 ≤ c ≤ 1.
    """
    if not 0 <= monthly_rate <= 1:
        raise ValueError("a monthly churn rate is a fraction between 0 and 1")
    return float(1 - (1 - monthly_rate) ** 12)


def simple_annual_churn(monthly_rate: float) -> float:
    """The seeds' simple annual churn ``12 · c`` (c = 0.02 → 0.24); overstates for large c."""
    if not 0 <= monthly_rate <= 1:
        raise ValueError("a monthly churn rate is a fraction between 0 and 1")
    return 12 * monthly_rate

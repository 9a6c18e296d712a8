"""Targets: whether a value meets one, by how much it misses, and the targets a plan implies.

A target is met when the value is at least the target (at most, for churn). Exact comparison:
a GRR of 0.9 meets a target of 0.9. Nothing is met or missed without both a value and a target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kizuna.core.kpis.catalog import Kpi


def meets(kpi: Kpi, value: float | None, target: float | None) -> bool | None:
    """True when ``value`` meets ``target``; None without either."""
    if value is None or target is None:
        return None
    return value >= target if kpi.higher_is_better else value <= target


def shortfall(kpi: Kpi, value: float | None, target: float | None) -> float:
    """How far ``value`` is on the wrong side of ``target`` (0 when it meets it or either is
    missing), in the KPI's own unit: a GRR of 0.85 against 0.9 falls 0.05 short; a monthly
    churn of 0.02 against 0.01 falls 0.01 short."""
    if value is None or target is None:
        return 0.0
    gap = target - value if kpi.higher_is_better else value - target
    return max(gap, 0.0)


def annualised(monthly: float) -> float:
    """The annual rate a constant monthly rate compounds to: 1 − (1 − c)^12 (2 % → 21.5 %)."""
    if not 0 <= monthly <= 1:
        raise ValueError(f"a monthly rate is a fraction 0-1, not {monthly}")
    return 1 - (1 - monthly) ** 12


def monthly_from_annual(annual: float) -> float:
    """The constant monthly rate that compounds to ``annual``: 1 − (1 − a)^(1/12)
    (10 % a year → 0.874 % a month)."""
    if not 0 <= annual <= 1:
        raise ValueError(f"an annual rate is a fraction 0-1, not {annual}")
    return 1 - float((1 - annual) ** (1 / 12))


def compounded(monthly_rates: list[float | None], months: int = 12) -> float | None:
    """Annual logo churn over the last ``months`` monthly rates: 1 − Π (1 − cᵢ). None unless
    every one of the ``months`` rates is known (an undefined month cannot be assumed 0)."""
    window = monthly_rates[-months:]
    if len(window) < months or any(rate is None for rate in window):
        return None
    kept = math.prod(1 - rate for rate in window if rate is not None)
    return 1 - kept


@dataclass(frozen=True, slots=True)
class Plan:
    """What the plan starts from: the MRR that comes up for renewal in the fiscal year, the MRR
    at its start, and the targets it sets (annual logo churn, GRR, NRR; None: not set)."""

    mrr_due: int
    start_mrr: int
    annual_churn_target: float | None
    grr_target: float | None
    nrr_target: float | None


@dataclass(frozen=True, slots=True)
class DerivedTargets:
    """Targets implied by a plan (docs/metrics.md, "Targets a plan implies"):

    - ``renewal_amount_needed``: MRR to keep at renewal = MRR due × (1 − annual churn target),
      rounded up to the minor unit (keeping less misses the churn target);
    - ``renewal_rate_needed``: the same as a rate, 1 − annual churn target;
    - ``monthly_churn_target``: the monthly rate that compounds to the annual target;
    - ``max_mrr_lost``: start MRR × (1 − GRR target), rounded down: more lost misses the GRR;
    - ``expansion_needed``: start MRR × (NRR target − GRR target), rounded up: expansion the NRR
      target needs on top of a GRR exactly at its target (0 when the NRR target is below it).
    """

    renewal_amount_needed: int | None
    renewal_rate_needed: float | None
    monthly_churn_target: float | None
    max_mrr_lost: int | None
    expansion_needed: int | None


def derive(plan: Plan) -> DerivedTargets:
    """The targets ``plan`` implies (see ``DerivedTargets``); None where an input is missing."""
    churn = plan.annual_churn_target
    grr, nrr = plan.grr_target, plan.nrr_target
    return DerivedTargets(
        renewal_amount_needed=(
            None if churn is None else math.ceil(round(plan.mrr_due * (1 - churn), 6))
        ),
        renewal_rate_needed=None if churn is None else 1 - churn,
        monthly_churn_target=None if churn is None else monthly_from_annual(churn),
        max_mrr_lost=None if grr is None else math.floor(round(plan.start_mrr * (1 - grr), 6)),
        expansion_needed=(
            None
            if grr is None or nrr is None
            else max(0, math.ceil(round(plan.start_mrr * (nrr - grr), 6)))
        ),
    )

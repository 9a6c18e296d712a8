"""The KPIs of the KPI home: their keys, which direction is better, how they are shown, and over
which period the headline value is read.

A KPI's *headline* is what its card shows: the latest month for the revenue and coverage KPIs
(they are snapshots of a moment), the fiscal year to date for the KPIs that count events over a
period (onboardings due, survey answers, renewals due, CSQLs raised).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

type KpiKey = Literal[
    "grr",
    "nrr",
    "logo_churn_monthly",
    "logo_churn_annual",
    "coverage",
    "onboarding_completion",
    "nps",
    "renewal_rate",
    "csql_count",
]
type Unit = Literal["rate", "score", "count"]
type Headline = Literal["month", "fiscal_year"]
type CutKind = Literal["company", "segment", "team", "csm"]

#: the cut kinds, the whole company first
CUT_KINDS: Final[tuple[CutKind, ...]] = ("company", "segment", "team", "csm")


@dataclass(frozen=True, slots=True)
class Kpi:
    """One KPI: ``higher_is_better`` False for churn; ``unit`` says how a value and a target
    are written (a rate is a fraction 0–1, an NPS a score −100…100, a count a whole number);
    ``cuts`` the cut kinds its source can split it by."""

    key: KpiKey
    higher_is_better: bool
    unit: Unit
    headline: Headline
    cuts: tuple[CutKind, ...]

    def target_bounds(self) -> tuple[float, float]:
        """The values a target may take: a rate 0–1 (NRR up to 10, i.e. 1,000 %), an NPS
        −100…100, a count 0…10,000,000."""
        if self.unit == "score":
            return (-100.0, 100.0)
        if self.unit == "count":
            return (0.0, 10_000_000.0)
        return (0.0, 10.0) if self.key == "nrr" else (0.0, 1.0)


_REVENUE_CUTS: Final[tuple[CutKind, ...]] = ("company", "segment", "team")

KPIS: Final[tuple[Kpi, ...]] = (
    Kpi("grr", True, "rate", "month", _REVENUE_CUTS),
    Kpi("nrr", True, "rate", "month", _REVENUE_CUTS),
    Kpi("logo_churn_monthly", False, "rate", "month", _REVENUE_CUTS),
    Kpi("logo_churn_annual", False, "rate", "month", _REVENUE_CUTS),
    Kpi("coverage", True, "rate", "month", CUT_KINDS),
    Kpi("onboarding_completion", True, "rate", "fiscal_year", CUT_KINDS),
    Kpi("nps", True, "score", "fiscal_year", CUT_KINDS),
    Kpi("renewal_rate", True, "rate", "fiscal_year", CUT_KINDS),
    Kpi("csql_count", True, "count", "fiscal_year", CUT_KINDS),
)
KPI_BY_KEY: Final[dict[str, Kpi]] = {kpi.key: kpi for kpi in KPIS}
KPI_KEYS: Final[tuple[str, ...]] = tuple(kpi.key for kpi in KPIS)


def kpi(key: str) -> Kpi:
    """The KPI of ``key``; ``KeyError`` for an unknown key."""
    return KPI_BY_KEY[key]


def shown(kpi: Kpi, number: float | None) -> str:
    """A figure or target as the pages write it: a rate in percent with one decimal, an NPS
    in signed points, a count whole; "—" when there is none."""
    if number is None:
        return "—"
    if kpi.unit == "rate":
        return f"{number * 100:.1f}%"
    if kpi.unit == "score":
        return f"{number:+.1f}"
    return f"{number:,.0f}"


def pooled(kpi: Kpi, numerator: float, denominator: float | None) -> float | None:
    """A fiscal-year KPI over several months from the sums of its months' numerators and
    denominators, as the KPI job computes it over the whole period: a rate Σnumerator ÷
    Σdenominator (completed on time ÷ due, MRR kept ÷ MRR due), the NPS 100 · Σ(promoters −
    detractors) ÷ Σanswers, a count Σ. None when a rate or score has no denominator.

    Valid only for the KPIs whose headline is the fiscal year: their months add up (an
    onboarding, an answer, a renewal or a CSQL belongs to one month); a monthly snapshot KPI
    (GRR, coverage) does not."""
    if kpi.headline != "fiscal_year":
        raise ValueError(f"{kpi.key} is not pooled over months")
    if kpi.unit == "count":
        return numerator
    if not denominator:
        return None
    return (100 if kpi.unit == "score" else 1) * numerator / denominator

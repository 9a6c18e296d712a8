"""The KPI core: meeting a target, the shortfall, annual churn, the targets a plan implies and
the cut that drags a KPI (docs/metrics.md, "KPI home and targets")."""

from __future__ import annotations

import math

import pytest

from kizuna.core.kpis.catalog import KPI_KEYS, kpi, pooled, shown
from kizuna.core.kpis.home import CutValue, dragging
from kizuna.core.kpis.targets import (
    Plan,
    annualised,
    compounded,
    derive,
    meets,
    monthly_from_annual,
    shortfall,
)

GRR = kpi("grr")
CHURN = kpi("logo_churn_monthly")
NPS = kpi("nps")
CSQLS = kpi("csql_count")


def test_the_catalog_lists_every_kpi_of_the_issue_once() -> None:
    assert KPI_KEYS == (
        "grr", "nrr", "logo_churn_monthly", "logo_churn_annual", "coverage",
        "onboarding_completion", "nps", "renewal_rate", "csql_count",
    )  # fmt: skip
    with pytest.raises(KeyError):
        kpi("arr")


@pytest.mark.parametrize(
    ("k", "value", "target", "expected"),
    [
        (GRR, 0.9, 0.9, True),  # exactly at the target meets it
        (GRR, 0.8999, 0.9, False),
        (CHURN, 0.01, 0.01, True),  # lower is better for churn
        (CHURN, 0.0101, 0.01, False),
        (NPS, -5.0, -10.0, True),
        (GRR, None, 0.9, None),
        (GRR, 0.9, None, None),
    ],
)
def test_meets(k: object, value: float | None, target: float | None, expected: object) -> None:
    assert meets(k, value, target) is expected  # type: ignore[arg-type]


def test_shortfall_is_on_the_wrong_side_only() -> None:
    assert shortfall(GRR, 0.85, 0.9) == pytest.approx(0.05)
    assert shortfall(GRR, 0.95, 0.9) == 0.0
    assert shortfall(CHURN, 0.02, 0.01) == pytest.approx(0.01)
    assert shortfall(CHURN, None, 0.01) == 0.0


def test_annual_and_monthly_churn_convert_both_ways() -> None:
    assert annualised(0.02) == pytest.approx(0.2153, abs=1e-4)
    assert monthly_from_annual(0.10) == pytest.approx(0.008742, abs=1e-6)
    assert annualised(monthly_from_annual(0.10)) == pytest.approx(0.10)
    assert annualised(0.0) == 0.0 and annualised(1.0) == 1.0
    with pytest.raises(ValueError):
        annualised(1.5)
    with pytest.raises(ValueError):
        monthly_from_annual(-0.1)


def test_annual_logo_churn_compounds_twelve_known_months() -> None:
    assert compounded([0.01] * 12) == pytest.approx(1 - 0.99**12)
    # only the last twelve count
    assert compounded([0.5] + [0.0] * 12) == 0.0
    # fewer than twelve months, or one undefined: no figure (never assumed 0)
    assert compounded([0.01] * 11) is None
    assert compounded([0.01] * 11 + [None]) is None
    assert compounded([]) is None


def test_the_targets_a_plan_implies() -> None:
    plan = Plan(
        mrr_due=1_000_000, start_mrr=5_000_000, annual_churn_target=0.10,
        grr_target=0.90, nrr_target=1.05,
    )  # fmt: skip
    derived = derive(plan)
    assert derived.renewal_amount_needed == 900_000
    assert derived.renewal_rate_needed == pytest.approx(0.9)
    assert derived.monthly_churn_target == pytest.approx(monthly_from_annual(0.1))
    assert derived.max_mrr_lost == 500_000
    assert derived.expansion_needed == 750_000


def test_a_plan_rounds_the_needed_amounts_to_the_safe_side() -> None:
    derived = derive(Plan(333, 333, 0.1, 0.9, 0.95))
    assert derived.renewal_amount_needed == 300  # 299.7 kept would miss the target: 300
    assert derived.max_mrr_lost == 33  # 33.3 lost would miss it: at most 33
    assert derived.expansion_needed == 17  # 16.65 → 17


def test_a_plan_without_targets_implies_nothing_and_an_nrr_below_grr_needs_no_expansion() -> None:
    empty = derive(Plan(0, 0, None, None, None))
    assert (empty.renewal_amount_needed, empty.max_mrr_lost, empty.expansion_needed) == (
        None, None, None,
    )  # fmt: skip
    assert derive(Plan(0, 1000, None, 0.9, 0.8)).expansion_needed == 0
    huge = derive(Plan(10**15, 10**15, 0.1, 0.9, 1.1))
    assert huge.renewal_amount_needed == 9 * 10**14


def test_the_dragging_cut_weighs_the_shortfall_by_size() -> None:
    cov = kpi("coverage")
    values = [
        CutValue("segment", "high", 0.8, 0.9, 500),  # 0.10 × 500
        CutValue("segment", "tech", 0.5, 0.9, 20),  # 0.40 × 20
        CutValue("segment", "low", 0.95, 0.9, 300),  # meets
    ]
    drag = dragging(cov, values)
    assert drag is not None and drag.cut.value == "high"
    assert drag.cost == pytest.approx(0.10 * 500 / 820)


def test_nothing_drags_when_all_meet_or_nothing_is_known() -> None:
    assert dragging(GRR, [CutValue("segment", "high", 0.95, 0.9, 10)]) is None
    assert dragging(GRR, [CutValue("segment", "high", None, 0.9, 10)]) is None
    assert dragging(GRR, [CutValue("segment", "high", 0.5, None, 10)]) is None
    assert dragging(GRR, [CutValue("segment", "high", 0.5, 0.9, 0)]) is None
    assert dragging(GRR, []) is None


def test_churn_drags_when_it_is_above_target_and_ties_go_to_the_first_cut() -> None:
    values = [
        CutValue("team", "b", 0.03, 0.01, 100),
        CutValue("team", "a", 0.03, 0.01, 100),
    ]
    drag = dragging(CHURN, values)
    assert drag is not None and drag.cut.value == "a"


@pytest.mark.parametrize(
    ("k", "number", "text"),
    [
        (GRR, 0.9234, "92.3%"),
        (NPS, 12.345, "+12.3"),
        (NPS, -3.0, "-3.0"),
        (CSQLS, 1234.0, "1,234"),
        (GRR, None, "—"),
    ],
)
def test_how_a_figure_is_written(k: object, number: float | None, text: str) -> None:
    assert shown(k, number) == text  # type: ignore[arg-type]


def test_target_bounds() -> None:
    assert GRR.target_bounds() == (0.0, 1.0)
    assert kpi("nrr").target_bounds() == (0.0, 10.0)
    assert NPS.target_bounds() == (-100.0, 100.0)
    assert CSQLS.target_bounds()[0] == 0.0
    assert not math.isnan(CSQLS.target_bounds()[1])


@pytest.mark.parametrize(
    ("key", "numerator", "denominator", "expected"),
    [
        ("renewal_rate", 900.0, 1000.0, 0.9),  # MRR kept ÷ MRR due over the months
        ("onboarding_completion", 3.0, 4.0, 0.75),
        ("nps", 5.0, 20.0, 25.0),  # 100 · (promoters − detractors) ÷ answers
        ("nps", -20.0, 20.0, -100.0),
        ("csql_count", 7.0, None, 7.0),
        ("csql_count", 0.0, None, 0.0),
        ("renewal_rate", 0.0, 0.0, None),  # nothing due: no rate
        ("nps", 0.0, None, None),
        ("onboarding_completion", 1e30, 1e30, 1.0),  # huge sums stay exact enough
    ],
)
def test_pooled_months_of_a_fiscal_year_kpi(
    key: str, numerator: float, denominator: float | None, expected: float | None
) -> None:
    # given / when / then
    assert pooled(kpi(key), numerator, denominator) == expected


@pytest.mark.parametrize("key", ["grr", "nrr", "coverage", "logo_churn_annual"])
def test_a_monthly_snapshot_kpi_is_not_pooled(key: str) -> None:
    with pytest.raises(ValueError, match="not pooled"):
        pooled(kpi(key), 1.0, 2.0)

"""The revenue dashboard's charts: the MRR bridge's signed steps, rate axes, and the cohort
heatmap's binned colours."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.utils import translation

from kizuna.apps.front import charts as toolkit
from kizuna.apps.revenue import charts
from kizuna.apps.revenue.models import CohortSnapshot, RevenueSnapshot

SVG = "{http://www.w3.org/2000/svg}"


def test_the_bridge_writes_each_step_with_its_sign_in_yen() -> None:
    row = RevenueSnapshot(
        month=dt.date(2026, 10, 1),
        start_mrr=1_000_000,
        new_mrr=50_000,
        expansion_mrr=0,
        reactivation_mrr=0,
        contraction_mrr=10_000,
        churn_mrr=40_000,
        total_mrr=1_000_000,
    )
    with translation.override("ja"):
        chart = charts.bridge(row, "JPY")
    titles = [el.text for el in ET.fromstring(str(chart.svg)).iter(f"{SVG}title")]
    assert titles[1] == "新規: +¥50,000"
    assert titles[-2] == "解約: −¥40,000"
    assert all(tick.startswith("¥") for tick in chart.y_ticks)


def test_rate_ticks_take_the_decimals_they_need() -> None:
    assert [charts.pct_tick(r) for r in (0.0, 0.025, 0.1, 1.05)] == ["0%", "2.5%", "10%", "105%"]
    assert charts.pct(None) == "—" and charts.pct(0.9531) == "95.3%"


def test_heatmap_cells_take_the_bins_that_tell_70_from_100_percent() -> None:
    cohort = dt.date(2026, 1, 1)
    cells = [
        CohortSnapshot(
            cohort_month=cohort,
            months_since_start=k,
            month=dt.date(2026, 1 + k, 1),
            cohort_customers=4,
            active_customers=active,
            logo_retention=active / 4,
            cohort_start_mrr=400,
            mrr=0,
            revenue_retention=None,
        )
        for k, active in enumerate((4, 3))
    ]
    with translation.override("ja"):
        (row,) = charts.heatmap(cells, "logo", 3)
    full, three_quarters, missing = row.cells
    assert full is not None and three_quarters is not None and missing is None
    assert (full.label, full.fill) == ("100", toolkit.heat_bin(1.0).fill)
    assert (three_quarters.label, three_quarters.fill) == ("75", toolkit.heat_bin(0.75).fill)
    assert full.fill != three_quarters.fill
    assert three_quarters.title == "2026年2月: 75.0% (3/4)"

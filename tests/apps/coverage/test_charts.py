"""The coverage trend: one chart per touch model, 0–100 %, the target dashed, month labels
apart in Japanese."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from kizuna.apps.coverage.charts import trend_charts
from kizuna.apps.coverage.selectors import TrendLine
from kizuna.apps.front.charts.scale import fits

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize("count", [1, 2, 6, 7, 13, 14, 25, 60])
def test_the_coverage_trend_keeps_its_month_labels_apart(count: int) -> None:
    # given month-end snapshots, the last undefined (no account that day)
    days = [dt.date(2024, 1, 31) + dt.timedelta(days=31 * i) for i in range(count)]
    rates: list[float | None] = [0.5 + 0.5 * (i % 2) for i in range(count - 1)] + [None]
    line = TrendLine(segment="high", days=days, rates=rates, target=0.8, last_rate=None)
    # when drawn in Japanese
    with translation.override("ja"):
        (trend,) = trend_charts([line])
    chart = trend.chart
    # then the first month is labelled, no two labels touch, the axis runs 0–100 %
    assert chart.x_labels[0].text == "2024年1月"
    assert fits(chart.x_labels)
    assert (chart.y_ticks[0], chart.y_ticks[-1]) == ("0%", "100%")
    root = ET.fromstring(str(chart.svg))
    assert [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "ref-label"] == [
        "目標 80%"
    ]
    titles = [el.text or "" for el in root.iter(f"{SVG}title")]
    assert titles[-1] == f"{chart.x_labels[-1].text}"  # undefined: no value on hover

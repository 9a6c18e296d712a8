"""The health pages' charts: the backtest's ROC curve, churn by grade, warning lead time, and
an account's score over 90 days."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.utils import translation

from kizuna.apps.front.charts.scale import fits
from kizuna.apps.health import charts
from kizuna.core.health.backtest import BacktestResult, GradeRate

SVG = "{http://www.w3.org/2000/svg}"


def _result(**kwargs: object) -> BacktestResult:
    values: dict[str, object] = {
        "horizon_days": 90,
        "rows": 0,
        "positives": 0,
        "base_rate": None,
        "auc": None,
        "by_grade": (),
        "worst_grade_lift": None,
        "roc": (),
    }
    return BacktestResult(**{**values, **kwargs})  # type: ignore[arg-type]


def _titles(svg: str) -> list[str]:
    return [el.text or "" for el in ET.fromstring(svg).iter(f"{SVG}title")]


def test_lead_times_fall_in_30_day_buckets_and_every_bucket_is_labelled() -> None:
    # given churned accounts warned 10, 100, 130 and 400 days before their churn
    result = _result(lead_days=(10, 100, 130, 400))
    # when bucketed and drawn, in Japanese
    assert charts.lead_buckets(result) == [
        ("0–29", 1),
        ("30–59", 0),
        ("60–89", 0),
        ("90–119", 1),
        ("120–149", 1),
        ("150–179", 0),
        ("180+", 1),
    ]
    with translation.override("ja"):
        chart = charts.lead_histogram(result)
    # then all seven buckets are labelled, apart, and each band says its count
    assert [label.text for label in chart.x_labels] == [b for b, _n in charts.lead_buckets(result)]
    assert fits(chart.x_labels)
    assert _titles(chart.svg)[4] == "120–149\n解約顧客数: 1"


def test_churn_by_grade_says_how_many_of_how_many_on_hover() -> None:
    grades = (GradeRate(1, 0, 0, None), GradeRate(2, 144, 10, 10 / 144), GradeRate(5, 595, 0, 0.0))
    with translation.override("en"):
        chart = charts.grade_bars(_result(by_grade=grades))
    assert _titles(chart.svg) == [
        "grade 1: 0 of 0 (—)",
        "grade 2: 10 of 144 (6.9%)",
        "grade 5: 0 of 595 (0.0%)",
    ]
    assert chart.y_ticks[0] == "0%"


def test_the_roc_curve_has_percent_axes_and_markers_with_their_values() -> None:
    roc = tuple((i / 100, min(1.0, (i / 100) ** 0.3)) for i in range(101))
    with translation.override("en"):
        chart = charts.roc(_result(roc=roc, auc=0.812))
    assert chart.y_ticks == ("0%", "20%", "40%", "60%", "80%", "100%")
    titles = _titles(chart.svg)
    assert "false alarms (stayed, scored low): 10%\nchurns caught: 50%" in titles
    assert [item.name for item in chart.legend] == ["Chance (AUC 0.5)", "AUC 0.812"]


def test_a_backtest_without_rows_still_draws_its_axes() -> None:
    for chart in (
        charts.roc(_result()),
        charts.grade_bars(_result()),
        charts.lead_histogram(_result()),
    ):
        ET.fromstring(str(chart.svg))


def test_the_score_trend_needs_two_scores_and_runs_from_0_to_100() -> None:
    day = dt.date(2026, 11, 1)
    assert charts.score_trend([(day, 70.0), (day, None)]) is None
    with translation.override("ja"):
        chart = charts.score_trend([(day, 70.0), (day + dt.timedelta(days=7), 64.4)])
    assert chart is not None
    assert (chart.y_ticks[0], chart.y_ticks[-1]) == ("0", "100")
    assert _titles(chart.svg) == ["2026/11/01: 70", "2026/11/08: 64"]

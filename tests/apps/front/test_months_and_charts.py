"""Months read as the reader's language writes them (2026年10月, Oct 2026), through one filter
and one helper, on every page; chart axes keep their labels apart, whatever the language."""

from __future__ import annotations

import datetime as dt
import itertools
import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import translation

from kizuna.apps.coverage.selectors import TREND_WIDTH, _trend_labels
from kizuna.apps.front.formats import day_in_month_label, month_label
from kizuna.apps.revenue import charts
from kizuna.apps.revenue.charts import GAP, text_width
from kizuna.core.health.backtest import BacktestResult
from tests.factories import World

MONTH = Template("{% load kizuna %}{{ day|month }}")


@pytest.mark.parametrize(
    ("language", "day", "shown"),
    [
        ("ja", dt.date(2026, 10, 1), "2026年10月"),
        ("en", dt.date(2026, 10, 31), "Oct 2026"),
        ("ja", dt.date(1, 1, 1), "0001年1月"),
        ("en", dt.date(9999, 12, 31), "Dec 9999"),
        ("ja", None, ""),
        ("en", "", ""),
    ],
)
def test_the_month_filter_speaks_the_readers_language(
    language: str, day: dt.date | str | None, shown: str
) -> None:
    with translation.override(language):
        assert MONTH.render(Context({"day": day})) == shown
        assert month_label(day or None) == shown  # type: ignore[arg-type]


def test_a_day_on_an_axis_is_written_without_its_year() -> None:
    with translation.override("ja"):
        assert day_in_month_label(dt.date(2026, 10, 5)) == "10月5日"
    with translation.override("en"):
        assert day_in_month_label(dt.date(2026, 10, 5)) == "Oct 5"


def _months(count: int) -> list[dt.date]:
    return [dt.date(2024 + (m // 12), m % 12 + 1, 1) for m in range(count)]


def _spans(chart: charts.Chart) -> list[tuple[float, float]]:
    return sorted(charts._span(label) for label in chart.x_labels)


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("count", [1, 2, 7, 12, 13, 24, 25, 36, 120])
def test_month_labels_of_a_chart_never_overlap(language: str, count: int) -> None:
    # given months labelled in Japanese (wider) or English
    with translation.override(language):
        labels = [month_label(m) for m in _months(count)]
    # when a line chart and a bar chart are drawn over them
    for chart in (
        charts.line_chart(labels, [charts.Series("MRR", [1.0] * count, "#000")], fmt=str),
        charts.bar_chart(labels, [1] * count, fmt=str),
    ):
        spans = _spans(chart)
        # then the first and the last month are labelled, and no two labels touch
        assert chart.x_labels[0].label == labels[0]
        assert chart.x_labels[-1].label == labels[-1]
        assert all(a[1] + GAP <= b[0] for a, b in itertools.pairwise(spans))
        assert all(low >= 0 and high <= chart.width for low, high in spans)


def test_a_chart_carries_its_axis_titles_below_and_beside_the_plot() -> None:
    chart = charts.bar_chart(["a", "b"], [1, -1], fmt=str, x_title="月", y_title="MRR")
    assert (chart.x_title, chart.y_title) == ("月", "MRR")
    # the x title has its own line below the labels
    assert chart.height == charts.HEIGHT + charts.TITLE
    assert chart.label_y == charts.HEIGHT - 8


def test_a_wide_bridge_label_is_broken_in_two_lines() -> None:
    steps = [("Previous month-end", 100, "total"), ("Reactivation", 5, "up")] + [
        ("Month-end", 105, "total")
    ] * 5
    chart = charts.waterfall(steps, fmt=str)
    first = chart.x_labels[0]
    assert (first.label, first.second) == ("Previous", "month-end")


def test_wide_one_word_bridge_labels_take_turns_on_two_lines() -> None:
    # given the English bridge, whose one-word steps are wider than their place
    steps = [
        ("Previous month-end", 100, "total"),
        ("New", 5, "up"),
        ("Expansion", 5, "up"),
        ("Reactivation", 5, "up"),
        ("Contraction", 5, "down"),
        ("Churn", 5, "down"),
        ("Month-end", 105, "total"),
    ]
    # when it is drawn
    labels = charts.waterfall(steps, fmt=str).x_labels
    # then no two neighbours share a line with a wide word
    room = (charts.WIDTH - charts.LEFT - charts.RIGHT) / len(steps) - GAP
    for left, right in itertools.pairwise(labels):
        on_first = [text_width(label.label) for label in (left, right) if label.label]
        on_second = [text_width(label.second) for label in (left, right) if label.second]
        for widths in (on_first, on_second):
            assert len(widths) < 2 or sum(widths) / 2 <= room + GAP


def test_the_lead_time_histogram_leaves_room_between_its_labels() -> None:
    from kizuna.apps.health.charts import lead_histogram

    result = BacktestResult(
        horizon_days=90,
        rows=0,
        positives=0,
        base_rate=None,
        auc=None,
        by_grade=(),
        worst_grade_lift=None,
        roc=(),
        lead_days=(10, 100, 130, 400),
    )
    bars = lead_histogram(result)
    widest = max(text_width(b["label"]) for b in bars)
    spacing = bars[1]["x"] - bars[0]["x"]
    assert spacing >= widest + 6
    assert [b["n"] for b in bars] == [1, 0, 0, 1, 1, 0, 1]
    assert bars[-1]["x"] + 44 <= 408


@pytest.mark.parametrize("count", [2, 6, 7, 13, 14, 25, 60])
def test_the_coverage_trend_keeps_its_month_labels_apart(count: int) -> None:
    days = [dt.date(2024, 1, 1) + dt.timedelta(days=31 * i) for i in range(count)]
    step = TREND_WIDTH / (count - 1)
    x_of = {day: round(i * step, 1) for i, day in enumerate(days)}
    with translation.override("ja"):
        labels = _trend_labels(days, x_of)
    # labels start at their day, the last one ends at it
    spans = [(x, x + text_width(label)) for x, label in labels[:-1]]
    spans.append((labels[-1][0] - text_width(labels[-1][1]), labels[-1][0]))
    assert spans[0][0] == 0 and spans[-1][1] == TREND_WIDTH
    assert all(a[1] + GAP <= b[0] for a, b in itertools.pairwise(spans))


def test_no_page_writes_a_month_as_an_iso_code(client: Client, world: World) -> None:
    # given a member reading Japanese, on the pages that list months
    client.force_login(world.admin)
    for name in ("onboarding:dashboard", "assignments:capacity"):
        # when the page is opened, then no "2026-10" style month is left
        body = client.get(reverse(name)).content.decode()
        assert "年" in body
        assert not re.search(r">\s*20\d\d-\d\d\s*<", body), name


def test_the_gantt_axis_leaves_out_labels_that_would_touch_or_overflow() -> None:
    from kizuna.apps.onboarding.charts import WIDTH, _readable

    # given a tick at every month start of a long onboarding, the last one near the edge
    with translation.override("ja"):
        ticks = [
            {"x": 150.0 + 45 * i, "label": month_label(dt.date(2026, 1 + i, 1))} for i in range(11)
        ]
    # when the axis is made readable
    shown = [t for t in _readable(ticks) if t["label"]]
    # then every tick keeps its line, and the labels shown neither touch nor pass the edge
    assert len(ticks) == 11 and 1 < len(shown) < 11
    spans = [(t["x"], t["x"] + text_width(t["label"])) for t in shown]
    assert all(a[1] + GAP <= b[0] for a, b in itertools.pairwise(spans))
    assert spans[-1][1] <= WIDTH

"""The chart toolkit (kizuna.apps.front.charts): round ticks for any range, labels that never
overlap, well-formed SVG with hover values and escaped text, a heatmap scale that tells 70 %
from 100 %."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import math
import random
import xml.etree.ElementTree as ET

import pytest
from django.template import Context, Template

from kizuna.apps.front import charts
from kizuna.apps.front.charts.category import staggered, two_lines
from kizuna.apps.front.charts.scale import Axis, Label, domain, fits, spaced_labels
from kizuna.apps.front.charts.text import FONT, GAP, shorten, text_width

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & '月'"


def parse(chart: charts.Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def texts(root: ET.Element, cls: str) -> list[str]:
    return [
        "".join(el.itertext())
        for el in root.iter(f"{SVG}text")
        if cls in (el.get("class") or "").split()
    ]


def titles(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}title")]


# -- ticks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("span", "count", "step"),
    [
        (10, 5, 2),
        (1, 4, 0.25),
        (7, 5, 2),
        (100, 4, 25),
        (1e15, 5, 2e14),
        (3e-9, 3, 1e-9),
        (0, 5, 1),
        (-4, 5, 1),
        (math.inf, 5, 1),
        (math.nan, 5, 1),
        (10, 0, 1),
    ],
)
def test_a_step_is_round_and_cuts_the_span_into_about_count_parts(
    span: float, count: int, step: float
) -> None:
    assert charts.nice_step(span, count) == pytest.approx(step)


def _ticks(values: list[float | None], axis: Axis, length: float = 130) -> list[str]:
    scale = domain(values, axis, length=length)
    return [axis.tick(v, scale.step) for v in scale.ticks()]


PCT = Axis(fmt=lambda v: f"{v * 100:.0f}%")


@pytest.mark.parametrize(
    ("values", "axis", "ticks"),
    [
        ([], Axis(), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]),
        ([0, 0, 0], Axis(), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"]),
        ([None, None], Axis(integer=True), ["0", "1"]),
        ([3], Axis(integer=True), ["0", "1", "2", "3"]),
        ([0, 12], Axis(integer=True), ["0", "5", "10", "15"]),
        ([-5, -1], Axis(), ["-5", "-4", "-3", "-2", "-1", "0"]),
        ([-3, 7], Axis(), ["-5.0", "-2.5", "0.0", "2.5", "5.0", "7.5"]),
        (
            [0, 3.2e12],
            Axis(),
            [
                "0",
                "1,000,000,000,000",
                "2,000,000,000,000",
                "3,000,000,000,000",
                "4,000,000,000,000",
            ],
        ),
        ([0.9, 1.05], Axis(include_zero=False, fmt=PCT.fmt), ["90%", "95%", "100%", "105%"]),
        ([0.5], Axis(domain=(0.0, 1.0), fmt=PCT.fmt), ["0%", "20%", "40%", "60%", "80%", "100%"]),
        ([math.nan, math.inf, -math.inf, 4], Axis(), ["0", "1", "2", "3", "4"]),
        ([2.0, 2.0], Axis(include_zero=False), ["1.8", "1.9", "2.0", "2.1", "2.2"]),
    ],
)
def test_a_value_axis_always_has_round_distinct_ticks(
    values: list[float | None], axis: Axis, ticks: list[str]
) -> None:
    assert _ticks(values, axis) == ticks


def test_ticks_carry_no_floating_point_noise() -> None:
    scale = domain([0, 0.0003], Axis(), length=130)
    assert scale.ticks() == (0.0, 0.0001, 0.0002, 0.0003)


def test_a_format_too_coarse_for_the_step_gets_fewer_ticks_not_equal_labels() -> None:
    # whole-number labels over 0–1 would read 0, 0, 0, 1, 1, 1
    assert _ticks([0.4, 0.9], Axis(fmt=lambda v: f"{v:.0f}")) == ["0", "1"]


@pytest.mark.parametrize("length", [60, 130, 300, 1000])
def test_ticks_are_never_closer_than_a_label_height(length: float) -> None:
    for values in ([0, 7], [-3, 7], [0, 123456], [0.01, 0.02]):
        scale = domain(values, Axis(), length=length)
        count = len(scale.ticks())
        assert count >= 2
        assert (count - 1) * 26 <= max(length, 26)


def test_values_outside_a_fixed_domain_are_drawn_at_its_edge() -> None:
    scale = domain([], Axis(domain=(0.0, 1.0)), length=100)
    assert (scale.at(-0.5), scale.at(0.5), scale.at(1.7)) == (0.0, 50.0, 100.0)


# -- labels ---------------------------------------------------------------------------------


def test_a_full_width_character_is_one_em_wide() -> None:
    assert text_width("年月") == 2 * FONT
    assert text_width("Oct 2026") < text_width("2026年10月")
    assert shorten("オンボーディング完了", 50) == "オンボ…"
    assert shorten("short", 500) == "short"


@pytest.mark.parametrize("seed", range(40))
def test_thinned_labels_never_overlap_and_stay_inside(seed: int) -> None:
    # given labels of random widths and spacing (Japanese and Latin)
    rng = random.Random(seed)
    count = rng.randint(1, 150)
    words = ["2026年10月", "Oct 2026", "10/5", "120–149", "キックオフ", "W", ""]
    xs = sorted(rng.uniform(40, 700) for _ in range(count))
    labels = [rng.choice(words) for _ in range(count)]
    # when they are thinned for a 720-wide axis
    kept = spaced_labels(xs, labels, left=40, right=718)
    # then no two come closer than GAP, none leaves the axis, and the first label is kept
    assert fits(kept)
    assert all(k.span[0] >= 40 and k.span[1] <= 718 for k in kept)
    named = [t for t in labels if t]
    assert [k.text for k in kept[:1]] == named[:1]


@pytest.mark.parametrize("count", [1, 2, 7, 12, 13, 24, 25, 36, 60, 120])
@pytest.mark.parametrize("month", ["2026年10月", "Oct 2026"])
def test_month_labels_of_a_chart_never_overlap(count: int, month: str) -> None:
    # given months labelled in Japanese (wider) or English
    labels = [month.replace("10", str(m % 12 + 1)) for m in range(count)]
    # when a line chart and a bar chart are drawn over them
    for chart in (
        charts.line_chart(labels, [charts.Series("MRR", [1.0] * count)]),
        charts.category_chart(labels, bars=charts.Bars("MRR", [1.0] * count)),
    ):
        shown = chart.x_labels
        # then the first and the last month are labelled, and no two labels touch
        assert (shown[0].text, shown[-1].text) == (labels[0], labels[-1])
        assert fits(shown)
        assert all(k.span[0] >= 0 and k.span[1] <= chart.width for k in shown)
        # and the labels drawn are the ones measured
        assert texts(parse(chart), "x") == [k.text for k in shown]


def test_a_wide_bridge_label_is_broken_in_two_lines() -> None:
    label = two_lines(10, "Previous month-end", room=60)
    assert (label.text, label.second) == ("Previous", "month-end")
    assert two_lines(10, "前月末MRR", room=60).second == ""


def test_wide_one_word_labels_take_turns_on_two_lines() -> None:
    words = ["Previous", "New", "Expansion", "Reactivation", "Contraction", "Churn", "Month-end"]
    laid = staggered(
        [Label(x=i * 60.0, text=w, tick=i * 60.0) for i, w in enumerate(words)], room=52
    )
    for left, right in itertools.pairwise(laid):
        assert not (left.text and right.text and text_width(left.text) > 52)
        assert not (left.second and right.second)


def test_the_waterfall_keeps_its_step_labels_apart_in_english() -> None:
    steps = [
        ("Previous month-end", 100.0, "total"),
        ("New", 5.0, "up"),
        ("Expansion", 5.0, "up"),
        ("Reactivation", 5.0, "up"),
        ("Contraction", 5.0, "down"),
        ("Churn", 5.0, "down"),
        ("Month-end", 105.0, "total"),
    ]
    chart = charts.waterfall(steps, y=Axis(title="MRR"), width=620)
    lines: dict[str, list[tuple[float, float]]] = {"first": [], "second": []}
    for label in chart.x_labels:
        for line, text in (("first", label.text), ("second", label.second)):
            if text:
                half = text_width(text) / 2
                lines[line].append((label.x - half, label.x + half))
    for spans in lines.values():
        assert all(a[1] + GAP <= b[0] for a, b in itertools.pairwise(sorted(spans)))
    root = parse(chart)
    assert "+5" in texts(root, "value") and "−5" in texts(root, "value")
    assert "Churn: −5" in titles(root)


# -- SVG ------------------------------------------------------------------------------------


def _every_kind(label: str = "x") -> list[charts.Chart]:
    day = dt.date(2026, 5, 1)
    return [
        charts.line_chart(
            [label, "b", "c"], [charts.Series(label, [1.0, None, 3.0])], y=Axis(title=label)
        ),
        charts.category_chart(
            [label], bars=charts.signed_bars(label, [-2.0]), y=Axis(title=label), x_title=label
        ),
        charts.category_chart(
            [label, "b"],
            bars=charts.Bars(label, [1.0, 2.0], value_labels=True),
            lines=[charts.Series(label, [5.0, 6.0], right=True)],
            references=[charts.Reference(1.5, label)],
            y=Axis(title=label),
            y2=Axis(title=label),
        ),
        charts.waterfall([(label, 10.0, "total"), ("b", 2.0, "up")], y=Axis(title=label)),
        charts.hbar_chart([charts.HBar(label, 3.0, label, indent=1)], x=Axis(title=label)),
        charts.timeline(
            [
                charts.TimelineRow(
                    label,
                    [charts.Span(day, day + dt.timedelta(5), "#000")],
                    marks=[day],
                    title=label,
                )
            ],
            start=day,
            end=day + dt.timedelta(days=90),
            tick_label=lambda d: f"{label}{d.day}",
            x_title=label,
            today=day + dt.timedelta(days=3),
            today_label=label,
        ),
        charts.xy_chart(
            [charts.Curve(label, [(0.0, 0.0), (0.5, 0.9), (1.0, 1.0)])],
            x=Axis(title=label),
            y=Axis(title=label),
            markers=[charts.Marker(0.5, 0.9, label)],
            legend=True,
        ),
    ]


def test_every_kind_of_chart_is_well_formed_svg_without_style_or_script() -> None:
    for chart in _every_kind():
        root = parse(chart)
        assert root.tag == f"{SVG}svg"
        assert root.get("role") == "img"
        names = {el.tag.removeprefix(SVG) for el in root.iter()}
        assert not names & {"style", "script", "foreignObject"}
        assert 'style="' not in str(chart.svg)


def test_empty_data_still_draws_axes() -> None:
    for chart in (
        charts.line_chart([], []),
        charts.category_chart([], bars=charts.Bars("n", [])),
        charts.waterfall([], y=Axis()),
        charts.hbar_chart([], x=Axis()),
        charts.xy_chart([], x=Axis(), y=Axis()),
        charts.timeline([], start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 1), tick_label=str),
    ):
        root = parse(chart)
        assert any(el.get("class") == "axis" for el in root.iter(f"{SVG}line"))


def test_japanese_and_hostile_text_is_escaped_and_read_back_as_written() -> None:
    for chart in _every_kind(HOSTILE):
        svg = str(chart.svg)
        assert "<script" not in svg
        root = parse(chart)
        written = ["".join(el.itertext()) for el in root.iter(f"{SVG}text")] + titles(root)
        assert any(HOSTILE in text for text in written), chart
        html = str(chart)
        assert "<script" not in html


def test_a_line_breaks_where_a_value_is_undefined_and_each_band_has_its_values() -> None:
    chart = charts.line_chart(
        ["1月", "2月", "3月", "4月"],
        [charts.Series("GRR", [0.9, None, 0.95, 0.97]), charts.Series("NRR", [1.1, 1.0, 1.2, 1.3])],
        y=Axis(fmt=lambda v: f"{v * 100:.0f}%", value_fmt=lambda v: f"{v * 100:.1f}%"),
    )
    root = parse(chart)
    # GRR: a dot for 1月 alone, a line over 3–4月; NRR: one line
    assert len(list(root.iter(f"{SVG}polyline"))) == 2
    assert len(list(root.iter(f"{SVG}circle"))) == 4 + 3
    assert titles(root) == [
        "1月\nGRR: 90.0%\nNRR: 110.0%",
        "2月\nNRR: 100.0%",
        "3月\nGRR: 95.0%\nNRR: 120.0%",
        "4月\nGRR: 97.0%\nNRR: 130.0%",
    ]
    assert [item.name for item in chart.legend] == ["GRR", "NRR"]


def test_a_bar_of_zero_still_has_its_value_on_hover() -> None:
    chart = charts.category_chart(["a", "b"], bars=charts.Bars("件数", [0.0, 4.0]))
    assert titles(parse(chart)) == ["a\n件数: 0", "b\n件数: 4"]


def test_signed_bars_grow_from_zero_in_green_and_red() -> None:
    chart = charts.category_chart(["a", "b"], bars=charts.signed_bars("n", [3.0, -2.0]))
    root = parse(chart)
    bars = [el for el in root.iter(f"{SVG}rect") if el.get("class") == "bar"]
    zero = next(el for el in root.iter(f"{SVG}line") if el.get("class") == "zero")
    assert [b.get("fill") for b in bars] == [charts.UP, charts.DOWN]
    up_bottom = float(bars[0].get("y") or 0) + float(bars[0].get("height") or 0)
    assert up_bottom == pytest.approx(float(zero.get("y1") or 0), abs=0.1)
    assert float(bars[1].get("y") or 0) == pytest.approx(float(zero.get("y1") or 0), abs=0.1)


def test_a_template_places_a_chart_as_it_is() -> None:
    chart = charts.line_chart(
        ["a", "b"], [charts.Series("x", [1.0, 2.0]), charts.Series("y", [2.0, 1.0])]
    )
    html = Template("{{ chart }}").render(Context({"chart": chart}))
    assert html.startswith("<svg") and '<div class="chart-legend">' in html
    assert "&lt;" not in html


def test_the_gantt_axis_keeps_its_day_labels_apart() -> None:
    start = dt.date(2026, 1, 1)
    for days in (10, 40, 75, 200, 400):
        chart = charts.timeline(
            [charts.TimelineRow("キックオフ", [])],
            start=start,
            end=start + dt.timedelta(days=days),
            tick_label=lambda d: (
                f"{d.year}年{d.month}月" if d.day == 1 else f"{d.month}月{d.day}日"
            ),
            width=640,
        )
        assert len(chart.x_labels) >= 2
        assert fits(chart.x_labels)
        assert all(k.span[0] >= 0 and k.span[1] <= 640 for k in chart.x_labels)


def test_day_ticks_are_month_starts_or_weekly() -> None:
    assert charts.day_ticks(dt.date(2026, 1, 15), dt.date(2026, 5, 2)) == [
        dt.date(2026, 2, 1),
        dt.date(2026, 3, 1),
        dt.date(2026, 4, 1),
        dt.date(2026, 5, 1),
    ]
    assert charts.day_ticks(dt.date(2026, 1, 5), dt.date(2026, 1, 31)) == [
        dt.date(2026, 1, 8),
        dt.date(2026, 1, 15),
        dt.date(2026, 1, 22),
    ]


def test_a_long_row_name_is_shortened_and_written_whole_on_hover() -> None:
    name = "とても長いフェーズの名前" * 6
    chart = charts.hbar_chart([charts.HBar(name, 1.0, "1件")], x=Axis(), width=600)
    root = parse(chart)
    assert texts(root, "name")[0].endswith("…")
    assert titles(root) == [f"{name}: 1件"]


# -- heatmap colours ------------------------------------------------------------------------


def _luminance(colour: str) -> float:
    red, green, blue = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@pytest.mark.parametrize(
    ("rate", "label"),
    [
        (0.0, "< 50%"),
        (0.499, "< 50%"),
        (0.5, "50–70%"),
        (0.7, "70–80%"),
        (0.85, "80–90%"),
        (0.999, "90–100%"),
        (1.0, "≥ 100%"),
        (1.35, "≥ 100%"),
        (-0.1, "< 50%"),
        (None, "—"),
        (math.nan, "—"),
    ],
)
def test_a_retention_rate_falls_in_one_bin(rate: float | None, label: str) -> None:
    assert charts.heat_bin(rate).label == label


def test_the_heatmap_tells_70_from_100_percent_apart() -> None:
    seventy, full = charts.heat_bin(0.7), charts.heat_bin(1.0)
    assert seventy.fill != full.fill
    # far apart in lightness too (readable in grey), each with readable ink
    assert abs(_luminance(seventy.fill) - _luminance(full.fill)) > 0.4
    for shade in charts.HEAT_BINS:
        assert abs(_luminance(shade.fill) - _luminance(shade.ink)) > 0.35
    legend = str(charts.heat_legend("継続率"))
    assert all(html.escape(b.label) in legend for b in charts.HEAT_BINS)

"""Benchmark of Kizuna's chart toolkit against two chart libraries that ship their own assets
(not a test): the figures behind docs/architecture.md, "Charts".

    uv run python bench/chart_bench.py [--runs 50] [--browser]
    uv run --with vl-convert-python --with plotly python bench/chart_bench.py --browser

vl-convert-python and plotly are not dependencies of Kizuna: ``--with`` adds them for this run
only (without them their columns are skipped). ``--browser`` also opens each variant in the
Chromium of the browser tests (``KIZUNA_CHROMIUM``, default /usr/bin/chromium) and measures
the load event and, for the JavaScript libraries, the time from their script to the chart.

The chart is the revenue dashboard's GRR/NRR chart: 24 months, two series and two dashed
targets, Japanese month labels. Each variant is built once to warm up, then ``--runs`` times;
the median is printed.

- ``kizuna``: ``kizuna.apps.front.charts.line_chart`` → inline SVG (server)
- ``vl-convert svg``: the same as a Vega-Lite spec, rendered to SVG by vl-convert (server)
- ``vega-embed``: the Vega-Lite spec drawn by vl-convert's bundled vega + vega-lite +
  vega-embed (browser)
- ``plotly``: the same as a Plotly figure, drawn by the plotly.min.js in Plotly's wheel
  (browser)
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kizuna.apps.front import charts

MONTHS = [f"{2025 + m // 12}年{m % 12 + 1}月" for m in range(24)]
GRR = [0.9 + 0.002 * i for i in range(24)]
NRR = [1.0 + 0.003 * i for i in range(24)]
CSS = Path(__file__).resolve().parents[1] / "src/kizuna/apps/front/static/kizuna/kizuna.css"


def kb(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return f"{len(raw) / 1024:,.1f} KB ({len(gzip.compress(raw)) / 1024:,.1f} KB gz)"


def median_ms(build: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    """(first call, median of ``runs`` further calls) in ms, and the last result."""
    start = time.perf_counter()
    result = build()
    first = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = build()
        times.append((time.perf_counter() - start) * 1000)
    return first, statistics.median(times), result


def kizuna_chart() -> charts.Chart:
    pct = charts.Axis(
        title="GRR / NRR",
        fmt=lambda v: f"{v * 100:.0f}%",
        value_fmt=lambda v: f"{v * 100:.1f}%",
        include_zero=False,
    )
    return charts.line_chart(
        MONTHS,
        [
            charts.Series("GRR 12m", GRR, charts.PALETTE[0]),
            charts.Series("NRR 12m", NRR, charts.PALETTE[1]),
            charts.Series("GRR目標", [0.9] * 24, charts.PALETTE[0], dashed=True),
            charts.Series("NRR目標", [1.05] * 24, charts.PALETTE[1], dashed=True),
        ],
        y=pct,
        x_title="月（各月末時点の数字）",
        width=620,
    )


def vega_lite_spec() -> dict[str, Any]:
    values = [
        {"month": m, "rate": r, "series": name}
        for name, rates in (
            ("GRR 12m", GRR),
            ("NRR 12m", NRR),
            ("GRR目標", [0.9] * 24),
            ("NRR目標", [1.05] * 24),
        )
        for m, r in zip(MONTHS, rates, strict=True)
    ]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": 520,
        "height": 160,
        "data": {"values": values},
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": {
                "field": "month",
                "type": "ordinal",
                "sort": None,
                "title": "月（各月末時点の数字）",
            },
            "y": {
                "field": "rate",
                "type": "quantitative",
                "axis": {"format": "%"},
                "scale": {"zero": False},
                "title": "GRR / NRR",
            },
            "color": {"field": "series", "type": "nominal"},
            "tooltip": [{"field": "month"}, {"field": "rate", "format": ".1%"}],
        },
    }


def plotly_figure() -> dict[str, Any]:
    traces = [
        {"type": "scatter", "x": MONTHS, "y": values, "name": name}
        for name, values in (("GRR 12m", GRR), ("NRR 12m", NRR))
    ]
    return {"data": traces, "layout": {"width": 620, "height": 220, "yaxis": {"tickformat": ".0%"}}}


def server_side(runs: int) -> dict[str, str]:
    """The server's share: build the chart (and its markup or its JSON)."""
    pages: dict[str, str] = {}
    first, median, chart = median_ms(lambda: str(kizuna_chart()), runs)
    print(
        f"kizuna          first {first:7.1f} ms  median {median:6.2f} ms  SVG {kb(chart)}"
        f"  <title> hover texts: {chart.count('<title>')}  JavaScript: 0 KB"
    )
    pages["kizuna"] = f'<div class="chart">{chart}</div><script>window.done = 0;</script>'
    if importlib.util.find_spec("vl_convert"):
        import vl_convert

        spec = vega_lite_spec()
        first, median, svg = median_ms(lambda: vl_convert.vegalite_to_svg(spec), runs)
        print(
            f"vl-convert svg  first {first:7.1f} ms  median {median:6.2f} ms  SVG {kb(svg)}"
            f"  <title> hover texts: {svg.count('<title>')}"
        )
        bundle = vl_convert.javascript_bundle()
        print(
            f"vega-embed      bundle {kb(bundle)}; compiles expressions with new Function: "
            f"{'new Function' in bundle}; adds <style> elements: "
            f"{'createElement("style")' in bundle}"
        )
        pages["vega-embed"] = (
            f"<script>{bundle}</script><div id=c></div><script>const t0 = performance.now();"
            f"vegaEmbed('#c', {json.dumps(spec)}, {{renderer: 'svg'}}).then(() => "
            "{ window.done = performance.now() - t0; });</script>"
        )
    if importlib.util.find_spec("plotly"):
        import plotly

        script = (Path(plotly.__path__[0]) / "package_data/plotly.min.js").read_text()
        figure = plotly_figure()
        first, median, text = median_ms(lambda: json.dumps(figure), runs)
        print(
            f"plotly          plotly.min.js {kb(script)}; figure JSON {kb(text)}; adds <style> "
            f"elements: {'createElement("style")' in script}"
        )
        pages["plotly"] = (
            f"<script>{script}</script><div id=c></div><script>const t0 = performance.now();"
            f"Plotly.newPlot('c', {json.dumps(figure['data'])}, {json.dumps(figure['layout'])})"
            ".then(() => { window.done = performance.now() - t0; });</script>"
        )
    return pages


def browser(pages: dict[str, str], runs: int) -> None:
    """Each variant as a page of its own: the load event and the chart's drawing time."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("KIZUNA_CHROMIUM", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        app = playwright.chromium.launch(
            executable_path=chromium, args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        (Path(folder) / "kizuna.css").write_text(CSS.read_text())
        for name, body in pages.items():
            path = Path(folder) / f"{name}.html"
            path.write_text(
                f'<html><head><link rel="stylesheet" href="kizuna.css"></head>'
                f"<body>{body}</body></html>"
            )
            loads, drawn = [], []
            for _ in range(min(runs, 9)):
                page = app.new_page()
                page.goto(path.as_uri())
                page.wait_for_function("window.done !== undefined", timeout=30_000)
                drawn.append(page.evaluate("window.done"))
                loads.append(
                    page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
                )
                page.close()
            print(
                f"{name:15} browser: load event {statistics.median(loads):6.0f} ms, chart drawn "
                f"{statistics.median(drawn):5.0f} ms after its script ran"
            )
        app.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    pages = server_side(args.runs)
    if args.browser:
        browser(pages, args.runs)


if __name__ == "__main__":
    main()

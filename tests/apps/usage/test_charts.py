"""The account page's usage chart: 60 days of events (left axis) and active users (right)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

from django.utils import translation

from kizuna.apps.front.charts.scale import fits
from kizuna.apps.usage.charts import CHART_DAYS, daily_usage

SVG = "{http://www.w3.org/2000/svg}"


def test_sixty_days_with_both_values_on_hover_and_both_axes_titled() -> None:
    today = dt.date(2026, 11, 29)
    days = {
        today: (120, 14),
        today - dt.timedelta(days=59): (3, 1),
        today - dt.timedelta(days=90): (999, 99),
    }
    with translation.override("ja"):
        usage = daily_usage(days, today=today)
    root = ET.fromstring(str(usage.chart.svg))
    titles = [el.text for el in root.iter(f"{SVG}title")]
    assert len(titles) == CHART_DAYS
    assert titles[0] == "2026/10/01: イベント 3 件、アクティブユーザー 1 人"
    assert titles[-1] == "2026/11/29: イベント 120 件、アクティブユーザー 14 人"
    assert (usage.max_events, usage.max_users) == (120, 14)  # the day before the window is out
    heads = [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "title"]
    assert heads[:2] == ["1日のイベント数", "1日のアクティブユーザー数"]
    assert fits(usage.chart.x_labels)


def test_a_quiet_account_reads_zero_not_one() -> None:
    usage = daily_usage({}, today=dt.date(2026, 11, 29))
    assert (usage.max_events, usage.max_users) == (0, 0)
    assert usage.chart.y_ticks[0] == "0"

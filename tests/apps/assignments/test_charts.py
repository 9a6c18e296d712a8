"""The capacity plan's chart: CSMs needed each month against today's headcount."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from fractions import Fraction

from django.utils import translation

from kizuna.apps.assignments.charts import csms_needed
from kizuna.core.capacity import CapacityMonth, TeamNeed

SVG = "{http://www.w3.org/2000/svg}"


def _month(day: dt.date, needs: tuple[int, int]) -> CapacityMonth:
    teams = tuple(
        TeamNeed(team=name, needed=Fraction(n), needed_ceil=n, headcount=4, gap=0, hiring_need=0)
        for name, n in zip(("a", "b"), needs, strict=True)
    )
    return CapacityMonth(month=day, accounts={}, book_needs={}, teams=teams)


def test_each_month_shows_the_csms_needed_above_its_bar_and_the_headcount_dashed() -> None:
    plan = [_month(dt.date(2026, 11, 1), (3, 2)), _month(dt.date(2026, 12, 1), (6, 5))]
    with translation.override("ja"):
        chart = csms_needed(plan)
    root = ET.fromstring(str(chart.svg))
    values = [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "value"]
    assert values == ["5", "11"]
    assert [el.text for el in root.iter(f"{SVG}text") if el.get("class") == "ref-label"] == [
        "現在: 8 名"
    ]
    assert chart.y_ticks == ("0", "5", "10", "15")
    assert [label.text for label in chart.x_labels] == ["2026年11月", "2026年12月"]

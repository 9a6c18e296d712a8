"""The onboarding charts: the phases' timeline and the CS funnel."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from typing import Any

from django.utils import translation

from kizuna.apps.front.charts.scale import fits
from kizuna.apps.onboarding import charts
from kizuna.apps.onboarding.models import Onboarding, OnboardingPhase
from kizuna.apps.onboarding.selectors import PhaseProgress
from kizuna.core.onboarding.kpis import FunnelRow

SVG = "{http://www.w3.org/2000/svg}"
START = dt.date(2026, 5, 1)


def _phases() -> list[PhaseProgress]:
    days = [
        (START, dt.date(2026, 5, 8), dt.date(2026, 5, 7)),
        (dt.date(2026, 5, 8), dt.date(2026, 6, 1), dt.date(2026, 6, 10)),
        (dt.date(2026, 6, 1), dt.date(2026, 7, 15), None),
    ]
    return [
        PhaseProgress(
            phase=OnboardingPhase(name_ja=name, name_en=name),
            planned_from=a,
            target_on=b,
            done_on=c,
            criteria=(),
        )
        for name, (a, b, c) in zip(("キックオフ", "初期設定", "社内展開"), days, strict=True)
    ]


def _gantt(state: str, today: dt.date) -> Any:
    onboarding = Onboarding(
        started_on=START, target_on=dt.date(2026, 7, 15), state=state, state_since=today
    )
    with translation.override("ja"):
        return charts.gantt(onboarding=onboarding, phases=_phases(), today=today)


def test_an_open_onboarding_runs_to_today_with_late_phases_in_red() -> None:
    chart = _gantt("in_progress", dt.date(2026, 8, 20))
    root = ET.fromstring(str(chart.svg))
    titles = [el.text or "" for el in root.iter(f"{SVG}title")]
    assert titles[:3] == [
        "キックオフ\n計画: 2026/05/01 – 2026/05/08\n実績: 2026/05/01 – 2026/05/07",
        "初期設定\n計画: 2026/05/08 – 2026/06/01\n実績: 2026/05/07 – 2026/06/10 (目標超過)",
        "社内展開\n計画: 2026/06/01 – 2026/07/15\n実績: 2026/06/10 – … (目標超過)",
    ]
    assert titles[-1] == "今日"
    labels = [label.text for label in chart.x_labels]
    assert labels[0] == "2026年5月" and labels[-1] == "2026年8月"
    assert fits(chart.x_labels)


def test_a_churned_onboarding_ends_where_it_ended_not_today() -> None:
    # given an onboarding churned on 1 August, read the next March
    onboarding = Onboarding(
        started_on=START,
        target_on=dt.date(2026, 7, 15),
        state="churned",
        state_since=dt.date(2026, 8, 1),
    )
    with translation.override("ja"):
        chart = charts.gantt(onboarding=onboarding, phases=_phases(), today=dt.date(2027, 3, 1))
    # then the axis stops a few days after the churn, and today is off it
    assert chart.x_labels[-1].text == "2026年8月"
    assert "今日" not in str(chart.svg)


def test_the_funnel_gives_each_node_its_count_and_share() -> None:
    totals = FunnelRow(handed_over=20, completed_on_time=15, missed_target=5, revived=1)
    with translation.override("en"):
        funnel = charts.funnel(totals)
    titles = [el.text for el in ET.fromstring(str(funnel.chart.svg)).iter(f"{SVG}title")]
    assert titles[:3] == [
        "Handed over: 20 onboardings (100.0%)",
        "Completed on time: 15 onboardings (75.0%)",
        "Stalled (missed the target): 5 onboardings (25.0%)",
    ]
    assert "Revived: 1 onboarding (5.0%)" in titles
    assert funnel.totals is totals
    with translation.override("en"):
        empty = charts.funnel(FunnelRow())
    assert "Handed over: 0 onboardings (—)" in str(empty.chart.svg)

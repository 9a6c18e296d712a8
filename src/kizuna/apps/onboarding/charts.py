"""The onboarding pages' charts, drawn by the chart toolkit (``kizuna.apps.front.charts``):
an onboarding's phases against their targets (a timeline) and the CS funnel (horizontal
bars)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kizuna.apps.front import charts
from kizuna.apps.front.formats import day_in_month_label, month_label
from kizuna.apps.onboarding.models import Onboarding
from kizuna.core.onboarding.kpis import FunnelRow

if TYPE_CHECKING:
    from kizuna.apps.onboarding.selectors import PhaseProgress

PLANNED = "#a9c1dc"
LATE = charts.DOWN
ON_TIME = charts.UP
OPEN_STATES = ("in_progress", "stalled", "expected_churn")


def _day(day: dt.date) -> str:
    return str(formats.date_format(day, "SHORT_DATE_FORMAT"))


def _tick(day: dt.date) -> str:
    return month_label(day) if day.day == 1 else day_in_month_label(day)


def _row(phase: PhaseProgress, began: dt.date, actual_end: dt.date | None) -> charts.TimelineRow:
    late = bool(actual_end and actual_end > phase.target_on)
    spans = [charts.Span(phase.planned_from, phase.target_on, PLANNED, lane=0)]
    title = [
        phase.phase.name,
        f"{_('Planned')}: {_day(phase.planned_from)} – {_day(phase.target_on)}",
    ]
    if actual_end:
        spans.append(
            charts.Span(
                began,
                actual_end,
                LATE if late else ON_TIME,
                lane=1,
                opacity=None if phase.done_on else 0.6,
            )
        )
        done = _day(actual_end) if phase.done_on else "…"
        title.append(
            f"{_('Actual')}: {_day(began)} – {done}"
            + (f" ({_('Past the target')})" if late else "")
        )
    return charts.TimelineRow(
        name=phase.phase.name,
        spans=spans,
        marks=[phase.target_on],
        title="\n".join(title),
    )


def gantt(
    *, onboarding: Onboarding, phases: Sequence[PhaseProgress], today: dt.date
) -> charts.Chart:
    """One row per phase: the planned bar (previous target → target) and the actual bar
    (previous phase done → done, or → today while open; red when past the target). The days
    run from the hand-over to the last of the target, the phases done and today (while open;
    else the day the onboarding ended)."""
    is_open = onboarding.state in OPEN_STATES
    rows = []
    previous_done = onboarding.started_on
    for phase in phases:
        actual_end = phase.done_on or (today if is_open else None)
        began = min(previous_done, actual_end) if actual_end else previous_done
        rows.append(_row(phase, began, actual_end))
        previous_done = phase.done_on or previous_done
    closed = onboarding.completed_on or onboarding.state_since
    ends = [onboarding.target_on, *(p.done_on for p in phases if p.done_on)]
    ends.append(today if is_open or closed is None else min(closed, today))
    legend = [
        charts.LegendItem(_("Planned"), PLANNED, "box"),
        charts.LegendItem(_("Actual"), ON_TIME, "box"),
        charts.LegendItem(_("Past the target"), LATE, "box"),
        charts.LegendItem(_("Target"), "#1f2937", "line"),
    ]
    return charts.timeline(
        rows,
        start=onboarding.started_on,
        end=max(ends) + dt.timedelta(days=3),
        tick_label=_tick,
        x_title=_("Day"),
        today=today,
        today_label=_("Today"),
        width=1180,
        label=_("Phases: target and actual"),
        legend=legend,
    )


BAD = {"missed_target", "expected_churn", "churned_before_completion", "churned_at_first_renewal"}


@dataclass(frozen=True)
class FunnelChart:
    chart: charts.Chart
    totals: FunnelRow


def _nodes() -> list[tuple[str, str, int]]:
    """The funnel's nodes in the order drawn: key, label, indent."""
    return [
        ("handed_over", _("Handed over"), 0),
        ("completed_on_time", _("Completed on time"), 1),
        ("missed_target", _("Stalled (missed the target)"), 1),
        ("completed_late", _("Completed late"), 2),
        ("expected_churn", _("Expected churn"), 2),
        ("revived", _("Revived"), 3),
        ("churned_before_completion", _("Churned before completing"), 3),
        ("renewal_due", _("Reached the first renewal"), 0),
        ("retained", _("Retained at the first renewal"), 1),
        ("churned_at_first_renewal", _("Churned at the first renewal"), 1),
    ]


def funnel(totals: FunnelRow) -> FunnelChart:
    """Horizontal bars: each node's count, and its share of the onboardings handed over."""
    base = totals.handed_over
    rows = []
    for key, label, indent in _nodes():
        count = int(getattr(totals, key))
        rate = f"{count / base * 100:.1f}%" if base else "—"
        text = ngettext(
            "%(counter)s onboarding (%(rate)s)", "%(counter)s onboardings (%(rate)s)", count
        ) % {"counter": count, "rate": rate}
        colour = "#e3a39c" if key in BAD else charts.BAR
        rows.append(charts.HBar(label, float(count), text, colour, indent))
    name = _("CS funnel by account count")
    chart = charts.hbar_chart(
        rows,
        x=charts.Axis(title=_("Onboardings (count)"), integer=True),
        width=1180,
        label=name,
    )
    return FunnelChart(chart=chart, totals=totals)

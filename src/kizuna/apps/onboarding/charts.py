"""Coordinates for the inline SVG charts: the onboarding Gantt and the CS funnel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from kizuna.apps.front.formats import day_in_month_label, month_label
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.revenue.charts import GAP, text_width
from kizuna.core.calendar import month_starts

WIDTH = 640
FUNNEL_WIDTH = 900
FUNNEL_BAR = 420  # the widest bar; its label follows it
LABEL = 150
ROW = 34


def gantt(
    *, onboarding: Onboarding, phases: list[dict[str, Any]], today: dt.date
) -> dict[str, Any]:
    """One row per phase: the planned bar (previous target → target) and the actual bar
    (previous phase done → done, or → today while open; red when past the target)."""
    start = onboarding.started_on
    ends = [onboarding.target_on, today, *(p["done_on"] for p in phases if p["done_on"])]
    end = max(ends) + dt.timedelta(days=3)
    span = max(1, (end - start).days)

    def x(day: dt.date) -> float:
        return round(float(LABEL + (WIDTH - LABEL) * (day - start).days / span), 1)

    rows = []
    previous_done = start
    for n, p in enumerate(phases):
        actual_end = p["done_on"] or (
            today if onboarding.state in ("in_progress", "stalled", "expected_churn") else None
        )
        late = bool(actual_end and actual_end > p["target_on"])
        began = min(previous_done, actual_end) if actual_end else previous_done
        rows.append(
            {
                "name": p["phase"].name,
                "y": 18 + n * ROW,
                "plan_x": x(p["planned_from"]),
                "plan_w": max(2.0, x(p["target_on"]) - x(p["planned_from"])),
                "act_x": x(began),
                "act_w": max(2.0, x(actual_end) - x(began)) if actual_end else 0,
                "late": late,
                "done": p["done_on"] is not None,
                "target_x": x(p["target_on"]),
            }
        )
        previous_done = p["done_on"] or previous_done
    height = 30 + len(phases) * ROW
    ticks = []
    for day in month_starts(start, end):
        if day >= start:
            ticks.append(
                {
                    "x": x(day),
                    "label": day_in_month_label(day) if day.day != 1 else month_label(day),
                }
            )
    return {
        "rows": rows,
        "height": height,
        "today_x": x(today) if start <= today <= end else None,
        "ticks": _readable(ticks),
        "axis_y": height - 4,
    }


def _readable(ticks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every tick keeps its line; a label that would run into the previous one or past the
    right edge is left out (labels start at their tick)."""
    shown_until = float("-inf")
    for tick in ticks:
        width = text_width(tick["label"])
        if tick["x"] < shown_until + GAP or tick["x"] + width > WIDTH:
            tick["label"] = ""
        else:
            shown_until = tick["x"] + width
    return ticks


def funnel(totals: dict[str, Any]) -> dict[str, Any]:
    """Horizontal bars: each node's count against the onboardings handed over."""
    base = totals.get("handed_over") or 0
    nodes = [
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
    bars = []
    for n, (key, label, indent) in enumerate(nodes):
        count = int(totals.get(key) or 0)
        width = FUNNEL_BAR * count / base if base else 0
        bars.append(
            {
                "key": key,
                "label": label,
                "count": count,
                "rate": count / base if base else None,
                "y": 6 + n * 28,
                "indent": indent * 12,
                "w": round(max(width, 1.0 if count else 0.0), 1),
                "label_x": round(306 + max(width, 1.0), 1),
                "bad": key
                in (
                    "missed_target",
                    "expected_churn",
                    "churned_before_completion",
                    "churned_at_first_renewal",
                ),
            }
        )
    return {"bars": bars, "height": 12 + len(nodes) * 28, "totals": totals}

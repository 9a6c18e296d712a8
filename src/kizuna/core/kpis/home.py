"""The cut that drags a KPI most: of the values of one cut kind (segments, teams, CSMs), the
one whose shortfall against its target, weighted by its share of the denominator, is largest.

A segment with 500 accounts at 80 % coverage against 90 % drags more (0.10 × 500) than one
with 20 accounts at 50 % (0.40 × 20): it costs the company's rate more points. Values without a
figure, a target or a weight never drag; nothing drags when every value meets its target.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kizuna.core.kpis.catalog import Kpi
from kizuna.core.kpis.targets import shortfall


@dataclass(frozen=True, slots=True)
class CutValue:
    """One cut's figure: its kind and value ("segment", "high"), the KPI's value, its target,
    and its weight (the denominator behind the value: accounts, MRR, answers…)."""

    cut: str
    value: str
    figure: float | None
    target: float | None
    weight: float


@dataclass(frozen=True, slots=True)
class Drag:
    """The dragging cut and its weighted shortfall (``cost``: shortfall × weight ÷ total
    weight, in the KPI's unit: the points it takes off the whole)."""

    cut: CutValue
    cost: float


def dragging(kpi: Kpi, values: Iterable[CutValue]) -> Drag | None:
    """The cut value with the largest weighted shortfall, ties broken by cut then value; None
    when none falls short."""
    rows = [v for v in values if v.weight > 0 and v.figure is not None]
    total = sum(v.weight for v in rows)
    best: Drag | None = None
    for row in sorted(rows, key=lambda v: (v.cut, v.value)):
        gap = shortfall(kpi, row.figure, row.target)
        if gap <= 0:
            continue
        cost = gap * row.weight / total
        if best is None or cost > best.cost:
            best = Drag(row, cost)
    return best

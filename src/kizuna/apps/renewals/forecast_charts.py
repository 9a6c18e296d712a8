"""The forecast page's charts, drawn by the chart toolkit (``kizuna.apps.front.charts``): past
quarters' forecast GRR and NRR against what happened, and the reliability of the probability
(predicted against actual renewal rate per grade, with counts)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kizuna.apps.front import charts
from kizuna.core.renewals.backtest import Backtest, PastQuarter, ReliabilityRow
from kizuna.core.renewals.forecast import Quarter


def quarter_label(quarter: Quarter) -> str:
    """``FY2026 Q1`` (``2026年度 Q1``)."""
    return _("FY%(year)s Q%(number)s") % {"year": quarter.year, "number": quarter.number}


def _pct(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def _pct1(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def past_quarters(result: Backtest) -> charts.Chart | None:
    """Forecast (dashed) and actual GRR and NRR of each backtested quarter; None when no
    quarter had renewals."""
    quarters = [q for q in result.quarters if q.renewals]
    if not quarters:
        return None
    labels = [quarter_label(q.quarter) for q in result.quarters]
    hover = [_hover(q) for q in result.quarters]
    return charts.line_chart(
        labels,
        [
            charts.Series(
                _("GRR forecast"),
                [q.forecast_grr for q in result.quarters],
                charts.PALETTE[0],
                dashed=True,
            ),
            charts.Series(
                _("GRR actual"), [q.actual_grr for q in result.quarters], charts.PALETTE[0]
            ),
            charts.Series(
                _("NRR forecast"),
                [q.forecast_nrr for q in result.quarters],
                charts.PALETTE[1],
                dashed=True,
            ),
            charts.Series(
                _("NRR actual"), [q.actual_nrr for q in result.quarters], charts.PALETTE[1]
            ),
        ],
        y=charts.Axis(title=_("Rate of the MRR due"), fmt=_pct, value_fmt=_pct1),
        x_title=_("Fiscal quarter (forecast made on its first day)"),
        width=1000,
        height=300,
        label=_("Forecast against actual, past quarters"),
        hover=hover,
        legend=True,
    )


def _hover(q: PastQuarter) -> str:
    grr = {"f": _pct1(q.forecast_grr), "a": _pct1(q.actual_grr)}
    nrr = {"f": _pct1(q.forecast_nrr), "a": _pct1(q.actual_nrr)}
    return "\n".join(
        [
            quarter_label(q.quarter),
            _("GRR: forecast %(f)s, actual %(a)s") % grr,
            _("NRR: forecast %(f)s, actual %(a)s") % nrr,
            _("%(n)s renewals") % {"n": q.renewals},
        ]
    )


@dataclass(frozen=True)
class GradePoint:
    grade: int | None
    renewals: int
    predicted: float
    actual: float


def by_grade(rows: Sequence[ReliabilityRow]) -> list[GradePoint]:
    """The reliability rows pooled over touch models (means weighted by the counts)."""
    pooled: dict[int | None, list[float]] = {}
    for row in rows:
        sums = pooled.setdefault(row.grade, [0.0, 0.0, 0.0])
        sums[0] += row.renewals
        sums[1] += row.predicted * row.renewals
        sums[2] += row.actual * row.renewals
    order = sorted(pooled, key=lambda g: (g is None, g or 0))
    return [
        GradePoint(g, int(pooled[g][0]), pooled[g][1] / pooled[g][0], pooled[g][2] / pooled[g][0])
        for g in order
        if pooled[g][0]
    ]


def grade_name(grade: int | None) -> str:
    return _("ungraded") if grade is None else _("grade %(g)s") % {"g": grade}


def reliability(result: Backtest) -> charts.Chart | None:
    """Each grade's mean predicted probability (x) against its actual renewal rate (y), over
    the diagonal of a perfectly calibrated forecast; None without backtested renewals."""
    points = by_grade(result.reliability)
    if not points:
        return None
    markers = [
        charts.Marker(
            p.predicted,
            p.actual,
            f"{grade_name(p.grade)}: "
            + _("predicted %(p)s, actual %(a)s, %(n)s renewals")
            % {"p": _pct1(p.predicted), "a": _pct1(p.actual), "n": p.renewals},
            charts.GRADES.get(p.grade, charts.MUTED) if p.grade is not None else charts.MUTED,
        )
        for p in points
    ]
    return charts.xy_chart(
        [
            charts.Curve(
                _("Perfect calibration"), [(0.0, 0.0), (1.0, 1.0)], charts.MUTED, dashed=True
            )
        ],
        x=charts.Axis(title=_("Predicted probability of renewal"), fmt=_pct, domain=(0.0, 1.0)),
        y=charts.Axis(title=_("Actual renewal rate"), fmt=_pct, domain=(0.0, 1.0)),
        markers=markers,
        width=420,
        height=360,
        label=_("Reliability of the forecast"),
        legend=True,
    )

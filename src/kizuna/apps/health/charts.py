"""The health pages' charts, drawn by the chart toolkit (``kizuna.apps.front.charts``): the
backtest report's ROC curve, churn rate by grade and warning lead time, and an account's
score over 90 days."""

from __future__ import annotations

import datetime as dt

from django.utils import formats
from django.utils.translation import gettext as _

from kizuna.apps.front import charts
from kizuna.apps.front.formats import day_in_month_label
from kizuna.core.health.backtest import BacktestResult

#: points of the ROC curve drawn at most (the curve is thinned evenly, its end kept)
ROC_POINTS = 400
#: false-alarm rates at which the ROC curve carries a marker with its values
ROC_MARKS = (0.05, 0.1, 0.2, 0.3, 0.5)


def _pct(rate: float) -> str:
    return f"{rate * 100:.0f}%"


def _pct1(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def roc(result: BacktestResult) -> charts.Chart:
    """The ROC curve over the chance diagonal; markers at a few false-alarm rates say how
    many churns are caught there."""
    step = max(1, len(result.roc) // ROC_POINTS)
    kept = [*result.roc[::step], result.roc[-1]] if result.roc else []
    markers = []
    for mark in ROC_MARKS if kept else ():
        fpr, tpr = min(kept, key=lambda point: abs(point[0] - mark))
        markers.append(
            charts.Marker(
                fpr,
                tpr,
                f"{_('false alarms (stayed, scored low)')}: {_pct(fpr)}\n"
                f"{_('churns caught')}: {_pct(tpr)}",
            )
        )
    auc = "—" if result.auc is None else f"{result.auc:.3f}"
    return charts.xy_chart(
        [
            charts.Curve(
                _("Chance (AUC 0.5)"), [(0.0, 0.0), (1.0, 1.0)], charts.MUTED, dashed=True
            ),
            charts.Curve(f"AUC {auc}", kept),
        ],
        x=charts.Axis(title=_("false alarms (stayed, scored low)"), fmt=_pct, domain=(0.0, 1.0)),
        y=charts.Axis(title=_("churns caught"), fmt=_pct, domain=(0.0, 1.0)),
        markers=markers,
        width=420,
        height=360,
        label=_("ROC curve"),
        legend=True,
    )


def grade_bars(result: BacktestResult) -> charts.Chart:
    """The share of each grade's account-weeks that churned within the horizon."""
    grades = list(result.by_grade)
    hover = [
        _("grade %(g)s: %(p)s of %(n)s") % {"g": g.grade, "p": g.positives, "n": g.rows}
        + f" ({_pct1(g.rate)})"
        for g in grades
    ]
    return charts.category_chart(
        [str(g.grade) for g in grades],
        bars=charts.Bars(
            _("Churn rate"),
            [g.rate or 0.0 for g in grades],
            colours=[charts.GRADES.get(g.grade, charts.BAR) for g in grades],
            value_labels=[_pct1(g.rate) for g in grades],
        ),
        y=charts.Axis(title=_("Churn rate"), fmt=_tick_pct, value_fmt=_pct1),
        x_title=_("grade (1 = lowest score)"),
        width=420,
        height=280,
        label=_("Churn rate by grade"),
        hover=hover,
    )


def _tick_pct(rate: float) -> str:
    return f"{rate * 100:.2f}".rstrip("0").rstrip(".") + "%"


def lead_buckets(result: BacktestResult, *, bucket_days: int = 30) -> list[tuple[str, int]]:
    """Churned accounts by how long before their churn the score turned red (and stayed):
    six buckets of ``bucket_days`` days (0–29, 30–59, …) and one for the rest (180+)."""
    counts = [0] * 7
    for days in result.lead_days:
        counts[min(6, days // bucket_days)] += 1
    labels = [f"{i * bucket_days}–{(i + 1) * bucket_days - 1}" for i in range(6)]
    return list(zip([*labels, f"{6 * bucket_days}+"], counts, strict=True))


def lead_histogram(result: BacktestResult) -> charts.Chart:
    buckets = lead_buckets(result)
    name = _("churned accounts")
    return charts.category_chart(
        [label for label, _n in buckets],
        bars=charts.Bars(name, [float(n) for _label, n in buckets], value_labels=True),
        y=charts.Axis(title=name, integer=True),
        x_title=_("days from turning red to churn"),
        width=420,
        height=280,
        label=_("Warning lead time"),
    )


def score_trend(history: list[tuple[dt.date, float | None]]) -> charts.Chart | None:
    """An account's daily score (0–100) over the days given; None with fewer than two."""
    points = [(day, score) for day, score in history if score is not None]
    if len(points) < 2:
        return None
    name = _("Score")
    return charts.line_chart(
        [day_in_month_label(day) for day, _score in points],
        [charts.Series(name, [score for _day, score in points])],
        y=charts.Axis(title=name, fmt=lambda v: f"{v:.0f}", domain=(0.0, 100.0)),
        x_title=_("Day"),
        width=380,
        height=150,
        label=_("Score over 90 days"),
        hover=[
            f"{formats.date_format(day, 'SHORT_DATE_FORMAT')}: {score:.0f}" for day, score in points
        ],
    )

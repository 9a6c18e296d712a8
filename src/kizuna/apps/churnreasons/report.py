"""The churn-reason report as the page, the CSV and the API show it: the core's cells
(``core.churn_reasons``) with their labels in the reader's language, the totals per category
and the chart (the chart toolkit, ``kizuna.apps.front.charts``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from kizuna.apps.churnreasons.models import ChurnReasonCategory
from kizuna.apps.churnreasons.selectors import report_rows
from kizuna.apps.customers.models import Product, Segment
from kizuna.apps.front import charts
from kizuna.core import churn_reasons as core
from kizuna.core.money import format_money

WIDTH = 1180


@dataclass(frozen=True)
class ReportLine:
    period: str
    group: str
    group_label: str
    category: str
    category_label: str
    count: int
    lost_mrr: int
    count_share: float | None
    mrr_share: float | None


@dataclass(frozen=True)
class TotalLine:
    category: str
    category_label: str
    count: int
    lost_mrr: int
    count_share: float | None
    mrr_share: float | None


@dataclass(frozen=True)
class Report:
    period: core.Period
    cut: core.Cut
    lines: list[ReportLine]
    totals: list[TotalLine]
    count: int
    lost_mrr: int


def pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def _group_labels(cut: core.Cut) -> dict[str, str]:
    if cut == "segment":
        return {str(k): str(v) for k, v in Segment.choices}
    if cut == "product":
        return {p.code: p.name for p in Product.objects.all()}
    return {"": _("All")}


def churn_report(
    *,
    period: core.Period,
    cut: core.Cut,
    fiscal_start_month: int,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> Report:
    """The report over the recorded reasons whose churn day is in [since, until]."""
    rows = report_rows(since=since, until=until)
    categories = list(ChurnReasonCategory.objects.order_by("order", "key"))
    order = [c.key for c in categories]
    names = {c.key: c.name for c in categories}
    groups = _group_labels(cut)
    cells = core.churn_reason_report(
        rows, period=period, cut=cut, fiscal_start_month=fiscal_start_month, order=order
    )
    lines = [
        ReportLine(
            c.period, c.group, groups.get(c.group, c.group or "—"), c.category,
            names.get(c.category, c.category), c.count, c.lost_mrr, c.count_share, c.mrr_share,
        )
        for c in cells
    ]  # fmt: skip
    totals = [
        TotalLine(
            t.category, names.get(t.category, t.category), t.count, t.lost_mrr,
            t.count_share, t.mrr_share,
        )
        for t in core.category_totals(rows, order=order)
    ]  # fmt: skip
    return Report(period, cut, lines, totals, len(rows), sum(r.lost_mrr for r in rows))


def report_chart(report: Report, currency: str) -> charts.Chart | None:
    """One bar per category: its lost MRR, written with its share and its count."""
    if not report.totals:
        return None
    rows = [
        charts.HBar(
            t.category_label,
            float(t.lost_mrr),
            _("%(mrr)s (%(share)s) · %(count)s churn(s)")
            % {
                "mrr": format_money(t.lost_mrr, currency),
                "share": pct(t.mrr_share),
                "count": f"{t.count:,}",
            },
        )
        for t in report.totals
    ]
    return charts.hbar_chart(
        rows,
        x=charts.Axis(
            title=_("Lost MRR (the MRR of the churned accounts and cancelled lines)"),
            fmt=lambda v: format_money(int(v), currency),
        ),
        width=WIDTH,
        label=_("Churn reasons by lost MRR"),
    )

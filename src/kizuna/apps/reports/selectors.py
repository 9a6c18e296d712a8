"""The monthly CS report's figures, read from the owning apps' selectors (docs/monthly-report.md).

- the KPIs against targets are the KPI home's company cards as of the month's end
  (``kpis.selectors.kpi_home``);
- the MRR bridge and the churn and expansion by segment are the month's revenue snapshot rows
  (``revenue.selectors``), the same rows the revenue page draws, never recomputed;
- the risks are the accounts whose health turned red in the month (``health.selectors``) and
  the open renewals called "at risk" or "lost" from the month's first day to 90 days after its
  end (``renewals.selectors``), largest MRR first;
- the saves are the tasks closed "saved" in the month, in the company's time zone
  (``tasks.selectors``);
- the diagnosis is the latest run on or before the month's last day, and the verdicts that
  changed since the run nearest the month's eve (``diagnosis.selectors``, one read of the
  month's last run).

A month is shown once it is over (``last_complete_month``); a later one does not exist yet.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass
from typing import Final

from django.utils.translation import gettext as _

from kizuna.apps.customers.models import Account
from kizuna.apps.diagnosis.selectors import (
    DiagnosisChanges,
    DiagnosisView,
    changes_to,
    diagnosis_view,
    latest_run,
)
from kizuna.apps.front.charts import Chart
from kizuna.apps.health.selectors import accounts_turned_red
from kizuna.apps.kpis.selectors import KpiCard, kpi_home
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.renewals.selectors import refreshed_at, renewals_at_risk
from kizuna.apps.revenue import charts as revenue_charts
from kizuna.apps.revenue.models import RevenueSnapshot
from kizuna.apps.revenue.selectors import (
    Cut,
    revenue_segment_rows,
    revenue_summary_rows,
    snapshots_computed_at,
)
from kizuna.apps.tasks.models import Task
from kizuna.apps.tasks.selectors import tasks_saved_between
from kizuna.core.calendar import first_of_month, month_end, month_start_after, month_start_before
from kizuna.core.kpis.catalog import shown
from kizuna.core.segmentation import SEGMENT_ORDER

#: how many accounts the risk list shows, and the saves list
TOP: Final = 10
#: how many months of each KPI's trend the report writes out
TREND_SHOWN: Final = 3
#: renewals dated up to this many days after the month's end count as the month's risks
RENEWAL_HORIZON_DAYS: Final = 90
_MONTH: Final = re.compile(r"([0-9]{4})-([0-9]{2})")  # ASCII digits only


def parse_month(text: str) -> dt.date | None:
    """The first day of the month written ``YYYY-MM`` (0001-01 to 9999-12), else None."""
    found = _MONTH.fullmatch(text)
    if found is None:
        return None
    year, month = int(found[1]), int(found[2])
    if year < 1 or not 1 <= month <= 12:
        return None
    return dt.date(year, month, 1)


def last_complete_month(today: dt.date) -> dt.date:
    """The first day of the month before ``today``'s: the latest month that is over."""
    return month_start_before(today, 1)


def report_month(text: str, *, today: dt.date) -> dt.date | None:
    """The month a report URL names, when it is well formed and over on ``today``; else None
    (the page answers 404)."""
    month = parse_month(text)
    if month is None or month > last_complete_month(today):
        return None
    return month


@dataclass(frozen=True, slots=True)
class BridgeStep:
    """One step of the MRR bridge: ``key`` for machines (start, new, expansion, reactivation,
    contraction, churn, end), a label in the reader's language, and the amount in minor units
    (contraction and churn negative)."""

    key: str
    label: str
    amount: int


@dataclass(frozen=True, slots=True)
class SegmentFigures:
    """One touch model's month: MRR at the start and the end, its movements, churned and
    expanded accounts, and its monthly logo and gross MRR churn rates (fractions, None when
    undefined). Straight from its revenue snapshot row."""

    segment: str
    label: str
    start_mrr: int
    end_mrr: int
    new_mrr: int
    expansion_mrr: int
    reactivation_mrr: int
    contraction_mrr: int
    churn_mrr: int
    net_new_mrr: int
    churned_customers: int
    expansion_customers: int
    active_customers: int
    logo_churn_rate: float | None
    gross_mrr_churn_rate: float | None


@dataclass(frozen=True, slots=True)
class RiskRow:
    """An account at risk: its MRR now, whether its health turned red in the month, and its
    renewal called at risk or lost (None: none)."""

    account: Account
    mrr: int
    turned_red: bool
    renewal: Renewal | None


@dataclass(frozen=True, slots=True)
class SaveRow:
    task: Task
    closed_on: dt.date


@dataclass(frozen=True, slots=True)
class ReportAsOf:
    """What the report read, and when it was computed: the revenue snapshots (the job's last
    finish), the health scores' day and the renewals' last refresh (None: never)."""

    revenue: dt.datetime | None
    health_day: dt.date | None
    renewals: dt.datetime | None


@dataclass(frozen=True, slots=True)
class KpiLine:
    """One KPI of the KPI home (the company's card as of the month's end): its figure and
    target as the KPI home writes them, "meets" / "misses" / "" (no figure or target), the last
    months of its trend ("2024年1月 1.2%"), the cut that drags it most, and the page that
    explains it."""

    key: str
    label: str
    period_label: str
    figure: float | None
    target: float | None
    figure_text: str
    target_text: str
    status: str
    trend: tuple[str, ...]
    drag_label: str
    drag_text: str
    url: str


@dataclass(frozen=True, slots=True)
class KpiSection:
    """The KPIs against targets: the KPI home's company cards as of the month's end (the
    snapshots' day ``as_of``, computed at ``computed_at``; None before the KPI job ran)."""

    as_of: dt.date | None
    computed_at: dt.datetime | None
    fiscal_year: int
    lines: list[KpiLine]


@dataclass(frozen=True, slots=True)
class DiagnosisSection:
    """The diagnosis as it stood at the month's end (``view``, the latest run on or before its
    last day; None: no run yet) and what changed in the month (``changes``, from the run
    nearest the month's eve; None: no earlier run to compare with)."""

    view: DiagnosisView | None
    changes: DiagnosisChanges | None


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    month: dt.date
    last_day: dt.date
    currency: str
    company: RevenueSnapshot | None
    bridge: list[BridgeStep]
    bridge_chart: Chart | None
    segments: list[SegmentFigures]
    risks: list[RiskRow]
    risk_count: int
    saves: list[SaveRow]
    save_count: int
    #: the MRR now of the accounts saved (each account once)
    saved_mrr: int
    as_of: ReportAsOf
    kpis: KpiSection
    diagnosis: DiagnosisSection


def bridge_steps(row: RevenueSnapshot) -> list[BridgeStep]:
    """The month's bridge from its company snapshot row: start + new + expansion +
    reactivation − contraction − churn = end."""
    return [
        BridgeStep("start", _("Previous month-end"), row.start_mrr),
        BridgeStep("new", _("New"), row.new_mrr),
        BridgeStep("expansion", _("Expansion"), row.expansion_mrr),
        BridgeStep("reactivation", _("Reactivation"), row.reactivation_mrr),
        BridgeStep("contraction", _("Contraction"), -row.contraction_mrr),
        BridgeStep("churn", _("Churn"), -row.churn_mrr),
        BridgeStep("end", _("Month-end"), row.total_mrr),
    ]


def _segment_order(code: str) -> tuple[int, str]:
    return (SEGMENT_ORDER.index(code) if code in SEGMENT_ORDER else len(SEGMENT_ORDER), code)


def segment_figures(month: dt.date) -> list[SegmentFigures]:
    """Each touch model's figures of ``month`` (its snapshot rows), in the segment order."""
    rows = revenue_segment_rows(first=month, last=month)
    out = []
    for code in sorted(rows, key=_segment_order):
        row = rows[code][0]
        out.append(
            SegmentFigures(
                segment=code,
                label=revenue_charts.segment_label(code),
                start_mrr=row.start_mrr,
                end_mrr=row.total_mrr,
                new_mrr=row.new_mrr,
                expansion_mrr=row.expansion_mrr,
                reactivation_mrr=row.reactivation_mrr,
                contraction_mrr=row.contraction_mrr,
                churn_mrr=row.churn_mrr,
                net_new_mrr=row.net_new_mrr,
                churned_customers=row.churned_customers,
                expansion_customers=row.expansion_customers,
                active_customers=row.active_customers,
                logo_churn_rate=row.logo_churn_rate,
                gross_mrr_churn_rate=row.gross_mrr_churn_rate,
            )
        )
    return out


def risk_rows(month: dt.date) -> tuple[dt.date | None, list[RiskRow]]:
    """The month's risks, one row per account, largest MRR first (the renewal's MRR due when
    larger than the account's MRR now), ties by name; and the health day read."""
    last = month_end(month)
    health_day, red_ids = accounts_turned_red(first=month, last=last)
    horizon = min(last + dt.timedelta(days=RENEWAL_HORIZON_DAYS), dt.date.max)
    renewals: dict[int, Renewal] = {}
    for renewal in renewals_at_risk(first=month, last=horizon):
        renewals.setdefault(renewal.account_id, renewal)  # the largest MRR due first
    ids = set(red_ids) | set(renewals)
    accounts = Account.objects.filter(pk__in=sorted(ids)).select_related("owner")
    rows = []
    for account in accounts:
        at_risk = renewals.get(account.pk)
        due = at_risk.mrr_due if at_risk is not None else 0
        rows.append(
            RiskRow(
                account=account,
                mrr=max(account.mrr, due),
                turned_red=account.pk in red_ids,
                renewal=at_risk,
            )
        )
    rows.sort(key=lambda row: (-row.mrr, row.account.name, row.account.pk))
    return health_day, rows


def save_rows(month: dt.date, zone: zoneinfo.ZoneInfo) -> list[SaveRow]:
    """Tasks closed "saved" in the month, from its first midnight to the next month's, in the
    company's time zone; largest account MRR first."""
    start = dt.datetime.combine(month, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(month_start_after(month, 1), dt.time(), tzinfo=zone)
    return [
        SaveRow(task=task, closed_on=task.closed_at.astimezone(zone).date())
        for task in tasks_saved_between(start=start, end=end)
        if task.closed_at is not None
    ]


def _kpi_line(card: KpiCard) -> KpiLine:
    points = [p for p in card.trend if p.figure is not None][-TREND_SHOWN:]
    drag = card.drag
    return KpiLine(
        key=card.key,
        label=card.label,
        period_label=card.period_label,
        figure=card.figure,
        target=card.target,
        figure_text=card.figure_text,
        target_text=card.target_text,
        status=card.status,
        trend=tuple(f"{p.label} {shown(card.kpi, p.figure)}" for p in points),
        drag_label=drag.label if drag else "",
        drag_text=f"{drag.figure_text} / {drag.target_text}" if drag else "",
        url=card.url,
    )


def kpi_section(month: dt.date, *, fiscal_start_month: int) -> KpiSection:
    """The KPI home's company cards as of ``month``'s last day (``kpis.selectors.kpi_home``,
    the same function the KPI home reads): a monthly KPI shows that month, a fiscal-year KPI
    its year up to the month's end, pooled from its monthly snapshots."""
    home = kpi_home(
        today=month_end(month), fiscal_start_month=fiscal_start_month, to_month_end=True
    )
    return KpiSection(
        as_of=home.as_of,
        computed_at=home.computed_at,
        fiscal_year=home.fiscal_year,
        lines=[_kpi_line(card) for card in home.cards],
    )


def diagnosis_section(month: dt.date) -> DiagnosisSection:
    """The diagnosis at ``month``'s end and the verdicts changed since its eve."""
    last = month_end(month)
    run = latest_run(until=last)
    if run is None:
        return DiagnosisSection(view=None, changes=None)
    eve = month - dt.timedelta(days=1) if month > dt.date.min else month
    return DiagnosisSection(view=diagnosis_view(run), changes=changes_to(run, eve))


def monthly_report(
    *, month: dt.date, currency: str, zone: zoneinfo.ZoneInfo, fiscal_start_month: int
) -> MonthlyReport:
    """Everything the report shows for ``month`` (a month that is over: its next month
    exists)."""
    month = first_of_month(month)
    found = revenue_summary_rows(cut=Cut(), first=month, last=month)
    company = found[0] if found else None
    health_day, risks = risk_rows(month)
    saves = save_rows(month, zone)
    return MonthlyReport(
        month=month,
        last_day=month_end(month),
        currency=currency,
        company=company,
        bridge=bridge_steps(company) if company is not None else [],
        bridge_chart=revenue_charts.bridge(company, currency) if company is not None else None,
        segments=segment_figures(month),
        risks=risks[:TOP],
        risk_count=len(risks),
        saves=saves[:TOP],
        save_count=len(saves),
        saved_mrr=sum({row.task.account_id: row.task.account.mrr for row in saves}.values()),
        as_of=ReportAsOf(
            revenue=snapshots_computed_at(), health_day=health_day, renewals=refreshed_at()
        ),
        kpis=kpi_section(month, fiscal_start_month=fiscal_start_month),
        diagnosis=diagnosis_section(month),
    )

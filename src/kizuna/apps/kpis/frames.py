"""Each KPI's values per cut and period, read from the app that owns it.

The daily job (``services.kpi_snapshots_refresh``) stores what these return; the KPI home and the
API read only the stored rows. Every function here uses the owning app's own figures, so the KPI
home shows the numbers of the page it links to:

- GRR, NRR and monthly logo churn: the revenue snapshots (``revenue.RevenueSnapshot``), as the
  revenue dashboard shows them; the annual logo churn compounds their last twelve monthly rates;
- coverage: the coverage snapshots of the last day computed in each month (the coverage
  dashboard's);
- onboarding completion: ``core.onboarding.kpis`` over ``onboarding.selectors.kpi_frame``;
- NPS: ``core.voc.nps.nps_figures`` over the answers of the period (company days);
- renewal rate: ``core.renewals.generate.renewal_rate`` over the renewals dated in the period
  whose date has come (the renewal pipeline's figure);
- CSQLs raised: the CSQLs whose raise day falls in the period.

A cut value is the segment code, the team code or the CSM's username; the account's current
segment, team and owner (the KPI pages cut the same way).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from kizuna.apps.coverage.models import CoverageSnapshot
from kizuna.apps.coverage.models import Scope as CoverageScope
from kizuna.apps.customers.models import Account
from kizuna.apps.expansion.models import Csql
from kizuna.apps.onboarding.selectors import kpi_frame
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.revenue.models import RevenueSnapshot
from kizuna.apps.surveys.frames import answers_in, company_zone
from kizuna.apps.surveys.models import SurveyKind
from kizuna.core.calendar import (
    first_of_month,
    fiscal_year,
    fiscal_year_start,
    month_end,
    month_start_clamped,
    month_starts,
)
from kizuna.core.kpis.targets import compounded
from kizuna.core.onboarding import kpis as onboarding_kpis
from kizuna.core.renewals.generate import Renewal as CoreRenewal
from kizuna.core.renewals.generate import renewal_rate
from kizuna.core.voc.nps import nps_category, nps_figures

#: how many months of trend the home draws (this month and the eleven before)
TREND_MONTHS = 12


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One KPI value: ``period`` "month" or "fiscal_year" starting ``period_start``; ``cut``
    company / segment / team / csm with its ``value`` ("" for the company)."""

    kpi: str
    period: str
    period_start: dt.date
    cut: str
    value: str
    figure: float | None
    numerator: float | None
    denominator: float | None


@dataclass(frozen=True, slots=True)
class Window:
    """What one refresh computes: the months ``first_month`` … ``last_month`` (their first
    days) and the fiscal years starting on ``fiscal_years``, as known on ``today``."""

    today: dt.date
    first_month: dt.date
    last_month: dt.date
    fiscal_years: tuple[dt.date, ...]
    fiscal_start_month: int

    @property
    def months(self) -> list[dt.date]:
        return month_starts(self.first_month, self.last_month)

    def fiscal_year_of(self, day: dt.date) -> dt.date | None:
        """The first day of ``day``'s fiscal year; None for a fiscal year starting before
        the year 1 (January to March of the year 1, with an April start)."""
        year = fiscal_year(day, self.fiscal_start_month)
        return fiscal_year_start(year, self.fiscal_start_month) if year >= 1 else None


def window_for(today: dt.date, fiscal_start_month: int) -> Window:
    """This month and the eleven before; this fiscal year and the one before."""
    this_year = fiscal_year(today, fiscal_start_month)
    years = tuple(
        fiscal_year_start(year, fiscal_start_month)
        for year in (this_year - 1, this_year)
        if year >= 1
    )
    last = first_of_month(today)
    return Window(
        today=today,
        first_month=month_start_clamped(last, -(TREND_MONTHS - 1)),
        last_month=last,
        fiscal_years=years,
        fiscal_start_month=fiscal_start_month,
    )


# --- revenue -------------------------------------------------------------------------------

_REVENUE_CUT = {"": "company", "segment": "segment", "team": "team"}


def revenue_rows(window: Window) -> list[KpiRow]:
    """GRR, NRR (12 months), monthly and annual logo churn per month, from the revenue
    snapshots of the company, each segment and each team. The annual churn compounds the twelve
    monthly rates ending with the month (so eleven more months are read)."""
    first = month_start_clamped(window.first_month, -11)
    snapshots = (
        RevenueSnapshot.objects.filter(
            month__gte=first, month__lte=window.last_month, dimension__in=list(_REVENUE_CUT)
        )
        .order_by("dimension", "value", "month")
        .values_list(
            "dimension", "value", "month", "grr_12m", "nrr_12m", "logo_churn_rate",
            "churned_customers", "start_customers", "start_mrr",
        )
    )  # fmt: skip
    by_cut: dict[tuple[str, str], dict[dt.date, tuple[Any, ...]]] = defaultdict(dict)
    for dimension, value, month, *figures in snapshots:
        by_cut[(_REVENUE_CUT[dimension], value if dimension else "")][month] = tuple(figures)
    out: list[KpiRow] = []
    for (cut, value), months in by_cut.items():
        history = month_starts(first, window.last_month)
        for month in window.months:
            row = months.get(month)
            if row is None:
                continue
            grr, nrr, churn, churned, base, start_mrr = row
            out += [
                KpiRow("grr", "month", month, cut, value, grr, None, start_mrr),
                KpiRow("nrr", "month", month, cut, value, nrr, None, start_mrr),
                KpiRow("logo_churn_monthly", "month", month, cut, value, churn, churned, base),
            ]
            trailing = [m for m in history if m <= month][-12:]
            rates = [months[m][2] if m in months else None for m in trailing]
            out.append(
                KpiRow(
                    "logo_churn_annual", "month", month, cut, value, compounded(rates),
                    sum(months[m][3] for m in trailing if m in months),
                    sum(months[m][4] for m in trailing if m in months),
                )
            )  # fmt: skip
    return out


# --- coverage ------------------------------------------------------------------------------


def coverage_days(window: Window) -> list[dt.date]:
    """The last day with coverage snapshots in each month of the window."""
    days = (
        CoverageSnapshot.objects.filter(
            as_of__gte=window.first_month, as_of__lte=month_end(window.last_month)
        )
        .order_by()
        .values_list("as_of", flat=True)
        .distinct()
    )
    latest: dict[dt.date, dt.date] = {}
    for day in days:
        month = first_of_month(day)
        latest[month] = max(day, latest.get(month, day))
    return sorted(latest.values())


def coverage_rows(window: Window) -> list[KpiRow]:
    """Coverage per month (its last computed day): the company and each segment from the
    company-wide rows, each team and CSM summed over their segments. The denominator is the
    accounts counted, the numerator the covered ones."""
    days = coverage_days(window)
    sums: dict[tuple[dt.date, str, str], list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        CoverageSnapshot.objects.filter(as_of__in=days)
        .order_by()
        .values_list("as_of", "scope", "segment", "team__code", "csm__username", "covered", "total")
    )
    for day, scope, segment, team, csm, covered, total in rows:
        month = first_of_month(day)
        keys: list[tuple[str, str]]
        if scope == CoverageScope.SEGMENT:
            keys = [("company", ""), ("segment", segment)]
        elif scope == CoverageScope.TEAM:
            keys = [("team", team or "")]
        else:
            keys = [("csm", csm or "")]
        for cut, value in keys:
            entry = sums[(month, cut, value)]
            entry[0] += covered
            entry[1] += total
    return [
        KpiRow(
            "coverage", "month", month, cut, value,
            covered / total if total else None, covered, total,
        )
        for (month, cut, value), (covered, total) in sorted(sums.items())
    ]  # fmt: skip


# --- onboarding ----------------------------------------------------------------------------

_ONBOARDING_CUTS: tuple[onboarding_kpis.Dimension, ...] = ("segment", "team", "csm")


def onboarding_rows(window: Window) -> list[KpiRow]:
    """Onboarding completion within the period: per month, the cohort whose target date falls
    in it (``completion_cohorts``); per fiscal year, the pooled cohorts of its months so far
    (``period_completion``). Only onboardings whose target date has come count."""
    frame = kpi_frame(as_of=window.today, dimensions=_ONBOARDING_CUTS)
    out: list[KpiRow] = []
    for by in (None, *_ONBOARDING_CUTS):
        cohorts = onboarding_kpis.completion_cohorts(
            frame, as_of=window.today, first_month=window.first_month,
            last_month=window.last_month, by=by,
        )  # fmt: skip
        for row in cohorts.iter_rows(named=True):
            out.append(
                KpiRow(
                    "onboarding_completion", "month", row["cohort_month"], by or "company",
                    (row[by] or "") if by else "", row["completion_rate"],
                    row["completed_on_time"], row["cohort_size"],
                )
            )  # fmt: skip
        for start in window.fiscal_years:
            last = min(window.last_month, month_start_clamped(start, 11))
            for pooled in onboarding_kpis.period_completion(
                frame, as_of=window.today, first_month=start, last_month=last, by=by
            ):
                out.append(
                    KpiRow(
                        "onboarding_completion", "fiscal_year", start, by or "company",
                        (pooled.value or "") if by else "", pooled.completion_rate,
                        pooled.completed_on_time, pooled.cohort_size,
                    )
                )  # fmt: skip
    return [row for row in out if row.denominator]


# --- events counted per period: NPS answers, renewals, CSQLs -------------------------------


def _periods(window: Window, day: dt.date) -> Iterator[tuple[str, dt.date]]:
    month = first_of_month(day)
    if window.first_month <= month <= window.last_month:
        yield "month", month
    year = window.fiscal_year_of(day)
    if year is not None and year in window.fiscal_years:
        yield "fiscal_year", year


def _cuts(segment: str | None, team: str | None, csm: str | None) -> list[tuple[str, str]]:
    return [("company", ""), ("segment", segment or ""), ("team", team or ""), ("csm", csm or "")]


def _first_day(window: Window) -> dt.date:
    return min([window.first_month, *window.fiscal_years])


#: the company days answers can be read over (a day's bounds in any zone must exist)
_FIRST_READABLE = dt.date.min + dt.timedelta(days=1)
_LAST_READABLE = dt.date.max - dt.timedelta(days=1)


def nps_rows(window: Window) -> list[KpiRow]:
    """NPS per period and cut over the NPS answers given on the period's company days; the
    numerator is promoters − detractors, the denominator the answers."""
    zone = company_zone()
    answers = (
        answers_in(
            max(_first_day(window), _FIRST_READABLE), min(window.today, _LAST_READABLE), zone
        )
        .filter(kind=SurveyKind.NPS, score__isnull=False)
        .order_by()
        .values_list(
            "answered_at", "score", "account__segment", "account__team__code",
            "account__owner__username",
        )
    )  # fmt: skip
    counts: dict[tuple[str, dt.date, str, str], dict[str, int]] = defaultdict(
        lambda: {"promoter": 0, "passive": 0, "detractor": 0}
    )
    for answered_at, score, segment, team, csm in answers:
        try:
            category = nps_category(score)
        except ValueError:
            continue  # a score outside 0-10 (never written by Kizuna) counts nowhere
        day = answered_at.astimezone(zone).date()
        for period, start in _periods(window, day):
            for cut, value in _cuts(segment, team, csm):
                counts[(period, start, cut, value)][category] += 1
    out = []
    for (period, start, cut, value), c in sorted(counts.items()):
        figures = nps_figures(c["promoter"], c["passive"], c["detractor"])
        n = c["promoter"] + c["passive"] + c["detractor"]
        out.append(
            KpiRow(
                "nps", period, start, cut, value, figures.nps,
                c["promoter"] - c["detractor"], n,
            )
        )  # fmt: skip
    return out


def renewal_rows(window: Window) -> list[KpiRow]:
    """Renewal rate (amount) per period and cut: MRR kept (capped at the MRR due) ÷ MRR due,
    over the renewals dated in the period up to today whose outcome is known and that the lines
    still produce (the pipeline's rate)."""
    renewals = (
        Renewal.objects.filter(
            date__gte=_first_day(window), date__lte=window.today, no_longer_due=False
        )
        .order_by()
        .values_list(
            "account_id", "date", "mrr_due", "mrr_after", "outcome", "account__segment",
            "account__team__code", "account__owner__username",
        )
    )  # fmt: skip
    groups: dict[tuple[str, dt.date, str, str], list[CoreRenewal]] = defaultdict(list)
    for account_id, day, due, after, outcome, segment, team, csm in renewals:
        core = CoreRenewal(account_id, day, (), (), due, after, outcome or None)
        for period, start in _periods(window, day):
            for cut, value in _cuts(segment, team, csm):
                groups[(period, start, cut, value)].append(core)
    out = []
    for (period, start, cut, value), items in sorted(groups.items()):
        rate = renewal_rate(items)
        if rate.due:
            out.append(
                KpiRow(
                    "renewal_rate", period, start, cut, value, rate.amount_rate,
                    rate.mrr_kept, rate.mrr_due,
                )
            )  # fmt: skip
    return out


def csql_rows(window: Window) -> list[KpiRow]:
    """CSQLs raised per period and cut (segment: the account's; team: the CSQL's; CSM: who
    raised it); the company's count is written for every period, 0 included, once there is an
    account."""
    csqls = (
        Csql.objects.filter(raised_on__gte=_first_day(window), raised_on__lte=window.today)
        .order_by()
        .values_list("raised_on", "account__segment", "team__code", "raised_by__username")
    )
    counts: dict[tuple[str, dt.date, str, str], int] = defaultdict(int)
    if Account.objects.exists():
        # a month or year with none raised counts 0 for the company (the trend has no gap);
        # a cut below it has a row where it raised one
        for month in window.months:
            counts[("month", month, "company", "")] = 0
        for year in window.fiscal_years:
            counts[("fiscal_year", year, "company", "")] = 0
    for day, segment, team, csm in csqls:
        for period, start in _periods(window, day):
            for cut, value in _cuts(segment, team, csm):
                counts[(period, start, cut, value)] += 1
    return [
        KpiRow("csql_count", period, start, cut, value, float(n), n, None)
        for (period, start, cut, value), n in sorted(counts.items())
    ]


#: every source, in the order of the catalog
SOURCES = {
    "revenue": revenue_rows,
    "coverage": coverage_rows,
    "onboarding": onboarding_rows,
    "nps": nps_rows,
    "renewals": renewal_rows,
    "csqls": csql_rows,
}

#: the KPIs each source writes (a refresh replaces exactly these)
SOURCE_KPIS = {
    "revenue": ("grr", "nrr", "logo_churn_monthly", "logo_churn_annual"),
    "coverage": ("coverage",),
    "onboarding": ("onboarding_completion",),
    "nps": ("nps",),
    "renewals": ("renewal_rate",),
    "csqls": ("csql_count",),
}


def all_rows(window: Window) -> Iterable[tuple[str, list[KpiRow]]]:
    """Each source's rows (a source that fails is the caller's to report)."""
    for name, source in SOURCES.items():
        yield name, source(window)

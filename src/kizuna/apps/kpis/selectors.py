"""Reads of the KPI app: targets (with the older tables as defaults) and the KPI home.

The KPI home reads only ``KpiSnapshot`` (and the targets): one query for the cut's own rows, one
for the rows of the cuts below it in each card's period, a few for the targets and the names;
never a query per cut or per card (docs/kpi-home.md, "Speed").
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Max, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from kizuna.apps.customers.models import Segment
from kizuna.apps.front.formats import month_label
from kizuna.apps.kpis.frames import KpiRow
from kizuna.apps.kpis.models import CutKind, KpiKey, KpiSnapshot, KpiTarget, PeriodKind
from kizuna.apps.kpis.services import REVENUE_TARGET_FIELDS, SNAPSHOT_COLUMNS
from kizuna.apps.org.models import Team, User
from kizuna.apps.renewals.models import Renewal
from kizuna.apps.revenue.models import RevenueSnapshot, RevenueTarget
from kizuna.apps.segments.models import CoveragePolicy
from kizuna.core.calendar import (
    first_of_month,
    fiscal_year,
    fiscal_year_end,
    fiscal_year_start,
    month_from_index,
    month_index,
    month_start_before,
    month_starts,
)
from kizuna.core.kpis.catalog import KPI_BY_KEY, KPIS, Kpi, pooled, shown
from kizuna.core.kpis.home import CutValue, Drag, dragging
from kizuna.core.kpis.targets import DerivedTargets, Plan, annualised, derive, meets

#: months of trend on a card
TREND_MONTHS = 12


# --- targets -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TargetBook:
    """Every target of one fiscal year: set ones (``KpiTarget``) and, where none is set, the
    defaults of the older tables (``source`` says which)."""

    fiscal_year: int
    targets: Mapping[tuple[str, str, str], tuple[float, str]]

    def get(self, kpi: str, cut: str, value: str) -> float | None:
        """The cut's own target, else the company's (a team without a target of its own is
        held to the company's)."""
        found = self.targets.get((kpi, cut, value))
        if found is None and _falls_back(kpi):
            found = self.targets.get((kpi, "company", ""))
        return None if found is None else found[0]

    def source(self, kpi: str, cut: str, value: str) -> str:
        """Where the target comes from: "set", "revenue", "coverage", "company" (the company's
        target stands in for the cut's), or "" (none)."""
        found = self.targets.get((kpi, cut, value))
        if found is not None:
            return found[1]
        return "company" if _falls_back(kpi) and (kpi, "company", "") in self.targets else ""

    def own(self, kpi: str, cut: str, value: str) -> float | None:
        """The cut's own target only (the targets table)."""
        found = self.targets.get((kpi, cut, value))
        return None if found is None else found[0]


def _falls_back(kpi: str) -> bool:
    """A cut without a target of its own is held to the company's, except for a count (the
    company's 200 CSQLs are no team's target)."""
    return kpi in KPI_BY_KEY and KPI_BY_KEY[kpi].unit != "count"


def target_book(year: int) -> TargetBook:
    """The targets of fiscal year ``year``. Defaults where no KPI target is set:

    - GRR, NRR and monthly logo churn of the company and each segment: the revenue targets;
      the annual logo churn: the monthly target compounded (1 − (1 − c)^12);
    - each segment's coverage: its coverage policy's target; the company's: the segments'
      targets weighted by their accounts in the latest coverage snapshot.
    """
    found: dict[tuple[str, str, str], tuple[float, str]] = {}
    for target in RevenueTarget.objects.all():
        cut = CutKind.SEGMENT if target.segment else CutKind.COMPANY
        for kpi, field in REVENUE_TARGET_FIELDS.items():
            rate = getattr(target, field)
            if rate is not None:
                found[(kpi, cut, target.segment)] = (rate, "revenue")
        if target.logo_churn_rate is not None and 0 <= target.logo_churn_rate <= 1:
            found[("logo_churn_annual", cut, target.segment)] = (
                annualised(target.logo_churn_rate),
                "revenue",
            )
    policies = {p.segment: float(p.target) for p in CoveragePolicy.objects.all()}
    for segment, rate in policies.items():
        found[("coverage", CutKind.SEGMENT, segment)] = (rate, "coverage")
    weights = _coverage_weights()
    total = sum(weights.get(s, 0) for s in policies)
    if total:
        weighted = sum(rate * weights.get(s, 0) for s, rate in policies.items()) / total
        found[("coverage", CutKind.COMPANY, "")] = (weighted, "coverage")
    for row in KpiTarget.objects.filter(fiscal_year=year):
        found[(row.kpi, row.cut, row.value)] = (row.target, "set")
    return TargetBook(fiscal_year=year, targets=found)


def _coverage_weights() -> dict[str, float]:
    latest = KpiSnapshot.objects.filter(kpi="coverage", period=PeriodKind.MONTH).aggregate(
        m=Max("period_start")
    )["m"]
    if latest is None:
        return {}
    rows = KpiSnapshot.objects.filter(
        kpi="coverage", period=PeriodKind.MONTH, period_start=latest, cut=CutKind.SEGMENT
    ).values_list("value", "denominator")
    return {value: float(total or 0) for value, total in rows}


@dataclass(frozen=True, slots=True)
class SetTarget:
    """A target set for a fiscal year, with the name of its cut."""

    target: KpiTarget
    cut_label: str


def kpi_targets(year: int) -> list[SetTarget]:
    """The targets set for ``year``, in the catalog's order, each with its cut's name."""
    order: dict[str, int] = {kpi.key: i for i, kpi in enumerate(KPIS)}
    rows = list(KpiTarget.objects.filter(fiscal_year=year).select_related("updated_by"))
    rows.sort(key=lambda t: (order.get(t.kpi, 99), t.cut != "company", t.cut, t.value))
    labels = cut_labels()
    return [SetTarget(row, cut_label(labels, row.cut, row.value)) for row in rows]


# --- labels --------------------------------------------------------------------------------


def kpi_label(key: str) -> str:
    return str(dict(KpiKey.choices).get(key, key))


def cut_labels() -> dict[tuple[str, str], str]:
    """The name of every cut value: segments, teams (in the reader's language), CSMs."""
    labels: dict[tuple[str, str], str] = {("company", ""): _("Whole company")}
    for code, name in Segment.choices:
        labels[("segment", code)] = str(name)
    for team in Team.objects.all():
        labels[("team", team.code)] = team.name
    for member in User.objects.filter(role__in=["csm", "manager"]).only("username", "display_name"):
        labels[("csm", member.username)] = str(member)
    return labels


def cut_label(labels: Mapping[tuple[str, str], str], cut: str, value: str) -> str:
    if not value and cut != "company":
        return _("(none)")
    return labels.get((cut, value), value)


# --- the home ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendPoint:
    month: dt.date
    label: str
    figure: float | None


class _FigureTexts:
    """A figure and a target written as the pages write them (``core.kpis.catalog.shown``)."""

    __slots__ = ()
    kpi: Kpi
    figure: float | None
    target: float | None

    @property
    def figure_text(self) -> str:
        return shown(self.kpi, self.figure)

    @property
    def target_text(self) -> str:
        return shown(self.kpi, self.target)


@dataclass(frozen=True, slots=True)
class DragView(_FigureTexts):
    """The cut that drags a KPI most: which, its figure and target, and the points it costs."""

    cut: str
    value: str
    label: str
    figure: float | None
    target: float | None
    cost: float
    url: str
    kpi: Kpi

    @property
    def cost_text(self) -> str:
        """The points the cut costs the whole (a rate in percentage points)."""
        points = self.cost * 100 if self.kpi.unit == "rate" else self.cost
        return _("%(points)s pt") % {"points": f"{points:.1f}"}


@dataclass(frozen=True, slots=True)
class KpiCard(_FigureTexts):
    kpi: Kpi
    label: str
    period_label: str
    period: str
    period_start: dt.date | None
    figure: float | None
    numerator: float | None
    denominator: float | None
    target: float | None
    target_source: str
    #: a count's annual target pro rata to the days of the fiscal year gone (None otherwise)
    target_to_date: float | None
    meets: bool | None
    trend: tuple[TrendPoint, ...]
    drag: DragView | None
    url: str

    @property
    def key(self) -> str:
        return self.kpi.key

    @property
    def target_to_date_text(self) -> str:
        return shown(self.kpi, self.target_to_date)

    @property
    def count_text(self) -> str:
        """What the figure is computed over ("412 / 450", "1,234 answers"), or ""."""
        if self.denominator is None:
            return ""
        if self.kpi.key == "nps":
            return _("%(n)s answers") % {"n": f"{self.denominator:,.0f}"}
        # GRR, NRR and the renewal rate are over money (shown on their pages); a count is itself
        counted = self.kpi.key not in ("grr", "nrr", "renewal_rate") and self.kpi.unit != "count"
        if not counted or self.numerator is None:
            return ""
        return f"{self.numerator:,.0f} / {self.denominator:,.0f}"

    @property
    def status(self) -> str:
        """ "meets", "misses" or "" (no figure or no target)."""
        return "" if self.meets is None else ("meets" if self.meets else "misses")


@dataclass(frozen=True, slots=True)
class KpiHome:
    """The cards of one cut (``cut``/``value``) as of ``as_of`` (the latest KPI snapshot;
    None before the first), for fiscal year ``fiscal_year``."""

    as_of: dt.date | None
    computed_at: dt.datetime | None
    fiscal_year: int
    fiscal_start_month: int
    cut: str
    value: str
    cut_label: str
    cards: tuple[KpiCard, ...]

    def card(self, key: str) -> KpiCard:
        return next(card for card in self.cards if card.key == key)


@dataclass(frozen=True, slots=True)
class Row(KpiRow):
    """One stored KPI value as the home reads it (a plain row, not a model instance): the
    job's row and when it was computed."""

    as_of: dt.date
    computed_at: dt.datetime


def _rows(condition: Q) -> list[Row]:
    found = KpiSnapshot.objects.filter(condition).order_by().values_list(*SNAPSHOT_COLUMNS)
    return [Row(*values) for values in found]


def _home_rows(
    cut: str, value: str, months: list[dt.date], year_start: dt.date, *, pooled_months: bool
) -> tuple[list[Row], list[Row]]:
    """Two queries: the cut's own rows (the trend months and the fiscal year), then the rows
    of the cuts below it in each card's headline period (where the dragging cut is found).
    With ``pooled_months`` the fiscal-year rows are pooled from the months of the year up to
    the last of ``months`` instead of read (``_pooled``)."""
    year = Q(period=PeriodKind.FISCAL_YEAR, period_start=year_start)
    if pooled_months:
        year = Q(
            kpi__in=POOLED_KPIS,
            period=PeriodKind.MONTH,
            period_start__gte=year_start,
            period_start__lte=months[-1],
        )
    periods = Q(period=PeriodKind.MONTH, period_start__in=months) | year
    own = _rows(periods & Q(cut=cut, value=value))
    below = list(_BELOW.get(cut, ()))
    if pooled_months:
        own = [r for r in own if r.period == PeriodKind.MONTH] + _pooled(own, year_start)
    if not below:
        return own, []
    latest: dict[str, dt.date] = {}
    for row in own:
        if row.period == PeriodKind.MONTH:
            latest[row.kpi] = max(row.period_start, latest.get(row.kpi, row.period_start))
    heads = year
    for kpi, month in latest.items():
        heads |= Q(kpi=kpi, period=PeriodKind.MONTH, period_start=month)
    rows = _rows(heads & Q(cut__in=below))
    if pooled_months:
        rows = [r for r in rows if r.period == PeriodKind.MONTH] + _pooled(rows, year_start)
    return own, rows


#: the KPIs whose headline is the fiscal year to date: their months add up (``pooled``)
POOLED_KPIS = tuple(kpi.key for kpi in KPIS if kpi.headline == "fiscal_year")


def _pooled(rows: list[Row], year_start: dt.date) -> list[Row]:
    """One fiscal-year row per fiscal-year KPI and cut, pooled from its monthly rows from
    ``year_start`` on (``core.kpis.catalog.pooled``): the year to the last month read."""
    groups: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for row in rows:
        pooled_month = row.kpi in POOLED_KPIS and row.period == PeriodKind.MONTH
        if pooled_month and row.period_start >= year_start:
            groups[(row.kpi, row.cut, row.value)].append(row)
    out = []
    for (key, cut, value), months in groups.items():
        numerator = sum(r.numerator or 0 for r in months)
        dens = [r.denominator for r in months if r.denominator is not None]
        denominator = sum(dens) if dens else None
        out.append(
            Row(
                key, PeriodKind.FISCAL_YEAR, year_start, cut, value,
                pooled(KPI_BY_KEY[key], numerator, denominator), numerator, denominator,
                max(r.as_of for r in months), max(r.computed_at for r in months),
            )
        )  # fmt: skip
    return out


def kpi_home(
    *,
    today: dt.date,
    fiscal_start_month: int,
    cut: str = "company",
    value: str = "",
    to_month_end: bool = False,
) -> KpiHome:
    """The KPI home of one cut (see ``KpiHome``); ``today`` names the fiscal year.

    ``to_month_end``: the fiscal-year KPIs are the year up to the end of ``today``'s month,
    pooled from their monthly snapshots, not the stored year to date (which runs to the KPI
    job's day): the monthly report of a month that is over reads this."""
    year = fiscal_year(today, fiscal_start_month)
    year_start = fiscal_year_start(year, fiscal_start_month)
    months = month_starts(month_start_before(first_of_month(today), TREND_MONTHS - 1), today)
    own, below = _home_rows(cut, value, months, year_start, pooled_months=to_month_end)
    book = target_book(year)
    labels = cut_labels()
    by_kpi: dict[str, list[Row]] = defaultdict(list)
    for row in below:
        by_kpi[row.kpi].append(row)
    mine: dict[str, list[Row]] = defaultdict(list)
    for row in own:
        mine[row.kpi].append(row)
    cards = tuple(
        _card(
            kpi, mine.get(kpi.key, []), by_kpi.get(kpi.key, []), book, labels, cut, value,
            months, year_start, today, to_month_end,
        )
        for kpi in KPIS
        if cut in kpi.cuts
    )  # fmt: skip
    as_of = max((row.as_of for row in own), default=None)
    computed = max((row.computed_at for row in own), default=None)
    return KpiHome(
        as_of=as_of,
        computed_at=computed,
        fiscal_year=year,
        fiscal_start_month=fiscal_start_month,
        cut=cut,
        value=value,
        cut_label=cut_label(labels, cut, value),
        cards=cards,
    )


def _card(
    kpi: Kpi,
    mine: list[Row],
    rows: list[Row],
    book: TargetBook,
    labels: Mapping[tuple[str, str], str],
    cut: str,
    value: str,
    months: list[dt.date],
    year_start: dt.date,
    today: dt.date,
    to_month_end: bool,
) -> KpiCard:
    monthly = {r.period_start: r for r in mine if r.period == PeriodKind.MONTH}
    if kpi.headline == "month":
        start = max(monthly, default=None)
        head = monthly.get(start) if start else None
        period_label = month_label(start) if start else ""
        period = PeriodKind.MONTH
        candidates = [r for r in rows if r.period == period and r.period_start == start]
    else:
        start = year_start
        head = next((r for r in mine if r.period == PeriodKind.FISCAL_YEAR), None)
        period_label = (
            _("FY%(year)s to %(month)s") % {"year": book.fiscal_year, "month": month_label(today)}
            if to_month_end
            else _("FY%(year)s to date") % {"year": book.fiscal_year}
        )
        period = PeriodKind.FISCAL_YEAR
        candidates = [r for r in rows if r.period == PeriodKind.FISCAL_YEAR]
    target = book.get(kpi.key, cut, value)
    figure = head.figure if head else None
    to_date = None
    if kpi.unit == "count" and target is not None:
        to_date = target * year_elapsed(year_start, today)
    drag = _drag(kpi, candidates, book, labels, cut, period, start, today)
    return KpiCard(
        kpi=kpi,
        label=kpi_label(kpi.key),
        period_label=period_label,
        period=period,
        period_start=start,
        figure=figure,
        numerator=head.numerator if head else None,
        denominator=head.denominator if head else None,
        target=target,
        target_source=book.source(kpi.key, cut, value),
        target_to_date=to_date,
        meets=meets(kpi, figure, target if to_date is None else to_date),
        trend=tuple(
            TrendPoint(m, month_label(m), monthly[m].figure if m in monthly else None)
            for m in months
        ),
        drag=drag,
        url=detail_url(kpi.key, cut=cut, value=value, period=period, start=start, today=today),
    )


def year_elapsed(year_start: dt.date, today: dt.date) -> float:
    """The share of the fiscal year starting ``year_start`` gone by the end of ``today``
    (1 on its last day; 0–1)."""
    end = month_from_index(min(month_index(year_start) + 12, month_index(dt.date.max)))
    days = (end - year_start).days or 1
    gone = (today - year_start).days + 1
    return min(max(gone / days, 0.0), 1.0)


#: the cut kinds below each cut kind, where the home looks for what drags it
_BELOW = {"company": ("segment", "team"), "segment": ("team", "csm"), "team": ("csm",), "csm": ()}


def _drag(
    kpi: Kpi,
    rows: Iterable[Row],
    book: TargetBook,
    labels: Mapping[tuple[str, str], str],
    cut: str,
    period: str,
    start: dt.date | None,
    today: dt.date,
) -> DragView | None:
    kinds = [k for k in _BELOW[cut] if k in kpi.cuts]
    if not kinds or start is None:
        return None
    values = [
        CutValue(
            r.cut, r.value, r.figure,
            book.get(kpi.key, r.cut, r.value),
            float(r.denominator or 0) if kpi.unit != "count" else float(r.numerator or 0),
        )
        for r in rows
        if r.cut in kinds and r.value
    ]  # fmt: skip
    best: Drag | None = dragging(kpi, values)
    if best is None:
        return None
    c = best.cut
    return DragView(
        cut=c.cut,
        value=c.value,
        label=cut_label(labels, c.cut, c.value),
        figure=c.figure,
        target=c.target,
        cost=best.cost,
        url=reverse("kpis:home") + "?" + urlencode({"for": f"{c.cut}:{c.value}"}),
        kpi=kpi,
    )


def detail_url(
    key: str, *, cut: str, value: str, period: str, start: dt.date | None, today: dt.date
) -> str:
    """The page that explains a KPI, filtered to the same period (and cut where it can)."""
    if key in ("grr", "nrr", "logo_churn_monthly", "logo_churn_annual"):
        query = {cut: value} if cut in ("segment", "team") and value else {}
        return reverse("revenue:dashboard") + (f"?{urlencode(query)}" if query else "")
    if key == "coverage":
        return reverse("coverage:dashboard")
    first = start or today
    if key == "onboarding_completion":
        query = {"from": f"{first:%Y-%m}", "to": f"{today:%Y-%m}"}
        return reverse("onboarding:dashboard") + "?" + urlencode(query)
    if key == "nps":
        query = {"cut": "all", "period": "fiscal_year", "from": first.isoformat(),
                 "to": today.isoformat()}  # fmt: skip
        return reverse("surveys:nps") + "?" + urlencode(query)
    if key == "renewal_rate":
        query = {"first": f"{first:%Y-%m}", "last": f"{today:%Y-%m}"}
        if cut == "segment":
            query["segment"] = value
        return reverse("renewals:pipeline") + "?" + urlencode(query)
    return reverse("expansion:conversion")


def year_range(year: int, fiscal_start_month: int) -> tuple[dt.date, dt.date]:
    return fiscal_year_start(year, fiscal_start_month), fiscal_year_end(year, fiscal_start_month)


# --- the plan ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PlanView:
    """What the targets of a fiscal year imply (``core.kpis.targets.derive``) and its inputs."""

    plan: Plan
    derived: DerivedTargets
    start_month: dt.date


def plan_view(year: int, fiscal_start_month: int, book: TargetBook) -> PlanView:
    """The plan of fiscal year ``year``: the MRR due at renewals dated in it (the renewals the
    lines still produce), the company's MRR at its start (the revenue snapshot of its first
    month: MRR at the end of the month before), and the company targets."""
    first, last = year_range(year, fiscal_start_month)
    due = Renewal.objects.filter(date__gte=first, date__lte=last, no_longer_due=False).aggregate(
        s=Sum("mrr_due")
    )["s"]
    start = (
        RevenueSnapshot.objects.filter(dimension="", value="", month=first)
        .values_list("start_mrr", flat=True)
        .first()
    )
    plan = Plan(
        mrr_due=int(due or 0),
        start_mrr=int(start or 0),
        annual_churn_target=book.get("logo_churn_annual", "company", ""),
        grr_target=book.get("grr", "company", ""),
        nrr_target=book.get("nrr", "company", ""),
    )
    return PlanView(plan=plan, derived=derive(plan), start_month=first)


@dataclass(frozen=True, slots=True)
class TargetCell:
    kpi: Kpi
    target: float | None
    source: str

    @property
    def text(self) -> str:
        return shown(self.kpi, self.target)


@dataclass(frozen=True, slots=True)
class TargetRow:
    """One KPI's targets for the company and each segment (the columns of ``TARGET_COLUMNS``)."""

    kpi: Kpi
    label: str
    cells: tuple[TargetCell, ...]


def target_columns() -> list[tuple[str, str, str]]:
    """(cut, value, label) of the targets table's columns: the company, then each segment."""
    return [("company", "", _("Whole company"))] + [
        ("segment", code, str(name)) for code, name in Segment.choices
    ]


def target_rows(book: TargetBook) -> list[TargetRow]:
    columns = target_columns()
    return [
        TargetRow(
            kpi=kpi,
            label=kpi_label(kpi.key),
            cells=tuple(
                TargetCell(kpi, book.own(kpi.key, cut, value), book.source(kpi.key, cut, value))
                for cut, value, _label in columns
            ),
        )
        for kpi in KPIS
    ]

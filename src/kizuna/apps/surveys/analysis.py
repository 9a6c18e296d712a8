"""The NPS / CSAT analysis the pages and the API share: the query (cut, kind of period, range)
read from parameters with clear refusals, the report from ``core.voc.nps`` over
``frames``, the day-30 / day-90 × product matrix, and the answers behind any cell.

A cell's drill-down reads the same answers the frame read (same days in the company's time
zone, same tenure buckets, the account's current segment and phase), so its count is the
cell's ``responses``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import polars as pl
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from kizuna.apps.surveys.frames import answer_frame, answers_in, company_zone, invitation_frame
from kizuna.apps.surveys.models import SurveyAnswer
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.core.calendar import add_months
from kizuna.core.voc.nps import (
    CSAT_SATISFIED_MIN,
    CUTS,
    DEFAULT_MIN_RESPONSES,
    NPS,
    PASSIVE_MIN,
    PERIOD_KINDS,
    PROMOTER_MIN,
    CsatCell,
    Cut,
    NpsCell,
    NpsFigures,
    Period,
    PeriodKind,
    ReportOptions,
    csat_report,
    nps_figures,
    nps_report,
)
from kizuna.core.voc.rows import DEFAULT_TENURE_BUCKETS, TENURE_BUCKETS, Kind

#: the range a query may ask for: the API's days (2000 … 2099), at most ten years long
EARLIEST: Final = dt.date(2000, 1, 1)
LATEST: Final = dt.date(2099, 12, 31)
MAX_DAYS: Final = 3660
#: the value of a cut that has none (an answer without product) in a URL
NONE: Final = "none"
KINDS: Final[tuple[Kind, ...]] = ("nps", "csat")
CATEGORIES: Final = ("promoter", "passive", "detractor")


class QueryRefused(ValueError):
    """A parameter the analysis cannot use; ``field`` names it, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True, slots=True)
class AnalysisQuery:
    cut: Cut
    period: PeriodKind
    first: dt.date
    last: dt.date
    fiscal_start_month: int

    def options(self) -> ReportOptions:
        return ReportOptions(
            first_day=self.first,
            last_day=self.last,
            cuts=(self.cut,),
            periods=(self.period,),
            fiscal_start_month=self.fiscal_start_month,
        )


def default_range(today: dt.date) -> tuple[dt.date, dt.date]:
    """The last twelve whole months and this one: the first day 11 months before this month's."""
    return add_months(today.replace(day=1), -11), today


def _day(params: Mapping[str, str], name: str, default: dt.date) -> dt.date:
    text = (params.get(name) or "").strip()
    if not text:
        return default
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise QueryRefused(name, _("Write the date as YYYY-MM-DD.")) from None
    if not EARLIEST <= day <= LATEST:
        raise QueryRefused(name, _("Choose a date between 2000-01-01 and 2099-12-31."))
    return day


def parse_query(
    params: Mapping[str, str], *, default_cut: Cut = "all", default_period: PeriodKind = "month"
) -> AnalysisQuery:
    """The query of ``params`` (``cut``, ``period``, ``from``, ``to``); ``QueryRefused`` for
    an unknown cut or kind of period, a date that is not one, outside 2000–2099, a range that
    ends before it starts or spans more than ten years."""
    cut = (params.get("cut") or default_cut).strip()
    if cut not in CUTS:
        raise QueryRefused("cut", _("Unknown cut: choose all, segment, product, phase or tenure."))
    period = (params.get("period") or default_period).strip()
    if period not in PERIOD_KINDS:
        raise QueryRefused("period", _("Unknown period: choose month, quarter or fiscal_year."))
    first_default, last_default = default_range(tenant_today())
    first = _day(params, "from", first_default)
    last = _day(params, "to", last_default)
    if first > last:
        raise QueryRefused("to", _("The range ends before it starts."))
    if (last - first).days > MAX_DAYS:
        raise QueryRefused("to", _("Choose a range of at most ten years."))
    return AnalysisQuery(
        cut=cut,
        period=period,
        first=first,
        last=last,
        fiscal_start_month=tenant_settings_get().fiscal_year_start_month,
    )


@dataclass(frozen=True, slots=True)
class Report:
    query: AnalysisQuery
    nps: list[NpsCell]
    csat: list[CsatCell]
    #: whether any CSAT answer lies in the range (the page shows CSAT only then)
    has_csat: bool
    matrix: list[MatrixRow]


def report(query: AnalysisQuery) -> Report:
    """The NPS and CSAT cells of the query, and the tenure × product matrix of its range."""
    zone = company_zone()
    answers = answer_frame(query.first, query.last, zone)
    invitations = invitation_frame(query.first, query.last, zone)
    options = query.options()
    has_csat = answers.filter(pl.col("kind") == "csat").height > 0
    return Report(
        query=query,
        nps=nps_report(answers, invitations, options),
        csat=csat_report(answers, invitations, options) if has_csat else [],
        has_csat=has_csat,
        matrix=tenure_product_matrix(answers, invitations),
    )


# -- day 30 / day 90 × product ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MatrixCell:
    tenure: str
    responses: int
    promoters: int
    passives: int
    detractors: int
    figures: NpsFigures
    invitations: int
    answered_invitations: int

    @property
    def response_rate(self) -> float | None:
        return self.answered_invitations / self.invitations if self.invitations else None


@dataclass(frozen=True, slots=True)
class MatrixRow:
    product_id: int | None
    cells: tuple[MatrixCell, ...]


def tenure_product_matrix(answers: pl.DataFrame, invitations: pl.DataFrame) -> list[MatrixRow]:
    """NPS per product (rows; no product last) and tenure bucket (``TENURE_BUCKETS``, columns)
    over every NPS answer and sent NPS invitation of the frames (already cut to the range)."""
    bucket = DEFAULT_TENURE_BUCKETS.expr("tenure_days").alias("tenure")
    score = pl.col("score")
    by_answer = (
        answers.filter(pl.col("kind") == NPS)
        .group_by("product_id", bucket)
        .agg(
            pl.len().alias("n"),
            (score >= PROMOTER_MIN).sum().alias("p"),
            (score < PASSIVE_MIN).sum().alias("d"),
        )
    )
    by_invitation = (
        invitations.filter(pl.col("kind") == NPS)
        .group_by("product_id", bucket)
        .agg(pl.len().alias("sent"), pl.col("answered").sum().alias("answered"))
    )
    sums: dict[tuple[int | None, str], list[int]] = {}
    for product, tenure, n, p, d in by_answer.iter_rows():
        sums.setdefault((product, tenure), [0, 0, 0, 0, 0])[0:3] = [n, p, d]
    for product, tenure, sent, answered in by_invitation.iter_rows():
        sums.setdefault((product, tenure), [0, 0, 0, 0, 0])[3:5] = [sent, int(answered)]
    products = sorted({key[0] for key in sums}, key=lambda v: (v is None, v or 0))
    rows = []
    for product in products:
        cells = []
        for tenure in TENURE_BUCKETS:
            n, p, d, sent, answered = sums.get((product, tenure), [0, 0, 0, 0, 0])
            cells.append(
                MatrixCell(
                    tenure=tenure,
                    responses=n,
                    promoters=p,
                    passives=n - p - d,
                    detractors=d,
                    figures=nps_figures(p, n - p - d, d),
                    invitations=sent,
                    answered_invitations=answered,
                )
            )
        rows.append(MatrixRow(product, tuple(cells)))
    return rows


# -- the answers behind a cell -----------------------------------------------------------------


def cell_range(period: Period, query: AnalysisQuery) -> tuple[dt.date, dt.date]:
    """The days of ``period`` inside the query's range (what its cell counted)."""
    return max(period.first_day, query.first), min(period.last_day, query.last)


def tenure_q(bucket: str) -> Q:
    """The answers whose tenure falls in ``bucket`` (``TenureBuckets``' limits)."""
    b = DEFAULT_TENURE_BUCKETS
    if bucket == "30":
        return Q(tenure_days__lte=b.thirty_max_days)
    if bucket == "90":
        return Q(tenure_days__gt=b.thirty_max_days, tenure_days__lte=b.ninety_max_days)
    if bucket == "later":
        return Q(tenure_days__gt=b.ninety_max_days)
    return Q(tenure_days__isnull=True)


@dataclass(frozen=True, slots=True)
class DrillQuery:
    kind: Kind | None
    first: dt.date
    last: dt.date
    segment: str | None = None
    product: str | None = None  # an id, or NONE
    phase: str | None = None
    tenure: str | None = None
    category: str | None = None


def parse_drill(params: Mapping[str, str], *, default_kind: Kind | None = NPS) -> DrillQuery:
    """The drill-down's parameters: ``kind`` (nps, csat; ``default_kind`` when not given,
    None: both), ``from``, ``to`` and any of ``segment``, ``product`` (an id or ``none``),
    ``phase``, ``tenure`` and ``category`` (an NPS class: only NPS answers then)."""
    kind = (params.get("kind") or "").strip() or default_kind
    if kind is not None and kind not in KINDS:
        raise QueryRefused("kind", _("Unknown survey kind: choose nps or csat."))
    first_default, last_default = default_range(tenant_today())
    first = _day(params, "from", first_default)
    last = _day(params, "to", last_default)
    if first > last:
        raise QueryRefused("to", _("The range ends before it starts."))
    product = (params.get("product") or "").strip() or None
    if (
        product is not None
        and product != NONE
        and (not (product.isascii() and product.isdigit()) or len(product) > 18)
    ):
        raise QueryRefused("product", _("Unknown product."))
    tenure = (params.get("tenure") or "").strip() or None
    if tenure is not None and tenure not in TENURE_BUCKETS:
        raise QueryRefused("tenure", _("Unknown tenure: choose 30, 90, later or unknown."))
    category = (params.get("category") or "").strip() or None
    if category is not None and category not in CATEGORIES:
        raise QueryRefused(
            "category", _("Unknown answer class: choose promoter, passive or detractor.")
        )
    return DrillQuery(
        kind=kind,
        first=first,
        last=last,
        segment=_text(params, "segment"),
        product=product,
        phase=_text(params, "phase"),
        tenure=tenure,
        category=category,
    )


def _text(params: Mapping[str, str], name: str) -> str | None:
    """A parameter compared with stored text: without NUL (no database stores it), at most 40
    characters, None when blank."""
    return clean_text(params.get(name) or "")[:40] or None


def clean_text(text: str) -> str:
    return text.replace("\x00", "").strip()


def category_q(category: str) -> Q:
    if category == "promoter":
        return Q(score__gte=PROMOTER_MIN)
    if category == "passive":
        return Q(score__gte=PASSIVE_MIN, score__lt=PROMOTER_MIN)
    return Q(score__lt=PASSIVE_MIN)


def drill_answers(
    drill: DrillQuery, zone: zoneinfo.ZoneInfo | None = None
) -> QuerySet[SurveyAnswer]:
    """The answers a cell counted, newest first."""
    found = answers_in(drill.first, drill.last, zone)
    if drill.kind is not None:
        found = found.filter(kind=drill.kind)
    if drill.segment is not None:
        found = found.filter(account__segment=drill.segment)
    if drill.phase is not None:
        found = found.filter(account__phase=drill.phase)
    if drill.product == NONE:
        found = found.filter(product__isnull=True)
    elif drill.product is not None:
        found = found.filter(product_id=int(drill.product))
    if drill.tenure is not None:
        found = found.filter(tenure_q(drill.tenure))
    if drill.category is not None:
        found = found.filter(category_q(drill.category), kind=NPS)
    return found.select_related("account", "product", "program").order_by("-answered_at", "-id")


def drill_params(cut: Cut, value: object) -> dict[str, str]:
    """The drill-down parameter naming one value of a cut."""
    if cut == "all":
        return {}
    name = {"segment": "segment", "product": "product", "phase": "phase", "tenure": "tenure"}[cut]
    return {name: NONE if value is None else str(value)}


def cell_params(cell: NpsCell | CsatCell, query: AnalysisQuery, kind: Kind) -> dict[str, Any]:
    first, last = cell_range(cell.period, query)
    return {"kind": kind, "from": first.isoformat(), "to": last.isoformat()} | drill_params(
        cell.cut, cell.value
    )


__all__ = [
    "CATEGORIES",
    "CSAT_SATISFIED_MIN",
    "DEFAULT_MIN_RESPONSES",
    "AnalysisQuery",
    "DrillQuery",
    "MatrixCell",
    "MatrixRow",
    "QueryRefused",
    "Report",
    "cell_params",
    "drill_answers",
    "parse_drill",
    "parse_query",
    "report",
    "tenure_product_matrix",
]

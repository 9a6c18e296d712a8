"""NPS and CSAT per cut and period, with response rates, confidence and trend.

Pure: typed rows (or Polars frames of the same columns) in, frozen dataclasses out; no
Django, no clock. Definitions in our own words: ``docs/metrics.md``, "Voice of the customer".

- **NPS** (PRODUCT.md) over the NPS answers (0–10) whose ``answered_on`` falls in the period:
  100 · (promoters − detractors) / responses, promoters scoring 9–10, passives 7–8, detractors
  0–6; in points from −100 to +100. No response → None (never 0); one response → +100, 0 or −100.
- **Confidence interval** (``z`` = 1.96: 95 %): each answer is a value +1 (promoter), 0
  (passive) or −1 (detractor); NPS is 100 × their mean m. With p = promoters / n and
  q = detractors / n, the variance of one answer is p + q − m², the standard error of the mean
  √((p + q − m²) / n), and the interval 100 · (m ± z · se), clipped to −100 … +100 (normal
  approximation; with one answer it is the single point). ``small_sample`` is True when n is
  below ``min_responses`` (30): the interval is then too rough to trust, and the page says so.
- **CSAT** over the CSAT answers (1–5) of the period: ``csat`` = answers scoring 4–5 / answers
  (a fraction), ``csat_mean`` = mean score; None with no answer.
- **Response rate** = invitations sent in the period (``sent_on``) that were answered /
  invitations sent in the period; None when none was sent. Answers without an invitation
  (imports, the API) count as responses but not in the rate.
- **Cuts**: the whole company (``all``), segment, product, lifecycle phase and tenure bucket;
  each answer is in exactly one group of each cut (no product: its own group, value None).
- **Tenure buckets** (``TenureBuckets``), named after the survey that collects them: tenure
  0–45 days → ``"30"``, 46–135 → ``"90"``, 136 and more → ``"later"``, unknown → ``"unknown"``.
- **Periods** (``core.voc.periods``): calendar months, fiscal quarters and fiscal years
  (fiscal start month a parameter, April by default). ``first_day`` … ``last_day`` (both
  inclusive) bound the report: rows outside are left out, and every cut value seen in the range
  gets a cell for every period of the range (empty ones too), so a series is a trend.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final, Literal

import polars as pl

from kizuna.core.calendar import DEFAULT_FISCAL_YEAR_START_MONTH
from kizuna.core.revenue.lines import month_index_expr
from kizuna.core.voc.periods import (
    PERIOD_KINDS,
    Period,
    PeriodKind,
    period_index_expr,
    periods_between,
)
from kizuna.core.voc.rows import (
    ANSWERS_SCHEMA,
    CSAT,
    DEFAULT_TENURE_BUCKETS,
    INVITATIONS_SCHEMA,
    NPS,
    SCORE_RANGES,
    TENURE_BUCKETS,
    Kind,
    RejectedRow,
    SurveyAnswerRow,
    SurveyInvitationRow,
    TenureBuckets,
    answers_frame,
    invitations_frame,
    validate_answers,
    validate_invitations,
)

Cut = Literal["all", "segment", "product", "phase", "tenure"]

#: every cut, the whole company first
CUTS: Final[tuple[Cut, ...]] = ("all", "segment", "product", "phase", "tenure")
_CUT_COLUMN: Final[dict[Cut, str | None]] = {
    "all": None,
    "segment": "segment",
    "product": "product_id",
    "phase": "phase",
    "tenure": "tenure_bucket",
}
#: promoters score 9–10, passives 7–8, detractors 0–6 (PRODUCT.md)
PROMOTER_MIN: Final = 9
PASSIVE_MIN: Final = 7
#: a CSAT answer of 4 or 5 counts as satisfied
CSAT_SATISFIED_MIN: Final = 4
#: 95 % two-sided normal quantile
DEFAULT_Z: Final = 1.96
#: below this many responses a cell is flagged ``small_sample``
DEFAULT_MIN_RESPONSES: Final = 30

Category = Literal["promoter", "passive", "detractor"]
_COUNTS: Final = ("invitations", "answered_invitations")
_MEASURES: Final[dict[Kind, tuple[str, ...]]] = {
    NPS: ("responses", "promoters", "detractors", *_COUNTS),
    CSAT: ("responses", "satisfied", "score_sum", *_COUNTS),
}


def nps_category(score: int) -> Category:
    """promoter (9–10), passive (7–8) or detractor (0–6); ``ValueError`` outside 0–10."""
    low, high = SCORE_RANGES[NPS]
    if isinstance(score, bool) or not isinstance(score, int) or not low <= score <= high:
        raise ValueError(f"an NPS score is an integer 0-10, not {score!r}")
    if score >= PROMOTER_MIN:
        return "promoter"
    return "passive" if score >= PASSIVE_MIN else "detractor"


@dataclass(frozen=True, slots=True)
class NpsFigures:
    """NPS of a group of answers (points, −100 … +100) and its confidence interval."""

    nps: float | None
    ci_low: float | None
    ci_high: float | None
    small_sample: bool


def nps_figures(
    promoters: int,
    passives: int,
    detractors: int,
    *,
    z: float = DEFAULT_Z,
    min_responses: int = DEFAULT_MIN_RESPONSES,
) -> NpsFigures:
    """NPS = 100 · (promoters − detractors) / n, n = all three; the interval of the module
    docstring. n = 0 → every figure None (and ``small_sample`` True)."""
    n = promoters + passives + detractors
    if n == 0:
        return NpsFigures(None, None, None, True)
    mean = (promoters - detractors) / n
    variance = max((promoters + detractors) / n - mean * mean, 0.0)
    half = z * math.sqrt(variance / n)
    return NpsFigures(
        nps=100 * (promoters - detractors) / n,
        ci_low=max(-100.0, 100 * (mean - half)),
        ci_high=min(100.0, 100 * (mean + half)),
        small_sample=n < min_responses,
    )


def _rate(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


@dataclass(frozen=True, slots=True)
class NpsCell:
    """NPS of one cut value in one period; counts are answers (invitations for the rate)."""

    cut: Cut
    value: str | int | None
    period: Period
    responses: int
    promoters: int
    passives: int
    detractors: int
    nps: float | None
    ci_low: float | None
    ci_high: float | None
    small_sample: bool
    invitations: int
    answered_invitations: int
    response_rate: float | None


@dataclass(frozen=True, slots=True)
class CsatCell:
    """CSAT of one cut value in one period."""

    cut: Cut
    value: str | int | None
    period: Period
    responses: int
    satisfied: int
    score_sum: int
    csat: float | None
    csat_mean: float | None
    small_sample: bool
    invitations: int
    answered_invitations: int
    response_rate: float | None


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What a report covers: the days (both inclusive), cuts, period kinds and thresholds."""

    first_day: date
    last_day: date
    cuts: tuple[Cut, ...] = CUTS
    periods: tuple[PeriodKind, ...] = PERIOD_KINDS
    fiscal_start_month: int = DEFAULT_FISCAL_YEAR_START_MONTH
    tenure: TenureBuckets = DEFAULT_TENURE_BUCKETS
    z: float = DEFAULT_Z
    min_responses: int = DEFAULT_MIN_RESPONSES


def _answers(answers: pl.DataFrame | Sequence[SurveyAnswerRow], kind: Kind) -> pl.DataFrame:
    frame = (
        answers.select(list(ANSWERS_SCHEMA))
        if isinstance(answers, pl.DataFrame)
        else answers_frame(answers)
    )
    low, high = SCORE_RANGES[kind]
    bad = frame.filter((pl.col("kind") == kind) & ~pl.col("score").is_between(low, high)).height
    if bad:
        raise ValueError(f"{bad} {kind} scores outside {low}-{high}: validate_answers first")
    return frame


def _invitations(invitations: pl.DataFrame | Sequence[SurveyInvitationRow]) -> pl.DataFrame:
    if isinstance(invitations, pl.DataFrame):
        return invitations.select(list(INVITATIONS_SCHEMA))
    return invitations_frame(invitations)


def _fine(
    answers: pl.DataFrame, invitations: pl.DataFrame, kind: Kind, options: ReportOptions
) -> pl.DataFrame:
    """One pass over the rows: sums per (segment, product, phase, tenure bucket, month)."""
    keys = ["segment", "product_id", "phase", "tenure_bucket", "month"]
    score = pl.col("score")
    if kind == NPS:
        measures = [
            (score >= PROMOTER_MIN).sum().alias("promoters"),
            (score < PASSIVE_MIN).sum().alias("detractors"),
        ]
    else:
        measures = [(score >= CSAT_SATISFIED_MIN).sum().alias("satisfied"), score.sum()]

    def prepared(frame: pl.DataFrame, day: str) -> pl.LazyFrame:
        within = pl.col(day).is_between(options.first_day, options.last_day)
        return (
            frame.lazy()
            .filter((pl.col("kind") == kind) & within)
            .with_columns(
                month=month_index_expr(day), tenure_bucket=options.tenure.expr("tenure_days")
            )
        )

    by_answer = (
        prepared(answers, "answered_on")
        .group_by(keys)
        .agg(pl.len().alias("responses"), *measures)
        .rename({"score": "score_sum"}, strict=False)
    )
    by_invitation = (
        prepared(invitations, "sent_on")
        .group_by(keys)
        .agg(pl.len().alias("invitations"), pl.col("answered").sum().alias("answered_invitations"))
    )
    both = pl.concat([by_answer, by_invitation], how="diagonal_relaxed")
    return both.collect()


def _rollup(
    fine: pl.DataFrame, cut: Cut, kind_of_period: PeriodKind, kind: Kind, options: ReportOptions
) -> dict[tuple[object, int], tuple[int, ...]]:
    """Sums of the measures per (cut value, period index)."""
    column = _CUT_COLUMN[cut]
    value = pl.col(column) if column else pl.lit(None)
    period = period_index_expr(kind_of_period, pl.col("month"), options.fiscal_start_month)
    measures = _MEASURES[kind]
    sums = fine.group_by(value.alias("value"), period.alias("period")).agg(
        pl.col(m).sum().fill_null(0).cast(pl.Int64) for m in measures
    )
    return {(row[0], row[1]): row[2:] for row in sums.iter_rows()}


def _sort_key(value: object) -> tuple[bool, int, str]:
    """Cut values in order: numbers (products) by number, words by code point, None last."""
    if isinstance(value, int):
        return (False, value, "")
    return (value is None, 0, str(value))


def _grid(
    fine: pl.DataFrame, kind: Kind, options: ReportOptions
) -> Iterable[tuple[Cut, object, Period, tuple[int, ...]]]:
    """Every (cut, value, period) of the report with its sums (zeros where nothing)."""
    empty = (0,) * len(_MEASURES[kind])
    for cut in options.cuts:
        column = _CUT_COLUMN[cut]
        values = [None] if column is None else fine.get_column(column).unique().to_list()
        for period_kind in options.periods:
            sums = _rollup(fine, cut, period_kind, kind, options)
            periods = periods_between(
                period_kind, options.first_day, options.last_day, options.fiscal_start_month
            )
            for value in sorted(values, key=_sort_key):
                for period in periods:
                    yield cut, value, period, sums.get((value, period.index), empty)


def nps_report(
    answers: pl.DataFrame | Sequence[SurveyAnswerRow],
    invitations: pl.DataFrame | Sequence[SurveyInvitationRow],
    options: ReportOptions,
) -> list[NpsCell]:
    """NPS, its interval and the response rate for every cut value × period of ``options``
    (module docstring), in the order cut, period kind, value (None last), period.

    Rows are ``SurveyAnswerRow`` / ``SurveyInvitationRow`` or frames of ``ANSWERS_SCHEMA`` /
    ``INVITATIONS_SCHEMA``; only ``kind == "nps"`` rows count. A score outside 0–10 raises
    ``ValueError`` (run ``validate_answers`` first)."""
    fine = _fine(
        _answers(answers, NPS),
        _invitations(invitations),
        NPS,
        options,
    )
    cells = []
    for cut, value, period, (n, promoters, detractors, sent, answered) in _grid(fine, NPS, options):
        figures = nps_figures(
            promoters,
            n - promoters - detractors,
            detractors,
            z=options.z,
            min_responses=options.min_responses,
        )
        cells.append(
            NpsCell(
                cut=cut,
                value=_value(value),
                period=period,
                responses=n,
                promoters=promoters,
                passives=n - promoters - detractors,
                detractors=detractors,
                nps=figures.nps,
                ci_low=figures.ci_low,
                ci_high=figures.ci_high,
                small_sample=figures.small_sample,
                invitations=sent,
                answered_invitations=answered,
                response_rate=_rate(answered, sent),
            )
        )
    return cells


def csat_report(
    answers: pl.DataFrame | Sequence[SurveyAnswerRow],
    invitations: pl.DataFrame | Sequence[SurveyInvitationRow],
    options: ReportOptions,
) -> list[CsatCell]:
    """CSAT share and mean and the response rate per cut value × period, as ``nps_report``
    over the ``kind == "csat"`` rows (a score outside 1–5 raises ``ValueError``)."""
    fine = _fine(
        _answers(answers, CSAT),
        _invitations(invitations),
        CSAT,
        options,
    )
    return [
        CsatCell(
            cut=cut,
            value=_value(value),
            period=period,
            responses=n,
            satisfied=satisfied,
            score_sum=score_sum,
            csat=_rate(satisfied, n),
            csat_mean=_rate(score_sum, n),
            small_sample=n < options.min_responses,
            invitations=sent,
            answered_invitations=answered,
            response_rate=_rate(answered, sent),
        )
        for cut, value, period, (n, satisfied, score_sum, sent, answered) in _grid(
            fine, CSAT, options
        )
    ]


def _value(value: object) -> str | int | None:
    if value is None or isinstance(value, str | int):
        return value
    raise TypeError(f"unexpected cut value {value!r}")


def trend[C: (NpsCell, CsatCell)](
    cells: Iterable[C], *, cut: Cut, value: str | int | None, period_kind: PeriodKind
) -> list[C]:
    """The series of one cut value over one kind of period, oldest first (every period of the
    report's range, empty ones included: their NPS is None)."""
    series = [
        cell
        for cell in cells
        if cell.cut == cut and cell.value == value and cell.period.kind == period_kind
    ]
    return sorted(series, key=lambda cell: cell.period.index)


__all__ = [
    "ANSWERS_SCHEMA",
    "CSAT",
    "CUTS",
    "DEFAULT_TENURE_BUCKETS",
    "INVITATIONS_SCHEMA",
    "NPS",
    "PERIOD_KINDS",
    "TENURE_BUCKETS",
    "CsatCell",
    "Cut",
    "NpsCell",
    "NpsFigures",
    "Period",
    "PeriodKind",
    "RejectedRow",
    "ReportOptions",
    "SurveyAnswerRow",
    "SurveyInvitationRow",
    "TenureBuckets",
    "answers_frame",
    "csat_report",
    "invitations_frame",
    "nps_category",
    "nps_figures",
    "nps_report",
    "trend",
    "validate_answers",
    "validate_invitations",
]

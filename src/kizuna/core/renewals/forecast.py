"""The calibrated renewal forecast: probabilities from the company's own past renewals, the
quarter's forecast GRR and NRR beside the CSMs' calls, and the backtest of past quarters.

docs/renewals.md has the design and docs/metrics.md ("Forecast and calibration") the exact
definitions. In short, for a renewal of health grade *g* and touch model *t*:

- ``p`` (probability of renewal, logo: renewed or downgraded), ``q`` (MRR kept ÷ MRR due among
  the renewed) and ``e`` (expansion at renewal ÷ MRR due among the renewed) are the rates of
  the past renewals of *g* and *t*, shrunk toward those of *g* across touch models, which are
  shrunk toward the company's overall rates, which are shrunk toward a base (``p`` 0.9, ``q``
  1, ``e`` 0): each prior is worth ``prior_weight`` renewals (10 by default);
- the grade of a past renewal is the one it had ``LEAD_DAYS`` (90) before its date; a renewal
  without a grade then belongs to the *ungraded* group (grade ``None``);
- only renewals dated strictly before the forecast day, with their outcome, are read.

Frames (Polars) read here, one row per renewal:

``account_id`` Int64 · ``date`` Date · ``segment`` Utf8 · ``mrr_due`` Int64 ·
``mrr_after`` Int64 (null while open) · ``grade`` Int64 (null: ungraded) · ``call`` Utf8
(commit / likely / at_risk / lost, empty until made) for the quarter's forecast.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import polars as pl

from kizuna.core.calendar import add_months, fiscal_quarter, fiscal_year, month_end

#: a past renewal's grade is the one it had this many days before its date
LEAD_DAYS: Final = 90
#: a stored grade older than this many days on the day asked for is not its grade
GRADE_TOLERANCE_DAYS: Final = 30
#: each prior is worth this many renewals (see metrics.md for the choice)
PRIOR_WEIGHT: Final = 10.0
#: the base the company's overall renewal probability is shrunk toward (B2B SaaS logo renewal)
BASE_RATE: Final = 0.9
#: the bases of the kept and expansion ratios among the renewed
BASE_KEPT: Final = 1.0
BASE_EXPANSION: Final = 0.0

COMMIT: Final = "commit"
LIKELY: Final = "likely"


@dataclass(frozen=True, slots=True)
class Rates:
    """``p`` probability of renewal; ``q`` kept ratio and ``e`` expansion ratio among the
    renewed; ``renewals``/``renewed`` the past renewals behind them (before shrinking)."""

    p: float
    q: float
    e: float
    renewals: int
    renewed: int

    @property
    def actual(self) -> float | None:
        """The raw renewal rate of the group; None without renewals."""
        return self.renewed / self.renewals if self.renewals else None


@dataclass(frozen=True, slots=True)
class Calibration:
    as_of: dt.date
    prior_weight: float
    overall: Rates
    by_grade: dict[int | None, Rates]
    by_cell: dict[tuple[int | None, str], Rates]

    def rates(self, grade: int | None, segment: str) -> Rates:
        """The cell's rates; a cell or grade without history falls back to its parent."""
        found = self.by_cell.get((grade, segment))
        if found is not None:
            return found
        return self.by_grade.get(grade, self.overall)


@dataclass(frozen=True, slots=True)
class _Sums:
    n: int = 0
    renewed: int = 0
    due_renewed: int = 0
    kept: int = 0
    expansion: int = 0


def _shrink(sums: _Sums, parent: Rates, k: float) -> Rates:
    """Beta/ratio shrinkage: ``(x + k·parent) ÷ (n + k)``; for the ratios the prior is ``k``
    renewed renewals of the group's mean MRR due at the parent's ratio."""
    p = (sums.renewed + k * parent.p) / (sums.n + k) if sums.n + k > 0 else parent.p
    mean_due = sums.due_renewed / sums.renewed if sums.renewed else 0.0
    weight = k * mean_due
    denominator = sums.due_renewed + weight
    if denominator > 0:
        q = (sums.kept + weight * parent.q) / denominator
        e = (sums.expansion + weight * parent.e) / denominator
    else:
        q, e = parent.q, parent.e
    return Rates(p=p, q=q, e=e, renewals=sums.n, renewed=sums.renewed)


def _sums(frame: pl.DataFrame, by: list[str]) -> dict[tuple[object, ...], _Sums]:
    renewed = pl.col("mrr_after") > 0
    exprs = [
        pl.len().alias("n"),
        renewed.sum().alias("renewed"),
        pl.when(renewed).then(pl.col("mrr_due")).otherwise(0).sum().alias("due_renewed"),
        pl.when(renewed)
        .then(pl.min_horizontal("mrr_after", "mrr_due"))
        .otherwise(0)
        .sum()
        .alias("kept"),
        pl.when(renewed)
        .then((pl.col("mrr_after") - pl.col("mrr_due")).clip(lower_bound=0))
        .otherwise(0)
        .sum()
        .alias("expansion"),
    ]
    grouped = frame.group_by(by).agg(exprs) if by else frame.select(exprs)
    found: dict[tuple[object, ...], _Sums] = {}
    for row in grouped.iter_rows(named=True):
        key = tuple(row[name] for name in by)
        found[key] = _Sums(
            int(row["n"]),
            int(row["renewed"] or 0),
            int(row["due_renewed"] or 0),
            int(row["kept"] or 0),
            int(row["expansion"] or 0),
        )
    return found


def closed_before(history: pl.DataFrame, as_of: dt.date) -> pl.DataFrame:
    """The renewals dated strictly before ``as_of`` whose outcome is known (a renewal of
    nothing, MRR due 0, is never counted)."""
    return history.filter(
        (pl.col("date") < as_of) & pl.col("mrr_after").is_not_null() & (pl.col("mrr_due") > 0)
    )


def calibrate(
    history: pl.DataFrame,
    *,
    as_of: dt.date,
    prior_weight: float = PRIOR_WEIGHT,
    base_rate: float = BASE_RATE,
) -> Calibration:
    """The rates per grade and touch model from the renewals of ``history`` dated before
    ``as_of`` (exclusive) with an outcome and an MRR due above 0. A renewal is *renewed* when
    its MRR after is above 0 (renewed or downgraded). With no history at all every rate is
    the base (``base_rate``, kept 1, expansion 0)."""
    if prior_weight < 0:
        raise ValueError("the prior weight cannot be negative")
    past = closed_before(history, as_of)
    base = Rates(p=base_rate, q=BASE_KEPT, e=BASE_EXPANSION, renewals=0, renewed=0)
    overall = _shrink(_sums(past, []).get((), _Sums()), base, prior_weight)
    by_grade = {
        key[0]: _shrink(sums, overall, prior_weight) for key, sums in _sums(past, ["grade"]).items()
    }
    by_cell = {
        (key[0], str(key[1])): _shrink(sums, by_grade[key[0]], prior_weight)
        for key, sums in _sums(past, ["grade", "segment"]).items()
    }
    return Calibration(as_of, prior_weight, overall, by_grade, by_cell)  # type: ignore[arg-type]


def predict(calibration: Calibration, renewals: pl.DataFrame) -> pl.DataFrame:
    """``renewals`` with the columns ``p``, ``q``, ``e`` of their grade and touch model."""
    keys = renewals.select("grade", "segment").unique()
    table = [
        (grade, segment, rates.p, rates.q, rates.e)
        for grade, segment in keys.iter_rows()
        for rates in [calibration.rates(grade, segment)]
    ]
    lookup = pl.DataFrame(
        table,
        schema={"grade": pl.Int64, "segment": pl.Utf8, "p": pl.Float64, "q": pl.Float64,
                "e": pl.Float64},
        orient="row",
    )  # fmt: skip
    return renewals.join(lookup, on=["grade", "segment"], how="left", nulls_equal=True)


def grades_as_of(
    keys: pl.DataFrame,
    grades: pl.DataFrame,
    *,
    day_column: str,
    tolerance_days: int = GRADE_TOLERANCE_DAYS,
) -> pl.Series:
    """For each row of ``keys`` (``account_id`` and the day ``day_column``), the account's
    latest grade on a day in [day − tolerance, day] from ``grades`` (``account_id``, ``day``,
    ``grade``), else null. Never a grade of a later day. Returns a column in ``keys``' order."""
    left = keys.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("_row"),
        pl.col("account_id").cast(pl.Int64),
        pl.col(day_column).cast(pl.Date).alias("_day"),
    ).sort("_day")
    right = (
        grades.select(
            pl.col("account_id").cast(pl.Int64),
            pl.col("day").cast(pl.Date).alias("_day"),
            pl.col("grade").cast(pl.Int64),
        )
        .filter(pl.col("grade").is_not_null())
        .sort("_day")
    )
    joined = left.join_asof(
        right,
        on="_day",
        by="account_id",
        strategy="backward",
        tolerance=f"{tolerance_days}d",
        check_sortedness=False,
    )
    return joined.sort("_row")["grade"].alias("grade")


def with_lead_grades(
    renewals: pl.DataFrame, grades: pl.DataFrame, *, lead_days: int = LEAD_DAYS
) -> pl.DataFrame:
    """``renewals`` with ``grade``: the grade each had ``lead_days`` before its date."""
    keys = renewals.select(
        "account_id", (pl.col("date") - pl.duration(days=lead_days)).alias("_asked")
    )
    return renewals.with_columns(grades_as_of(keys, grades, day_column="_asked"))


def with_grades_on(renewals: pl.DataFrame, grades: pl.DataFrame, day: dt.date) -> pl.DataFrame:
    """``renewals`` with ``grade``: each account's grade as of ``day``. Only the grades of the
    tolerance window before ``day`` can be that grade: the others are left out before the
    join (the backtest asks for eight days among years of daily grades)."""
    keys = renewals.select("account_id", pl.lit(day, dtype=pl.Date).alias("_asked"))
    try:
        first = day - dt.timedelta(days=GRADE_TOLERANCE_DAYS)
    except OverflowError:
        first = dt.date.min
    window = grades.filter(pl.col("day").cast(pl.Date).is_between(first, day))
    return renewals.with_columns(grades_as_of(keys, window, day_column="_asked"))


# -- fiscal quarters ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quarter:
    year: int  # the fiscal year, named by the calendar year it starts in
    number: int  # 1–4
    first: dt.date
    last: dt.date  # inclusive

    @property
    def key(self) -> str:
        """``2026Q1``: how the API and the CSV files name the quarter."""
        return f"{self.year}Q{self.number}"


def quarter_of(day: dt.date, start_month: int) -> Quarter:
    """The fiscal quarter containing ``day`` (fiscal years start in ``start_month``)."""
    number = fiscal_quarter(day, start_month)
    year = fiscal_year(day, start_month)
    first = add_months(dt.date(year, start_month, 1), 3 * (number - 1))
    return Quarter(year, number, first, month_end(add_months(first, 2)))


def quarter_from_key(key: str, start_month: int) -> Quarter:
    """The quarter named ``2026Q1``; ``ValueError`` for anything else."""
    year_text, sep, number_text = key.strip().upper().partition("Q")
    if not sep or not year_text.isdigit() or number_text not in {"1", "2", "3", "4"}:
        raise ValueError(f"not a quarter: {key!r} (expected e.g. 2026Q1)")
    year = int(year_text)
    if not 1 <= year <= 9999:
        raise ValueError(f"not a quarter: {key!r} (year out of range)")
    first = add_months(dt.date(year, start_month, 1), 3 * (int(number_text) - 1))
    return quarter_of(first, start_month)


def quarter_after(quarter: Quarter, start_month: int, steps: int = 1) -> Quarter:
    """The quarter ``steps`` quarters later (earlier when negative)."""
    return quarter_of(add_months(quarter.first, 3 * steps), start_month)


# -- the quarter's forecast ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuarterForecast:
    """One quarter's renewals seen on ``as_of``. Money in minor units; rates are fractions,
    None when no MRR is due in the quarter."""

    quarter: Quarter
    as_of: dt.date
    renewals: int
    closed: int
    open: int
    without_call: int  # open renewals without a CSM call
    mrr_due: int
    mrr_kept_closed: int
    mrr_after_closed: int
    expected_renewals: float  # Σ p over open + renewed closed
    kizuna_grr: float | None
    kizuna_nrr: float | None
    commit_grr: float | None
    commit_nrr: float | None
    likely_grr: float | None  # commit + likely
    likely_nrr: float | None


def _ratio(numerator: float, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def quarter_forecast(
    renewals: pl.DataFrame, calibration: Calibration, quarter: Quarter, *, as_of: dt.date
) -> QuarterForecast:
    """The forecast of the renewals dated in ``quarter`` (inclusive bounds), seen on
    ``as_of``. A renewal dated on or before ``as_of`` with an outcome is *closed* and counts
    with it: kept = min(after, due), after = MRR after. An open one counts

    - for Kizuna: kept ``p·q·due`` and after ``p·(q + e)·due``;
    - for the CSMs' *commit*: ``due`` (kept and after) when called commit, else 0;
      for *commit + likely*: ``due`` when called commit or likely, else 0.

    GRR = Σ kept ÷ Σ due; NRR = Σ after ÷ Σ due, over every renewal of the quarter."""
    rows = renewals.filter(
        pl.col("date").is_between(quarter.first, quarter.last) & (pl.col("mrr_due") > 0)
    )
    is_closed = (pl.col("date") <= as_of) & pl.col("mrr_after").is_not_null()
    rows = predict(calibration, rows).with_columns(is_closed.alias("_closed"))
    closed = rows.filter(pl.col("_closed"))
    still = rows.filter(~pl.col("_closed"))
    due = int(rows["mrr_due"].sum())
    kept_closed = int(closed.select(pl.min_horizontal("mrr_after", "mrr_due").sum()).item() or 0)
    after_closed = int(closed["mrr_after"].sum())
    renewed_closed = int((closed["mrr_after"] > 0).sum())
    share = still.select(
        (pl.col("p") * pl.col("q") * pl.col("mrr_due")).sum().alias("kept"),
        (pl.col("p") * (pl.col("q") + pl.col("e")) * pl.col("mrr_due")).sum().alias("after"),
        pl.col("p").sum().alias("p"),
    ).row(0)
    call = pl.col("call").fill_null("")
    commit_due = int(still.filter(call == COMMIT)["mrr_due"].sum())
    likely_due = int(still.filter(call.is_in([COMMIT, LIKELY]))["mrr_due"].sum())
    return QuarterForecast(
        quarter=quarter,
        as_of=as_of,
        renewals=rows.height,
        closed=closed.height,
        open=still.height,
        without_call=still.filter(call == "").height,
        mrr_due=due,
        mrr_kept_closed=kept_closed,
        mrr_after_closed=after_closed,
        expected_renewals=renewed_closed + float(share[2] or 0.0),
        kizuna_grr=_ratio(kept_closed + float(share[0] or 0.0), due),
        kizuna_nrr=_ratio(after_closed + float(share[1] or 0.0), due),
        commit_grr=_ratio(kept_closed + commit_due, due),
        commit_nrr=_ratio(after_closed + commit_due, due),
        likely_grr=_ratio(kept_closed + likely_due, due),
        likely_nrr=_ratio(after_closed + likely_due, due),
    )

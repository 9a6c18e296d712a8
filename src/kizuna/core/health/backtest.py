"""Backtest: how well did a score, as it was on each day, predict what happened next?

Input: one row per account and **prediction day** ``as_of`` with ``score`` and ``grade`` (as the
model scored the data known on that day; the caller must never compute a row's inputs from
data after its ``as_of`` — ``check_no_leakage`` enforces it when the inputs carry their latest
source date), and the account's outcome dates ``churn_on`` / ``expansion_on`` (null: did not
happen) — or a ready 0/1 ``label`` for external tables.

- **Label** of a row for horizon *h* days: the outcome happened in (as_of, as_of + h]. A row
  whose account had already churned on or before ``as_of`` is dropped (it was not a customer to
  predict for).
- **AUC** (churn): the probability that a row that went on to churn has a *lower* score than
  one that did not (ties count half), i.e. ROC AUC of −score; 0.5 is chance, 1 perfect. For
  expansion, of a *higher* score. None when either class is empty.
- **Churn rate per grade**: labelled rows of the grade ÷ rows of the grade (None if none).
- **Lift of the worst grade**: the churn rate of the lowest grade that has rows ÷ the overall
  churn rate (None when the overall rate is 0).
- **Lead time**: for each account that churned, the days from the first day of its last
  uninterrupted run of red rows before the churn, to the churn (0 when not red before it;
  accounts not red on their last row before churning count as "not warned").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import numpy as np
import polars as pl
from sklearn.metrics import roc_auc_score, roc_curve

from kizuna.core.health.inputs import VOC_INPUTS
from kizuna.core.health.model import Component, ScoreModel, score


@dataclass(frozen=True, slots=True)
class GradeRate:
    grade: int
    rows: int
    positives: int
    rate: float | None


@dataclass(frozen=True, slots=True)
class BacktestResult:
    horizon_days: int
    rows: int
    positives: int
    base_rate: float | None
    auc: float | None
    by_grade: tuple[GradeRate, ...]
    worst_grade_lift: float | None
    roc: tuple[tuple[float, float], ...]  # (false positive rate, true positive rate)
    lead_days: tuple[int, ...] = ()  # per churned account warned in red
    not_warned: int = 0
    expansion_auc: float | None = None


def labelled(
    samples: pl.DataFrame, *, horizon_days: int, outcome: str = "churn_on"
) -> pl.DataFrame:
    """``samples`` with ``label`` (0/1) for the outcome column within the horizon, rows of
    accounts already churned on or before their ``as_of`` dropped."""
    if "label" in samples.columns and outcome not in samples.columns:
        return samples.with_columns(pl.col("label").cast(pl.Int8))
    end = pl.col("as_of") + pl.duration(days=horizon_days)
    alive = (
        pl.col("churn_on").is_null() | (pl.col("churn_on") > pl.col("as_of"))
        if "churn_on" in samples.columns
        else pl.lit(True)
    )
    happened = (
        pl.col(outcome).is_not_null()
        & (pl.col(outcome) > pl.col("as_of"))
        & (pl.col(outcome) <= end)
    )
    return samples.filter(alive).with_columns(happened.cast(pl.Int8).alias("label"))


def auc(
    scores: np.ndarray[Any, Any], labels: np.ndarray[Any, Any], *, higher_is_positive: bool
) -> float | None:
    """ROC AUC (ties count half); None with a single class."""
    if labels.size == 0 or labels.min() == labels.max():
        return None
    values = scores if higher_is_positive else -scores
    return float(roc_auc_score(labels, values))


def backtest(samples: pl.DataFrame, *, horizon_days: int) -> BacktestResult:
    """Churn metrics of ``samples`` (see the module docstring) for one horizon."""
    rows = labelled(samples, horizon_days=horizon_days).filter(pl.col("score").is_not_null())
    n = rows.height
    labels = rows["label"].to_numpy().astype(np.int8) if n else np.array([], dtype=np.int8)
    scores = rows["score"].to_numpy().astype(float) if n else np.array([], dtype=float)
    positives = int(labels.sum()) if n else 0
    base = positives / n if n else None
    area = auc(scores, labels, higher_is_positive=False)
    roc: tuple[tuple[float, float], ...] = ()
    if area is not None:
        fpr, tpr, _ = roc_curve(labels, -scores)
        roc = tuple((float(a), float(b)) for a, b in zip(fpr, tpr, strict=True))
    grades = _by_grade(rows)
    worst = next((g for g in grades if g.rows), None)
    lift = worst.rate / base if worst and worst.rate is not None and base else None
    lead, not_warned = _lead_times(samples) if "churn_on" in samples.columns else ((), 0)
    expansion = None
    if "expansion_on" in samples.columns:
        exp_rows = labelled(samples, horizon_days=horizon_days, outcome="expansion_on").filter(
            pl.col("score").is_not_null()
        )
        expansion = auc(
            exp_rows["score"].to_numpy().astype(float),
            exp_rows["label"].to_numpy().astype(np.int8),
            higher_is_positive=True,
        )
    return BacktestResult(
        horizon_days, n, positives, base, area, grades, lift, roc, lead, not_warned, expansion
    )


def _by_grade(rows: pl.DataFrame) -> tuple[GradeRate, ...]:
    counts = (
        rows.group_by("grade").agg(pl.len().alias("rows"), pl.col("label").sum().alias("pos"))
        if rows.height
        else pl.DataFrame(schema={"grade": pl.Int8, "rows": pl.UInt32, "pos": pl.Int64})
    )
    found = {int(g): (int(r), int(p)) for g, r, p in counts.iter_rows() if g is not None}
    return tuple(
        GradeRate(g, *found.get(g, (0, 0)), found[g][1] / found[g][0] if g in found else None)
        for g in range(1, 6)
    )


def _lead_times(samples: pl.DataFrame) -> tuple[tuple[int, ...], int]:
    churned = samples.filter(
        pl.col("churn_on").is_not_null() & (pl.col("as_of") < pl.col("churn_on"))
    ).sort("account_id", "as_of")
    leads: list[int] = []
    not_warned = 0
    for _key, group in churned.group_by("account_id", maintain_order=True):
        days = group["as_of"].to_list()
        red = [r == "red" for r in group["rag"].to_list()]
        churn_on: date = group["churn_on"][0]
        if not red or not red[-1]:
            not_warned += 1
            continue
        start = len(red) - 1
        while start > 0 and red[start - 1]:
            start -= 1
        leads.append((churn_on - days[start]).days)
    return tuple(leads), not_warned


def check_no_leakage(samples: pl.DataFrame, *, known_column: str = "data_until") -> None:
    """Raise if any row's inputs come from after its prediction day."""
    if known_column not in samples.columns:
        return
    late = samples.filter(pl.col(known_column) > pl.col("as_of"))
    if late.height:
        raise ValueError(f"{late.height} rows use data from after their prediction day (leakage)")


def prediction_days(first: date, last: date, *, every_days: int = 7) -> list[date]:
    """Prediction days from ``first`` to ``last`` inclusive, every ``every_days`` days."""
    days, day = [], first
    while day <= last:
        days.append(day)
        day += timedelta(days=every_days)
    return days


VocVerdict = Literal["improves", "does_not_improve", "not_enough_data"]


@dataclass(frozen=True, slots=True)
class VocEffect:
    """Whether the survey components make the score predict churn better (``voc_effect``)."""

    horizon_days: int
    rows: int  # labelled rows both models scored
    positives: int
    accounts_answered: int  # accounts with a survey input on at least one of those rows
    auc_with: float | None
    auc_without: float | None
    verdict: VocVerdict


def voc_models(
    model: ScoreModel, voc_components: Sequence[Component]
) -> tuple[ScoreModel, ScoreModel | None]:
    """The model with its survey components and without them. A model that has none gets
    ``voc_components`` (those whose key it does not use); one with nothing but survey
    components has no "without" (None)."""
    own = [c for c in model.components if c.input in VOC_INPUTS]
    others = tuple(c for c in model.components if c.input not in VOC_INPUTS)
    keys = {c.key for c in model.components}
    added = () if own else tuple(c for c in voc_components if c.key not in keys)
    with_voc = dataclasses.replace(model, components=model.components + added)
    if not others or not sum(c.weight for c in others) > 0:
        return with_voc, None
    return with_voc, dataclasses.replace(model, components=others)


def voc_effect(
    samples: pl.DataFrame,
    model: ScoreModel,
    *,
    horizon_days: int,
    voc_components: Sequence[Component] = (),
    min_accounts: int = 5,
) -> VocEffect:
    """AUC (churn within ``horizon_days``) of ``model`` with and without its survey components
    (``voc_models``) on the same rows: ``samples`` are input rows (``nps_last``, ``csat_mean``
    and the model's other inputs) with ``churn_on``, labelled as ``backtest`` labels them; a
    row counts when both models give it a score.

    Verdict: ``not_enough_data`` when fewer than ``min_accounts`` accounts had a survey input
    on a counted row, when either AUC is undefined (one class only, no rows) or there is no
    model without the survey components; else ``improves`` when the AUC with them, rounded to
    three places as shown, is above the one without, ``does_not_improve`` otherwise."""
    with_voc, without = voc_models(model, voc_components)
    rows = labelled(samples, horizon_days=horizon_days)
    if without is None:
        return VocEffect(horizon_days, 0, 0, 0, None, None, "not_enough_data")
    for name in VOC_INPUTS:
        if name not in rows.columns:
            rows = rows.with_columns(pl.lit(None, dtype=pl.Float64).alias(name))
    both = (
        rows.with_columns(
            score(rows, with_voc)["score"].alias("score_with"),
            score(rows, without)["score"].alias("score_without"),
        )
        .filter(pl.col("score_with").is_not_null() & pl.col("score_without").is_not_null())
        .select("account_id", "label", "score_with", "score_without", *sorted(VOC_INPUTS))
    )
    labels = both["label"].to_numpy().astype(np.int8)
    answered = both.filter(pl.any_horizontal(pl.col(n).is_not_null() for n in VOC_INPUTS))
    accounts = answered["account_id"].n_unique()
    area_with = auc(both["score_with"].to_numpy().astype(float), labels, higher_is_positive=False)
    area_without = auc(
        both["score_without"].to_numpy().astype(float), labels, higher_is_positive=False
    )
    verdict: VocVerdict
    if accounts < max(min_accounts, 1) or area_with is None or area_without is None:
        verdict = "not_enough_data"
    elif round(area_with, 3) > round(area_without, 3):
        verdict = "improves"
    else:
        verdict = "does_not_improve"
    return VocEffect(
        horizon_days, both.height, int(labels.sum()), accounts, area_with, area_without, verdict
    )

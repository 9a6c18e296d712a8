"""Backtest metrics on constructed data with known answers; leakage guards; suggestions."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from kizuna.core.health.backtest import backtest, check_no_leakage, labelled
from kizuna.core.health.model import Component, ScoreModel, score
from kizuna.core.health.suggest import suggest_weights

D = dt.date


def _samples(rows: list[tuple[int, dt.date, float, int, str, dt.date | None]]) -> pl.DataFrame:
    return pl.DataFrame(
        rows,
        schema={
            "account_id": pl.Int64,
            "as_of": pl.Date,
            "score": pl.Float64,
            "grade": pl.Int8,
            "rag": pl.String,
            "churn_on": pl.Date,
        },
        orient="row",
    )


def test_labels_use_the_horizon_after_the_prediction_day_only() -> None:
    samples = _samples(
        [
            (
                1,
                D(2026, 1, 1),
                10,
                1,
                "red",
                D(2026, 4, 1),
            ),  # 90 days later: inside (as_of, as_of + 90]
            (2, D(2026, 1, 1), 10, 1, "red", D(2026, 4, 2)),  # 91 days: outside
            (
                3,
                D(2026, 1, 1),
                10,
                1,
                "red",
                D(2026, 1, 1),
            ),  # churned that day: not a customer, dropped
            (4, D(2026, 1, 1), 10, 1, "red", None),
        ]
    )
    result = labelled(samples, horizon_days=90)
    assert result.select("account_id", "label").rows() == [(1, 1), (2, 0), (4, 0)]


def test_auc_and_churn_by_grade_on_a_constructed_set() -> None:
    # given: 4 churners scored 10, 20, 30, 70 and 4 stayers scored 40, 50, 60, 80.
    # Pairs (churner lower than stayer): 10 → 4, 20 → 4, 30 → 4, 70 → 1 = 13 of 16 → AUC 0.8125
    churn = D(2026, 2, 1)
    rows = [
        (1, D(2026, 1, 1), 10, 1, "red", churn),
        (2, D(2026, 1, 1), 20, 2, "red", churn),
        (3, D(2026, 1, 1), 30, 2, "red", churn),
        (4, D(2026, 1, 1), 70, 4, "green", churn),
        (5, D(2026, 1, 1), 40, 3, "yellow", None),
        (6, D(2026, 1, 1), 50, 3, "yellow", None),
        (7, D(2026, 1, 1), 60, 4, "yellow", None),
        (8, D(2026, 1, 1), 80, 5, "green", None),
    ]
    result = backtest(_samples(rows), horizon_days=90)
    assert result.auc == pytest.approx(0.8125, abs=1e-12)
    assert (result.rows, result.positives, result.base_rate) == (8, 4, 0.5)
    assert [(g.grade, g.rows, g.positives, g.rate) for g in result.by_grade] == [
        (1, 1, 1, 1.0),
        (2, 2, 2, 1.0),
        (3, 2, 0, 0.0),
        (4, 2, 1, 0.5),
        (5, 1, 0, 0.0),
    ]
    assert result.worst_grade_lift == 2.0
    assert result.roc[0] == (0.0, 0.0) and result.roc[-1] == (1.0, 1.0)


def test_ties_count_half_and_one_class_is_undefined() -> None:
    tied = _samples(
        [
            (1, D(2026, 1, 1), 50, 3, "yellow", D(2026, 2, 1)),
            (2, D(2026, 1, 1), 50, 3, "yellow", None),
        ]
    )
    assert backtest(tied, horizon_days=90).auc == 0.5
    nobody = _samples([(1, D(2026, 1, 1), 50, 3, "yellow", None)])
    result = backtest(nobody, horizon_days=90)
    assert (result.auc, result.base_rate, result.worst_grade_lift) == (None, 0.0, None)
    empty = backtest(_samples([]), horizon_days=90)
    assert (empty.rows, empty.auc, empty.base_rate) == (0, None, None)


def test_lead_time_counts_from_the_start_of_the_last_red_run() -> None:
    churn = D(2026, 3, 1)
    rows = [
        (1, D(2026, 1, 1), 30, 2, "red", churn),
        (1, D(2026, 1, 8), 50, 3, "yellow", churn),
        (1, D(2026, 1, 15), 30, 2, "red", churn),  # the last red run starts here: 45 days before
        (1, D(2026, 1, 22), 25, 2, "red", churn),
        (2, D(2026, 1, 1), 30, 2, "red", churn),
        (2, D(2026, 1, 8), 60, 4, "yellow", churn),  # not red on its last row: not warned
    ]
    result = backtest(_samples(rows), horizon_days=90)
    assert (result.lead_days, result.not_warned) == ((45,), 1)


def test_rows_using_later_data_are_refused() -> None:
    samples = _samples([(1, D(2026, 1, 1), 30, 2, "red", None)]).with_columns(
        pl.lit(D(2026, 1, 2)).alias("data_until")
    )
    with pytest.raises(ValueError, match="leakage"):
        check_no_leakage(samples)
    check_no_leakage(samples.with_columns(pl.lit(D(2026, 1, 1)).alias("data_until")))


def test_suggested_weights_favour_the_component_that_predicts_churn() -> None:
    # given: churn driven by usage only; touch is noise
    rng = np.random.default_rng(7)
    n = 2000
    usage = rng.uniform(0, 1, n)
    touch = rng.uniform(0, 1, n)
    label = (rng.uniform(0, 1, n) < 0.6 * (1 - usage) ** 2).astype(int)
    model = ScoreModel(
        (Component("usage", "u", "linear", 0, 1, 50), Component("touch", "t", "linear", 0, 1, 50))
    )
    rows = score(pl.DataFrame({"u": usage, "t": touch}), model).with_columns(
        pl.Series("label", label)
    )
    # when
    suggestion = suggest_weights(rows, model)
    # then
    assert suggestion is not None
    assert suggestion.weights["usage"] > 85
    assert suggestion.coefficients["usage"] < 0
    assert suggestion.cv_auc is not None and suggestion.cv_auc > 0.7
    assert suggest_weights(rows.head(15), model) is None


def test_suggested_weights_do_not_depend_on_the_order_of_the_rows() -> None:
    # given: the same rows in two orders (a query or a group-by gives no order)
    rng = np.random.default_rng(11)
    n = 600
    usage = rng.uniform(0, 1, n)
    touch = rng.uniform(0, 1, n)
    label = (rng.uniform(0, 1, n) < 0.5 * (1 - usage)).astype(int)
    model = ScoreModel(
        (Component("usage", "u", "linear", 0, 1, 50), Component("touch", "t", "linear", 0, 1, 50))
    )
    rows = score(pl.DataFrame({"u": usage, "t": touch}), model).with_columns(
        pl.Series("label", label)
    )
    shuffled = rows.sample(fraction=1.0, shuffle=True, seed=3)
    # when
    first, second = suggest_weights(rows, model), suggest_weights(shuffled, model)
    # then: the same cross-validated AUC and weights, to the last digit
    assert first is not None and second is not None
    assert (first.cv_auc, first.weights) == (second.cv_auc, second.weights)

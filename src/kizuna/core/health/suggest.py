"""Suggested weights: a regularised logistic regression of churn on the components' values.

The model's normalised component values (0–1; a missing value is filled with the column's
mean) predict the churn label of each backtest row. ``LogisticRegressionCV`` (L2, 5-fold
cross-validation on ROC AUC, balanced classes, standardised inputs) picks the regularisation;
a component whose higher value lowers the odds of churn gets a weight proportional to that
effect (−coefficient); a component that does not protect (coefficient ≥ 0) gets 0. Weights
are scaled to sum to 100. The suggestion is shown beside the hand-set model and never replaces
it by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from kizuna.core.health.model import ScoreModel


@dataclass(frozen=True, slots=True)
class Suggestion:
    weights: dict[str, float]  # component key → suggested weight (sum 100)
    coefficients: dict[str, float]  # standardised log-odds per unit, negative = protects
    cv_auc: float | None
    rows: int
    positives: int


def suggest_weights(rows: pl.DataFrame, model: ScoreModel, *, seed: int = 0) -> Suggestion | None:
    """Fit on ``rows`` (``value_<key>`` columns from ``score`` and a 0/1 ``label``); None when
    there are fewer than 10 rows of either class. The order of ``rows`` does not matter."""
    columns = [f"value_{c.key}" for c in model.components]
    data = (
        rows.select(*columns, "label")
        .with_columns(pl.col(c).fill_null(pl.col(c).mean()).fill_null(0.0) for c in columns)
        # the folds are taken in row order: sorted, the same rows give the same fit and AUC
        # whatever order a query or a group-by returned them in
        .sort([*columns, "label"])
    )
    y = data["label"].to_numpy().astype(int)
    positives = int(y.sum())
    if positives < 10 or y.size - positives < 10:
        return None
    x = data.select(columns).to_numpy().astype(float)
    fit = make_pipeline(
        StandardScaler(),
        LogisticRegressionCV(
            Cs=10,
            cv=5,
            l1_ratios=(0.0,),  # plain L2
            use_legacy_attributes=False,
            scoring="roc_auc",
            class_weight="balanced",
            max_iter=2000,
            random_state=seed,
        ),
    ).fit(x, y)
    regression: LogisticRegressionCV = fit[-1]
    coefficients = regression.coef_[0]
    protective = np.clip(-coefficients, 0.0, None)
    total = float(protective.sum())
    weights = {
        c.key: round(100.0 * float(p) / total, 1) if total > 0 else 0.0
        for c, p in zip(model.components, protective, strict=True)
    }
    scores = regression.scores_.mean(axis=0).ravel()  # (folds, l1 ratios, Cs) → mean per C
    return Suggestion(
        weights,
        {c.key: float(v) for c, v in zip(model.components, coefficients, strict=True)},
        float(scores.max()) if scores.size else None,
        int(y.size),
        positives,
    )

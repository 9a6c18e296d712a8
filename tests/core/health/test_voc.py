"""Survey answers as score inputs, and whether they improve the backtest's AUC."""

from __future__ import annotations

import datetime as dt

import polars as pl

from kizuna.core.health.backtest import VocEffect, voc_effect, voc_models
from kizuna.core.health.inputs import SCHEMAS, empty, inputs_on
from kizuna.core.health.model import Component, ScoreModel, score

D = dt.date
DAY = D(2026, 3, 31)
LINES = pl.DataFrame(
    [(1, D(2025, 1, 1), None, 5, "expense"), (2, D(2025, 1, 1), None, 5, "expense")],
    schema=SCHEMAS["lines"],
    orient="row",
)
NO_DATA = {name: empty(name) for name in SCHEMAS if name not in ("lines", "answers")}
NPS = Component("nps", "nps_last", "linear", 4, 9, 10)
SENTIMENT_MODEL = ScoreModel((Component("sentiment", "sentiment", "linear", 1, 5, 50),))


def _answers(rows: list[tuple[object, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMAS["answers"], orient="row")


def _inputs(answers: pl.DataFrame | None, day: dt.date = DAY) -> dict[int, dict[str, object]]:
    frame = inputs_on(day, lines=LINES, answers=answers, **NO_DATA)
    return {row["account_id"]: row for row in frame.iter_rows(named=True)}


def test_it_reads_the_latest_nps_day_and_the_mean_csat_of_the_window() -> None:
    # given answers of account 1 before, on and after the day, and none of account 2
    answers = _answers(
        [
            (1, D(2026, 2, 1), "nps", 10),  # an earlier NPS day: not the latest
            (1, D(2026, 3, 1), "nps", 3),  # two contacts on the latest day: their mean
            (1, D(2026, 3, 1), "nps", 6),
            (1, D(2026, 4, 1), "nps", 0),  # after the day: never read (the leakage guard)
            (1, D(2026, 3, 2), "csat", 4),
            (1, D(2026, 3, 3), "csat", 5),
            (1, D(2025, 3, 31), "csat", 1),  # 365 days before: outside (d − 365, d]
            (1, D(2025, 4, 1), "csat", 3),  # 364 days before: inside
        ]
    )
    # when the inputs of the day are computed
    rows = _inputs(answers)
    # then
    assert rows[1]["nps_last"] == 4.5
    assert rows[1]["csat_mean"] == 4.0  # (4 + 5 + 3) ÷ 3
    assert rows[1]["voc_answers"] == 6
    assert rows[1]["data_until"] == D(2026, 3, 3)  # the latest answer read, not 1 April
    assert rows[2]["nps_last"] is None and rows[2]["csat_mean"] is None
    assert rows[2]["voc_answers"] == 0


def test_null_scores_out_of_range_scores_and_far_dates_are_not_answers() -> None:
    answers = _answers(
        [
            (1, D(2026, 3, 1), "nps", None),
            (1, D(2026, 3, 1), "nps", 11),
            (1, D(2026, 3, 1), "nps", -1),
            (1, D(2026, 3, 1), "csat", 0),
            (1, D(2026, 3, 1), "csat", 6),
            (1, D(2026, 3, 1), "ces", 5),
            (1, D(1, 1, 1), "nps", 2),
            (1, D(9999, 12, 31), "nps", 2),
            (1, D(2026, 3, 30), "csat", 2),
        ]
    )
    rows = _inputs(answers)
    assert rows[1]["nps_last"] is None
    assert rows[1]["csat_mean"] == 2.0
    assert rows[1]["voc_answers"] == 1
    assert rows[1]["data_until"] == D(2026, 3, 30)


def test_without_answers_the_inputs_are_null_and_the_score_does_not_change() -> None:
    # given a model with an NPS component, and no answers at all
    rows = inputs_on(DAY, lines=LINES, **NO_DATA).with_columns(pl.lit(3.0).alias("sentiment"))
    with_nps = ScoreModel((*SENTIMENT_MODEL.components, NPS))

    # then its scores are those of the model without it (the weights are rescaled)
    assert score(rows, with_nps)["score"].to_list() == [50.0, 50.0]
    assert score(rows, SENTIMENT_MODEL)["score"].to_list() == [50.0, 50.0]


def _samples(nps: dict[int, float | None], churners: set[int]) -> pl.DataFrame:
    """One row per account on DAY, the same sentiment for all; churners churn 30 days later."""
    return pl.DataFrame(
        {
            "account_id": list(nps),
            "as_of": [DAY] * len(nps),
            "sentiment": [3.0] * len(nps),
            "nps_last": list(nps.values()),
            "csat_mean": [None] * len(nps),
            "churn_on": [DAY + dt.timedelta(days=30) if a in churners else None for a in nps],
        },
        schema={
            "account_id": pl.Int64,
            "as_of": pl.Date,
            "sentiment": pl.Float64,
            "nps_last": pl.Float64,
            "csat_mean": pl.Float64,
            "churn_on": pl.Date,
        },
    )


def test_nps_that_separates_the_churners_improves_the_auc() -> None:
    # given churners who gave 2, 3, 5 and stayers who gave 8, 9, 10, alike otherwise
    samples = _samples({1: 2, 2: 3, 3: 5, 4: 8, 5: 9, 6: 10}, churners={1, 2, 3})
    # when the model without NPS is measured with the default NPS component added
    effect = voc_effect(samples, SENTIMENT_MODEL, horizon_days=90, voc_components=[NPS])
    # then sentiment alone ties every row (0.5) and NPS orders them all (1.0)
    assert effect == VocEffect(90, 6, 3, 6, 1.0, 0.5, "improves")


def test_nps_that_does_not_separate_them_does_not_improve_it() -> None:
    samples = _samples({1: 9, 2: 10, 3: 8, 4: 2, 5: 3, 6: 5}, churners={1, 2, 3})
    effect = voc_effect(samples, SENTIMENT_MODEL, horizon_days=90, voc_components=[NPS])
    assert (effect.auc_with, effect.auc_without, effect.verdict) == (
        0.0,
        0.5,
        "does_not_improve",
    )


def test_no_answers_few_answers_no_rows_and_one_class_are_not_enough_data() -> None:
    # no answer at all: both models score alike, no verdict
    none = voc_effect(
        _samples({1: None, 2: None, 3: None, 4: None, 5: None, 6: None}, churners={1}),
        SENTIMENT_MODEL,
        horizon_days=90,
        voc_components=[NPS],
    )
    assert none == VocEffect(90, 6, 1, 0, 0.5, 0.5, "not_enough_data")
    # four accounts answered, five needed
    few = voc_effect(
        _samples({1: 2, 2: 3, 3: 9, 4: 10, 5: None}, churners={1, 2}),
        SENTIMENT_MODEL,
        horizon_days=90,
        voc_components=[NPS],
    )
    assert (few.accounts_answered, few.verdict) == (4, "not_enough_data")
    # still computed and shown: churners 41.7, 41.7; stayers 58.4, 58.4 and 50 (no answer)
    assert few.auc_with == 1.0 and few.auc_without == 0.5
    # no rows at all (a zero denominator everywhere)
    empty_rows = voc_effect(
        _samples({}, churners=set()), SENTIMENT_MODEL, horizon_days=90, voc_components=[NPS]
    )
    assert empty_rows == VocEffect(90, 0, 0, 0, None, None, "not_enough_data")
    # nobody churned: the AUC is undefined
    stayed = voc_effect(
        _samples({1: 2, 2: 3, 3: 5, 4: 8, 5: 9, 6: 10}, churners=set()),
        SENTIMENT_MODEL,
        horizon_days=90,
        voc_components=[NPS],
    )
    assert (stayed.auc_with, stayed.verdict) == (None, "not_enough_data")


def test_a_model_with_its_own_survey_components_is_compared_without_them() -> None:
    own = Component("loyalty", "nps_last", "thresholds", 7, 9, 30)
    model = ScoreModel((*SENTIMENT_MODEL.components, own))
    with_voc, without = voc_models(model, [NPS])
    assert with_voc == model  # the default NPS component is not added to a model that has one
    assert without == SENTIMENT_MODEL
    only_nps = ScoreModel((NPS,))
    assert voc_models(only_nps, [NPS]) == (only_nps, None)
    effect = voc_effect(
        _samples({1: 2, 2: 3, 3: 5, 4: 8, 5: 9, 6: 10}, churners={1}),
        only_nps,
        horizon_days=90,
    )
    assert effect == VocEffect(90, 0, 0, 0, None, None, "not_enough_data")

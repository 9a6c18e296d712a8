"""Scoring: normalisations, weights, missing inputs, the red override, grades, explanations."""

from __future__ import annotations

import polars as pl
import pytest

from kizuna.core.health.model import Component, ScoreModel, score

MODEL = ScoreModel(
    (
        Component("usage", "active_user_ratio", "linear", 0.2, 0.8, 40),
        Component("touch", "days_since_touch", "linear", 90, 14, 20),
        Component("nps", "nps", "thresholds", 7, 9, 20),
        Component("onboarding", "onboarding_ok", "thresholds", 0.5, 1, 20, red_forces_red=True),
    )
)


def _score(**inputs: list[float | None]) -> pl.DataFrame:
    return score(pl.DataFrame(inputs, schema={k: pl.Float64 for k in inputs}), MODEL)


def test_it_scores_with_linear_and_threshold_normalisations() -> None:
    # usage 0.5 → (0.5 − 0.2) / 0.6 = 0.5 → 20 points; touch 52 days → (52 − 90) / (14 − 90) = 0.5
    # → 10; NPS 8 → yellow 0.5 → 10; onboarding ok → 20
    result = _score(active_user_ratio=[0.5], days_since_touch=[52], nps=[8], onboarding_ok=[1])
    row = result.row(0, named=True)
    assert (
        row["points_usage"],
        row["points_touch"],
        row["points_nps"],
        row["points_onboarding"],
    ) == (
        20.0,
        10.0,
        10.0,
        20.0,
    )
    assert (row["score"], row["rag"], row["grade"], row["forced_red"]) == (60.0, "yellow", 4, False)


def test_values_are_clipped_and_less_can_be_better() -> None:
    result = _score(
        active_user_ratio=[1.5, -1], days_since_touch=[3, 400], nps=[10, 0], onboarding_ok=[1, 1]
    )
    assert result["value_usage"].to_list() == [1.0, 0.0]
    assert result["value_touch"].to_list() == [1.0, 0.0]
    assert result["score"].to_list() == [100.0, 20.0]
    assert result["grade"].to_list() == [5, 2]
    assert result["rag"].to_list() == ["green", "red"]


def test_a_missing_input_is_left_out_and_the_weights_scale_up() -> None:
    # no NPS: the other weights 40 / 20 / 20 of 80 → usage 0.5 × 50 = 25, touch 0.5 × 25 = 12.5
    result = _score(active_user_ratio=[0.5], days_since_touch=[52], nps=[None], onboarding_ok=[1])
    row = result.row(0, named=True)
    assert (
        row["points_usage"],
        row["points_touch"],
        row["points_nps"],
        row["points_onboarding"],
    ) == (
        25.0,
        12.5,
        None,
        25.0,
    )
    assert row["score"] == 62.5
    nothing = _score(
        active_user_ratio=[None], days_since_touch=[None], nps=[None], onboarding_ok=[None]
    )
    assert nothing.select("score", "rag", "grade").row(0) == (None, None, None)


def test_a_red_component_marked_so_makes_the_whole_account_red() -> None:
    # everything else perfect (80 points), onboarding failed (0): score 80, but red and grade ≤ 2
    result = _score(active_user_ratio=[0.9], days_since_touch=[1], nps=[10], onboarding_ok=[0])
    assert result.select("score", "rag", "grade", "forced_red").row(0) == (80.0, "red", 2, True)


def test_the_explanation_adds_up_to_the_score() -> None:
    result = _score(
        active_user_ratio=[0.33, 0.71, 0.47],
        days_since_touch=[17, 61, 33],
        nps=[6, 9, None],
        onboarding_ok=[1, 0.7, 1],
    )
    for row in result.iter_rows(named=True):
        parts = [row[f"points_{c.key}"] or 0 for c in MODEL.components]
        assert round(sum(parts), 1) == row["score"]


@pytest.mark.parametrize(
    ("value", "grade"),
    [(19.9, 1), (20, 2), (39.9, 2), (40, 3), (59.9, 3), (60, 4), (79.9, 4), (80, 5)],
)
def test_grade_boundaries(value: float, grade: int) -> None:
    model = ScoreModel((Component("x", "x", "linear", 0, 100, 1),))
    assert score(pl.DataFrame({"x": [value]}), model)["grade"].to_list() == [grade]


def test_a_model_round_trips_and_refuses_bad_data() -> None:
    assert ScoreModel.from_dict(MODEL.to_dict()) == MODEL
    with pytest.raises(ValueError, match="negative"):
        Component("x", "x", "linear", 0, 1, -1)
    with pytest.raises(ValueError, match="not a score model"):
        ScoreModel.from_dict({"components": [{"key": "x"}]})
    with pytest.raises(ValueError, match="missing input"):
        score(pl.DataFrame({"y": [1.0]}), MODEL)


def test_a_half_rounds_the_same_in_a_frame_of_one_row_or_many() -> None:
    # (0.1875 − 0.1) / 0.4 = 0.21875 → × 40 = 8.75 points: one row or a thousand, the same
    model = ScoreModel(
        (Component("u", "u", "linear", 0.1, 0.5, 40), Component("x", "x", "linear", 0, 1, 60))
    )
    one = score(pl.DataFrame({"u": [0.1875], "x": [0.0]}), model)["points_u"][0]
    many = (
        score(pl.DataFrame({"u": [0.1875] * 1000, "x": [0.0] * 1000}), model)["points_u"]
        .unique()
        .to_list()
    )
    assert [one] == many

"""The explanation of a score: effective maxima after rescaling, missing inputs, zero weights."""

from __future__ import annotations

import random

import pytest

from kizuna.core.health.explain import explain
from kizuna.core.health.model import Component, ScoreModel

# the published adoption model's weights: 30 / 25 / 20 / 10 / 15
ADOPTION = ScoreModel(
    (
        Component("active_users", "active_user_ratio", "linear", 0.1, 0.5, 30),
        Component("adoption", "feature_adoption", "linear", 0.2, 0.9, 25),
        Component("trend", "usage_trend", "linear", 0.5, 1.0, 20),
        Component("touch", "days_since_touch", "linear", 120, 14, 10),
        Component("sentiment", "sentiment", "thresholds", 2.5, 3.5, 15, red_forces_red=True),
    )
)
HALF = {
    "active_user_ratio": 0.3,
    "feature_adoption": 0.55,
    "usage_trend": 0.75,
    "days_since_touch": 67,
    "sentiment": 3,
}


def _table(inputs: dict[str, float | int | None]) -> list[tuple[str, float | None, float | None]]:
    return [(p.key, p.points, p.max_points) for p in explain(ADOPTION, inputs).parts]


def test_with_every_input_the_maxima_are_the_weights() -> None:
    # given every input at half its range, when explained
    result = explain(ADOPTION, HALF)
    # then each part scores half of its weight, out of its weight
    assert _table(HALF) == [
        ("active_users", 15.0, 30.0),
        ("adoption", 12.5, 25.0),
        ("trend", 10.0, 20.0),
        ("touch", 5.0, 10.0),
        ("sentiment", 7.5, 15.0),
    ]
    assert (result.score, result.missing_inputs, result.rescaled) == (50.0, (), False)


def test_one_missing_input_scales_the_maxima_up_and_is_named() -> None:
    # given no sentiment (weight 15 of 100) and active users ÷ seats at 0.45 (value 0.875)
    inputs = {**HALF, "active_user_ratio": 0.45, "sentiment": None}
    # when explained
    result = explain(ADOPTION, inputs)
    # then the maxima are 100 × w ÷ 85, the points stay within them (30.9 of 35.3, not of 30)
    assert _table(inputs) == [
        ("active_users", 30.9, 35.3),
        ("adoption", 14.7, 29.4),
        ("trend", 11.8, 23.5),
        ("touch", 5.9, 11.8),
        ("sentiment", None, None),
    ]
    assert [p.nominal_max for p in result.parts] == [30.0, 25.0, 20.0, 10.0, 15.0]
    assert result.score == 63.3  # 30.9 + 14.7 + 11.8 + 5.9
    assert result.missing_inputs == ("sentiment",)
    assert result.rescaled is True
    assert result.parts[-1].missing is True


def test_every_input_missing_gives_no_score_and_no_maximum() -> None:
    result = explain(ADOPTION, {})
    assert result.score is None
    assert all(p.points is None and p.max_points is None and p.missing for p in result.parts)
    assert result.missing_inputs == (
        "active_user_ratio",
        "feature_adoption",
        "usage_trend",
        "days_since_touch",
        "sentiment",
    )


def test_zero_weights_have_a_zero_maximum_and_weigh_nothing() -> None:
    model = ScoreModel(
        (
            Component("free", "a", "linear", 0, 1, 0),
            Component("b", "b", "linear", 0, 1, 50),
            Component("c", "c", "linear", 0, 1, 50),
        )
    )
    # given b missing: c takes the whole 100, the weight-0 component scores 0 of 0
    result = explain(model, {"a": 1.0, "b": None, "c": 0.25})
    assert [(p.key, p.points, p.max_points) for p in result.parts] == [
        ("free", 0.0, 0.0),
        ("b", None, None),
        ("c", 25.0, 100.0),
    ]
    assert (result.score, result.missing_inputs) == (25.0, ("b",))
    # given only the weight-0 input: nothing with weight has data, so there is no score
    only_free = explain(model, {"a": 1.0})
    assert only_free.score is None
    assert [p.points for p in only_free.parts] == [None, None, None]
    assert [p.max_points for p in only_free.parts] == [None, None, None]
    assert only_free.rescaled is False


@pytest.mark.parametrize("seed", range(5))
def test_parts_add_up_to_the_score_and_never_exceed_their_maximum(seed: int) -> None:
    # given random inputs, each missing one time in four, including extreme values
    rng = random.Random(seed)
    extremes = [0.0, 1e-12, 1e12, -1e12]
    for _ in range(200):
        inputs: dict[str, float | int | None] = {
            name: None
            if rng.random() < 0.25
            else rng.choice(extremes)
            if rng.random() < 0.1
            else rng.uniform(-1, 400)
            for name in ADOPTION.inputs
        }
        # when explained
        result = explain(ADOPTION, inputs)
        present = [p for p in result.parts if p.points is not None]
        # then the parts add up to the score, each within its shown maximum
        if result.score is None:
            assert not present
            continue
        assert round(sum(p.points or 0 for p in present), 1) == result.score
        assert all(p.points is not None and p.max_points is not None for p in present)
        assert all(0 <= (p.points or 0) <= (p.max_points or 0) for p in present)
        assert abs(sum(p.max_points or 0 for p in present) - 100) <= 0.05 * len(present)

"""The NPS category of one score: promoter 9–10, passive 7–8, detractor 0–6."""

from __future__ import annotations

import pytest

from kizuna.core.voc.categories import nps_category


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_it_puts_each_score_in_its_category(score: int, category: str) -> None:
    assert nps_category(score) == category


@pytest.mark.parametrize("score", [-1, 11, 10**9, True, 7.5, "9", None])
def test_it_refuses_what_is_not_an_nps_score(score: object) -> None:
    with pytest.raises(ValueError, match="not an NPS score"):
        nps_category(score)  # type: ignore[arg-type]

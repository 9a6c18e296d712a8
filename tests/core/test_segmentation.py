"""The percentile touch-model rule: exact counts, tie-breaking and rounding."""

from __future__ import annotations

from collections import Counter

import pytest

from kizuna.core.segmentation import segment_by_percentile


def _scores(count: int) -> dict[str, int]:
    """Keys a00, a01, … with strictly decreasing scores (a00 is the best)."""
    return {f"a{index:02d}": 1000 - index for index in range(count)}


def test_it_cuts_ten_accounts_into_one_high_three_low_and_six_tech() -> None:
    # given ten accounts with distinct scores
    scores = _scores(10)

    # when
    segments = segment_by_percentile(scores)

    # then
    assert segments == {
        "a00": "high",
        "a01": "low",
        "a02": "low",
        "a03": "low",
        "a04": "tech",
        "a05": "tech",
        "a06": "tech",
        "a07": "tech",
        "a08": "tech",
        "a09": "tech",
    }


def test_it_returns_an_empty_dict_for_no_accounts() -> None:
    # given / when
    segments = segment_by_percentile({})

    # then
    assert segments == {}


def test_it_ranks_by_score_descending_whatever_the_input_order() -> None:
    # given scores listed in no particular order
    scores = {"k3": 5, "k1": 50, "k2": 500, "k4": 1, "k5": 0}

    # when
    segments = segment_by_percentile(scores, high_share=0.2, low_share=0.4)

    # then the result lists keys in rank order
    assert list(segments.items()) == [
        ("k2", "high"),
        ("k1", "low"),
        ("k3", "low"),
        ("k4", "tech"),
        ("k5", "tech"),
    ]


def test_it_breaks_ties_on_a_boundary_by_key() -> None:
    # given ten accounts, three tied for first place
    scores = {**_scores(10), "a05": 2000, "a07": 2000, "a03": 2000}

    # when
    segments = segment_by_percentile(scores)

    # then the smallest key among the tied wins the single high seat, the other two are low
    assert [key for key, seg in segments.items() if seg == "high"] == ["a03"]
    assert [key for key, seg in segments.items() if seg == "low"] == ["a05", "a07", "a00"]


def test_it_handles_negative_scores() -> None:
    # given
    scores = {"a": -10, "b": -1, "c": -5}

    # when
    segments = segment_by_percentile(scores, high_share=1 / 3, low_share=1 / 3)

    # then
    assert segments == {"b": "high", "c": "low", "a": "tech"}


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        # count → (high, low, tech); high = rhu(n × 0.1), high + low = rhu(n × 0.4)
        (1, (0, 0, 1)),  # rhu(0.1) = 0, rhu(0.4) = 0
        (2, (0, 1, 1)),  # rhu(0.2) = 0, rhu(0.8) = 1
        (4, (0, 2, 2)),  # rhu(0.4) = 0, rhu(1.6) = 2
        (5, (1, 1, 3)),  # rhu(0.5) = 1 (half rounds up), rhu(2.0) = 2
        (15, (2, 4, 9)),  # rhu(1.5) = 2, rhu(6.0) = 6
        (25, (3, 7, 15)),  # rhu(2.5) = 3, rhu(10.0) = 10
        (35, (4, 10, 21)),  # rhu(3.5) = 4, rhu(14.0) = 14
        (2000, (200, 600, 1200)),
        (1697, (170, 509, 1018)),  # rhu(169.7) = 170, rhu(678.8) = 679
    ],
)
def test_it_rounds_counts_half_up_on_the_cumulative_share(
    count: int, expected: tuple[int, int, int]
) -> None:
    # given
    scores = _scores(count) if count <= 100 else {f"k{i:05d}": -i for i in range(count)}

    # when
    counts = Counter(segment_by_percentile(scores).values())

    # then
    assert (counts["high"], counts["low"], counts["tech"]) == expected


def test_it_accepts_custom_shares() -> None:
    # given
    scores = _scores(10)

    # when everyone outside the top 20% is tech
    counts = Counter(segment_by_percentile(scores, high_share=0.2, low_share=0.0).values())

    # then
    assert counts == {"high": 2, "tech": 8}


def test_it_can_put_everyone_in_high_touch() -> None:
    # given / when
    segments = segment_by_percentile(_scores(3), high_share=1.0, low_share=0.0)

    # then
    assert set(segments.values()) == {"high"}


@pytest.mark.parametrize(("high_share", "low_share"), [(-0.1, 0.3), (0.1, -0.3), (0.8, 0.3)])
def test_it_rejects_impossible_shares(high_share: float, low_share: float) -> None:
    # given / when / then
    with pytest.raises(ValueError, match="shares"):
        segment_by_percentile(_scores(10), high_share=high_share, low_share=low_share)

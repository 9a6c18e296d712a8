"""Touch-model rules (percentile, fixed amounts, community slice) and a review's moves."""

from __future__ import annotations

from collections import Counter

import pytest

from kizuna.core.segmentation import (
    SegmentMoves,
    segment_by_amount,
    segment_by_percentile,
    segment_moves,
)


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


def test_fixed_amounts_put_the_boundary_amount_in_the_upper_segment() -> None:
    # given scores around the two amounts (yen)
    scores = {"a": 10_000_000, "b": 9_999_999, "c": 3_000_000, "d": 2_999_999, "e": 0}

    # when
    segments = segment_by_amount(scores, high_min=10_000_000, low_min=3_000_000)

    # then
    assert segments == {"a": "high", "b": "low", "c": "low", "d": "tech", "e": "tech"}


def test_fixed_amounts_can_leave_a_segment_empty() -> None:
    # given nobody reaches the high-touch amount
    scores = {"a": 5, "b": 5, "c": 1}

    # when
    segments = segment_by_amount(scores, high_min=100, low_min=5)

    # then ties keep key order and no high segment appears
    assert list(segments.items()) == [("a", "low"), ("b", "low"), ("c", "tech")]
    assert segment_by_amount({}, high_min=1, low_min=0) == {}


@pytest.mark.parametrize(
    ("high_min", "low_min", "community_min"), [(5, 6, None), (5, -1, None), (10, 5, 6)]
)
def test_fixed_amounts_reject_inconsistent_thresholds(
    high_min: int, low_min: int, community_min: int | None
) -> None:
    # given / when / then
    with pytest.raises(ValueError, match="min"):
        segment_by_amount(
            _scores(5), high_min=high_min, low_min=low_min, community_min=community_min
        )


def test_community_min_takes_tech_accounts_below_the_amount() -> None:
    # given ten accounts scored 1000 … 991 and a percentile rule (1 high, 3 low, 6 tech)
    scores = _scores(10)

    # when tech accounts below 994 become community
    segments = segment_by_percentile(scores, community_min=994)

    # then a06 (994) stays tech, a07–a09 (993…991) are community; high and low do not change
    assert Counter(segments.values()) == {"high": 1, "low": 3, "tech": 3, "community": 3}
    assert [key for key, seg in segments.items() if seg == "community"] == ["a07", "a08", "a09"]


def test_community_share_is_a_share_of_the_tech_slice_rounded_half_up() -> None:
    # given 25 accounts: 3 high, 7 low, 15 tech
    scores = _scores(25)

    # when half of the tech slice becomes community: round_half_up(7.5) = 8
    segments = segment_by_percentile(scores, community_share=0.5)

    # then the eight lowest are community
    assert Counter(segments.values()) == {"high": 3, "low": 7, "tech": 7, "community": 8}
    assert [key for key, seg in segments.items() if seg == "community"] == [
        f"a{i}" for i in range(17, 25)
    ]


def test_community_with_fixed_amounts_and_ties_at_the_bottom() -> None:
    # given a tie at the very bottom of the tech slice
    scores = {"h": 100, "t1": 5, "t2": 1, "t3": 1}

    # when one third of the tech slice (round_half_up(1.0) = 1) becomes community
    segments = segment_by_amount(scores, high_min=100, low_min=50, community_share=1 / 3)

    # then of the tied t2 and t3, the larger key ranks lower and goes to community
    assert segments == {"h": "high", "t1": "tech", "t2": "tech", "t3": "community"}


def test_community_by_amount_below_a_fixed_floor() -> None:
    # given
    scores = {"a": 100, "b": 40, "c": 10, "d": 9}

    # when
    segments = segment_by_amount(scores, high_min=100, low_min=40, community_min=10)

    # then
    assert segments == {"a": "high", "b": "low", "c": "tech", "d": "community"}


def test_community_options_are_exclusive_and_checked() -> None:
    # given / when / then
    with pytest.raises(ValueError, match="not both"):
        segment_by_percentile(_scores(5), community_share=0.1, community_min=3)
    with pytest.raises(ValueError, match="community_share"):
        segment_by_percentile(_scores(5), community_share=1.5)
    with pytest.raises(ValueError, match="community_min"):
        segment_by_percentile(_scores(5), community_min=-1)


def test_segment_moves_counts_up_down_unchanged_entered_and_left() -> None:
    # given the segmentation in force and a review's result
    before = {"a": "low", "b": "high", "c": "tech", "d": "tech", "e": "low", "x": "high"}
    after = {"a": "high", "b": "low", "c": "community", "d": "low", "e": "low", "n": "tech"}

    # when
    moves = segment_moves(before, after)

    # then
    assert moves == SegmentMoves(
        moves={
            ("high", "low"): ("b",),
            ("low", "high"): ("a",),
            ("tech", "community"): ("c",),
            ("tech", "low"): ("d",),
        },
        up=2,
        down=2,
        unchanged=1,
        entered={"tech": ("n",)},
        left={"high": ("x",)},
    )


def test_segment_moves_of_nothing_is_empty() -> None:
    # given / when
    moves = segment_moves({}, {})

    # then
    assert moves == SegmentMoves({}, 0, 0, 0, {}, {})


def test_segment_moves_refuses_a_segment_outside_the_order() -> None:
    # given / when / then
    with pytest.raises(ValueError, match="order"):
        segment_moves({"a": "high"}, {"a": "partner"})


def test_a_review_preview_compares_percentile_runs() -> None:
    # given last review's scores and today's: a09 grew past everyone
    old = segment_by_percentile(_scores(10))
    new = segment_by_percentile({**_scores(10), "a09": 5000})

    # when
    moves = segment_moves(old, new)

    # then a09 jumps from tech to high, a00 drops to low, a03 drops to tech
    assert moves.moves == {
        ("high", "low"): ("a00",),
        ("low", "tech"): ("a03",),
        ("tech", "high"): ("a09",),
    }
    assert (moves.up, moves.down, moves.unchanged) == (1, 2, 7)

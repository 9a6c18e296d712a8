"""Touch-model segmentation: which accounts get high, low, tech (or community) touch.

Two rules rank accounts by a score (by default ACV + potential ACV, in yen):

- the percentile rule cuts the ranking into a top share (high touch), the next share (low touch)
  and the rest (tech touch);
- the fixed-amount rule compares each score with two amounts (≥ high_min high, ≥ low_min low,
  else tech).

**Community segment (optional, both rules).** A community-touch segment is always carved out of
the *bottom of the tech slice*, never out of high or low touch, so switching it on or off never
moves an account between the human-touch segments. Give at most one of:

- ``community_min``: every tech account whose score is below this amount is "community";
- ``community_share``: the lowest round_half_up(t × share) accounts of the tech slice (t = number
  of tech accounts) are "community", in reverse rank order (lowest score first; of equal scores
  the larger key goes first).

Both default to None: no community segment. ``segment_moves`` compares two segmentations (a
review's preview).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

HIGH: Final = "high"
LOW: Final = "low"
TECH: Final = "tech"
COMMUNITY: Final = "community"
SEGMENT_ORDER: Final[tuple[str, ...]] = (HIGH, LOW, TECH, COMMUNITY)
"""From most to least human attention: a move towards the front is "up"."""


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _rank(scores: Mapping[str, int]) -> list[str]:
    """Keys by score descending, then key ascending (deterministic ties)."""
    return sorted(scores, key=lambda key: (-scores[key], key))


def _carve_community(
    ranked: list[str],
    segments: dict[str, str],
    scores: Mapping[str, int],
    community_share: float | None,
    community_min: int | None,
) -> None:
    """Relabel the bottom of the tech slice as community, in place (see the module docstring)."""
    if community_share is not None and community_min is not None:
        raise ValueError("give community_share or community_min, not both")
    tech = [key for key in ranked if segments[key] == TECH]
    if community_min is not None:
        if community_min < 0:
            raise ValueError("community_min must be non-negative")
        chosen = [key for key in tech if scores[key] < community_min]
    elif community_share is not None:
        share = Decimal(str(community_share))
        if not 0 <= share <= 1:
            raise ValueError("community_share must be between 0 and 1")
        count = _round_half_up(len(tech) * share)
        chosen = tech[len(tech) - count :]
    else:
        return
    for key in chosen:
        segments[key] = COMMUNITY


def segment_by_percentile(
    scores: Mapping[str, int],
    *,
    high_share: float = 0.10,
    low_share: float = 0.30,
    community_share: float | None = None,
    community_min: int | None = None,
) -> dict[str, str]:
    """Segment every key of ``scores`` into "high", "low" or "tech" by its rank.

    Ranking: score descending, then key ascending, so ties are broken deterministically (of two
    accounts with the same score on a boundary, the one with the smaller key ranks higher).
    With n accounts:

    - high = the first round_half_up(n × high_share) ranks,
    - low  = the next ranks, up to round_half_up(n × (high_share + low_share)) in total,
    - tech = everyone else (minus the community slice when ``community_share`` or
      ``community_min`` is given: see the module docstring).

    Shares are taken as their decimal text (0.1 is exactly one tenth), so n = 25 gives
    high = round_half_up(2.5) = 3 and high + low = round_half_up(10.0) = 10. Rounding the
    cumulative share keeps the three counts summing to n; tiny populations may have no high
    account (n = 4 → 0 high, 2 low, 2 tech). An empty mapping gives an empty dict.
    The result lists keys in rank order. Raises ``ValueError`` when a share is negative or the
    two shares add up to more than 1.
    """
    high = Decimal(str(high_share))
    top = high + Decimal(str(low_share))
    if high < 0 or top < high or top > 1:
        raise ValueError("shares must be non-negative and add up to at most 1")
    ranked = _rank(scores)
    high_count = _round_half_up(len(ranked) * high)
    top_count = _round_half_up(len(ranked) * top)
    segments = {}
    for rank, key in enumerate(ranked):
        if rank < high_count:
            segments[key] = HIGH
        elif rank < top_count:
            segments[key] = LOW
        else:
            segments[key] = TECH
    _carve_community(ranked, segments, scores, community_share, community_min)
    return segments


def segment_by_amount(
    scores: Mapping[str, int],
    *,
    high_min: int,
    low_min: int,
    community_share: float | None = None,
    community_min: int | None = None,
) -> dict[str, str]:
    """Segment every key of ``scores`` by fixed amounts (yen, like the scores).

    - high = score ≥ ``high_min`` (the boundary amount itself is high),
    - low  = ``low_min`` ≤ score < ``high_min``,
    - tech = score < ``low_min`` (minus the community slice, see the module docstring).

    ``high_min == low_min`` means no low-touch segment. The result lists keys in rank order
    (score descending, then key ascending); an empty mapping gives an empty dict, and a segment
    nobody reaches is simply absent. Raises ``ValueError`` unless high_min ≥ low_min ≥ 0, or
    when ``community_min`` is above ``low_min`` (it would reach into low touch).
    """
    if not high_min >= low_min >= 0:
        raise ValueError("amounts must satisfy high_min >= low_min >= 0")
    if community_min is not None and community_min > low_min:
        raise ValueError("community_min must not exceed low_min")
    ranked = _rank(scores)
    segments = {}
    for key in ranked:
        score = scores[key]
        segments[key] = HIGH if score >= high_min else LOW if score >= low_min else TECH
    _carve_community(ranked, segments, scores, community_share, community_min)
    return segments


@dataclass(frozen=True, slots=True)
class SegmentMoves:
    """What a new segmentation changes compared with the one in force (a review's preview).

    - ``moves``: (from, to) → the keys of the accounts present in both whose segment changed,
      sorted; only pairs with at least one account appear.
    - ``up`` / ``down``: how many of them moved towards more / less human attention in the
      order high > low > tech > community; ``unchanged``: present in both, same segment.
    - ``entered``: segment → keys only in ``after`` (new accounts); ``left``: segment → keys
      only in ``before`` (churned or out of scope), both sorted.
    """

    moves: Mapping[tuple[str, str], tuple[str, ...]]
    up: int
    down: int
    unchanged: int
    entered: Mapping[str, tuple[str, ...]]
    left: Mapping[str, tuple[str, ...]]


def _group(pairs: list[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    grouped: dict[str, list[str]] = {}
    for key, segment in sorted(pairs, key=lambda pair: (pair[1], pair[0])):
        grouped.setdefault(segment, []).append(key)
    return {segment: tuple(keys) for segment, keys in grouped.items()}


def segment_moves(
    before: Mapping[str, str],
    after: Mapping[str, str],
    *,
    order: Sequence[str] = SEGMENT_ORDER,
) -> SegmentMoves:
    """Compare two segmentations (key → segment); see ``SegmentMoves`` for the fields.

    ``order`` lists segments from most to least human attention (default high, low, tech,
    community). Raises ``ValueError`` when a moved account's segment is not in ``order``.
    Empty inputs give empty moves and zero counts.
    """
    position = {segment: index for index, segment in enumerate(order)}
    moved: dict[tuple[str, str], list[str]] = {}
    up = down = unchanged = 0
    for key in sorted(before.keys() & after.keys()):
        old, new = before[key], after[key]
        if old == new:
            unchanged += 1
            continue
        if old not in position or new not in position:
            raise ValueError(f"segment not in the order: {old!r} or {new!r}")
        moved.setdefault((old, new), []).append(key)
        if position[new] < position[old]:
            up += 1
        else:
            down += 1
    return SegmentMoves(
        moves={pair: tuple(keys) for pair, keys in sorted(moved.items())},
        up=up,
        down=down,
        unchanged=unchanged,
        entered=_group([(key, after[key]) for key in after.keys() - before.keys()]),
        left=_group([(key, before[key]) for key in before.keys() - after.keys()]),
    )

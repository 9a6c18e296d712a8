"""Touch-model segmentation: which accounts get high, low or tech touch.

The percentile rule ranks accounts by a score (by default ACV + potential ACV, in yen) and cuts
the ranking into a top share (high touch), the next share (low touch) and the rest (tech touch).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

HIGH: Final = "high"
LOW: Final = "low"
TECH: Final = "tech"


def _round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def segment_by_percentile(
    scores: Mapping[str, int], *, high_share: float = 0.10, low_share: float = 0.30
) -> dict[str, str]:
    """Segment every key of ``scores`` into "high", "low" or "tech" by its rank.

    Ranking: score descending, then key ascending, so ties are broken deterministically (of two
    accounts with the same score on a boundary, the one with the smaller key ranks higher).
    With n accounts:

    - high = the first round_half_up(n × high_share) ranks,
    - low  = the next ranks, up to round_half_up(n × (high_share + low_share)) in total,
    - tech = everyone else.

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
    ranked = sorted(scores, key=lambda key: (-scores[key], key))
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
    return segments

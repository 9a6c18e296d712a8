"""The NPS category of one answer (promoter / passive / detractor), shared by every reader."""

from __future__ import annotations

from typing import Literal

NpsCategory = Literal["promoter", "passive", "detractor"]

#: Lowest and highest valid score of each survey kind (inclusive).
SCORE_RANGE: dict[str, tuple[int, int]] = {"nps": (0, 10), "csat": (1, 5)}


def nps_category(score: int) -> NpsCategory:
    """Promoter for 9–10, passive for 7–8, detractor for 0–6 (NPS scale, both ends inclusive).

    A score outside 0–10 raises ``ValueError``: it is not an NPS answer.
    """
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 10:
        raise ValueError(f"not an NPS score: {score!r}")
    if score >= 9:
        return "promoter"
    if score >= 7:
        return "passive"
    return "detractor"

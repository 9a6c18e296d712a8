"""Where each account stands at as_of: MRR, phase, touch segment, team and owner CSM.

- phase: "churned" without an active line; "onboarding" when the first contract started in
  the 90 days up to as_of (as_of − first start < 90 days); "renewal" when the nearest renewal
  of an active line is at most 90 days after as_of; otherwise "adoption".
- segment: ``segment_by_percentile`` over the active accounts on score = ACV + potential ACV,
  where ACV = 12 × MRR at as_of; churned accounts are "tech".
- team and owner: high → strategic; low → corporate onboarding while onboarding, else
  corporate adoption; tech → enablement with no named owner (1:N). Within a team, accounts are
  dealt in rank order to the CSM whose book is smallest for their weight (``BOOK_WEIGHTS``):
  the CSM with the least (accounts dealt + 1) / weight, ties in staff order. Books are
  proportional to the weights and equally valuable; the seniors carry more, the newest less.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from kizuna.core.segmentation import TECH, segment_by_percentile
from kizuna.demo.catalog import (
    BOOK_WEIGHTS,
    CORPORATE_ADOPTION,
    CORPORATE_ONBOARDING,
    ENABLEMENT,
    STRATEGIC,
    csms_of,
)
from kizuna.demo.history import RENEWAL_WINDOW, LineDraft, next_anniversary
from kizuna.demo.profiles import Profile

ONBOARDING_DAYS: Final = 90


@dataclass(frozen=True)
class AccountFacts:
    profile: Profile
    lines: tuple[LineDraft, ...]
    potential_acv: int

    @property
    def active_lines(self) -> list[LineDraft]:
        return [line for line in self.lines if line.end is None]

    @property
    def mrr(self) -> int:
        return sum(line.mrr for line in self.active_lines)

    @property
    def first_start(self) -> date:
        return self.lines[0].start

    @property
    def churned_on(self) -> date | None:
        """The day the last line ended, for an account without an active line."""
        if self.active_lines:
            return None
        return max(line.end for line in self.lines if line.end is not None)


@dataclass(frozen=True)
class Assignment:
    segment: str
    phase: str
    team_code: str
    owner: str | None


def phase_of(facts: AccountFacts, as_of: date) -> str:
    active = facts.active_lines
    if not active:
        return "churned"
    if (as_of - facts.first_start).days < ONBOARDING_DAYS:
        return "onboarding"
    renewal = min(next_anniversary(line.start, as_of) for line in active)
    if renewal - as_of <= RENEWAL_WINDOW:
        return "renewal"
    return "adoption"


def _team(segment: str, phase: str) -> str:
    if segment == "high":
        return STRATEGIC
    if segment == "low":
        return CORPORATE_ONBOARDING if phase == "onboarding" else CORPORATE_ADOPTION
    return ENABLEMENT


def _next_owner(csms: Sequence[str], dealt: dict[str, int]) -> str:
    """The CSM with the smallest (accounts dealt + 1) / weight; ties: the first in staff order."""
    return min(
        csms,
        key=lambda csm: (dealt.get(csm, 0) + 1) / BOOK_WEIGHTS.get(csm, 1.0),
    )


def assign(accounts: Sequence[AccountFacts], as_of: date) -> dict[str, Assignment]:
    """Assignment of every account, by account key."""
    by_key = {facts.profile.key: facts for facts in accounts}
    scores = {key: 12 * f.mrr + f.potential_acv for key, f in by_key.items() if f.active_lines}
    segments = segment_by_percentile(scores)
    dealt: dict[str, int] = {}
    result: dict[str, Assignment] = {}
    for key, segment in segments.items():  # rank order: best accounts first
        phase = phase_of(by_key[key], as_of)
        team = _team(segment, phase)
        owner = None
        if team != ENABLEMENT:
            owner = _next_owner(csms_of(team), dealt)
            dealt[owner] = dealt.get(owner, 0) + 1
        result[key] = Assignment(segment=segment, phase=phase, team_code=team, owner=owner)
    for key in by_key:
        if key not in result:
            result[key] = Assignment(
                segment=TECH, phase="churned", team_code=ENABLEMENT, owner=None
            )
    return result

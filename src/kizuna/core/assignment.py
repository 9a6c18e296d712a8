"""Balanced auto-assignment of accounts to CSMs within per-segment load norms.

UPWARD's norms: a high-touch CSM carries 5–10 accounts, a low-touch CSM 20–30; tech touch has no
per-CSM norm (the enablement team serves it 1:N), so its accounts are pooled, not assigned.

Rule (``auto_assign``), deterministic:

1. Pinned accounts (a manual exception names the owner) go to that CSM first, whatever the
   norm: the exception is a manager's recorded decision. A CSM pushed over the maximum this way
   is listed in ``over_max``.
2. The other accounts of a segment with a norm are taken in ACV-descending order (ties: account
   id ascending). Each goes to the eligible CSM — serves the account's segment and, when the
   account has a team, belongs to that team — with the fewest accounts, then the lowest ACV,
   then the smallest id, among those still below the maximum. Nobody is ever taken above the
   maximum by this step.
3. Accounts no eligible CSM can take are unplaced; per segment the shortage is their number and
   the extra CSMs it would take at the maximum load: ceil(unplaced / max).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from kizuna.core.segmentation import HIGH, LOW


@dataclass(frozen=True, slots=True)
class LoadNorm:
    """Accounts per CSM for one segment: the least and the most a CSM should carry."""

    segment: str
    min_accounts: int
    max_accounts: int

    def __post_init__(self) -> None:
        if not 0 <= self.min_accounts <= self.max_accounts or self.max_accounts < 1:
            raise ValueError("a norm needs 0 <= min_accounts <= max_accounts and max >= 1")


DEFAULT_NORMS: tuple[LoadNorm, ...] = (LoadNorm(HIGH, 5, 10), LoadNorm(LOW, 20, 30))


@dataclass(frozen=True, slots=True)
class CsmLoad:
    """A CSM, the segment they serve, and their current book in it (count and ACV in yen)."""

    csm_id: int
    team_id: int
    segment: str
    accounts: int
    acv: int


@dataclass(frozen=True, slots=True)
class AccountToAssign:
    """An unassigned or re-segmented account; ``pinned_owner_id`` comes from an exception."""

    account_id: int
    segment: str
    acv: int
    team_id: int | None
    pinned_owner_id: int | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    account_id: int
    csm_id: int
    pinned: bool


@dataclass(frozen=True, slots=True)
class Shortage:
    """Accounts of one segment nobody could take, and the CSMs missing to take them."""

    segment: str
    unplaced: tuple[int, ...]
    extra_csms_needed: int


@dataclass(frozen=True, slots=True)
class AssignmentPlan:
    """``assignments`` in the order made; ``pooled``: accounts of segments without a norm
    (left to 1:N); ``loads``: every CSM's book after the plan, by CSM id; ``over_max``: CSMs
    above their maximum (only through pinned accounts or an existing book)."""

    assignments: tuple[Assignment, ...]
    shortages: tuple[Shortage, ...]
    pooled: tuple[int, ...]
    loads: tuple[CsmLoad, ...]
    over_max: tuple[int, ...]


_Pool = tuple[str, int | None]  # (segment, team or None for "any team of the segment")


class _Board:
    """Current loads, with one lazy min-heap per pool of eligible CSMs."""

    def __init__(self, csms: Iterable[CsmLoad], norms: Mapping[str, LoadNorm]) -> None:
        self.loads: dict[int, CsmLoad] = {}
        for csm in csms:
            if csm.csm_id in self.loads:
                raise ValueError(f"CSM {csm.csm_id} is listed twice")
            self.loads[csm.csm_id] = csm
        self.norms = norms
        self.heaps: dict[_Pool, list[tuple[int, int, int]]] = {}
        for csm in sorted(self.loads.values(), key=lambda c: c.csm_id):
            self._push(csm)

    def _open(self, csm: CsmLoad) -> bool:
        norm = self.norms.get(csm.segment)
        return norm is not None and csm.accounts < norm.max_accounts

    def _push(self, csm: CsmLoad) -> None:
        if self._open(csm):
            entry = (csm.accounts, csm.acv, csm.csm_id)
            for pool in ((csm.segment, csm.team_id), (csm.segment, None)):
                heapq.heappush(self.heaps.setdefault(pool, []), entry)

    def add(self, csm_id: int, acv: int) -> None:
        csm = self.loads[csm_id]
        self.loads[csm_id] = replace(csm, accounts=csm.accounts + 1, acv=csm.acv + acv)
        self._push(self.loads[csm_id])

    def best(self, pool: _Pool) -> int | None:
        """The open CSM of the pool with the fewest accounts, lowest ACV, smallest id."""
        heap = self.heaps.get(pool, [])
        while heap:
            accounts, acv, csm_id = heap[0]
            current = self.loads[csm_id]
            if (current.accounts, current.acv) == (accounts, acv) and self._open(current):
                return csm_id
            heapq.heappop(heap)  # stale: the CSM's load changed since this entry was pushed
        return None


def _norm_map(norms: Iterable[LoadNorm]) -> dict[str, LoadNorm]:
    result: dict[str, LoadNorm] = {}
    for norm in norms:
        if norm.segment in result:
            raise ValueError(f"two norms for segment {norm.segment!r}")
        result[norm.segment] = norm
    return result


def auto_assign(
    csms: Iterable[CsmLoad],
    accounts: Iterable[AccountToAssign],
    *,
    norms: Iterable[LoadNorm] = DEFAULT_NORMS,
) -> AssignmentPlan:
    """Assign ``accounts`` to ``csms`` by the rule in the module docstring.

    Raises ``ValueError`` when a CSM or an account is listed twice, or an account is pinned to a
    CSM not in ``csms``. Empty inputs give an empty plan. Shortages are listed per segment in
    segment name order; ``extra_csms_needed`` = ceil(unplaced / max_accounts).
    """
    norm_map = _norm_map(norms)
    board = _Board(csms, norm_map)
    items = sorted(accounts, key=lambda account: (-account.acv, account.account_id))
    if len({account.account_id for account in items}) != len(items):
        raise ValueError("an account is listed twice")
    assignments: list[Assignment] = []
    for account in items:
        if account.pinned_owner_id is not None:
            if account.pinned_owner_id not in board.loads:
                raise ValueError(f"account {account.account_id} is pinned to an unknown CSM")
            board.add(account.pinned_owner_id, account.acv)
            assignments.append(Assignment(account.account_id, account.pinned_owner_id, True))
    pooled: list[int] = []
    unplaced: dict[str, list[int]] = {}
    for account in items:
        if account.pinned_owner_id is not None:
            continue
        if account.segment not in norm_map:
            pooled.append(account.account_id)
            continue
        csm_id = board.best((account.segment, account.team_id))
        if csm_id is None:
            unplaced.setdefault(account.segment, []).append(account.account_id)
            continue
        board.add(csm_id, account.acv)
        assignments.append(Assignment(account.account_id, csm_id, False))
    return AssignmentPlan(
        assignments=tuple(assignments),
        shortages=tuple(
            Shortage(segment, tuple(ids), math.ceil(len(ids) / norm_map[segment].max_accounts))
            for segment, ids in sorted(unplaced.items())
        ),
        pooled=tuple(pooled),
        loads=tuple(board.loads[csm_id] for csm_id in sorted(board.loads)),
        over_max=tuple(
            csm_id
            for csm_id, csm in sorted(board.loads.items())
            if csm.segment in norm_map and csm.accounts > norm_map[csm.segment].max_accounts
        ),
    )

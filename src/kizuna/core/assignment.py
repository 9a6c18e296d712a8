"""Load per CSM against the per-segment norms, and balanced auto-assignment within them.

UPWARD's norms: a high-touch CSM carries 5–10 accounts, a low-touch CSM 20–30; tech touch has no
per-CSM norm (the enablement team serves it 1:N), so its accounts are pooled, not assigned.

The definitions the load page, the auto-assignment and the capacity plan share (one place):

- **Pool**: a team and the segment it serves (``team_id``, ``segment``) when that segment has a
  norm. Its accounts are the active accounts that team serves now (their segment and phase),
  owned by one of its people or waiting for one (no owner, or an owner in another team).
- **Load** of a person = the accounts of their pool they own (``CsmLoad.accounts``); accounts
  they own that another team serves are not load, they wait for their pool.
- **State** against the norm (``load_state``): "over" above the maximum, "under" below the
  minimum, otherwise "ok"; without a norm (1:N) always "ok".
- **Capacity**: CSMs only (``CsmLoad.capacity``). A manager who owns accounts is not counted:
  their accounts stay in the pool, all of them above the norm, so they count towards hiring.
- **CSMs needed** to bring everyone within the norm = ceil(pool accounts / maximum); hiring
  need = max(0, CSMs needed − headcount) — the capacity plan's book need at target load = max.
- **Free places** = Σ max(0, maximum − load) over the pool's CSMs: how many accounts the
  current team can still take within the norm. The auto-assignment places at most that many.

Rule (``auto_assign``), deterministic:

1. Pinned accounts (a manual exception names the owner) go to that CSM first, whatever the
   norm: the exception is a manager's recorded decision. A CSM pushed over the maximum this way
   is listed in ``over_max``.
2. The other accounts of a segment with a norm are taken in ACV-descending order (ties: account
   id ascending). Each goes to the eligible CSM — serves the account's segment and, when the
   account has a team, belongs to that team — with the fewest accounts, then the lowest ACV,
   then the smallest id, among those still below the maximum. Nobody is ever taken above the
   maximum by this step.
3. Accounts no eligible CSM can take are unplaced (a shortage, per segment).

After the plan, every pool that still has unplaced accounts has no free place left, so its
hiring need = ceil((unplaced + accounts above the norm) / maximum): the auto-assignment's
answer and the capacity plan's answer are one number (``AssignmentPlan.teams``).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Final

from kizuna.core.capacity import book_need
from kizuna.core.segmentation import HIGH, LOW

OVER: Final = "over"
UNDER: Final = "under"
OK: Final = "ok"


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


def load_state(accounts: int, norm: LoadNorm | None) -> str:
    """``OVER`` when accounts > maximum, ``UNDER`` when accounts < minimum, else ``OK`` (both
    bounds inclusive: 10 of 5–10 is ok). No norm (1:N) → ``OK``."""
    if norm is None:
        return OK
    if accounts > norm.max_accounts:
        return OVER
    if accounts < norm.min_accounts:
        return UNDER
    return OK


@dataclass(frozen=True, slots=True)
class CsmLoad:
    """A person of a team, the segment the team serves, and their load in it (count, ACV in
    yen). ``capacity`` False: a manager who owns accounts but is not counted as capacity."""

    csm_id: int
    team_id: int
    segment: str
    accounts: int
    acv: int
    capacity: bool = True


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
    """Accounts of one segment nobody could take within the norm."""

    segment: str
    unplaced: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class TeamLoad:
    """One pool (a team and the segment it serves) against its norm; see the module docstring.

    ``carried``: accounts of the pool owned by its people; ``waiting``: accounts of the pool
    without an owner in it; ``free_places`` and ``above_norm``: Σ max(0, max − load) and
    Σ max(0, load − max) over its CSMs, plus every account a non-CSM member carries."""

    team_id: int
    segment: str
    norm: LoadNorm
    headcount: int
    carried: int
    waiting: int
    over: int
    under: int
    free_places: int
    above_norm: int

    @property
    def accounts(self) -> int:
        return self.carried + self.waiting

    @property
    def needed(self) -> int:
        """CSMs needed to bring everyone within the norm: ceil(accounts / maximum)."""
        return math.ceil(book_need(self.accounts, self.norm.max_accounts))

    @property
    def hiring_need(self) -> int:
        return max(0, self.needed - self.headcount)


@dataclass(frozen=True, slots=True)
class AssignmentPlan:
    """``assignments`` in the order made; ``pooled``: accounts of segments without a norm
    (left to 1:N); ``loads``: every CSM's book after the plan, by CSM id; ``over_max``: CSMs
    above their maximum (only through pinned accounts or an existing book); ``teams``: every
    pool after the plan (unplaced accounts waiting), by team id then segment."""

    assignments: tuple[Assignment, ...]
    shortages: tuple[Shortage, ...]
    pooled: tuple[int, ...]
    loads: tuple[CsmLoad, ...]
    over_max: tuple[int, ...]
    teams: tuple[TeamLoad, ...] = ()


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
        return csm.capacity and norm is not None and csm.accounts < norm.max_accounts

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


def _by_pool(accounts: Iterable[AccountToAssign]) -> dict[tuple[int, str], int]:
    counts: dict[tuple[int, str], int] = {}
    for account in accounts:
        if account.team_id is not None:
            key = (account.team_id, account.segment)
            counts[key] = counts.get(key, 0) + 1
    return counts


def team_loads(
    csms: Iterable[CsmLoad],
    waiting: Mapping[tuple[int, str], int] | None = None,
    *,
    norms: Iterable[LoadNorm] = DEFAULT_NORMS,
) -> tuple[TeamLoad, ...]:
    """Every pool of ``csms`` whose segment has a norm, by team id then segment.

    ``waiting``: accounts to place per (team id, segment); those of a pool without people are
    in no row. A pool of people without any CSM has headcount 0 (everything it carries is
    above the norm). Zero accounts → needs 0.
    """
    norm_map = _norm_map(norms)
    people: dict[tuple[int, str], list[CsmLoad]] = {}
    for csm in csms:
        if csm.segment in norm_map:
            people.setdefault((csm.team_id, csm.segment), []).append(csm)
    queue = waiting or {}
    rows = []
    for key in sorted(people):
        norm = norm_map[key[1]]
        members = people[key]
        csm_loads = [m.accounts for m in members if m.capacity]
        rows.append(
            TeamLoad(
                team_id=key[0],
                segment=key[1],
                norm=norm,
                headcount=len(csm_loads),
                carried=sum(m.accounts for m in members),
                waiting=queue.get(key, 0),
                over=sum(load_state(n, norm) == OVER for n in csm_loads),
                under=sum(load_state(n, norm) == UNDER for n in csm_loads),
                free_places=sum(max(0, norm.max_accounts - n) for n in csm_loads),
                above_norm=sum(max(0, n - norm.max_accounts) for n in csm_loads)
                + sum(m.accounts for m in members if not m.capacity),
            )
        )
    return tuple(rows)


def auto_assign(
    csms: Iterable[CsmLoad],
    accounts: Iterable[AccountToAssign],
    *,
    norms: Iterable[LoadNorm] = DEFAULT_NORMS,
) -> AssignmentPlan:
    """Assign ``accounts`` to ``csms`` by the rule in the module docstring.

    Raises ``ValueError`` when a CSM or an account is listed twice, or an account is pinned to a
    CSM not in ``csms``. Empty inputs give an empty plan. Shortages are listed per segment in
    segment name order; ``teams`` gives each pool's CSMs needed and hiring need after the plan.
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
    left: list[AccountToAssign] = []
    for account in items:
        if account.pinned_owner_id is not None:
            continue
        if account.segment not in norm_map:
            pooled.append(account.account_id)
            continue
        csm_id = board.best((account.segment, account.team_id))
        if csm_id is None:
            unplaced.setdefault(account.segment, []).append(account.account_id)
            left.append(account)
            continue
        board.add(csm_id, account.acv)
        assignments.append(Assignment(account.account_id, csm_id, False))
    return AssignmentPlan(
        assignments=tuple(assignments),
        shortages=tuple(Shortage(segment, tuple(ids)) for segment, ids in sorted(unplaced.items())),
        pooled=tuple(pooled),
        loads=tuple(board.loads[csm_id] for csm_id in sorted(board.loads)),
        over_max=tuple(
            csm_id
            for csm_id, csm in sorted(board.loads.items())
            if csm.capacity and load_state(csm.accounts, norm_map.get(csm.segment)) == OVER
        ),
        teams=team_loads(board.loads.values(), _by_pool(left), norms=norm_map.values()),
    )


def handoff_owners(loads: Mapping[int, int], paying: Iterable[bool]) -> list[int | None]:
    """The hand-off rule (onboarding → adoption): the accounts are placed in turn, each with
    the CSM of ``loads`` (CSM id → load) with the lightest load at that moment, the smallest id
    among equals; an account that pays (``paying``) adds one to that CSM's load, as the load
    page counts it. Returns each account's CSM, None for all when ``loads`` is empty.

    A heap of (load, id) gives the same CSM as the minimum over every CSM, in O(log n)."""
    heap = [(load, csm_id) for csm_id, load in loads.items()]
    heapq.heapify(heap)
    owners: list[int | None] = []
    for pays in paying:
        if not heap:
            owners.append(None)
            continue
        load, csm_id = heap[0]
        owners.append(csm_id)
        if pays:
            heapq.heapreplace(heap, (load + 1, csm_id))
    return owners

"""Feature requests: their status moves, their weight (how many accounts ask, with how much
MRR) and whom to tell when one ships. Pure: no Django, no clock.

Definitions (docs/metrics.md, "Feature request weight"):

- A **requesting account** of a feature request is an account with at least one feedback
  linked to it. An account that asked three times counts once.
- The request's **account count** is the number of its requesting accounts; its **feedback
  count** the number of linked feedback (every one, repeats included).
- Its **MRR weight** is the sum of the requesting accounts' *current* MRR (each counted once,
  in integer minor units): what the company earns today from the customers who asked. An
  account without MRR today (churned, not started) counts as an account and adds 0; a
  negative or missing MRR is read as 0.
- The board ranks by MRR weight, then account count, then feedback count (all descending),
  then the request's id (ascending), so the order is total and the same on every page.
- A request nobody asked for has 0 accounts, 0 feedback and MRR weight 0 (never "undefined":
  these are counts and sums, not rates).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

NEW: Final = "new"
PLANNED: Final = "planned"
SHIPPED: Final = "shipped"
DECLINED: Final = "declined"
#: every status, in the order of the board's filter
STATUSES: Final[tuple[str, ...]] = (NEW, PLANNED, SHIPPED, DECLINED)
#: statuses that are decided: a request there moves no more
FINAL_STATUSES: Final[frozenset[str]] = frozenset({SHIPPED, DECLINED})
#: the moves allowed from each status: new → planned → shipped, declined from new or planned
MOVES: Final[Mapping[str, tuple[str, ...]]] = {
    NEW: (PLANNED, DECLINED),
    PLANNED: (SHIPPED, DECLINED),
    SHIPPED: (),
    DECLINED: (),
}
#: moves that cannot be taken back: the pages ask for a confirmation first
IRREVERSIBLE: Final[frozenset[str]] = FINAL_STATUSES


def can_move(current: str, target: str) -> bool:
    """Whether a request with status ``current`` may move to ``target`` (unknown statuses:
    no)."""
    return target in MOVES.get(current, ())


@dataclass(frozen=True, slots=True)
class Ask:
    """One feedback linked to a feature request: which request, which account."""

    request_id: int
    account_id: int


@dataclass(frozen=True, slots=True)
class Weight:
    """A feature request's weight: requesting accounts, their summed current MRR (minor
    units), and the linked feedback."""

    request_id: int
    accounts: int
    mrr: int
    feedback: int


def request_weights(
    asks: Iterable[Ask], mrr_by_account: Mapping[int, int | None], request_ids: Iterable[int] = ()
) -> dict[int, Weight]:
    """The weight of every request that has an ask, and of each of ``request_ids`` (0, 0, 0
    when nobody asked). ``mrr_by_account``: each account's current MRR; an account missing
    from it, or with a negative or None MRR, adds 0."""
    accounts: dict[int, set[int]] = defaultdict(set)
    feedback: dict[int, int] = defaultdict(int)
    for ask in asks:
        accounts[ask.request_id].add(ask.account_id)
        feedback[ask.request_id] += 1
    out = {rid: Weight(rid, 0, 0, 0) for rid in request_ids}
    for rid, members in accounts.items():
        mrr = sum(max(int(mrr_by_account.get(a) or 0), 0) for a in members)
        out[rid] = Weight(rid, len(members), mrr, feedback[rid])
    return out


def rank_key(weight: Weight) -> tuple[int, int, int, int]:
    """The board's order: MRR weight, account count, feedback count (descending), id."""
    return (-weight.mrr, -weight.accounts, -weight.feedback, weight.request_id)


def ranked(weights: Iterable[Weight]) -> list[Weight]:
    """``weights`` in the board's order (``rank_key``)."""
    return sorted(weights, key=rank_key)


@dataclass(frozen=True, slots=True)
class Requester:
    """One feedback's people: the member who logged it and the owner of its account (either
    may be None: logged by the API's import, an account without an owner)."""

    logged_by: int | None
    account_owner: int | None


def ship_recipients(requesters: Iterable[Requester]) -> list[int]:
    """The members told when a request ships: everyone who logged a feedback on it and every
    owner of a requesting account, each once, by id."""
    ids: set[int | None] = set()
    for r in requesters:
        ids.update((r.logged_by, r.account_owner))
    return sorted(i for i in ids if i is not None)

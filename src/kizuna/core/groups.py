"""Group companies (親会社 / 子会社): accounts linked to a parent account.

The input is the parent links as stored: ``parents`` maps every account concerned to its
parent's id, ``None`` for an account without a parent. Stored data is not trusted:

- a **cycle** (A → B → A, or an account its own parent) never loops: walking up stops at the
  first account seen twice, and the **root** of an account in a cycle, or below one, is the
  smallest id of the cycle (so every member of it names the same root);
- a parent id that is not a key of ``parents`` (an account deleted after the link was read,
  an id that never existed) ends the walk: the account that names it is then the top of
  what is known, its group's **root**;
- an account with no parent and no children is a group of one.

A **group** is the root and every account below it, at any depth. Its roll-ups:

- **group MRR**: the sum of the members' MRR (each account's MRR as its page shows it);
- **worst grade**: the lowest health grade among the members that have one (grade 1 is the
  worst, 5 the best, as ``core.health.model`` grades); ``None`` when no member has a grade.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

#: account id → its parent's id (None for an account without a parent); a parent id that is
#: not a key is a missing account
ParentLinks = Mapping[int, int | None]


def ancestors[K: Hashable](account_id: K, parents: Mapping[K, K | None]) -> tuple[K, ...]:
    """The account's parent, its parent's parent, … nearest first, without the account
    itself; stops before the first account seen twice (a cycle) and before a parent that is
    not a key of ``parents`` (a missing account)."""
    seen = {account_id}
    chain: list[K] = []
    current = parents.get(account_id)
    while current is not None and current in parents and current not in seen:
        chain.append(current)
        seen.add(current)
        current = parents.get(current)
    return tuple(chain)


def _cycle_from(account_id: int, parents: ParentLinks) -> tuple[int, ...]:
    """The accounts of the cycle the walk up from ``account_id`` ends in, or () if none."""
    order: dict[int, int] = {}
    path: list[int] = []
    current: int | None = account_id
    while current is not None and current not in order:
        order[current] = len(path)
        path.append(current)
        parent = parents.get(current)
        current = parent if parent in parents else None
    if current is None:
        return ()
    return tuple(path[order[current] :])


def root(account_id: int, parents: ParentLinks) -> int:
    """The top of the account's group: the last ancestor, or the smallest id of the cycle the
    walk up runs into; the account itself when it has no parent."""
    cycle = _cycle_from(account_id, parents)
    if cycle:
        return min(cycle)
    chain = ancestors(account_id, parents)
    return chain[-1] if chain else account_id


def children_of(parents: ParentLinks) -> dict[int, tuple[int, ...]]:
    """Each parent id → its children's ids, ascending (links to a missing parent left out)."""
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        if parent is not None and parent != child and parent in parents:
            children.setdefault(parent, []).append(child)
    return {parent: tuple(sorted(kids)) for parent, kids in children.items()}


def descendants(
    account_id: int,
    parents: ParentLinks,
    *,
    children: Mapping[int, tuple[int, ...]] | None = None,
) -> tuple[int, ...]:
    """Every account below ``account_id`` at any depth, ascending, without the account itself
    (also when a cycle leads back to it). ``children`` is ``children_of(parents)`` when the
    caller has it already."""
    kids = children if children is not None else children_of(parents)
    seen = {account_id}
    todo = [account_id]
    while todo:
        current = todo.pop()
        for child in kids.get(current, ()):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    seen.discard(account_id)
    return tuple(sorted(seen))


def group_members(account_id: int, parents: ParentLinks) -> tuple[int, ...]:
    """The account's whole group: its root and every account below the root, ascending."""
    top = root(account_id, parents)
    return tuple(sorted({top, *descendants(top, parents)}))


def would_cycle[K: Hashable](account_id: K, new_parent: K, parents: Mapping[K, K | None]) -> bool:
    """Would making ``new_parent`` the parent of ``account_id`` close a loop? True for the
    account itself, and for any account below it (walking up from the new parent meets it).
    The ids may be any keys (account ids, or CRM ids while an import is planned)."""
    return new_parent == account_id or account_id in ancestors(new_parent, parents)


def group_mrr(members: Iterable[int], mrr: Mapping[int, int]) -> int:
    """The group's MRR: the sum of its members' MRR (a member missing from ``mrr`` adds 0)."""
    return sum(int(mrr.get(member, 0)) for member in set(members))


def worst_grade(grades: Iterable[int | None]) -> int | None:
    """The worst (lowest) health grade among ``grades``, ignoring accounts without one."""
    known = [grade for grade in grades if grade is not None]
    return min(known) if known else None


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupRollUp:
    """One account's group with its roll-ups (``group_roll_up``)."""

    root: int
    members: tuple[int, ...]  # the root and every account below it, ascending
    mrr: int  # the sum of the members' MRR
    worst_grade: int | None  # the lowest grade of a member; None when none has one


def group_roll_up(
    account_id: int,
    parents: ParentLinks,
    *,
    mrr: Mapping[int, int],
    grades: Mapping[int, int | None],
) -> GroupRollUp:
    """The account's group and its roll-ups: group MRR and worst grade."""
    members = group_members(account_id, parents)
    return GroupRollUp(
        root=root(account_id, parents),
        members=members,
        mrr=group_mrr(members, mrr),
        worst_grade=worst_grade(grades.get(member) for member in members),
    )

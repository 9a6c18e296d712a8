"""Who held an account on a past day: today's owner and team with the later changes undone.

Every change of an account's owner CSM or team is recorded with the owner and team before and
after it and the moment it was made (``assignments.AssignmentChange``: reassignment,
auto-assignment, hand-off). The holder of account a at the end of local day d is

- the *before* owner and team of a's earliest change made after d (its local day > d), or
- today's owner and team (the account row) when no change of a was made after d.

Consequences, each deliberate:

- A change made during day d is in effect at the end of d (a month-end snapshot counts the
  account for whoever holds it when the day closes).
- Only *before* values are read, so the account row stays the truth for every day after the
  last change, and a gap in the records (an owner set without a change row) cannot leak a
  wrong holder into days after it.
- A change dated after ``today`` (a clock that ran ahead) counts as made today: today's row
  already shows it, and every earlier day is before it.
- A before owner or team recorded as null (the account was unassigned, or the member or team
  was deleted since) stays null: on those days the account counts as unassigned.
- An account with no change at all is held on every day by its owner and team of today.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kizuna.core.coverage import AccountAtDate

#: (owner id, team id); None = no owner / no team
Holder = tuple[int | None, int | None]


@dataclass(frozen=True, slots=True)
class OwnershipChange:
    """One recorded change of an account's holder, on the local day it was made, with the owner
    and team the account had before it."""

    account_id: int
    day: date
    from_owner_id: int | None
    from_team_id: int | None


class OwnershipHistory:
    """Recorded changes indexed once to answer "who held each account on day d" for many days.

    ``changes`` must come in the order they were made (time, then id): among changes of one
    account on one day, the first one's *before* values are the holder of the days before it.
    """

    __slots__ = ("_accounts", "_days", "_holders")

    def __init__(self, changes: Iterable[OwnershipChange], *, today: date) -> None:
        # newest first; sorted() is stable, so changes of one day keep their order reversed
        ordered = sorted(
            ((min(c.day, today), c) for c in reversed(list(changes))),
            key=lambda pair: pair[0],
            reverse=True,
        )
        self._days = [-day.toordinal() for day, _ in ordered]  # ascending, for bisect
        self._accounts = [c.account_id for _, c in ordered]
        self._holders: list[Holder] = [(c.from_owner_id, c.from_team_id) for _, c in ordered]

    def __len__(self) -> int:
        return len(self._days)

    def holders_on(self, day: date) -> dict[int, Holder]:
        """Owner and team at the end of ``day`` of every account changed after ``day``;
        accounts absent from the result are held by their owner and team of today."""
        after = bisect.bisect_left(self._days, -day.toordinal())  # changes with day' > day
        # newest first, so each account's earliest change after ``day`` is written last
        return dict(zip(self._accounts[:after], self._holders[:after], strict=True))

    def accounts_on(self, day: date, accounts: Iterable[AccountAtDate]) -> list[AccountAtDate]:
        """``accounts`` (with today's owner and team) as held at the end of ``day``, in the
        same order; an account whose holder did not change is passed through as it is."""
        holders = self.holders_on(day)
        if not holders:
            return list(accounts)
        held = []
        for account in accounts:
            holder = holders.get(account.account_id)
            if holder is None or holder == (account.owner_id, account.team_id):
                held.append(account)
            else:
                owner_id, team_id = holder
                held.append(
                    AccountAtDate(
                        account.account_id, account.segment, owner_id, team_id, account.mrr
                    )
                )
        return held

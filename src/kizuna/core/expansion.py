"""CSQLs (Customer Success Qualified Leads): expansion MRR attributed to them, the states the
daily job derives, and conversion per CSM, team and month. Pure: no Django, no clock.

Definitions (docs/metrics.md, "CSQLs"):

- An account's **expansion** in month m is its MRR movement of category ``expansion``
  (``core.revenue.movements``: MRR on m's last day above m−1's, both > 0), in integer minor
  units. A cross-sell or an upsell on an active account is one; a reactivation (from 0) and a
  new customer are not; a contraction is not netted against a later expansion (gross, as the
  expansion bar of the MRR bridge).
- A CSQL raised on day d (month r) has the **window** months r+1 … r+w (w = the company's
  window, default 6): the raise month itself never counts (the expansion had begun already).
- Each month's expansion of an account goes whole to ONE CSQL: the earliest raised (then the
  lowest id) among the account's CSQLs that are **eligible** (proposed, accepted or won, not
  lost) and have the month inside their window. So nothing is counted twice.
- The job's states: an accepted CSQL with attributed expansion > 0 is **won** (closed on the
  last day of its first attributed month, or the day of the run if earlier); once the window
  has passed (the day of the run is after the window's last day), a CSQL still proposed (sales
  never accepted it) or accepted without attributed expansion is **lost**, reason
  ``no_expansion``, closed on the window's last day. States set by people are never changed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from kizuna.core.calendar import month_end, month_from_index, month_index
from kizuna.core.revenue.movements import EXPANSION, mrr_movements
from kizuna.core.revenue.mrr import customer_mrr

PROPOSED: Final = "proposed"
ACCEPTED: Final = "accepted"
WON: Final = "won"
LOST: Final = "lost"
#: every state, in the order of the board's columns
STATES: Final[tuple[str, ...]] = (PROPOSED, ACCEPTED, WON, LOST)
OPEN_STATES: Final[frozenset[str]] = frozenset({PROPOSED, ACCEPTED})
#: states whose CSQL may receive expansion
ELIGIBLE_STATES: Final[frozenset[str]] = frozenset({PROPOSED, ACCEPTED, WON})
#: the lost reason the job writes when the window passed without expansion
NO_EXPANSION: Final = "no_expansion"
DEFAULT_WINDOW_MONTHS: Final = 6
MAX_WINDOW_MONTHS: Final = 24


@dataclass(frozen=True, slots=True)
class Csql:
    """What attribution reads of one CSQL."""

    csql_id: int
    account_id: int
    raised_on: dt.date
    state: str


@dataclass(frozen=True, slots=True)
class Attributed:
    """One month's expansion of the account given to one CSQL (``month``: its first day)."""

    csql_id: int
    month: dt.date
    mrr: int


@dataclass(frozen=True, slots=True)
class Decision:
    """What the job writes on one CSQL: its attributed expansion and, when it changes, the
    state, the closing day and the lost reason."""

    csql_id: int
    attributed_mrr: int
    months: tuple[Attributed, ...]
    window_ends_on: dt.date
    state: str
    closed_on: dt.date | None
    lost_reason: str


def expansions_from_lines(lines: pl.DataFrame, *, as_of: dt.date) -> dict[int, dict[dt.date, int]]:
    """Each account's expansion months from a core lines frame (``core.revenue.lines``;
    ``customer_id`` the account id as text): {account id: {first day of month: MRR up}}, for
    the months of category ``expansion`` up to ``as_of``'s month. Lines starting after
    ``as_of`` are ignored (``customer_mrr``)."""
    if lines.is_empty():
        return {}
    moves = mrr_movements(customer_mrr(lines, as_of=as_of))
    found = moves.filter(pl.col("change_category") == EXPANSION)
    out: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for customer, month, change in found.select(
        "customer_id", "date_month", "mrr_change"
    ).iter_rows():
        out[int(customer)][month] = int(change)
    return dict(out)


def window_last_month(raised_on: dt.date, window_months: int) -> int:
    """The month index of the window's last month: raise month + ``window_months``."""
    return month_index(raised_on) + window_months


def window_ends_on(raised_on: dt.date, window_months: int) -> dt.date:
    """The window's last day (inclusive): the end of the month ``window_months`` after the
    raise month; capped at 9999-12-31."""
    last = min(window_last_month(raised_on, window_months), month_index(dt.date.max))
    return month_end(month_from_index(last))


def _check_window(window_months: int) -> None:
    if not 1 <= window_months <= MAX_WINDOW_MONTHS:
        raise ValueError(f"window_months must be 1..{MAX_WINDOW_MONTHS}, not {window_months}")


def attribute(
    csqls: Iterable[Csql],
    expansions: Mapping[int, Mapping[dt.date, int]],
    *,
    window_months: int = DEFAULT_WINDOW_MONTHS,
) -> list[Attributed]:
    """Each account-month's expansion given to the earliest eligible CSQL whose window holds
    it (module docstring). ``expansions``: account id → {first day of month: expansion MRR
    (> 0; other values are skipped)}. Returns the attributed months ordered by CSQL id, then
    month. Nothing is divided: no zero denominator."""
    _check_window(window_months)
    by_account: dict[int, list[Csql]] = defaultdict(list)
    for csql in csqls:
        if csql.state in ELIGIBLE_STATES:
            by_account[csql.account_id].append(csql)
    out: list[Attributed] = []
    for account_id, candidates in by_account.items():
        candidates.sort(key=lambda c: (c.raised_on, c.csql_id))
        for month, mrr in expansions.get(account_id, {}).items():
            if mrr <= 0:
                continue
            m = month_index(month)
            for csql in candidates:
                raised = month_index(csql.raised_on)
                if raised < m <= raised + window_months:
                    out.append(Attributed(csql.csql_id, month.replace(day=1), mrr))
                    break
    out.sort(key=lambda a: (a.csql_id, a.month))
    return out


def decide(
    csqls: Sequence[Csql],
    expansions: Mapping[int, Mapping[dt.date, int]],
    *,
    as_of: dt.date,
    window_months: int = DEFAULT_WINDOW_MONTHS,
) -> list[Decision]:
    """The job's decisions for every CSQL of ``csqls`` as of ``as_of`` (module docstring).

    Order matters once: a CSQL still proposed after its window is lost first, so that its
    months go to the next eligible CSQL; attribution is then computed on the remaining
    ones, and an accepted CSQL without expansion after its window is lost (it held no month,
    so losing it moves none). Running it again on its own output changes nothing."""
    expired = {
        c.csql_id
        for c in csqls
        if c.state == PROPOSED and as_of > window_ends_on(c.raised_on, window_months)
    }
    live = [
        Csql(c.csql_id, c.account_id, c.raised_on, LOST) if c.csql_id in expired else c
        for c in csqls
    ]
    months: dict[int, list[Attributed]] = defaultdict(list)
    for item in attribute(live, expansions, window_months=window_months):
        months[item.csql_id].append(item)
    return [
        _decision(c, tuple(months[c.csql_id]), c.csql_id in expired, as_of, window_months)
        for c in csqls
    ]


def _decision(
    csql: Csql, months: tuple[Attributed, ...], expired: bool, as_of: dt.date, window: int
) -> Decision:
    ends = window_ends_on(csql.raised_on, window)
    total = sum(a.mrr for a in months)
    state, closed_on, reason = csql.state, None, ""
    if expired or (csql.state == ACCEPTED and total == 0 and as_of > ends):
        state, closed_on, reason = LOST, ends, NO_EXPANSION
    elif csql.state == ACCEPTED and total > 0:
        state, closed_on = WON, min(as_of, month_end(months[0].month))
    return Decision(csql.csql_id, total, months, ends, state, closed_on, reason)


# --- conversion ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CsqlRow:
    """What the conversion table reads of one CSQL: who raised it, their team at the time,
    the raise day, its state and its attributed expansion MRR."""

    csql_id: int
    raised_by: int | None
    team: int | None
    raised_on: dt.date
    state: str
    attributed_mrr: int


@dataclass(frozen=True, slots=True)
class Conversion:
    """One row of the conversion table: a key (a CSM, a team or None for everyone) and a
    raise month (None: every month)."""

    key: Hashable
    month: dt.date | None
    raised: int
    open: int
    won: int
    lost: int
    expansion_mrr: int

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def conversion(self) -> float | None:
        """won ÷ (won + lost); None (shown "—") when nothing is closed yet."""
        return self.won / self.closed if self.closed else None


def conversion_table(
    rows: Iterable[CsqlRow],
    *,
    key: Callable[[CsqlRow], Hashable],
    by_month: bool = True,
) -> list[Conversion]:
    """CSQLs counted per ``key`` (e.g. ``lambda r: r.raised_by``) and raise month (its first
    day; or all months together when ``by_month`` is False). A CSQL counts once, in the
    month it was raised, whatever month it closed in; ``expansion_mrr`` is the sum of its
    attributed months, whenever they fell. Ordered by month (newest first), then key (None
    last). Conversion = won ÷ (won + lost), undefined on zero closed."""
    groups: dict[tuple[Hashable, dt.date | None], list[CsqlRow]] = defaultdict(list)
    for row in rows:
        month = row.raised_on.replace(day=1) if by_month else None
        groups[(key(row), month)].append(row)
    table = [_count(k, m, items) for (k, m), items in groups.items()]
    table.sort(key=lambda c: (-(month_index(c.month) if c.month else 0), c.key is None, str(c.key)))
    return table


def conversion_total(rows: Iterable[CsqlRow]) -> Conversion:
    """Every CSQL of ``rows`` together (key None, month None); all zeros when empty."""
    return _count(None, None, list(rows))


def _count(key: Hashable, month: dt.date | None, items: Sequence[CsqlRow]) -> Conversion:
    states = [r.state for r in items]
    return Conversion(
        key=key,
        month=month,
        raised=len(items),
        open=sum(s in OPEN_STATES for s in states),
        won=states.count(WON),
        lost=states.count(LOST),
        expansion_mrr=sum(r.attributed_mrr for r in items),
    )

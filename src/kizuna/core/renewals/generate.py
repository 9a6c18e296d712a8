"""Renewals derived from subscription lines, and their outcome read from the lines.

docs/renewals.md has the design and docs/metrics.md the definitions; in short:

- a line renews when its term is at least :data:`MIN_RENEWING_TERM` months; its term
  boundaries are ``anchor + k·term`` months (``k`` = 1, 2, … counted from the anchor, and
  backwards from it down to the start), the anchor being its renewal date when set, its start
  otherwise;
- a boundary is due when the line runs up to it (``end`` empty or ``end ≥ boundary``);
- a renewal is one account and one date with every line due that day;
- once the date has come, *MRR after* is the MRR on the date of the account's lines of the
  same products; renewed, downgraded or churned follows from it.

``boundaries`` and ``accounts_with_events`` are plain Python over one line at a time;
``renewals_from_lines`` derives every renewal with ``frames`` (Polars, the same rules on
columns).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import polars as pl

from kizuna.core.calendar import add_months
from kizuna.core.renewals import frames

# the rules' constants live beside their columnar form and are named here too
from kizuna.core.renewals.frames import CHURNED as CHURNED
from kizuna.core.renewals.frames import DOWNGRADED as DOWNGRADED
from kizuna.core.renewals.frames import MAX_TERM as MAX_TERM
from kizuna.core.renewals.frames import MIN_RENEWING_TERM as MIN_RENEWING_TERM
from kizuna.core.renewals.frames import RENEWED as RENEWED

OUTCOMES: Final = (RENEWED, DOWNGRADED, CHURNED)


@dataclass(frozen=True, slots=True)
class Line:
    """A subscription line as the renewals read it (``end`` exclusive, ``None`` while open)."""

    line_id: int
    account_id: int
    product: int
    start: dt.date
    end: dt.date | None
    mrr: int
    term_months: int
    renewal_date: dt.date | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True, slots=True)
class Renewal:
    account_id: int
    date: dt.date
    #: the lines due that day, by id
    line_ids: tuple[int, ...]
    products: tuple[int, ...]
    mrr_due: int
    #: the MRR of the same products on the date; ``None`` while the date is to come
    mrr_after: int | None
    outcome: str | None

    @property
    def arr_due(self) -> int:
        return 12 * self.mrr_due

    @property
    def mrr_kept(self) -> int | None:
        """MRR kept after the renewal, capped at the MRR due (GRR's numerator)."""
        return None if self.mrr_after is None else min(self.mrr_after, self.mrr_due)


def term_of(billing_period: str, term_months: int | None) -> int:
    """A line's contract term in months: its own when set, else 12 for an annual line and 1
    for a monthly one."""
    if term_months is not None and term_months > 0:
        return term_months
    return 12 if billing_period == "annual" else 1


def boundaries(line: Line, *, until: dt.date, since: dt.date | None = None) -> list[dt.date]:
    """The line's due term boundaries in ``[since, until]``, oldest first (none for a line
    whose term is shorter than a year, or absurdly long)."""
    term = line.term_months
    if term < MIN_RENEWING_TERM or term > MAX_TERM:
        return []
    anchor = line.renewal_date or line.start
    last = until if line.end is None else min(until, line.end)
    # the first k whose boundary is on or after the start's month (``anchor`` may be the
    # next renewal of a line that started years ago), jumped ahead to ``since``'s month
    k = -(_months(line.start, anchor) // term)
    if since is not None and since > line.start:
        k = max(k, -(_months(since, anchor) // term))
    found: list[dt.date] = []
    while True:
        try:
            day = add_months(anchor, k * term)
        except ValueError:  # beyond the year 9999
            break
        if day > last:
            break
        if day > line.start and (since is None or day >= since):
            found.append(day)
        k += 1
    return found


def _months(earlier: dt.date, later: dt.date) -> int:
    """Whole calendar months from ``earlier``'s month to ``later``'s (negative if before)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def renewals_from_lines(
    lines: Iterable[Line],
    *,
    today: dt.date,
    lead_days: int | Callable[[int], int] = 180,
    since: dt.date | None = None,
) -> list[Renewal]:
    """Every renewal due up to ``today + lead`` (the lead per account when a function of the
    account id), from ``since`` on when given, with its outcome when its date has come.
    Sorted by account and date. Derived by ``frames.renewals_frame`` (the same rules on
    columns); this returns its rows as objects."""
    found = list(lines)
    frame = lines_frame(found)
    leads: int | pl.DataFrame
    if isinstance(lead_days, int):
        leads = lead_days
    else:
        accounts = sorted({line.account_id for line in found})
        leads = pl.DataFrame(
            {"account_id": accounts, "lead_days": [lead_days(a) for a in accounts]},
            schema=frames.LEADS,
        )
    derived = frames.renewals_frame(frame, today=today, lead_days=leads, since=since)
    return [
        Renewal(account, day, tuple(line_ids), tuple(products), due, after, outcome)
        for account, day, line_ids, products, due, after, outcome in derived.iter_rows()
    ]


def lines_frame(lines: Iterable[Line]) -> pl.DataFrame:
    """``lines`` as one frame of ``frames.LINES``."""
    return pl.DataFrame(
        [(ln.line_id, ln.account_id, ln.product, ln.start, ln.end, ln.mrr, ln.term_months,
          ln.renewal_date) for ln in lines],
        schema=frames.LINES,
        orient="row",
    )  # fmt: skip


def accounts_with_events(
    lines: Iterable[Line],
    *,
    after: dt.date,
    through: dt.date,
    lead_days: int | Callable[[int], int] = 180,
) -> set[int]:
    """The accounts whose renewals change when the day moves from ``after`` to ``through``
    with the same lines: a term boundary *b* whose date came (``after < b ≤ through``: its
    outcome is due) or that entered the account's window (``after < b − lead ≤ through``: a
    new renewal). The lines being the same, no other account's renewals change."""
    lead_of = (lambda _account: lead_days) if isinstance(lead_days, int) else lead_days
    found: set[int] = set()
    if after >= through:
        return found
    first = after + dt.timedelta(days=1)
    leads: dict[int, int] = {}
    for line in lines:
        if line.account_id in found:
            continue
        lead = leads.get(line.account_id)
        if lead is None:
            lead = leads[line.account_id] = max(0, lead_of(line.account_id))
        try:
            last = through + dt.timedelta(days=lead)
        except OverflowError:
            last = dt.date.max
        for day in boundaries(line, until=last, since=first):
            if day <= through or (day - after).days > lead >= (day - through).days:
                found.add(line.account_id)
                break
    return found


def outcome_of(mrr_due: int, mrr_after: int) -> str:
    """Renewed when the MRR after is at least the MRR due (and above 0), downgraded when it is
    lower but above 0, churned at 0. A renewal of lines at ¥0 that stay at ¥0 is renewed."""
    if mrr_after <= 0:
        return RENEWED if mrr_due <= 0 and mrr_after == 0 else CHURNED
    return RENEWED if mrr_after >= mrr_due else DOWNGRADED


@dataclass(frozen=True, slots=True)
class RenewalRate:
    due: int
    renewed: int  # renewed or downgraded
    logo_rate: float | None
    mrr_due: int
    mrr_kept: int
    amount_rate: float | None


def renewal_rate(renewals: Iterable[Renewal]) -> RenewalRate:
    """Renewal rate over renewals whose date has come (metrics.md): logo = renewed or
    downgraded / due; amount = MRR kept (capped at the MRR due) / MRR due. ``None`` when
    nothing was due."""
    due = renewed = mrr_due = kept = 0
    for renewal in renewals:
        if renewal.outcome is None:
            continue
        due += 1
        renewed += renewal.outcome != CHURNED
        mrr_due += renewal.mrr_due
        kept += renewal.mrr_kept or 0
    return RenewalRate(
        due=due,
        renewed=renewed,
        logo_rate=renewed / due if due else None,
        mrr_due=mrr_due,
        mrr_kept=kept,
        amount_rate=kept / mrr_due if mrr_due else None,
    )


def group_by_account(renewals: Iterable[Renewal]) -> Mapping[int, list[Renewal]]:
    grouped: defaultdict[int, list[Renewal]] = defaultdict(list)
    for renewal in renewals:
        grouped[renewal.account_id].append(renewal)
    return grouped

"""Churn events found in the subscription lines, and the churn-reason report. Pure: no Django,
no clock (every date is a parameter).

Definitions (docs/metrics.md, "Churn reasons"):

- A line is **active** on day d when ``start ≤ d < end`` (end exclusive, None: still running).
- An account **churns** on day e when a line of it ends on e (its ``end`` is e), the account
  had an active line on e − 1 and has none on e. The event names no line (whole account);
  its **lost MRR** is the MRR of the lines active on e − 1 (all of which end on e), split by
  their product.
- A **line is cancelled** on day e when it ends on e, the account still has an active line on
  e (so it is not a churn) and no line of the same product is active on e (so it is not a
  renewal, a re-price or a move to another line of the same product). Its lost MRR is the
  line's own MRR.
- Only events on or before ``as_of`` happened; a line whose end lies ahead is not an event yet.
- The **report** groups recorded reasons by period of the churn day (calendar month, fiscal
  quarter, fiscal year), by a cut (none, segment at the time, product) and by category, and
  gives for each group the count of events and the lost MRR (integer minor units), and each
  one's share of its period-and-cut total. A whole-account churn of two products counts once
  in each product's cut, with that product's MRR; in the segment cut and without a cut it
  counts once with its whole lost MRR. A share over a zero total is None.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from kizuna.core.calendar import (
    DEFAULT_FISCAL_YEAR_START_MONTH,
    fiscal_quarter,
    fiscal_year,
)

type Period = Literal["month", "quarter", "fiscal_year"]
type Cut = Literal["none", "segment", "product"]

PERIODS: Final[tuple[Period, ...]] = ("month", "quarter", "fiscal_year")
CUTS: Final[tuple[Cut, ...]] = ("none", "segment", "product")

#: how far back a churn event is still asked for (days before today); older ones may be
#: recorded, but are not listed as missing
ASK_WITHIN_DAYS: Final = 365

#: the default taxonomy: (key, Japanese name, English name), in display order
DEFAULT_CATEGORIES: Final[tuple[tuple[str, str, str], ...]] = (
    ("price", "価格", "Price"),
    ("product_fit", "製品適合", "Product fit"),
    ("champion_left", "推進者の退任", "Champion left"),
    ("m_and_a", "M&A・統合", "M&A or merger"),
    ("budget", "予算削減", "Budget cut"),
    ("competitor", "競合への乗り換え", "Moved to a competitor"),
    ("business_closed", "事業終了", "Business closed"),
    ("other", "その他", "Other"),
)


@dataclass(frozen=True)
class Line:
    """One subscription line of an account (MRR in integer minor units)."""

    line_id: int
    account_id: int
    product: str
    start: dt.date
    end: dt.date | None
    mrr: int

    def active_on(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class Event:
    """A churn event: ``line_id`` None for a whole-account churn. ``losses``: (product, MRR)
    per product, sorted by product; ``lost_mrr`` their sum."""

    account_id: int
    line_id: int | None
    churned_on: dt.date
    lost_mrr: int
    losses: tuple[tuple[str, int], ...]

    @property
    def key(self) -> tuple[int, int | None, dt.date]:
        return (self.account_id, self.line_id, self.churned_on)


def _losses(lines: Iterable[Line]) -> tuple[tuple[str, int], ...]:
    per: dict[str, int] = defaultdict(int)
    for line in lines:
        per[line.product] += line.mrr
    return tuple(sorted(per.items()))


def _account_events(lines: Sequence[Line], as_of: dt.date) -> list[Event]:
    events = []
    ends = sorted({line.end for line in lines if line.end is not None and line.end <= as_of})
    for end in ends:
        before = end - dt.timedelta(days=1)
        if not any(line.active_on(end) for line in lines):
            ending = [line for line in lines if line.active_on(before)]
            losses = _losses(ending)
            events.append(
                Event(ending[0].account_id, None, end, sum(m for _p, m in losses), losses)
            )
            continue
        for line in lines:
            if line.end != end:
                continue
            if any(o.product == line.product and o.active_on(end) for o in lines):
                continue
            events.append(
                Event(line.account_id, line.line_id, end, line.mrr, ((line.product, line.mrr),))
            )
    return events


def churn_events(
    lines: Iterable[Line], *, as_of: dt.date, since: dt.date | None = None
) -> list[Event]:
    """Every churn event of the lines' accounts on a day in [``since``, ``as_of``] (both
    inclusive; no lower bound when ``since`` is None), by account, day and line (whole-account
    events first)."""
    by_account: dict[int, list[Line]] = defaultdict(list)
    for line in lines:
        by_account[line.account_id].append(line)
    events = []
    for account_id in sorted(by_account):
        for event in _account_events(by_account[account_id], as_of):
            if since is None or event.churned_on >= since:
                events.append(event)
    return sorted(events, key=lambda e: (e.account_id, e.churned_on, e.line_id or 0))


def ask_since(as_of: dt.date, within_days: int = ASK_WITHIN_DAYS) -> dt.date:
    """The first churn day still asked for: ``as_of`` − ``within_days`` (never before year 1)."""
    try:
        return as_of - dt.timedelta(days=within_days)
    except OverflowError:
        return dt.date.min


# --- the report ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReasonRow:
    """One recorded reason as the report reads it: the churn day, the account's segment at the
    time, the category key and the lost MRR per product."""

    churned_on: dt.date
    segment: str
    category: str
    losses: tuple[tuple[str, int], ...]

    @property
    def lost_mrr(self) -> int:
        return sum(mrr for _product, mrr in self.losses)


@dataclass(frozen=True)
class Cell:
    """One period × group × category of the report. Shares are of the period-and-group total
    (count of events, lost MRR); None when that total is zero."""

    period: str
    group: str
    category: str
    count: int
    lost_mrr: int
    count_share: float | None
    mrr_share: float | None


def period_label(
    day: dt.date, period: Period, fiscal_start_month: int = DEFAULT_FISCAL_YEAR_START_MONTH
) -> str:
    """``2026-11`` (month), ``FY2026-Q3`` (fiscal quarter), ``FY2026`` (fiscal year, named by
    the calendar year it starts in). Labels sort in time order."""
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year = fiscal_year(day, fiscal_start_month)
    if period == "quarter":
        return f"FY{year:04d}-Q{fiscal_quarter(day, fiscal_start_month)}"
    return f"FY{year:04d}"


def _groups(row: ReasonRow, cut: Cut) -> list[tuple[str, int]]:
    if cut == "product":
        return list(row.losses) or [("", 0)]
    return [(row.segment if cut == "segment" else "", row.lost_mrr)]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def churn_reason_report(
    rows: Iterable[ReasonRow],
    *,
    period: Period = "month",
    cut: Cut = "none",
    fiscal_start_month: int = DEFAULT_FISCAL_YEAR_START_MONTH,
    order: Sequence[str] = (),
) -> list[Cell]:
    """The report's cells: one per period, group (the cut's value; "" without a cut) and
    category with at least one event. Sorted by period, group, then lost MRR descending, count
    descending, the category's place in ``order`` (unknown ones last) and key — so ties keep
    the taxonomy's order. Empty input → []."""
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    money: dict[tuple[str, str, str], int] = defaultdict(int)
    for row in rows:
        label = period_label(row.churned_on, period, fiscal_start_month)
        for group, mrr in _groups(row, cut):
            counts[(label, group, row.category)] += 1
            money[(label, group, row.category)] += mrr
    total_count: dict[tuple[str, str], int] = defaultdict(int)
    total_money: dict[tuple[str, str], int] = defaultdict(int)
    for (label, group, _category), count in counts.items():
        total_count[(label, group)] += count
        total_money[(label, group)] += money[(label, group, _category)]
    place = {key: n for n, key in enumerate(order)}
    cells = [
        Cell(
            label,
            group,
            category,
            count,
            money[(label, group, category)],
            _share(count, total_count[(label, group)]),
            _share(money[(label, group, category)], total_money[(label, group)]),
        )
        for (label, group, category), count in counts.items()
    ]
    return sorted(
        cells,
        key=lambda c: (
            c.period,
            c.group,
            -c.lost_mrr,
            -c.count,
            place.get(c.category, len(place)),
            c.category,
        ),
    )


@dataclass(frozen=True)
class CategoryTotal:
    category: str
    count: int
    lost_mrr: int
    count_share: float | None
    mrr_share: float | None


def category_totals(rows: Iterable[ReasonRow], *, order: Sequence[str] = ()) -> list[CategoryTotal]:
    """Every category over all the rows (the chart): count, lost MRR and their shares of the
    whole (None over a zero total), ordered as the report's cells."""
    counts: dict[str, int] = defaultdict(int)
    money: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row.category] += 1
        money[row.category] += row.lost_mrr
    whole_count, whole_money = sum(counts.values()), sum(money.values())
    place = {key: n for n, key in enumerate(order)}
    totals = [
        CategoryTotal(
            key,
            counts[key],
            money[key],
            _share(counts[key], whole_count),
            _share(money[key], whole_money),
        )
        for key in counts
    ]
    return sorted(
        totals,
        key=lambda t: (-t.lost_mrr, -t.count, place.get(t.category, len(place)), t.category),
    )

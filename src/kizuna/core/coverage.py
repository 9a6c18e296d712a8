"""Coverage rate (カバー率): did each account get a qualifying touchpoint within its period?

Definition (docs/metrics.md, "Coverage rate"), for segment S with period P months, as of day d::

    coverage rate = accounts of S active at d with ≥ 1 qualifying touchpoint in (d − P, d]
                    / accounts of S active at d

- **Local dates.** The core works on calendar dates in the company's time zone. The caller turns
  each touchpoint's aware ``occurred_at`` into a local date with ``core.calendar.local_day``: a
  meeting at 23:30 JST on 31 October counts for October, and one at 08:30 JST on 1 November
  (23:30 UTC on 31 October) counts for November. The company's zone decides, never UTC.
- **d − P** is the same day of the month P calendar months earlier, clamped to that month's end
  (``core.calendar.add_months``: 2026-03-31 − 1 month = 2026-02-28). The window **excludes**
  d − P and **includes** d: a touch on d − P does not count, on d − P + 1 day and on d it does.
  Touches after d are ignored (they did not happen yet as of d).
- **Active at d** means MRR > 0 at d: the caller passes only those accounts, each with its
  segment, owner CSM and team at d. An account churned before d is not in the denominator.
- **Qualifying kinds** are set per segment (``CoveragePolicy.qualifying_kinds``); a touch of
  another kind is ignored for that account (a webinar does not cover a high-touch account).
- **Zero denominator**: rate = None ("undefined", shown as "—"), never 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import polars as pl

from kizuna.core.calendar import add_months, month_ends
from kizuna.core.segmentation import COMMUNITY, HIGH, LOW, TECH
from kizuna.core.touchpoints import HUMAN_KINDS


@dataclass(frozen=True, slots=True)
class CoveragePolicy:
    """A segment's coverage period (whole calendar months), target rate and qualifying kinds."""

    segment: str
    period_months: int
    target: float
    qualifying_kinds: frozenset[str]

    def __post_init__(self) -> None:
        if self.period_months < 1:
            raise ValueError("period_months must be at least 1")
        if not 0 <= self.target <= 1:
            raise ValueError("target must be a fraction between 0 and 1")


DEFAULT_POLICIES: tuple[CoveragePolicy, ...] = (
    CoveragePolicy(HIGH, 1, 0.8, HUMAN_KINDS),
    CoveragePolicy(LOW, 3, 0.7, HUMAN_KINDS),
    CoveragePolicy(TECH, 6, 0.5, HUMAN_KINDS | {"webinar"}),
    CoveragePolicy(COMMUNITY, 6, 0.3, HUMAN_KINDS | {"webinar"}),
)
"""The one home of the default policies, one per segment (``kizuna.core.segmentation``'s
``SEGMENT_ORDER``): high 1 month / 80 %, low 3 / 70 %, tech 6 / 50 % (docs/metrics.md,
"Coverage rate"), and the optional community slice of tech touch 6 / 30 %. Meetings, calls,
e-mails and on-site visits count everywhere; a webinar, the one-to-many kind, for the
one-to-many segments (tech touch and the community slice carved from it) only; an internal
note ("note") and "other" never count. The segments app seeds them as editable data (its data
migration) and reads them for a segment that has no row."""


@dataclass(frozen=True, slots=True)
class AccountAtDate:
    """An account active at the as-of day (MRR > 0), with its segment, owner and team then."""

    account_id: int
    segment: str
    owner_id: int | None
    team_id: int | None
    mrr: int


@dataclass(frozen=True, slots=True)
class Touch:
    """A touchpoint on a local calendar day (see ``core.calendar.local_day``)."""

    account_id: int
    kind: str
    day: date


@dataclass(frozen=True, slots=True)
class CoverageRow:
    """Coverage of one group. In ``by_segment`` rows team_id and owner_id are None; in
    ``by_team`` rows owner_id is None and team_id None means "accounts without a team"; in
    ``by_csm`` rows team_id is None and owner_id None means "unassigned accounts"."""

    segment: str
    team_id: int | None
    owner_id: int | None
    covered: int
    total: int
    rate: float | None
    target: float
    meets_target: bool | None


@dataclass(frozen=True, slots=True)
class CoverageReport:
    as_of: date
    by_segment: tuple[CoverageRow, ...]
    by_team: tuple[CoverageRow, ...]
    by_csm: tuple[CoverageRow, ...]
    no_policy: int
    """Active accounts whose segment has no policy: excluded from every row."""


@dataclass(frozen=True, slots=True)
class CoverageDue:
    """One line of a CSM's worklist (see ``coverage_due``)."""

    account_id: int
    segment: str
    owner_id: int | None
    team_id: int | None
    mrr: int
    last_touch: date | None
    falls_out_on: date | None
    days_left: int | None
    covered: bool


def falls_out_on(last_touch: date, period_months: int) -> date:
    """The first day d' on which a touch on ``last_touch`` no longer covers its account, i.e.
    the first d' with d' − P ≥ last_touch under the clamped month arithmetic of the window.

    Normally last_touch + P months (a touch on 2026-01-15 covers through 2026-02-14 and falls out
    on 2026-02-15). When that addition clamps, the touch still covers the clamped month end and
    falls out the day after: a touch on 2026-01-31 with P = 1 covers as of 2026-02-28, because
    2026-02-28 − 1 month = 2026-01-28 < 2026-01-31, and falls out on 2026-03-01.
    """
    shifted = add_months(last_touch, period_months)
    return shifted if shifted.day == last_touch.day else shifted + timedelta(days=1)


class TouchIndex:
    """Touches as one Polars frame, and per set of qualifying kinds the matching touches sorted
    by day (built once, cached). Build it with ``index_touches`` and pass it instead of a touch
    list to reuse it across calls (a job computing rates, trend and worklists)."""

    __slots__ = ("_by_kinds", "_frame")

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = frame
        self._by_kinds: dict[frozenset[str], pl.DataFrame] = {}

    def qualifying(self, kinds: frozenset[str]) -> pl.DataFrame:
        """(account_id, last_touch) of the touches whose kind is in ``kinds``, sorted by day."""
        cached = self._by_kinds.get(kinds)
        if cached is None:
            cached = (
                self._frame.filter(pl.col("kind").is_in(sorted(kinds)))
                .select("account_id", pl.col("day").alias("last_touch"))
                .sort("last_touch")
            )
            self._by_kinds[kinds] = cached
        return cached


def index_touches(touches: Iterable[Touch]) -> TouchIndex:
    """Load touches into a ``TouchIndex`` (one pass over the dataclasses)."""
    items = touches if isinstance(touches, list | tuple) else list(touches)
    frame = pl.DataFrame(
        {
            "account_id": [touch.account_id for touch in items],
            "kind": [touch.kind for touch in items],
            "day": [touch.day for touch in items],
        },
        schema={"account_id": pl.Int64, "kind": pl.String, "day": pl.Date},
    )
    return TouchIndex(frame)


def _as_index(touches: Iterable[Touch] | TouchIndex) -> TouchIndex:
    return touches if isinstance(touches, TouchIndex) else index_touches(touches)


def _policy_map(policies: Iterable[CoveragePolicy]) -> dict[str, CoveragePolicy]:
    result: dict[str, CoveragePolicy] = {}
    for policy in policies:
        if policy.segment in result:
            raise ValueError(f"two coverage policies for segment {policy.segment!r}")
        result[policy.segment] = policy
    return result


_ACCOUNT_SCHEMA = {
    "account_id": pl.Int64,
    "segment": pl.String,
    "owner_id": pl.Int64,
    "team_id": pl.Int64,
    "mrr": pl.Int64,
}


def _accounts_frame(batches: Iterable[tuple[date, Iterable[AccountAtDate]]]) -> pl.DataFrame:
    """One row per (as_of, account); ``ValueError`` when an account appears twice on a day."""
    frames = []
    for as_of, accounts in batches:
        items = accounts if isinstance(accounts, list | tuple) else list(accounts)
        columns = {
            "account_id": [account.account_id for account in items],
            "segment": [account.segment for account in items],
            "owner_id": [account.owner_id for account in items],
            "team_id": [account.team_id for account in items],
            "mrr": [account.mrr for account in items],
        }
        frame = pl.DataFrame(columns, schema=_ACCOUNT_SCHEMA)
        if frame.get_column("account_id").n_unique() != frame.height:
            duplicated = frame.filter(pl.col("account_id").is_duplicated()).item(0, "account_id")
            raise ValueError(f"account {duplicated} is listed twice on {as_of}")
        frames.append(frame.select(pl.lit(as_of, dtype=pl.Date).alias("as_of"), pl.all()))
    return (
        pl.concat(frames) if frames else pl.DataFrame(schema={"as_of": pl.Date, **_ACCOUNT_SCHEMA})
    )


def _with_last_touch(
    accounts: pl.DataFrame, index: TouchIndex, policies: Mapping[str, CoveragePolicy]
) -> pl.DataFrame:
    """Accounts whose segment has a policy, with ``last_touch`` (the latest qualifying day
    ≤ as_of, or null), ``window_start`` (as_of − P, excluded) and ``covered``."""
    days = accounts.get_column("as_of").unique().to_list()
    parts = []
    for segment, policy in policies.items():
        starts = pl.DataFrame(
            {"as_of": days, "window_start": [add_months(d, -policy.period_months) for d in days]},
            schema={"as_of": pl.Date, "window_start": pl.Date},
        )
        left = accounts.filter(pl.col("segment") == segment).sort("as_of")
        joined = left.join_asof(
            index.qualifying(policy.qualifying_kinds),
            left_on="as_of",
            right_on="last_touch",
            by="account_id",
            strategy="backward",
            check_sortedness=False,
        )
        parts.append(joined.join(starts, on="as_of", how="left"))
    frame = pl.concat(parts) if parts else accounts.clear()
    covered = pl.col("last_touch").is_not_null() & (pl.col("last_touch") > pl.col("window_start"))
    return frame.with_columns(covered=covered.fill_null(False))


def _row(
    policy: CoveragePolicy, team_id: int | None, owner_id: int | None, covered: int, total: int
) -> CoverageRow:
    rate = covered / total if total else None
    meets = None if not total else Decimal(covered) >= Decimal(str(policy.target)) * total
    return CoverageRow(
        policy.segment, team_id, owner_id, covered, total, rate, policy.target, meets
    )


def _rows(
    counts: Mapping[tuple[str, int | None], list[int]],
    policies: Mapping[str, CoveragePolicy],
    by_team: bool,
) -> tuple[CoverageRow, ...]:
    order = {segment: position for position, segment in enumerate(policies)}

    def sort_key(key: tuple[str, int | None]) -> tuple[int, bool, int]:
        return (order[key[0]], key[1] is None, key[1] or 0)

    rows = []
    for segment, group_id in sorted(counts, key=sort_key):
        covered, total = counts[(segment, group_id)]
        team_id, owner_id = (group_id, None) if by_team else (None, group_id)
        rows.append(_row(policies[segment], team_id, owner_id, covered, total))
    return tuple(rows)


_Group = tuple[str, int | None, int | None, bool, int]


@dataclass(frozen=True, slots=True)
class CoverageCount:
    """How many active accounts of one (segment, team, owner) group are covered or not, as a
    database counts them with a GROUP BY (see ``coverage_from_counts``)."""

    segment: str
    team_id: int | None
    owner_id: int | None
    covered: bool
    accounts: int


def _report(
    as_of: date, groups: list[_Group], no_policy: int, policies: Mapping[str, CoveragePolicy]
) -> CoverageReport:
    """Build the rows from (segment, team, owner, covered, count) groups of one as-of day."""
    segments = {segment: [0, 0] for segment in policies}
    teams: defaultdict[tuple[str, int | None], list[int]] = defaultdict(lambda: [0, 0])
    csms: defaultdict[tuple[str, int | None], list[int]] = defaultdict(lambda: [0, 0])
    for segment, team_id, owner_id, covered, number in groups:
        for cell in (segments[segment], teams[(segment, team_id)], csms[(segment, owner_id)]):
            cell[0] += number if covered else 0
            cell[1] += number
    by_segment = tuple(_row(policies[s], None, None, c, t) for s, (c, t) in segments.items())
    return CoverageReport(
        as_of=as_of,
        by_segment=by_segment,
        by_team=_rows(teams, policies, by_team=True),
        by_csm=_rows(csms, policies, by_team=False),
        no_policy=no_policy,
    )


def _reports(
    batches: Iterable[tuple[date, Iterable[AccountAtDate]]],
    index: TouchIndex,
    policies: Mapping[str, CoveragePolicy],
) -> list[CoverageReport]:
    """One report per as-of day of ``batches``, in the order given, from one vectorised pass."""
    batches = list(batches)
    accounts = _accounts_frame(batches)
    frame = _with_last_touch(accounts, index, policies)
    keys = ["as_of", "segment", "team_id", "owner_id", "covered"]
    groups: defaultdict[date, list[_Group]] = defaultdict(list)
    for as_of, *group in frame.group_by(keys).len().iter_rows():
        groups[as_of].append((group[0], group[1], group[2], group[3], group[4]))
    totals = dict(accounts.group_by("as_of").len().iter_rows())
    in_policy = dict(frame.group_by("as_of").len().iter_rows())
    return [
        _report(day, groups[day], totals.get(day, 0) - in_policy.get(day, 0), policies)
        for day, _ in batches
    ]


def coverage_rates(
    accounts: Iterable[AccountAtDate],
    touches: Iterable[Touch] | TouchIndex,
    policies: Iterable[CoveragePolicy],
    *,
    as_of: date,
) -> CoverageReport:
    """Coverage per segment, per (segment, team) and per (segment, CSM) as of ``as_of``.

    For each group: covered = its accounts with a qualifying touch on a day t with
    as_of − P < t ≤ as_of (P = the segment's period, clamped month arithmetic), total = its
    accounts, rate = covered / total (None when total = 0), meets_target = rate ≥ target
    compared exactly (None when rate is None). ``accounts`` must be the accounts active at
    as_of, each once (``ValueError`` otherwise). Accounts of a segment without a policy are
    counted in ``no_policy`` only. Every policy gets a ``by_segment`` row (total 0 → rate None);
    team and CSM rows exist for groups with at least one account. Rows follow the order of
    ``policies``, then team / CSM id ascending, None (no team / unassigned) last.
    """
    return _reports([(as_of, accounts)], _as_index(touches), _policy_map(policies))[0]


def coverage_from_counts(
    counts: Iterable[CoverageCount],
    policies: Iterable[CoveragePolicy],
    *,
    as_of: date,
    no_policy: int = 0,
) -> CoverageReport:
    """The same report as ``coverage_rates`` from counts made elsewhere (a SQL GROUP BY over
    today's accounts with the window rule of ``coverage_rates``), so that a page and its
    drill-down count with one query definition and still share the core's rows, rates and
    "meets target" rule. Counts of a segment without a policy are added to ``no_policy``;
    several counts of one group add up. Zero denominator: rate None, as in ``coverage_rates``.
    """
    policy_map = _policy_map(policies)
    groups: list[_Group] = []
    for count in counts:
        if count.accounts < 0:
            raise ValueError("a count of accounts cannot be negative")
        if count.segment not in policy_map:
            no_policy += count.accounts
            continue
        groups.append((count.segment, count.team_id, count.owner_id, count.covered, count.accounts))
    return _report(as_of, groups, no_policy, policy_map)


def coverage_trend(
    accounts_at: Callable[[date], Iterable[AccountAtDate]] | Mapping[date, Iterable[AccountAtDate]],
    touches: Iterable[Touch] | TouchIndex,
    policies: Iterable[CoveragePolicy],
    *,
    first_month: date,
    last_month: date,
) -> tuple[CoverageReport, ...]:
    """``coverage_rates`` as of the last day of every month from first_month to last_month.

    ``accounts_at(month_end)`` (a callable or a mapping keyed by month-end dates) gives the
    accounts active on that day with their segment, owner and team on that day; the touches
    are indexed once for the whole range. Same boundaries and zero-denominator rule as
    ``coverage_rates``. Raises ``KeyError`` when a mapping lacks a month end.
    """
    lookup = accounts_at.__getitem__ if isinstance(accounts_at, Mapping) else accounts_at
    batches = [(day, lookup(day)) for day in month_ends(first_month, last_month)]
    return tuple(_reports(batches, _as_index(touches), _policy_map(policies)))


def coverage_due(
    accounts: Iterable[AccountAtDate],
    touches: Iterable[Touch] | TouchIndex,
    policies: Iterable[CoveragePolicy],
    *,
    as_of: date,
) -> list[CoverageDue]:
    """The worklist: for each active account whose segment has a policy, when it falls out.

    - last_touch: the latest qualifying touch on or before as_of (None if none);
    - falls_out_on: the first day on which that touch no longer covers the account
      (``falls_out_on``: last_touch + P months, or the day after when the addition clamps to a
      month end); None when never touched (due now);
    - days_left = falls_out_on − as_of in days; covered = days_left > 0, which agrees with
      ``coverage_rates`` as of the same day. 0 or negative: already uncovered.

    Order: never touched first, then days_left ascending, then MRR descending, then account id.
    """
    policy_map = _policy_map(policies)
    frame = _with_last_touch(_accounts_frame([(as_of, accounts)]), _as_index(touches), policy_map)
    lines = []
    columns = ("account_id", "segment", "owner_id", "team_id", "mrr", "last_touch")
    for account_id, segment, owner_id, team_id, mrr, last in frame.select(columns).iter_rows():
        out = None if last is None else falls_out_on(last, policy_map[segment].period_months)
        left = None if out is None else (out - as_of).days
        covered = left is not None and left > 0
        line = CoverageDue(account_id, segment, owner_id, team_id, mrr, last, out, left, covered)
        lines.append(line)
    lines.sort(key=_due_order)
    return lines


def _due_order(line: CoverageDue) -> tuple[bool, int, int, int]:
    return (line.days_left is not None, line.days_left or 0, -line.mrr, line.account_id)

"""Reads for the coverage pages.

Today's figures (the dashboard's tiles and tables, the API's latest rows, the drill-downs, the
worklist and the account page) are computed live, when the page is asked for, from one window
rule (``covered_today``): a touchpoint logged a minute ago counts everywhere at once, and a
figure never disagrees with its drill-down. Earlier days (the trend) are read from the
snapshots the daily job stores.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, Max, OuterRef, QuerySet
from django.utils import timezone

from kizuna.apps.coverage.frames import accounts_today
from kizuna.apps.coverage.models import CoverageSnapshot, Scope
from kizuna.apps.coverage.touches import last_touches, last_touches_of_owners
from kizuna.apps.customers.models import Account, Segment
from kizuna.apps.org.models import Role, Team, User
from kizuna.apps.segments.frames import coverage_policies
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core.calendar import add_months
from kizuna.core.coverage import (
    CoverageCount,
    CoverageDue,
    CoveragePolicy,
    CoverageReport,
    coverage_due,
    coverage_from_counts,
)
from kizuna.core.segmentation import SEGMENT_ORDER


def latest_snapshot_day() -> dt.date | None:
    day: dt.date | None = CoverageSnapshot.objects.aggregate(day=Max("as_of"))["day"]
    return day


def snapshots_computed_at(*, before: dt.date) -> dt.datetime | None:
    """When the daily job last stored a snapshot of a day before ``before`` (the trend)."""
    at: dt.datetime | None = CoverageSnapshot.objects.filter(as_of__lt=before).aggregate(
        at=Max("computed_at")
    )["at"]
    return at


@dataclass(frozen=True, slots=True)
class CoverageRows:
    """A day's coverage rows: company-wide per segment, per team and per CSM, each ordered by
    segment, then lowest coverage first."""

    segment: list[CoverageSnapshot]
    team: list[CoverageSnapshot]
    csm: list[CoverageSnapshot]

    def of_scope(self, scope: str) -> list[CoverageSnapshot]:
        """The rows of one ``Scope`` ("segment", "team" or "csm")."""
        rows: list[CoverageSnapshot] = getattr(self, Scope(scope).value)
        return rows


def snapshot_rows(*, day: dt.date) -> CoverageRows:
    """The day's rows split into company-wide per segment, per team and per CSM."""
    return _split(CoverageSnapshot.objects.filter(as_of=day).select_related("team", "csm"))


def _split(rows: Iterable[CoverageSnapshot]) -> CoverageRows:
    result: dict[str, list[CoverageSnapshot]] = {"segment": [], "team": [], "csm": []}
    for row in rows:
        result[row.scope].append(row)
    order = {segment: index for index, segment in enumerate(SEGMENT_ORDER)}
    for items in result.values():
        items.sort(
            key=lambda r: (
                order.get(r.segment, 9),
                r.rate if r.rate is not None else 2,
                str(r.team or r.csm or ""),
            )
        )
    return CoverageRows(segment=result["segment"], team=result["team"], csm=result["csm"])


@dataclass(frozen=True)
class TrendLine:
    """One segment's company-wide coverage rate on each snapshot day (None: no account)."""

    segment: str
    days: list[dt.date]
    rates: list[float | None]
    target: float
    last_rate: float | None


def trend_lines(*, live: list[CoverageSnapshot]) -> list[TrendLine]:
    """Per segment, the company-wide coverage rate over the snapshot days before today, then
    today's live figure (``live``: its company-wide rows). A snapshot stored for today
    earlier in the day is not drawn: the last point is the live figure the tiles show."""
    live_day = live[0].as_of if live else None
    stored = CoverageSnapshot.objects.filter(scope="segment").order_by("as_of")
    rows = [*(stored.filter(as_of__lt=live_day) if live_day else stored), *live]
    days = sorted({row.as_of for row in rows})
    by_segment: dict[str, dict[dt.date, CoverageSnapshot]] = {}
    for row in rows:
        by_segment.setdefault(row.segment, {})[row.as_of] = row
    lines = []
    for segment in [s for s in SEGMENT_ORDER if s in by_segment]:
        items = by_segment[segment]
        last = items[max(items)]
        lines.append(
            TrendLine(
                segment=segment,
                days=days,
                rates=[items[d].rate if d in items else None for d in days],
                target=last.target,
                last_rate=last.rate,
            )
        )
    return lines


def due_list(*, accounts: QuerySet[Account], today: dt.date) -> list[tuple[CoverageDue, Account]]:
    """``coverage_due`` for a bounded set of accounts (a CSM's book, a drill-down), joined
    back to the account rows for display. The touches are each account's last touch
    (``last_touches``, the account header's too), all the core needs for the worklist."""
    by_id = {a.pk: a for a in accounts.select_related("owner", "team")}
    return [(due, by_id[due.account_id]) for due in _dues(by_id.values(), today=today)]


#: the account columns ``coverage_due`` reads (``accounts_today``)
_DUE_FIELDS = ("id", "segment", "owner", "team", "mrr")


def _dues(accounts: Collection[Account], *, today: dt.date) -> list[CoverageDue]:
    """``coverage_due`` of ``accounts`` as of ``today``, who falls out first first."""
    if not accounts:
        return []
    touches = list(last_touches(accounts=accounts, today=today).values())
    return coverage_due(accounts_today(accounts), touches, coverage_policies(), as_of=today)


def worklist_rows(*, member: User, today: dt.date) -> list[tuple[CoverageDue, Account]]:
    """A member's worklist: the active accounts (MRR > 0) they own by coverage due date
    (``due_list``); the API's ``/worklist`` reads it."""
    return due_list(accounts=active_accounts().filter(owner=member), today=today)


def worklist_dues(*, member: User, today: dt.date) -> list[CoverageDue]:
    """The lines of ``worklist_rows`` without the account rows, in the same order: the 今日
    page counts them all (``worklist_summary``) and shows one page of them
    (``worklist_page_rows``). Reads only the columns the core needs."""
    accounts = active_accounts().filter(owner=member).only(*_DUE_FIELDS)
    return _dues(list(accounts), today=today)


def worklists_dues(*, member_ids: Collection[int], today: dt.date) -> dict[int, list[CoverageDue]]:
    """``worklist_dues`` of each of ``member_ids`` (absent: an empty worklist), read at once:
    the accounts in one query, their last touches in one (``last_touches_of_owners``), one
    ``coverage_due``; each member's lines in the same order as ``worklist_dues``."""
    ids = list(member_ids)
    accounts = list(active_accounts().filter(owner_id__in=ids).only(*_DUE_FIELDS))
    if not accounts:
        return {}
    touches = last_touches_of_owners(owner_ids=ids, today=today).values()
    dues = coverage_due(accounts_today(accounts), touches, coverage_policies(), as_of=today)
    by_member: dict[int, list[CoverageDue]] = {}
    for due in dues:  # the core's order is total: each member's share keeps it
        if due.owner_id is not None:
            by_member.setdefault(due.owner_id, []).append(due)
    return by_member


def worklist_page_rows(dues: Iterable[CoverageDue]) -> list[tuple[CoverageDue, Account]]:
    """Lines of ``worklist_dues`` (one page of them) joined to their account rows for display,
    in the same order; an account deleted since it was counted is left out."""
    dues = list(dues)
    by_id = Account.objects.in_bulk([due.account_id for due in dues])
    return [(due, by_id[due.account_id]) for due in dues if due.account_id in by_id]


def worklist_members() -> QuerySet[User]:
    """The members whose worklist can be picked: CSMs and managers who own accounts."""
    return User.objects.filter(
        role__in=[Role.CSM, Role.MANAGER], owned_accounts__isnull=False
    ).distinct()


@dataclass(frozen=True, slots=True)
class WorklistSummary:
    """A worklist's accounts: all, those not covered today, and those covered that fall out
    within 7 days."""

    total: int
    uncovered: int
    due_in_7_days: int


def worklist_summary(dues: Collection[CoverageDue]) -> WorklistSummary:
    """The counts of a whole worklist (``worklist_dues``), whichever page of it is shown."""
    return WorklistSummary(
        total=len(dues),
        uncovered=sum(1 for due in dues if not due.covered),
        due_in_7_days=sum(1 for due in dues if due.covered and (due.days_left or 0) <= 7),
    )


def policy_for(segment: str) -> CoveragePolicy | None:
    return next((p for p in coverage_policies() if p.segment == segment), None)


def _window(policy: CoveragePolicy, today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The policy's window as of ``today`` as aware instants: local days today − P < t ≤
    today become [local midnight of today − P + 1 day, local midnight of tomorrow)."""
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    first_day = add_months(today, -policy.period_months) + dt.timedelta(days=1)
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def covered_today(policy: CoveragePolicy, today: dt.date) -> Exists:
    """For an account queryset: has the account a qualifying touchpoint in the policy's window
    as of ``today``? The one definition every live coverage figure and drill-down uses (the
    same rule as ``kizuna.core.coverage``; a test checks both agree)."""
    start, end = _window(policy, today)
    return Exists(
        Touchpoint.objects.filter(
            account=OuterRef("pk"),
            kind__in=sorted(policy.qualifying_kinds),
            occurred_at__gte=start,
            occurred_at__lt=end,
        )
    )


def active_accounts() -> QuerySet[Account]:
    """Today's active accounts: cached MRR > 0 (the worklist's and the drill-down's base)."""
    return Account.objects.filter(mrr__gt=0)


@dataclass(frozen=True)
class LiveCoverage:
    report: CoverageReport
    computed_at: dt.datetime


def coverage_live(*, today: dt.date) -> LiveCoverage:
    """Coverage as of ``today`` per segment, team and CSM, counted now in the database: one
    GROUP BY per policy over today's active accounts with ``covered_today``, turned into
    rows by the core (``coverage_from_counts``)."""
    computed_at = timezone.now()
    policies = coverage_policies()
    counts = []
    for policy in policies:
        groups = (
            active_accounts()
            .filter(segment=policy.segment)
            .annotate(covered=covered_today(policy, today))
            .values_list("team_id", "owner_id", "covered")
            .annotate(accounts=Count("pk"))
            .order_by()
        )
        counts += [
            CoverageCount(policy.segment, team_id, owner_id, bool(covered), accounts)
            for team_id, owner_id, covered, accounts in groups
        ]
    no_policy = active_accounts().exclude(segment__in=[p.segment for p in policies]).count()
    report = coverage_from_counts(counts, policies, as_of=today, no_policy=no_policy)
    return LiveCoverage(report=report, computed_at=computed_at)


def live_rows(live: LiveCoverage) -> CoverageRows:
    """The live report as unsaved ``CoverageSnapshot`` rows (the shape the dashboard and the
    API show), split and ordered like ``snapshot_rows``; groups without accounts left out."""
    report = live.report
    scoped = [
        (scope, row)
        for scope, rows in (
            (Scope.SEGMENT, report.by_segment),
            (Scope.TEAM, report.by_team),
            (Scope.CSM, report.by_csm),
        )
        for row in rows
        if row.total > 0
    ]
    teams = Team.objects.in_bulk({row.team_id for _s, row in scoped if row.team_id})
    users = User.objects.in_bulk({row.owner_id for _s, row in scoped if row.owner_id})
    return _split(
        CoverageSnapshot(
            as_of=report.as_of,
            scope=scope,
            segment=row.segment,
            team=teams.get(row.team_id) if row.team_id else None,
            csm=users.get(row.owner_id) if row.owner_id else None,
            covered=row.covered,
            total=row.total,
            rate=row.rate,
            target=row.target,
            computed_at=live.computed_at,
        )
        for scope, row in scoped
    )


@dataclass(frozen=True)
class UncoveredScope:
    """Whose uncovered accounts a drill-down lists: one segment, and one team and one CSM,
    or the accounts without a team (``no_team``) or without an owner (``no_owner``), as the
    dashboard's rows count them."""

    segment: str
    team: Team | None
    csm: User | None
    no_team: bool
    no_owner: bool

    def accounts(self) -> QuerySet[Account]:
        """Today's active accounts of the scope."""
        accounts = active_accounts().filter(segment=self.segment)
        if self.team:
            accounts = accounts.filter(team=self.team)
        elif self.no_team:
            accounts = accounts.filter(team__isnull=True)
        if self.csm:
            accounts = accounts.filter(owner=self.csm)
        elif self.no_owner:
            accounts = accounts.filter(owner__isnull=True)
        return accounts


def _pk(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0


def uncovered_scope(*, segment: str, team: str | None, csm: str | None) -> UncoveredScope:
    """The scope the drill-down's parameters name: an unknown segment is high touch; a team
    or CSM id that names nobody is no filter, and ``"none"`` stands for the accounts without
    one."""
    found_team = Team.objects.filter(pk=_pk(team)).first()
    found_csm = User.objects.filter(pk=_pk(csm)).first()
    return UncoveredScope(
        segment=segment if segment in Segment.values else Segment.HIGH,
        team=found_team,
        csm=found_csm,
        no_team=not found_team and team == "none",
        no_owner=not found_csm and csm == "none",
    )


@dataclass(frozen=True, slots=True)
class UncoveredRow:
    """An account of a drill-down not covered today: its last touch (None: never), and
    whether the reader may log a touchpoint on it or give it another owner."""

    account: Account
    last_touch: dt.date | None
    can_touch: bool
    can_reassign: bool


def uncovered_accounts(
    *, accounts: QuerySet[Account], segment: str, today: dt.date
) -> QuerySet[Account]:
    """The accounts of ``segment`` among ``accounts``, active today (MRR > 0), without
    ``covered_today``: one SQL query, so that a drill-down into 60,000 tech-touch accounts
    pages in the database."""
    policy = policy_for(segment)
    if policy is None:
        return accounts.none()
    return (
        accounts.filter(segment=segment, mrr__gt=0)
        .exclude(covered_today(policy, today))
        .select_related("owner", "team")
        .order_by("-mrr", "id")
    )


def account_coverage(*, account: Account, today: dt.date) -> CoverageDue | None:
    """The account's line of the worklist (last touch as ``last_touches`` reads it, when it
    falls out, covered or not); None when it is not active or its segment has no policy."""
    if account.mrr <= 0:
        return None
    policies = coverage_policies()
    touches = list(last_touches(accounts=[account], today=today).values())
    rows = coverage_due(accounts_today([account]), touches, policies, as_of=today)
    return rows[0] if rows else None

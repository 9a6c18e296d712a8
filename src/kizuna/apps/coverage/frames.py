"""Turn the database into the pure coverage core's inputs (accounts at a date with the owner
and team they had that day, touches as local dates; the policies are
``segments.frames.coverage_policies``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable

from django.db.models import Max, Q, Sum, TextField
from django.db.models.functions import Cast

from kizuna.apps.assignments.models import AssignmentChange
from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.segments.frames import coverage_policies
from kizuna.apps.segments.models import AccountSegmentPeriod
from kizuna.apps.tenant.selectors import tenant_settings_get, tenant_today
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core.calendar import add_months, local_day
from kizuna.core.coverage import AccountAtDate, CoveragePolicy, Touch
from kizuna.core.ownership import OwnershipChange, OwnershipHistory
from kizuna.db.rows import plain_rows


def longest_period_months(policies: list[CoveragePolicy] | None = None) -> int:
    return max((p.period_months for p in policies or coverage_policies()), default=1)


def accounts_today(accounts: Iterable[Account]) -> list[AccountAtDate]:
    """Today's active accounts (cached MRR > 0) as core inputs."""
    return [
        AccountAtDate(
            account_id=a.pk, segment=a.segment, owner_id=a.owner_id, team_id=a.team_id, mrr=a.mrr
        )
        for a in accounts
        if a.mrr > 0
    ]


def accounts_at(day: dt.date, *, history: OwnershipHistory | None = None) -> list[AccountAtDate]:
    """Accounts active on ``day`` (Σ MRR of lines with start ≤ day < end is > 0), with their
    segment on that day from the segment history (before an account's first recorded period,
    its first recorded segment) and their owner and team at the end of that day, replayed from
    the assignment changes (``core.ownership``). ``history`` must hold every change made after
    ``day`` (``ownership_history``); without it, one query reads them."""
    mrr = dict(
        SubscriptionLine.objects.filter(start_date__lte=day)
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
        .values("account_id")
        .annotate(total=Sum("mrr"))
        .filter(total__gt=0)
        .values_list("account_id", "total")
    )
    segments = segments_on(day, account_ids=list(mrr))
    if history is None:
        history = ownership_history(since=day)
    holders = history.holders_on(day)
    rows = Account.objects.filter(pk__in=list(mrr)).values_list(
        "id", "segment", "owner_id", "team_id"
    )
    accounts = []
    for pk, segment, owner_id, team_id in rows:
        owner, team = holders.get(pk, (owner_id, team_id))
        accounts.append(AccountAtDate(pk, segments.get(pk, segment), owner, team, int(mrr[pk])))
    return accounts


def ownership_history(*, since: dt.date, today: dt.date | None = None) -> OwnershipHistory:
    """Every owner and team change made after the local day ``since``, in the order they were
    made, indexed for replay (one query; ``today`` defaults to the company's today)."""
    settings = tenant_settings_get()
    zone = zoneinfo.ZoneInfo(settings.time_zone)
    start = dt.datetime.combine(since + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (
        AssignmentChange.objects.filter(at__gte=start)
        .order_by("at", "id")
        .values_list("account_id", "at", "from_owner_id", "from_team_id")
    )
    return OwnershipHistory(
        (
            OwnershipChange(account_id, local_day(at, zone), from_owner_id, from_team_id)
            for account_id, at, from_owner_id, from_team_id in rows.iterator(chunk_size=5000)
        ),
        today=today or tenant_today(settings),
    )


def segments_on(day: dt.date, *, account_ids: list[int]) -> dict[int, str]:
    """Each account's segment on ``day`` from its history; before its first period, the first
    recorded segment. Accounts with no history at all are absent."""
    covering = AccountSegmentPeriod.objects.filter(valid_from__lte=day).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day)
    )
    segments = dict(covering.values_list("account_id", "segment"))
    missing = [pk for pk in account_ids if pk not in segments]
    earliest = AccountSegmentPeriod.objects.filter(account_id__in=missing).order_by(
        "account_id", "-valid_from", "-id"
    )
    for account_id, segment in earliest.values_list("account_id", "segment"):
        segments[account_id] = segment  # the last write per account is its earliest period
    return segments


def touches_between(
    first_day: dt.date, last_day: dt.date, *, account_ids: list[int] | None = None
) -> list[Touch]:
    """Touchpoints whose local date is in [first_day, last_day], as core ``Touch`` rows."""
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = Touchpoint.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
    if account_ids is not None:
        rows = rows.filter(account_id__in=account_ids)
    # Hundreds of thousands of touchpoints, few distinct minutes: each instant is read as its
    # UTC text (SQLite stores it so; Django's PostgreSQL sessions run in UTC), and the local
    # day is worked out once per minute (every time zone's offset is whole minutes) instead
    # of building an aware datetime per row.
    at = rows.annotate(at=Cast("occurred_at", TextField())).values_list("account_id", "kind", "at")
    return _local_touches(plain_rows(at), zone)


def latest_touches_between(first_day: dt.date, last_day: dt.date) -> list[Touch]:
    """Per account and kind, its latest touchpoint whose local date is in [first_day,
    last_day] (one row each, grouped in the database). What coverage reads of the days before
    the one it is worked out for: only each account's latest qualifying touch counts, and the
    latest of each kind gives it whatever kinds a segment's policy counts (the local day of
    the latest instant is the latest local day)."""
    zone = zoneinfo.ZoneInfo(tenant_settings_get().time_zone)
    start = dt.datetime.combine(first_day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (
        Touchpoint.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
        .order_by()
        .values("account_id", "kind")
        .annotate(at=Cast(Max("occurred_at"), TextField()))
        .values_list("account_id", "kind", "at")
    )
    return _local_touches(plain_rows(rows), zone)


def _local_touches(rows: Iterable[tuple[int, str, str]], zone: zoneinfo.ZoneInfo) -> list[Touch]:
    day_of: dict[str, dt.date] = {}
    touches = []
    for account_id, kind, text in rows:
        minute = text[:16]
        day = day_of.get(minute)
        if day is None:
            instant = dt.datetime.fromisoformat(minute).replace(tzinfo=dt.UTC)
            day = day_of[minute] = local_day(instant, zone)
        touches.append(Touch(account_id=account_id, kind=kind, day=day))
    return touches


def touch_window_start(as_of: dt.date, policies: list[CoveragePolicy] | None = None) -> dt.date:
    """The first day any policy's window can reach back to, as of ``as_of``."""
    return add_months(as_of, -longest_period_months(policies))

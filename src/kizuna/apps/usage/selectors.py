"""Reads for the usage section of the account page and the usage operations page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone

from kizuna.apps.customers.models import Account, SubscriptionLine
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.usage.charts import CHART_DAYS, UsageChart, daily_usage
from kizuna.apps.usage.models import (
    FeatureDefinition,
    IngestionRun,
    QuarantinedEvent,
    ReasonCount,
    UsageDay,
    UsageDropSignal,
    UsagePendingDay,
    UsageSource,
    UsageSummary,
)
from kizuna.apps.usage.services.rollups import EARLIEST_DAY
from kizuna.core.usage.store import EventStore
from kizuna.core.usage.trend import feature_adoption


def _key_feature_labels(account: Account, today: dt.date) -> dict[str, str]:
    """The key features of the account's current products: key → display name."""
    products = SubscriptionLine.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gt=today), account=account, start_date__lte=today
    ).values("product_id")
    return {
        d.feature: d.label
        for d in FeatureDefinition.objects.filter(product_id__in=products, is_key=True)
    }


def _weekly_adoption(
    rows: list[tuple[dt.date, int, int, dict[str, int]]], keys: list[str], today: dt.date
) -> list[tuple[dt.date, float | None]]:
    """Key-feature adoption of each of the last 8 weeks (week ending on the date shown)."""
    weeks = []
    for k in range(7, -1, -1):
        end = today - dt.timedelta(days=7 * k)
        start = end - dt.timedelta(days=6)
        used = {f for day, _e, _u, counts in rows if start <= day <= end for f in counts}
        weeks.append((end, feature_adoption(used=used, key_features=keys)))
    return weeks


@dataclass(frozen=True, slots=True)
class KeyFeature:
    """A key feature of the account's products, by its name, and whether it was used."""

    label: str
    used: bool


@dataclass(frozen=True, slots=True)
class WeekAdoption:
    """Key-feature adoption of the week ending on ``week_end`` (None: no key features)."""

    week_end: dt.date
    rate: float | None


@dataclass(frozen=True, slots=True)
class AccountUsage:
    """The usage section of the account page: whether there is anything to show, the 28-day
    summary, the 60-day chart, the key features, adoption of the last 8 weeks, the last drops."""

    has_data: bool
    summary: UsageSummary | None
    chart: UsageChart
    key_features: list[KeyFeature]
    weekly_adoption: list[WeekAdoption]
    drops: list[UsageDropSignal]


def account_usage(*, account: Account, today: dt.date) -> AccountUsage:
    """The usage section of the account page (a fixed number of queries)."""
    since = today - dt.timedelta(days=CHART_DAYS - 1)
    rows = list(
        UsageDay.objects.filter(account=account, day__gte=since, day__lte=today)
        .order_by("day")
        .values_list("day", "events", "active_users", "feature_counts")
    )
    labels = _key_feature_labels(account, today)
    keys = sorted(labels)
    summary = UsageSummary.objects.filter(account=account).first()
    used = set(summary.key_features_used) if summary else set()
    return AccountUsage(
        has_data=bool(rows) or summary is not None,
        summary=summary,
        chart=daily_usage({d: (e, u) for d, e, u, _c in rows}, today=today),
        key_features=[KeyFeature(labels[feature], feature in used) for feature in keys],
        weekly_adoption=[
            WeekAdoption(end, rate) for end, rate in _weekly_adoption(rows, keys, today)
        ],
        drops=list(UsageDropSignal.objects.filter(account=account)[:5]),
    )


@dataclass(frozen=True, slots=True)
class SourceFreshness:
    """A usage source, when its last event happened, and whether that is ``stale`` (older than
    its ``stale_after_hours``, or never)."""

    source: UsageSource
    last_event_at: dt.datetime | None
    stale: bool


def usage_sources_freshness(*, now: dt.datetime | None = None) -> list[SourceFreshness]:
    """Each source with the age of its last event; ``stale`` past its ``stale_after_hours``."""
    now = now or timezone.now()
    out = []
    for source in UsageSource.objects.all():
        last = source.last_event_at
        stale = last is None or now - last > dt.timedelta(hours=source.stale_after_hours)
        out.append(SourceFreshness(source=source, last_event_at=last, stale=stale))
    return out


def usage_failed_days() -> list[UsagePendingDay]:
    """Queued days whose rollup failed (they wait, with their error, until queued again)."""
    return list(UsagePendingDay.objects.filter(failed_at__isnull=False).order_by("day"))


#: how old every file of a batch without a run must be before it is removed: far longer than
#: any attempt takes between writing its files and committing its run (an import's batch
#: commits within minutes), so the files of an attempt in progress are never touched
ABANDONED_AFTER = dt.timedelta(hours=24)


@dataclass(frozen=True)
class AbandonedFiles:
    """Files on disk whose batch has no run (never counted): ``files`` of ``batches`` in all,
    of which ``due_files`` of ``due_batches`` are older than ``ABANDONED_AFTER``."""

    batches: int
    files: int
    due_batches: list[str]
    due_files: int


def usage_abandoned_files(*, now: dt.datetime | None = None) -> AbandonedFiles:
    """The files interrupted attempts left (batches without a run), and those due for removal."""
    cutoff = ((now or timezone.now()) - ABANDONED_AFTER).timestamp()
    on_disk = EventStore(settings.USAGE_DIR).batches()
    counted: set[str] = set()
    ids = sorted(on_disk)
    for start in range(0, len(ids), 5000):
        counted.update(
            IngestionRun.objects.filter(batch_id__in=ids[start : start + 5000]).values_list(
                "batch_id", flat=True
            )
        )
    left = {batch: paths for batch, paths in on_disk.items() if batch not in counted}
    due = {
        batch: paths
        for batch, paths in left.items()
        if all(path.stat().st_mtime < cutoff for path in paths)
    }
    return AbandonedFiles(
        batches=len(left),
        files=sum(len(paths) for paths in left.values()),
        due_batches=sorted(due),
        due_files=sum(len(paths) for paths in due.values()),
    )


@dataclass(frozen=True, slots=True)
class FailedRollupDay:
    """A day whose rollup failed: when and why, whether the day is ``out_of_range`` (outside
    the times taken), and the figures a discard leaves as they are (as last computed)."""

    day: dt.date
    failed_at: dt.datetime | None
    error: str
    out_of_range: bool
    kept_accounts: int
    kept_events: int


@dataclass(frozen=True, slots=True)
class UsageOps:
    """The usage operations page: sources and their freshness, the last 50 runs, the
    quarantine (by reason, its last 100 rows, how many in all), the days waiting for their
    rollup and those whose rollup failed, and the files interrupted imports left."""

    sources: list[SourceFreshness]
    runs: list[IngestionRun]
    quarantine_by_reason: list[ReasonCount]
    quarantine: list[QuarantinedEvent]
    quarantine_total: int
    rollup_waiting: int
    rollup_failed: list[FailedRollupDay]
    abandoned: AbandonedFiles
    abandoned_after_hours: int


def usage_ops_data() -> UsageOps:
    tomorrow = tenant_today() + dt.timedelta(days=1)
    pending = QuarantinedEvent.objects.filter(replayed_at__isnull=True)
    failed = usage_failed_days()
    kept: dict[dt.date, tuple[int, int]] = {
        row["day"]: (row["accounts"], row["events"] or 0)
        for row in UsageDay.objects.filter(day__in=[f.day for f in failed])
        .values("day")
        .annotate(accounts=Count("id"), events=Sum("events"))
    }
    by_reason = pending.values_list("reason").annotate(n=Count("id")).order_by("-n", "reason")
    return UsageOps(
        sources=usage_sources_freshness(),
        runs=list(IngestionRun.objects.select_related("source")[:50]),
        quarantine_by_reason=[ReasonCount(reason, n) for reason, n in by_reason],
        quarantine=list(pending.select_related("run__source").order_by("-id")[:100]),
        quarantine_total=pending.count(),
        rollup_waiting=UsagePendingDay.objects.filter(failed_at__isnull=True).count(),
        rollup_failed=[
            FailedRollupDay(
                day=row.day,
                failed_at=row.failed_at,
                error=row.error,
                out_of_range=not EARLIEST_DAY <= row.day <= tomorrow,
                kept_accounts=kept.get(row.day, (0, 0))[0],
                kept_events=kept.get(row.day, (0, 0))[1],
            )
            for row in failed
        ],
        abandoned=usage_abandoned_files(),
        abandoned_after_hours=int(ABANDONED_AFTER.total_seconds() // 3600),
    )


def account_by_key(value: str) -> Account | None:
    """The account a person names to map a usage key: by its CRM ID, else by its Kizuna ID."""
    found = Account.objects.filter(external_crm_id=value).first()
    if found is None and value.isdigit():
        found = Account.objects.filter(pk=int(value)).first()
    return found

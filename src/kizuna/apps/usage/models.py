"""Product usage: the feature catalog and account-key mapping (data an admin edits), the record
of every ingestion (runs, quarantined rows, idempotency keys) and the rollups pages read.

Raw events are not here: they live as Parquet files under ``settings.USAGE_DIR`` (see
``kizuna.core.usage.store``); only the small per-account-day result comes into the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True, slots=True)
class ReasonCount:
    """Rows rejected for one reason (a code such as ``unknown_account``)."""

    reason: str
    count: int


@dataclass(frozen=True, slots=True)
class RawValue:
    """One column of a quarantined row, as it came."""

    column: str
    value: object


@dataclass(frozen=True, slots=True)
class TopUser:
    """One of an account's most active users (the product's user id) and their events."""

    user_id: str
    events: int


class UsageSource(models.Model):
    """Where events come from (usually one product's event stream)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("source name"), max_length=100)
    product = models.ForeignKey(
        "customers.Product",
        verbose_name=_("product"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
    )
    stale_after_hours = models.PositiveIntegerField(
        _("stale after (hours)"),
        default=24,
        help_text=_("Highlight the source when no event arrived for this long."),
    )
    last_event_at = models.DateTimeField(_("last event"), null=True, blank=True, editable=False)
    last_received_at = models.DateTimeField(
        _("last received"), null=True, blank=True, editable=False
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("usage source")
        verbose_name_plural = _("usage sources")

    def __str__(self) -> str:
        return str(self.name)


class FeatureDefinition(models.Model):
    """Which event makes which feature of which product; key features count for adoption."""

    event = models.CharField(_("event name"), max_length=200, unique=True)
    feature = models.CharField(_("feature"), max_length=100)
    #: what pages show for the feature (the key when empty)
    label_ja = models.CharField(_("display name (Japanese)"), max_length=100, blank=True)
    label_en = models.CharField(_("display name (English)"), max_length=100, blank=True)
    product = models.ForeignKey(
        "customers.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="usage_features",
    )
    is_key = models.BooleanField(_("key feature"), default=False)

    class Meta:
        ordering = ["product", "feature", "event"]
        verbose_name = _("feature definition")
        verbose_name_plural = _("feature catalog")

    def __str__(self) -> str:
        return f"{self.event} → {self.feature}"

    @property
    def label(self) -> str:
        """The feature's display name in the reader's language (its key when none is set)."""
        english = (get_language() or "ja").startswith("en")
        return (self.label_en if english else self.label_ja) or self.label_ja or self.feature


class AccountKeyMapping(models.Model):
    """The product's tenant id (``account_key``) of a Kizuna account, per source."""

    source = models.ForeignKey(
        UsageSource, verbose_name=_("usage source"), on_delete=models.CASCADE
    )
    account_key = models.CharField(_("account key"), max_length=200)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="usage_keys",
    )

    class Meta:
        verbose_name = _("account key mapping")
        verbose_name_plural = _("account key mappings")
        constraints = [
            models.UniqueConstraint(fields=["source", "account_key"], name="usage_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source.code}:{self.account_key}"


class IngestionVia(models.TextChoices):
    FILE = "file", _("File import")
    API = "api", _("HTTP API")
    REPLAY = "replay", _("Quarantine replay")
    DAILY = "daily", _("Daily totals")


class IngestionRun(models.Model):
    """One ingested batch. The run record is the batch's commit mark: the rollups read only the
    files of batches that have a run, so files left by an attempt that died before its run was
    recorded are never counted. Ingesting the same batch again updates its run (``attempts``)
    instead of adding one."""

    source = models.ForeignKey(
        UsageSource, verbose_name=_("usage source"), on_delete=models.CASCADE
    )
    via = models.CharField(_("via"), max_length=16, choices=IngestionVia.choices)
    name = models.CharField(_("file or batch"), max_length=300, blank=True)
    batch_id = models.CharField(max_length=100, editable=False, db_index=True)
    started_at = models.DateTimeField(_("started"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    rows_in = models.PositiveIntegerField(_("rows in"), default=0)
    rows_stored = models.PositiveIntegerField(_("rows stored"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    #: {"reason code": count}
    rejected_reasons = models.JSONField(_("rejected by reason"), default=dict)
    #: how many times this batch was ingested (a retry updates the run, it adds none)
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    #: files an interrupted attempt of this batch had left, replaced by this run
    recovered_files = models.PositiveIntegerField(_("recovered files"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("ingestion run")
        verbose_name_plural = _("ingestion runs")

    def __str__(self) -> str:
        return f"{self.source.code} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def reason_counts(self) -> list[ReasonCount]:
        """``rejected_reasons``, typed, in the order stored."""
        return [ReasonCount(reason, count) for reason, count in self.rejected_reasons.items()]


class QuarantinedEvent(models.Model):
    """A rejected row, kept with its reason and raw values until it is replayed."""

    run = models.ForeignKey(IngestionRun, on_delete=models.CASCADE, related_name="quarantined")
    line = models.PositiveIntegerField(_("line"))
    reason = models.CharField(_("reason"), max_length=32)
    raw = models.JSONField(_("raw row"))
    replayed_at = models.DateTimeField(_("replayed"), null=True, blank=True)

    class Meta:
        ordering = ["run", "line"]
        verbose_name = _("quarantined event")
        verbose_name_plural = _("quarantined events")
        indexes = [models.Index(fields=["replayed_at", "reason"])]

    def __str__(self) -> str:
        return f"{self.reason} (line {self.line})"

    @property
    def raw_values(self) -> list[RawValue]:
        """The row as it came, column by column."""
        return [RawValue(column, value) for column, value in self.raw.items()]


class IdempotencyKey(models.Model):
    """An API batch already received: a retry with the same key gets the first answer."""

    source = models.ForeignKey(
        UsageSource, verbose_name=_("usage source"), on_delete=models.CASCADE
    )
    key = models.CharField(max_length=200)
    #: empty while the first request with this key is being ingested (the key is claimed first)
    run = models.ForeignKey(IngestionRun, on_delete=models.CASCADE, null=True)
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="usage_idempotency_unique")
        ]

    def __str__(self) -> str:
        return str(self.key)


class UsageDay(models.Model):
    """One account's usage on one company-time-zone day (the rollup; missing day = 0)."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="usage_days"
    )
    day = models.DateField()
    events = models.PositiveIntegerField(default=0)
    quantity = models.BigIntegerField(default=0)
    active_users = models.PositiveIntegerField(default=0)
    features = models.PositiveIntegerField(default=0)
    #: {"feature": events}
    feature_counts = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("usage day")
        verbose_name_plural = _("usage days")
        constraints = [models.UniqueConstraint(fields=["account", "day"], name="usage_day_unique")]
        indexes = [
            models.Index(fields=["day"]),
            # covers the weekly sums of the daily summaries (``SUMMARY_QUERIES["weeks"]``): read in
            # account order, without the table's feature counts and without a sort
            models.Index(
                fields=["account", "day", "events", "active_users"], name="usage_day_summary"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.day}"


class UsageSummary(models.Model):
    """The 28-day figures of one account as of a day: what pages and scores read."""

    account = models.OneToOneField(
        "customers.Account", on_delete=models.CASCADE, related_name="usage_summary"
    )
    as_of = models.DateField()
    events_7d = models.PositiveIntegerField(default=0)
    events_28d = models.PositiveIntegerField(default=0)
    week_over_week = models.FloatField(null=True)
    active_users_28d = models.PositiveIntegerField(default=0)
    feature_adoption = models.FloatField(null=True)
    active_user_ratio = models.FloatField(null=True)
    last_seen_at = models.DateTimeField(null=True)
    #: [{"user_id": …, "events": …}]
    top_users = models.JSONField(default=list)
    key_features_used = models.JSONField(default=list)

    class Meta:
        verbose_name = _("usage summary")
        verbose_name_plural = _("usage summaries")

    def __str__(self) -> str:
        return f"{self.account_id} {self.as_of}"

    @property
    def top_user_rows(self) -> list[TopUser]:
        """``top_users``, typed."""
        return [TopUser(user_id=row["user_id"], events=row["events"]) for row in self.top_users]


class DropMethod(models.TextChoices):
    SHARE = "share", _("Below share of baseline")
    ROBUST_Z = "robust_z", _("Robust z-score")


class UsageDropSignal(models.Model):
    """A detected sudden drop, kept with its numbers (alert rules consume these later)."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="usage_drops"
    )
    as_of = models.DateField()
    method = models.CharField(max_length=16, choices=DropMethod.choices)
    recent = models.PositiveIntegerField()
    baseline = models.FloatField()
    value = models.FloatField()
    threshold = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("usage drop signal")
        verbose_name_plural = _("usage drop signals")
        ordering = ["-as_of", "account"]
        constraints = [
            models.UniqueConstraint(fields=["account", "as_of", "method"], name="usage_drop_unique")
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.as_of} {self.method}"


class UsageDropRule(models.Model):
    """The drop thresholds as data (one row; defaults as in ``kizuna.core.usage.drops``)."""

    share = models.FloatField(_("share of baseline"), default=0.5)
    z_threshold = models.FloatField(_("robust z threshold"), default=3.5)
    weeks = models.PositiveIntegerField(_("weeks of history"), default=8)
    min_baseline = models.FloatField(_("minimum weekly baseline"), default=1.0)

    class Meta:
        verbose_name = _("usage drop rule")
        verbose_name_plural = _("usage drop rules")

    def __str__(self) -> str:
        return f"{self.share} / {self.z_threshold}"


class UsagePendingDay(models.Model):
    """A company day whose events changed and whose ``UsageDay`` rows are not recomputed yet
    (API batches roll up in the worker, once a minute, not in the request)."""

    day = models.DateField(unique=True)
    queued_at = models.DateTimeField()
    #: set when this day's rollup failed: it then waits here, shown on the ops page, until
    #: queued again, and the other days go on
    failed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("day waiting for its rollup")
        verbose_name_plural = _("days waiting for their rollup")

    def __str__(self) -> str:
        return str(self.day)

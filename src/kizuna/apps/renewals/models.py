"""Renewals (リニューアル), derived from the subscription lines by the daily refresh, and the
people's work on them: stage, forecast call, the closing plan with its steps and reviews.
The review cadence per touch model is data. docs/renewals.md has the design."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kizuna.apps.customers.models import Segment
from kizuna.core.renewals import generate as core


class Stage(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    PLAN_DRAFTED = "plan_drafted", _("Plan drafted")
    NEGOTIATION = "negotiation", _("In negotiation")
    COMMITTED = "committed", _("Committed")
    RENEWED = core.RENEWED, pgettext_lazy("renewal stage", "Renewed")
    DOWNGRADED = core.DOWNGRADED, pgettext_lazy("renewal stage", "Downgraded")
    CHURNED = core.CHURNED, pgettext_lazy("renewal stage", "Churned")


#: stages people set; the others follow from the outcome
OPEN_STAGES = (Stage.NOT_STARTED, Stage.PLAN_DRAFTED, Stage.NEGOTIATION, Stage.COMMITTED)
CLOSED_STAGES = (Stage.RENEWED, Stage.DOWNGRADED, Stage.CHURNED)


class ForecastCall(models.TextChoices):
    COMMIT = "commit", _("Commit")
    LIKELY = "likely", _("Likely")
    AT_RISK = "at_risk", _("At risk")
    LOST = "lost", _("Lost")


class ReviewCadence(models.Model):
    """How one touch model's renewals are worked: created how far ahead, whether a closing
    plan is required, from how many days before the renewal, and how often a manager reviews
    it."""

    segment = models.CharField(
        _("touch model"), max_length=16, choices=Segment.choices, unique=True
    )
    lead_days = models.PositiveIntegerField(
        _("renewals created (days ahead)"),
        default=180,
        validators=[MinValueValidator(1), MaxValueValidator(1095)],
    )
    plan_required = models.BooleanField(_("closing plan required"), default=True)
    plan_from_days = models.PositiveIntegerField(
        _("plan needed from (days before)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(1095)],
    )
    review_every_days = models.PositiveIntegerField(
        _("review every (days)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("review cadence")
        verbose_name_plural = _("review cadences")
        ordering = ["segment"]

    def __str__(self) -> str:
        return str(self.get_segment_display())


class Renewal(models.Model):
    #: no index of its own: the unique (account, date) index serves every look-up by account,
    #: and a refresh of every account writes one index less (bench/README.md, *Renewals*)
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="renewals",
        db_index=False,
    )
    date = models.DateField(_("renewal date"))
    #: the subscription lines due that day, by id (derived)
    line_ids = models.JSONField(default=list)
    #: their products, by id (derived)
    products = models.JSONField(default=list)
    mrr_due = models.BigIntegerField(_("MRR due"), default=0)
    mrr_after = models.BigIntegerField(_("MRR after"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        blank=True,
        choices=[(s.value, s.label) for s in CLOSED_STAGES],
    )
    stage = models.CharField(
        _("stage"), max_length=16, choices=Stage.choices, default=Stage.NOT_STARTED
    )
    forecast_call = models.CharField(
        _("forecast call"), max_length=8, choices=ForecastCall.choices, blank=True
    )
    #: the lines no longer produce this renewal, but people worked on it: kept, not counted
    no_longer_due = models.BooleanField(_("no longer due"), default=False)
    #: the derived values above (lines, products, MRR due and after, outcome) in one text,
    #: which the daily refresh compares instead of decoding each row's JSON
    derived = models.TextField(default="", blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField(_("refreshed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("renewal")
        verbose_name_plural = _("renewals")
        ordering = ["date", "account_id"]
        constraints = [
            models.UniqueConstraint(fields=["account", "date"], name="renewal_once_a_day"),
            models.CheckConstraint(condition=Q(mrr_due__gte=0), name="renewal_mrr_due_gte_0"),
        ]
        indexes = [models.Index(fields=["date", "stage"])]

    def __str__(self) -> str:
        return f"{self.account} {self.date:%Y-%m-%d}"

    @property
    def arr_due(self) -> int:
        return 12 * self.mrr_due

    @property
    def mrr_kept(self) -> int | None:
        return None if self.mrr_after is None else min(self.mrr_after, self.mrr_due)

    @property
    def is_open(self) -> bool:
        return self.stage in OPEN_STAGES


class ClosingPlan(models.Model):
    """How one renewal will be secured (UPWARD's ClosingPlan)."""

    renewal = models.OneToOneField(
        Renewal, verbose_name=_("renewal"), on_delete=models.CASCADE, related_name="plan"
    )
    risks = models.TextField(_("risks"), max_length=4000, blank=True)
    decision_maker = models.CharField(_("decision maker"), max_length=200, blank=True)
    decision_process = models.TextField(_("decision process"), max_length=4000, blank=True)
    next_review_on = models.DateField(_("next review"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("closing plan")
        verbose_name_plural = _("closing plans")

    def __str__(self) -> str:
        return str(self.renewal)


class PlanStep(models.Model):
    plan = models.ForeignKey(
        ClosingPlan, verbose_name=_("closing plan"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(
        _("order"), validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    title = models.CharField(_("step"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    done_on = models.DateField(_("done"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan step")
        verbose_name_plural = _("plan steps")
        ordering = ["plan", "order", "id"]

    def __str__(self) -> str:
        return self.title


class PlanReview(models.Model):
    """A manager's sign-off of a closing plan's review."""

    plan = models.ForeignKey(
        ClosingPlan,
        verbose_name=_("closing plan"),
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    note = models.TextField(_("note"), max_length=4000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["plan", "-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.plan} {self.reviewed_on:%Y-%m-%d}"


class RefreshRun(models.Model):
    """One run of the daily renewals refresh: for which day, whether it derived every account
    or only those whose renewals the day changes (docs/renewals.md, *The daily refresh*)."""

    day = models.DateField(_("day"))
    full = models.BooleanField(_("every account"), default=True)
    accounts = models.PositiveIntegerField(_("accounts"), null=True, blank=True)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    deleted = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()

    class Meta:
        verbose_name = _("renewals refresh")
        verbose_name_plural = _("renewals refreshes")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {'full' if self.full else 'day'}"

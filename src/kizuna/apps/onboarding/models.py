"""Onboarding: versioned templates per product, one onboarding per account-product, the facts
(criteria met), and what the daily job derives from them (state, transitions, signals)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kizuna.core.onboarding.timeline import Policy


class OnboardingState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    STALLED = "stalled", _("Stalled")
    EXPECTED_CHURN = "expected_churn", _("Expected churn")
    COMPLETED = "completed", _("Completed")
    REVIVED = "revived", _("Revived")
    CHURNED = "churned", _("Churned")


OPEN_STATES = (OnboardingState.IN_PROGRESS, OnboardingState.STALLED, OnboardingState.EXPECTED_CHURN)


class CriterionKind(models.TextChoices):
    MANUAL = "manual", _("Checked by the CSM")
    USAGE = "usage", _("Usage rule")


class UsageMetric(models.TextChoices):
    EVENTS = "events", _("Events in the window")
    FEATURE_EVENTS = "feature_events", _("Events of a feature in the window")
    ACTIVE_DAYS = "active_days", _("Days with usage in the window")
    SEAT_SHARE = "seat_share", _("Active users on a day as a share of seats")


def _localised(ja: str, en: str) -> str:
    return en if (get_language() or "ja").startswith("en") and en else ja


class OnboardingTemplate(models.Model):
    """One version of a product's onboarding. Editing makes a new version; running
    onboardings keep the version they started with."""

    product = models.ForeignKey(
        "customers.Product", on_delete=models.PROTECT, related_name="onboarding_templates"
    )
    version = models.PositiveIntegerField(_("version"))
    is_current = models.BooleanField(_("used for new onboardings"), default=True)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["product__code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "version"], name="onboarding_template_version"
            )
        ]
        verbose_name = _("onboarding template")
        verbose_name_plural = _("onboarding templates")

    def __str__(self) -> str:
        return f"{self.product} v{self.version}"


class OnboardingPhase(models.Model):
    template = models.ForeignKey(
        OnboardingTemplate, on_delete=models.CASCADE, related_name="phases"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    target_day = models.PositiveIntegerField(_("target (days after the start)"))
    is_setup = models.BooleanField(_("initial setup phase"), default=False)

    class Meta:
        ordering = ["template", "order"]
        constraints = [
            models.UniqueConstraint(fields=["template", "order"], name="onboarding_phase_order")
        ]
        verbose_name = _("onboarding phase")
        verbose_name_plural = _("onboarding phases")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self.name_ja, self.name_en)


class OnboardingCriterion(models.Model):
    phase = models.ForeignKey(OnboardingPhase, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(_("order"))
    label_ja = models.CharField(_("criterion (Japanese)"), max_length=200)
    label_en = models.CharField(_("criterion (English)"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=CriterionKind.choices)
    metric = models.CharField(
        _("usage metric"), max_length=16, choices=UsageMetric.choices, blank=True
    )
    feature = models.CharField(_("feature"), max_length=200, blank=True)
    threshold = models.PositiveIntegerField(_("at least"), null=True, blank=True)
    window_days = models.PositiveSmallIntegerField(_("window (days)"), default=7)

    class Meta:
        ordering = ["phase", "order"]
        verbose_name = _("completion criterion")
        verbose_name_plural = _("completion criteria")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return _localised(self.label_ja, self.label_en)


class OnboardingPolicy(models.Model):
    """The thresholds of the state machine and the alerts (one row, edited by CS ops)."""

    grace_days = models.PositiveIntegerField(
        _("days after the final target before expected churn"), default=30
    )
    setup_due_day = models.PositiveIntegerField(_("initial setup due by day"), default=14)
    no_usage_days = models.PositiveIntegerField(
        _("alert when no usage in the first days"), default=14
    )
    stalled_alert_days = models.PositiveIntegerField(
        _("alert when stalled for more than days"), default=14
    )
    completion_target = models.FloatField(_("completion rate target"), default=0.9)
    tracking_from = models.DateField(
        _("start onboardings for lines starting on or after"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("onboarding policy")
        verbose_name_plural = _("onboarding policy")

    def __str__(self) -> str:
        return str(_("onboarding policy"))

    def as_core(self) -> Policy:
        return Policy(
            grace_days=self.grace_days,
            setup_due_day=self.setup_due_day,
            no_usage_days=self.no_usage_days,
            stalled_alert_days=self.stalled_alert_days,
        )


class Onboarding(models.Model):
    """One onboarding per account and product; the state fields are kept by the daily job
    (``services.onboardings_evaluate``) from the facts."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="onboardings"
    )
    product = models.ForeignKey("customers.Product", on_delete=models.PROTECT, related_name="+")
    template = models.ForeignKey(
        OnboardingTemplate, on_delete=models.PROTECT, related_name="onboardings"
    )
    line = models.ForeignKey(
        "customers.SubscriptionLine",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_on = models.DateField(_("handed over"))
    target_on = models.DateField(_("target date"))
    state = models.CharField(
        _("state"),
        max_length=16,
        choices=OnboardingState.choices,
        default=OnboardingState.IN_PROGRESS,
    )
    state_since = models.DateField(_("since"))
    current_phase = models.ForeignKey(
        OnboardingPhase, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    current_target_on = models.DateField(_("phase target"), null=True, blank=True)
    completed_on = models.DateField(_("completed"), null=True, blank=True)
    stalled_on = models.DateField(_("first stalled"), null=True, blank=True)
    expected_churn_on = models.DateField(_("expected churn since"), null=True, blank=True)
    ended_on = models.DateField(_("subscription ended"), null=True, blank=True)
    first_usage_on = models.DateField(_("first usage"), null=True, blank=True)
    evaluated_on = models.DateField(null=True, blank=True)
    handed_off_at = models.DateTimeField(_("handed off"), null=True, blank=True)

    class Meta:
        ordering = ["current_target_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "product"], name="onboarding_account_product"
            )
        ]
        indexes = [
            models.Index(fields=["state", "current_target_on"]),
            models.Index(fields=["target_on"]),
        ]
        verbose_name = _("onboarding")
        verbose_name_plural = _("onboardings")

    def __str__(self) -> str:
        return f"{self.account} / {self.product}"


class CriterionCheck(models.Model):
    """A criterion met: ticked by a CSM (who, when) or found in the usage by the job."""

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="checks")
    criterion = models.ForeignKey(OnboardingCriterion, on_delete=models.PROTECT, related_name="+")
    met_on = models.DateField(_("met on"))
    source = models.CharField(_("source"), max_length=8, choices=CriterionKind.choices)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["onboarding", "criterion"], name="criterion_check_once")
        ]
        verbose_name = _("criterion met")
        verbose_name_plural = _("criteria met")

    def __str__(self) -> str:
        return f"{self.criterion_id} {self.met_on}"


class OnboardingTransition(models.Model):
    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="transitions")
    on = models.DateField(_("date"))
    from_state = models.CharField(max_length=16, choices=OnboardingState.choices, blank=True)
    to_state = models.CharField(max_length=16, choices=OnboardingState.choices)
    reason = models.CharField(max_length=40)
    details = models.JSONField(default=dict)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "id"]
        verbose_name = _("onboarding transition")
        verbose_name_plural = _("onboarding transitions")

    def __str__(self) -> str:
        return f"{self.on} {self.from_state} → {self.to_state}"


class SignalKind(models.TextChoices):
    SETUP_NOT_DONE = "setup_not_done", _("Initial setup not done")
    PHASE_OVERDUE = "phase_overdue", _("Phase overdue")
    NO_USAGE = "no_usage", _("No usage yet")
    STALLED_LONG = "stalled_long", _("Stalled for long")


class OnboardingSignal(models.Model):
    """An alert-worthy fact, kept with its numbers for the alert rules to route."""

    onboarding = models.ForeignKey(Onboarding, on_delete=models.CASCADE, related_name="signals")
    kind = models.CharField(_("kind"), max_length=16, choices=SignalKind.choices)
    on = models.DateField(_("date"))
    details = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["onboarding", "kind", "on"], name="onboarding_signal_once"
            )
        ]
        verbose_name = _("onboarding signal")
        verbose_name_plural = _("onboarding signals")

    def __str__(self) -> str:
        return f"{self.on} {self.kind}"

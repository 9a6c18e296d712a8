"""Rules (versioned: an edit is a new version, never an overwrite), each day's firings, the
evaluation runs, and the company's alert settings. The engine is ``kizuna.core.rules``;
docs/actions.md says what each field means to it."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from kizuna.core.rules.model import TriggerKind as CoreTriggerKind


class TriggerKind(models.TextChoices):
    ONBOARDING_STALLED = CoreTriggerKind.ONBOARDING_STALLED, _("Onboarding stalled")
    ONBOARDING_EXPECTED_CHURN = (
        CoreTriggerKind.ONBOARDING_EXPECTED_CHURN,
        _("Onboarding expected to churn"),
    )
    SETUP_NOT_DONE = CoreTriggerKind.SETUP_NOT_DONE, _("Setup not done by day N")
    USAGE_DROP = CoreTriggerKind.USAGE_DROP, _("Usage dropped")
    HEALTH_FELL = CoreTriggerKind.HEALTH_FELL, _("Health fell a grade or more")
    HEALTH_RED = CoreTriggerKind.HEALTH_RED, _("Health turned red")
    COVERAGE_DUE = CoreTriggerKind.COVERAGE_DUE, _("Falls out of coverage within N days")
    MRR_CONTRACTION = CoreTriggerKind.MRR_CONTRACTION, _("MRR contracted")
    RENEWAL_DUE = CoreTriggerKind.RENEWAL_DUE, _("Renewal within N days")
    RENEWAL_PLAN_MISSING = (
        CoreTriggerKind.RENEWAL_PLAN_MISSING,
        _("Renewal without a closing plan"),
    )
    PLAN_REVIEW_OVERDUE = CoreTriggerKind.PLAN_REVIEW_OVERDUE, _("Closing plan review overdue")
    NPS_DETRACTOR = CoreTriggerKind.NPS_DETRACTOR, _("NPS detractor not yet contacted")


class Priority(models.IntegerChoices):
    HIGH = 3, _("High")
    MEDIUM = 2, _("Medium")
    LOW = 1, _("Low")


class RuleAction(models.TextChoices):
    TASK = "task", _("Open a task")
    NOTIFY = "notify", _("Notify the owner")
    WEBHOOK = "webhook", _("Send a webhook")
    PLAYBOOK = "playbook", _("Start a playbook")


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", _("Right away")
    DIGEST = "digest", _("In the morning digest")
    NONE = "none", _("No alert")


class Rule(models.Model):
    """A rule's identity and whether it runs; what it does is its latest ``RuleVersion``."""

    name = models.CharField(_("name"), max_length=200)
    enabled = models.BooleanField(_("enabled"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class RuleVersion(models.Model):
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    trigger = models.CharField(_("trigger"), max_length=32, choices=TriggerKind.choices)
    threshold = models.BigIntegerField(_("threshold"), null=True, blank=True)
    segments = models.JSONField(_("touch models"), default=list, blank=True)
    products = models.JSONField(_("products"), default=list, blank=True)
    teams = models.JSONField(_("teams"), default=list, blank=True)
    grades = models.JSONField(_("grades"), default=list, blank=True)
    mrr_min = models.BigIntegerField(_("MRR from"), null=True, blank=True)
    mrr_max = models.BigIntegerField(_("MRR up to"), null=True, blank=True)
    actions = models.JSONField(_("actions"), default=list)
    #: the playbook the "start a playbook" action starts (none without that action). PROTECT:
    #: a version is history and must keep saying which playbook it started, so a playbook
    #: a rule version names cannot be deleted (make it inactive instead)
    playbook = models.ForeignKey(
        "playbooks.Playbook",
        verbose_name=_("playbook"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.MEDIUM
    )
    cooldown_days = models.PositiveIntegerField(
        _("cool-down (days)"), default=14, validators=[MaxValueValidator(3650)]
    )
    due_in_business_days = models.PositiveSmallIntegerField(
        _("task due in (business days)"), default=2, validators=[MaxValueValidator(250)]
    )
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("rule version")
        verbose_name_plural = _("rule versions")
        ordering = ["rule", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="rule_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule} v{self.version}"


class Firing(models.Model):
    """A rule fired on an account on a day: what the evaluation decided, and how far its
    actions got (a rerun after a kill finishes them, never repeats them)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    rule_version = models.PositiveIntegerField()
    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="rule_firings"
    )
    day = models.DateField(_("day"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    delivery = models.CharField(_("alert"), max_length=16, choices=Delivery.choices)
    value = models.BigIntegerField(null=True, blank=True)
    evidence = models.CharField(max_length=300, blank=True)
    #: the task the firing opened (or found open under its dedup key); none for a rule
    #: without the task action, or an account nobody can own a task of
    task = models.ForeignKey(
        "tasks.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: the playbook run the firing started (or found running); none without the action, or
    #: when the playbook could not start on the account (logged)
    playbook_run = models.ForeignKey(
        "playbooks.PlaybookRun",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    #: when its actions (task, alert, webhook) were carried out, in one transaction with
    #: them: a firing without it is acted on by the next run, never twice
    acted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("firing")
        verbose_name_plural = _("firings")
        constraints = [
            models.UniqueConstraint(fields=["rule", "account", "day"], name="firing_once_a_day")
        ]
        indexes = [models.Index(fields=["owner", "day"]), models.Index(fields=["rule", "day"])]

    def __str__(self) -> str:
        return f"{self.rule_id} → {self.account_id} ({self.day})"


class EvaluationRun(models.Model):
    """One day's evaluation: when it ran, what it fired and skipped (per rule and reason)."""

    day = models.DateField(_("day"), unique=True)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    firings = models.PositiveIntegerField(default=0)
    skipped = models.JSONField(default=dict)  # "rule id" → {reason: count}

    class Meta:
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")

    def __str__(self) -> str:
        return str(self.day)


class AlertSettings(models.Model):
    """The company's alert settings (one row): each CSM's weekly budget of interruptions, and
    when the morning digest goes out (company time)."""

    weekly_budget = models.PositiveIntegerField(
        _("alerts a CSM gets a week before the rest waits for the digest"),
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(1000)],
    )
    digest_time = models.TimeField(_("morning digest at"), default=dt.time(8, 30))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("alert settings")
        verbose_name_plural = _("alert settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class DigestSent(models.Model):
    """A member's morning digest of a day was queued (its deliveries written in the same
    transaction): the digest job never sends a member a second one that day."""

    member = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"))
    counts = models.JSONField(default=dict)  # section key → count

    class Meta:
        verbose_name = _("morning digest sent")
        verbose_name_plural = _("morning digests sent")
        constraints = [models.UniqueConstraint(fields=["member", "day"], name="digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.member_id} ({self.day})"

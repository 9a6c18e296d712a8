"""Closing the loop (docs/surveys.md, "Detractor follow-ups"): one ``DetractorFollowUp`` per
NPS answer of 0–6, whatever the answer's source, and the referral suggestions made from
promoters' answers. Re-exported by ``surveys.models``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class FollowUpStatus(models.TextChoices):
    NEW = "new", _("New")
    CONTACTED = "contacted", _("Contacted")
    RESOLVED = "resolved", _("Resolved")


class ContactVia(models.TextChoices):
    TOUCHPOINT = "touchpoint", _("Touchpoint")
    TASK = "task", _("Task closed as contacted")
    MANUAL = "manual", _("Marked by hand")


class DetractorFollowUp(models.Model):
    """The follow-up of one detractor answer: whose it is, when first contact is due, when it
    was made, and who resolved it. Recorded whether or not a rule opened a task."""

    answer = models.OneToOneField(
        "surveys.SurveyAnswer",
        verbose_name=_("answer"),
        on_delete=models.CASCADE,
        related_name="followup",
    )
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="detractor_followups",
    )
    #: the account's owner when the follow-up was opened
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    #: the answer's score when it was last read (a replaced answer's new score)
    score = models.SmallIntegerField(_("score"))
    answered_at = models.DateTimeField(_("answered at"))
    status = models.CharField(
        _("status"), max_length=12, choices=FollowUpStatus.choices, default=FollowUpStatus.NEW
    )
    #: None when the business-day calendar does not reach the answer's day (year 9999)
    sla_due_on = models.DateField(_("first contact due"), null=True, blank=True)
    first_contact_at = models.DateTimeField(_("first contact"), null=True, blank=True)
    first_contact_via = models.CharField(
        _("first contact through"), max_length=12, choices=ContactVia.choices, blank=True
    )
    touchpoint = models.ForeignKey(
        "touchpoints.Touchpoint",
        verbose_name=_("first touchpoint"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    #: the task the action layer opened (a rule on ``nps_detractor``); None without one
    task = models.ForeignKey(
        "tasks.Task",
        verbose_name=_("task"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution_note = models.TextField(_("resolution note"), max_length=2000, blank=True)
    #: set when the answer was replaced by one that is no longer a detractor's
    withdrawn_at = models.DateTimeField(_("no longer a detractor since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-answered_at", "-id"]
        verbose_name = _("detractor follow-up")
        verbose_name_plural = _("detractor follow-ups")
        indexes = [
            models.Index(fields=["status", "sla_due_on"]),
            models.Index(fields=["owner", "status"]),
            models.Index(fields=["account", "status"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.score} ({self.get_status_display()})"

    @property
    def contacted(self) -> bool:
        return self.first_contact_at is not None

    @property
    def hours_to_first_contact(self) -> float | None:
        """Hours from the answer to the first contact (0 when it came first); None without."""
        if self.first_contact_at is None:
            return None
        return max(0.0, (self.first_contact_at - self.answered_at).total_seconds() / 3600)


class ReferralSuggestion(models.Model):
    """A promoter's answer suggested for a referral (紹介) by a member: one per answer."""

    answer = models.OneToOneField(
        "surveys.SurveyAnswer",
        verbose_name=_("answer"),
        on_delete=models.CASCADE,
        related_name="referral",
    )
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="referral_suggestions",
    )
    suggested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("suggested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    note = models.TextField(_("note"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral suggestion")
        verbose_name_plural = _("referral suggestions")

    def __str__(self) -> str:
        return f"{self.account_id} ({self.created_at:%Y-%m-%d})"

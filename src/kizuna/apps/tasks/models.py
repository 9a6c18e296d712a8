"""Tasks (タスク): follow-up work on one account, owned by one member, due on a business day
(docs/tasks.md). A task knows no rule: ``origin`` and ``origin_id`` say where it came from, and
``dedup_key`` keeps at most one open or snoozed task per key (a rerun creates no duplicate)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kizuna.apps.tasks.messages import message_render


class TaskPriority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class TaskState(models.TextChoices):
    OPEN = "open", _("Open")
    SNOOZED = "snoozed", _("Snoozed")
    DONE = "done", _("Done")
    DISMISSED = "dismissed", _("Dismissed")


#: a task in these states still asks for work (and holds its ``dedup_key``)
ACTIVE_STATES = (TaskState.OPEN, TaskState.SNOOZED)


class TaskOutcome(models.TextChoices):
    CONTACTED = "contacted", _("Contacted")
    SAVED = "saved", pgettext_lazy("task outcome", "Saved")  # not "saved at"
    NO_RISK = "no_risk", _("No risk")
    CHURNED_ANYWAY = "churned_anyway", _("Churned anyway")


class TaskOrigin(models.TextChoices):
    MANUAL = "manual", _("Manual")
    RULE = "rule", _("Rule")
    PLAYBOOK = "playbook", _("Playbook")


class Task(models.Model):
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    title = models.CharField(_("title"), max_length=200)
    reason = models.TextField(_("reason"), max_length=4000, blank=True)
    #: the reason a rule or a playbook wrote, un-translated ({"msgid", "params"}:
    #: ``tasks.messages``), shown in the reader's language (``reason_shown``); empty for a
    #: manual task (its free text is ``reason``) and for the rule tasks made before it existed
    reason_message = models.JSONField(_("reason (message)"), default=dict, blank=True)
    evidence_url = models.CharField(_("evidence link"), max_length=500, blank=True)
    evidence_label = models.CharField(_("evidence"), max_length=200, blank=True)
    priority = models.CharField(
        _("priority"), max_length=8, choices=TaskPriority.choices, default=TaskPriority.MEDIUM
    )
    due_date = models.DateField(_("due date"))
    state = models.CharField(
        _("state"), max_length=12, choices=TaskState.choices, default=TaskState.OPEN
    )
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=TaskOutcome.choices, blank=True)
    origin = models.CharField(
        _("origin"), max_length=12, choices=TaskOrigin.choices, default=TaskOrigin.MANUAL
    )
    origin_id = models.BigIntegerField(_("origin ID"), null=True, blank=True)
    dedup_key = models.CharField(_("deduplication key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    first_action_at = models.DateTimeField(
        _("first action"),
        null=True,
        blank=True,
        help_text=_("When a person first changed its state or commented."),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["dedup_key"],
                condition=Q(state__in=["open", "snoozed"]) & ~Q(dedup_key=""),
                name="tasks_one_active_task_per_dedup_key",
            ),
            models.CheckConstraint(
                condition=Q(state="done") | Q(outcome=""),
                name="tasks_outcome_only_when_done",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "state", "due_date"]),
            models.Index(fields=["account", "state"]),
            models.Index(fields=["state", "snoozed_until"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES

    @property
    def reason_shown(self) -> str:
        """The reason in the active language: the message rendered, else the stored text
        (a manual task's own words; an older rule task's reason in its first owner's
        language)."""
        return message_render(self.reason_message) or self.reason

    @property
    def evidence_shown(self) -> str:
        """The evidence link's label: the stored one, else (a task whose reason is a message)
        the reason in the active language."""
        if self.evidence_label:
            return self.evidence_label
        return self.reason_shown if self.reason_message else ""


class TaskComment(models.Model):
    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    body = models.TextField(_("comment"), max_length=4000)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("task comment")
        verbose_name_plural = _("task comments")

    def __str__(self) -> str:
        return self.body[:50]


class TaskEventKind(models.TextChoices):
    CREATED = "created", pgettext_lazy("task event", "Created")  # not "created at"
    SNOOZED = "snoozed", _("Snoozed")
    WOKE = "woke", _("Woke up")
    REOPENED = "reopened", _("Reopened")
    DONE = "done", _("Done")
    DISMISSED = "dismissed", _("Dismissed as not useful")
    REASSIGNED = "reassigned", _("Reassigned")
    COMMENTED = "commented", _("Commented")


class TaskEvent(models.Model):
    """One line of a task's history: what happened, who did it (None: the system), when, and
    a short detail (the outcome, the snooze date, the new owner)."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("what"), max_length=12, choices=TaskEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("when"), auto_now_add=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("task event")
        verbose_name_plural = _("task events")

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"

    @property
    def detail_label(self) -> str:
        """The detail as a reader reads it: an outcome or an origin by its translated name."""
        if self.kind == TaskEventKind.DONE and self.detail in TaskOutcome.values:
            return str(TaskOutcome(self.detail).label)
        if self.kind == TaskEventKind.CREATED and self.detail in TaskOrigin.values:
            return str(TaskOrigin(self.detail).label)
        return self.detail

"""Playbooks (プレイブック): an ordered list of steps, each a task due a number of days after
the run's start or before (or after) the account's renewal; a run of a playbook on one account
opens one task per step and follows them (docs/actions.md, *Playbooks*).

A run keeps its own copy of each step (``PlaybookRunStep``: titles, due date, its task), so an
edit of the playbook changes the runs started afterwards, never a running one. A step has a
Japanese and an English title (either may be blank, not both); ``title`` is the one of the
active language, falling back to the other (``core.playbooks.step_title``). The tasks are
ordinary tasks (``origin="playbook"``, ``origin_id`` the run's id, ``dedup_key``
``playbook:<run>:step:<order>``); a run is *completed* the moment its last open task is done
or dismissed (the receiver at the end of this module)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kizuna.apps.tasks.models import ACTIVE_STATES, Task, TaskOrigin, TaskPriority
from kizuna.core.playbooks import MAX_OFFSET_DAYS, step_title

TITLE_LENGTH = 200


class Anchor(models.TextChoices):
    START = "start", _("the start")
    RENEWAL = "renewal", _("the renewal")


class Rounding(models.TextChoices):
    AUTO = "auto", _("To a business day (earlier before the renewal, later otherwise)")
    NONE = "none", _("Keep the calendar date")


class RunState(models.TextChoices):
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Playbook(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    active = models.BooleanField(
        _("active"), default=True, help_text=_("Only an active playbook can be started.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class PlaybookStep(models.Model):
    playbook = models.ForeignKey(
        Playbook, verbose_name=_("playbook"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(
        _("order"), validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    title_ja = models.CharField(_("title (Japanese)"), max_length=TITLE_LENGTH, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_LENGTH, blank=True)
    offset_days = models.IntegerField(
        _("days"),
        validators=[MinValueValidator(-MAX_OFFSET_DAYS), MaxValueValidator(MAX_OFFSET_DAYS)],
        help_text=_(
            "Calendar days after the anchor; negative for before it (-120: 120 days before)."
        ),
    )
    anchor = models.CharField(_("counted from"), max_length=8, choices=Anchor.choices)
    rounding = models.CharField(
        _("closed days"), max_length=8, choices=Rounding.choices, default=Rounding.AUTO
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=TaskPriority.choices, default=TaskPriority.MEDIUM
    )

    class Meta:
        verbose_name = _("playbook step")
        verbose_name_plural = _("playbook steps")
        ordering = ["playbook", "order"]
        constraints = [
            models.UniqueConstraint(fields=["playbook", "order"], name="playbooks_step_order"),
            models.CheckConstraint(
                condition=~Q(title_ja="", title_en=""), name="playbooks_step_has_a_title"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    @property
    def title(self) -> str:
        return step_title(self.title_ja, self.title_en, get_language())


class PlaybookRun(models.Model):
    """One playbook started on one account; at most one running run per playbook and
    account. ``started_by`` is the member who started it, or None when a rule did
    (``started_by_rule_id``)."""

    playbook = models.ForeignKey(
        Playbook, verbose_name=_("playbook"), on_delete=models.PROTECT, related_name="runs"
    )
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="playbook_runs",
    )
    started_on = models.DateField(_("started on"))
    anchor_date = models.DateField(_("renewal date"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    started_by_rule_id = models.BigIntegerField(_("started by rule"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=RunState.choices, default=RunState.RUNNING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("playbook run")
        verbose_name_plural = _("playbook runs")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["playbook", "account"],
                condition=Q(state="running"),
                name="playbooks_one_running_run_per_account",
            )
        ]

    def __str__(self) -> str:
        return f"{self.playbook} / {self.account_id} ({self.started_on:%Y-%m-%d})"


class PlaybookRunStep(models.Model):
    """A step as the run copied it when it started, and the task it opened."""

    run = models.ForeignKey(
        PlaybookRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="steps"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    title_ja = models.CharField(_("title (Japanese)"), max_length=TITLE_LENGTH, blank=True)
    title_en = models.CharField(_("title (English)"), max_length=TITLE_LENGTH, blank=True)
    due_on = models.DateField(_("due date"))
    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("playbook run step")
        verbose_name_plural = _("playbook run steps")
        ordering = ["run", "order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "order"], name="playbooks_run_step_order")
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"

    @property
    def title(self) -> str:
        return step_title(self.title_ja, self.title_en, get_language())


def dedup_key(run_id: int, order: int) -> str:
    return f"playbook:{run_id}:step:{order}"


@receiver(post_save, sender=Task, dispatch_uid="playbooks_complete_finished_runs")
def _complete_finished_run(sender: type[Task], instance: Task, **kwargs: Any) -> None:
    """When a playbook's task is closed and none of its run's tasks is open or snoozed any
    more, the running run is completed. A task reopened later leaves the run completed."""
    if instance.origin != TaskOrigin.PLAYBOOK or instance.origin_id is None:
        return
    if instance.state in ACTIVE_STATES:
        return
    run_id = instance.origin_id
    still_open = PlaybookRunStep.objects.filter(run_id=run_id, task__state__in=ACTIVE_STATES)
    if still_open.exists():
        return
    PlaybookRun.objects.filter(pk=run_id, state=RunState.RUNNING).update(
        state=RunState.COMPLETED, ended_at=timezone.now()
    )

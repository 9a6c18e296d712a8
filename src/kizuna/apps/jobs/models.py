"""One state row per periodic job (``<app>/tasks.py``: ``SCHEDULE``). The database is the
queue: a conditional UPDATE of this row claims a run before its task is queued, in the same
transaction, so two schedulers never queue the same job twice for one day (or one minute);
the worker's result of each run is the task result ``task_id`` (django-tasks-db)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class JobState(models.Model):
    name = models.CharField(_("job"), max_length=100, unique=True)
    last_run_on = models.DateField(_("last run for day"), null=True, blank=True)
    last_enqueued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(_("status"), max_length=16, blank=True)
    last_message = models.TextField(_("message"), blank=True)
    attempts = models.PositiveIntegerField(
        pgettext_lazy("job", "attempts"),
        default=0,
        help_text=_("Runs for the last day, retries included."),
    )
    task_id = models.CharField(_("task result"), max_length=64, blank=True, db_index=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("job state")
        verbose_name_plural = _("job states")

    def __str__(self) -> str:
        return str(self.name)

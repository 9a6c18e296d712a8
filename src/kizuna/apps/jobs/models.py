"""One state row per periodic job: the database is the queue (a conditional UPDATE claims a
day's run, so two workers never run the same job twice on the same day)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.Model):
    name = models.CharField(_("job"), max_length=100, unique=True)
    last_run_on = models.DateField(_("last run for day"), null=True, blank=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(_("status"), max_length=16, blank=True)
    last_message = models.TextField(_("message"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("job state")
        verbose_name_plural = _("job states")

    def __str__(self) -> str:
        return str(self.name)

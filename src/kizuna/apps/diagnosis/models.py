"""The organisation diagnosis: the thresholds CS ops edit per rule, and each day's run with
every rule's verdict and evidence (written by the daily job, read by the page, the API and the
monthly report). The rules themselves are code: ``kizuna.core.diagnosis.rules``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class DiagnosisRuleSetting(models.Model):
    """The thresholds of one rule that differ from its defaults (``{name: number}``); a rule
    without a row uses its defaults. Changed through ``services.rule_setting_save`` (audited)."""

    rule_key = models.CharField(_("rule"), max_length=40, unique=True)
    thresholds = models.JSONField(_("thresholds"), default=dict)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["rule_key"]
        verbose_name = _("diagnosis rule setting")
        verbose_name_plural = _("diagnosis rule settings")

    def __str__(self) -> str:
        return self.rule_key


class DiagnosisRun(models.Model):
    """One day's diagnosis: the phase and maturity level the data looked like. A rerun of the
    same day replaces it (and its findings)."""

    day = models.DateField(_("day"), unique=True)
    phase = models.CharField(_("phase"), max_length=20)
    level = models.CharField(_("maturity level"), max_length=20)
    #: the evidence parts that could not be read ({part: error}); their rules said "not
    #: enough data"
    errors = models.JSONField(default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"), auto_now=True)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("diagnosis run")
        verbose_name_plural = _("diagnosis runs")

    def __str__(self) -> str:
        return f"{self.day} {self.phase}"


class DiagnosisFinding(models.Model):
    """One rule's verdict in a run: ``holds`` True / False / None (not enough data), the
    evidence lines (``[{"key", "values"}]``) and the thresholds it was judged against."""

    run = models.ForeignKey(DiagnosisRun, on_delete=models.CASCADE, related_name="findings")
    rule_key = models.CharField(_("rule"), max_length=40)
    group = models.CharField(_("group"), max_length=12)
    stage = models.CharField(_("stage"), max_length=20)
    weight = models.PositiveSmallIntegerField(_("weight"))
    holds = models.BooleanField(_("holds"), null=True)
    evidence = models.JSONField(_("evidence"), default=list)
    thresholds = models.JSONField(_("thresholds"), default=dict)

    class Meta:
        ordering = ["run", "rule_key"]
        verbose_name = _("diagnosis finding")
        verbose_name_plural = _("diagnosis findings")
        constraints = [
            models.UniqueConstraint(fields=["run", "rule_key"], name="diagnosis_finding_once")
        ]

    def __str__(self) -> str:
        return f"{self.run_id} {self.rule_key}"

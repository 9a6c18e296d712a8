"""Health scores: versioned score models, the daily score history, CSM sentiment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import Phase, Segment
from kizuna.core.health.model import ScoreModel


class ModelStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


#: the lifecycle phases (``customers.models.Phase``) a score model is made for: every phase but
#: churned (a churned account is not scored)
SCORED_PHASES: tuple[Phase, ...] = (Phase.ONBOARDING, Phase.ADOPTION, Phase.RENEWAL)


class ScoreModelVersion(models.Model):
    """One version of a score model for a lifecycle phase (and optionally one touch model).
    A published version scores from its publication on; its scores stay as they were when a
    newer version is published."""

    name = models.SlugField(_("name"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    phase = models.CharField(
        _("lifecycle phase"), max_length=16, choices=[(p.value, p.label) for p in SCORED_PHASES]
    )
    segment = models.CharField(_("touch model"), max_length=16, blank=True)
    spec = models.JSONField(_("components"))
    status = models.CharField(
        _("status"), max_length=16, choices=ModelStatus.choices, default=ModelStatus.DRAFT
    )
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["phase", "segment", "name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="score_model_version")
        ]
        verbose_name = _("score model")
        verbose_name_plural = _("score models")

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def as_core(self) -> ScoreModel:
        return ScoreModel.from_dict(self.spec)

    @property
    def label(self) -> str:
        """The version as people name it, in the reader's language: its lifecycle phase (and
        touch model) and version, e.g. 活用・定着 · ハイタッチ v2 (``name`` is a slug)."""
        parts = [str(self.get_phase_display())]
        if self.segment:
            parts.append(str(dict(Segment.choices).get(self.segment, self.segment)))
        return f"{' · '.join(parts)} v{self.version}"


class HealthScore(models.Model):
    """One account's score on one day, with what made it (kept as scored)."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="health_scores"
    )
    day = models.DateField(_("day"))
    model = models.ForeignKey(ScoreModelVersion, on_delete=models.PROTECT, related_name="scores")
    score = models.FloatField(_("score"), null=True)
    rag = models.CharField(_("colour"), max_length=8, blank=True)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True)
    forced_red = models.BooleanField(default=False)
    points = models.JSONField(default=dict)  # component key → points
    inputs = models.JSONField(default=dict)  # input name → value
    scored_at = models.DateTimeField(_("scored at"), default=timezone.now, editable=False)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["account", "day"], name="health_score_per_day")
        ]
        indexes = [models.Index(fields=["day", "grade"])]
        verbose_name = _("health score")
        verbose_name_plural = _("health scores")

    def __str__(self) -> str:
        return f"{self.account_id} {self.day} {self.score}"


class Sentiment(models.Model):
    """A CSM's sentiment about an account (1 very bad … 5 very good): an input of the score,
    with a reason, until it expires."""

    account = models.ForeignKey(
        "customers.Account", on_delete=models.CASCADE, related_name="sentiments"
    )
    value = models.PositiveSmallIntegerField(_("sentiment"))
    reason = models.TextField(_("reason"), max_length=1000)
    from_day = models.DateField(_("from"))
    until_day = models.DateField(_("until"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-from_day", "-id"]
        verbose_name = _("CSM sentiment")
        verbose_name_plural = _("CSM sentiments")

    def __str__(self) -> str:
        return f"{self.account_id} {self.value}"


class StoredBacktest(models.Model):
    """A score model version's backtest over Kizuna's own history with the data known on
    ``as_of`` (``services.health_backtest`` over the prediction days ``as_of`` − 265 …
    ``as_of`` − 90), computed by the daily job ``health.backtest_models`` or when someone
    asks for it on the model's page; the page reads the latest instead of replaying the
    history while it answers. ``result`` is ``services.backtest_as_json``'s form."""

    model = models.ForeignKey(ScoreModelVersion, on_delete=models.CASCADE, related_name="backtests")
    as_of = models.DateField(_("data as of"))
    result = models.JSONField()
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        ordering = ["-as_of"]
        constraints = [
            models.UniqueConstraint(fields=["model", "as_of"], name="stored_backtest_per_day")
        ]
        verbose_name = _("stored backtest")
        verbose_name_plural = _("stored backtests")

    def __str__(self) -> str:
        return f"{self.model} {self.as_of}"

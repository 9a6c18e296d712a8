"""CSQLs (Customer Success Qualified Leads): an expansion lead a CSM raises on an account and
hands to sales (docs/renewals.md, "CSQLs"). The state moves proposed → accepted → won | lost;
the expansion MRR it produced is attributed by the daily job from the account's subscription
lines (``core.expansion``), never typed: ``attributed_mrr`` and ``CsqlMonth`` are derived."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kizuna.core import expansion as core


class CsqlState(models.TextChoices):
    PROPOSED = core.PROPOSED, _("Proposed")
    ACCEPTED = core.ACCEPTED, _("Accepted by sales")
    WON = core.WON, _("Won")
    LOST = core.LOST, _("Lost")


#: the states in which a CSQL is still open (and holds its account and product)
OPEN_STATES = (CsqlState.PROPOSED, CsqlState.ACCEPTED)


class LostReason(models.TextChoices):
    NO_BUDGET = "no_budget", _("No budget")
    TIMING = "timing", _("Timing")
    COMPETITOR = "competitor", _("Competitor")
    NO_NEED = "no_need", _("No need")
    NO_RESPONSE = "no_response", _("No response")
    OTHER = "other", _("Other")
    #: written only by the daily job: the window passed without expansion
    NO_EXPANSION = core.NO_EXPANSION, _("No expansion within the window")


#: the reasons a person may choose (the last one is the job's)
CHOSEN_REASONS = [c for c in LostReason if c != LostReason.NO_EXPANSION]


class Csql(models.Model):
    account = models.ForeignKey(
        "customers.Account",
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="csqls",
    )
    product = models.ForeignKey(
        "customers.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.PROTECT,
        related_name="csqls_raised",
    )
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The raiser's team when it was raised."),
    )
    raised_on = models.DateField(_("raised on"))
    raised_at = models.DateTimeField(_("raised at"))
    reasons = models.JSONField(
        _("reasons"),
        default=list,
        blank=True,
        help_text=_("The approach score's reasons when it was raised: code, points, numbers."),
    )
    approach_score = models.FloatField(_("approach score"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=4000, blank=True)
    sales_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sales owner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="csqls_owned",
    )
    sales_owner_name = models.CharField(_("sales owner (CRM user)"), max_length=150, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=CsqlState.choices, default=CsqlState.PROPOSED
    )
    lost_reason = models.CharField(
        _("lost reason"), max_length=16, choices=LostReason.choices, blank=True
    )
    lost_note = models.CharField(_("lost note"), max_length=1000, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closed_by_job = models.BooleanField(_("closed by the daily job"), default=False)
    # derived by the daily job (core.expansion.decide), never typed
    attributed_mrr = models.BigIntegerField(_("expansion MRR"), default=0)
    window_ends_on = models.DateField(_("window ends on"), null=True, blank=True)
    refreshed_on = models.DateField(_("refreshed on"), null=True, blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        verbose_name = _("CSQL")
        verbose_name_plural = _("CSQLs")
        constraints = [
            models.UniqueConstraint(
                fields=["account", "product"],
                condition=Q(state__in=["proposed", "accepted"]) & Q(product__isnull=False),
                name="expansion_one_open_csql_per_account_product",
            ),
            models.UniqueConstraint(
                fields=["account"],
                condition=Q(state__in=["proposed", "accepted"]) & Q(product__isnull=True),
                name="expansion_one_open_csql_per_account_without_product",
            ),
            models.CheckConstraint(
                condition=Q(sales_owner__isnull=False) | ~Q(sales_owner_name=""),
                name="expansion_csql_has_a_sales_owner",
            ),
            models.CheckConstraint(
                condition=~Q(state="lost") | ~Q(lost_reason=""),
                name="expansion_lost_csql_has_a_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "raised_on"]),
            models.Index(fields=["raised_by", "raised_on"]),
        ]

    def __str__(self) -> str:
        return f"CSQL #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def sales_owner_label(self) -> str:
        return str(self.sales_owner) if self.sales_owner_id else self.sales_owner_name


class CsqlMonth(models.Model):
    """One month of the account's expansion attributed to a CSQL (derived by the job)."""

    csql = models.ForeignKey(
        Csql, verbose_name=_("CSQL"), on_delete=models.CASCADE, related_name="months"
    )
    month = models.DateField(_("month"))
    mrr = models.BigIntegerField(_("expansion MRR"))

    class Meta:
        ordering = ["csql", "month"]
        verbose_name = _("attributed month")
        verbose_name_plural = _("attributed months")
        constraints = [
            models.UniqueConstraint(fields=["csql", "month"], name="expansion_one_row_per_month")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.mrr}"


class ExpansionSettings(models.Model):
    """The company's CSQL settings (one row): the attribution window."""

    window_months = models.PositiveSmallIntegerField(
        _("attribution window (months)"),
        default=core.DEFAULT_WINDOW_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(core.MAX_WINDOW_MONTHS)],
        help_text=_("Expansion in this many months after the raise month counts for a CSQL."),
    )

    class Meta:
        verbose_name = _("expansion settings")
        verbose_name_plural = _("expansion settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

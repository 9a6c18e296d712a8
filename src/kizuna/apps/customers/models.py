"""Products, accounts (顧客), their contacts and subscription lines (契約).

An account's MRR and ACV derive from its subscription lines and are never typed in:
``Account.mrr`` is a cache the services refresh whenever a line changes, and the daily job
refreshes as lines start and end (see ``services.account_refresh_mrr``).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from kizuna.core.money import CURRENCIES, mrr_from_billing


class Product(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name_ja = models.CharField(_("name (Japanese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    is_active = models.BooleanField(_("sold"), default=True)
    # the product owner (プロダクトオーナー): feedback and feature requests about the product go
    # to them, and they decide a request's status (docs/feedback.md)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("product owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_products",
        help_text=_("Feature requests about this product are routed to this member."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "ja").startswith("en") else self.name_ja


class Industry(models.TextChoices):
    MANUFACTURING = "manufacturing", _("Manufacturing")
    IT = "it", _("IT and software")
    RETAIL = "retail", _("Retail")
    CONSTRUCTION = "construction", _("Construction")
    FINANCE = "finance", _("Finance and insurance")
    HEALTHCARE = "healthcare", _("Healthcare")
    LOGISTICS = "logistics", _("Logistics")
    SERVICES = "services", _("Professional services")
    REAL_ESTATE = "real_estate", _("Real estate")
    FOOD = "food", _("Food and restaurants")
    OTHER = "other", _("Other")


class Channel(models.TextChoices):
    DIRECT = "direct", _("Direct")
    PARTNER = "partner", _("Partner")


class Phase(models.TextChoices):
    ONBOARDING = "onboarding", _("Onboarding")
    ADOPTION = "adoption", _("Adoption")
    RENEWAL = "renewal", _("Renewal")
    CHURNED = "churned", _("Churned")


class Segment(models.TextChoices):
    HIGH = "high", _("High touch")
    LOW = "low", _("Low touch")
    TECH = "tech", _("Tech touch")
    COMMUNITY = "community", _("Community touch")


class Account(models.Model):
    name = models.CharField(_("company name"), max_length=200)
    kana = models.CharField(_("kana"), max_length=200, blank=True)
    industry = models.CharField(
        _("industry"), max_length=32, choices=Industry.choices, default=Industry.OTHER
    )
    employee_count = models.PositiveIntegerField(_("employees"), null=True, blank=True)
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.DIRECT
    )
    partner_name = models.CharField(_("partner"), max_length=200, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner CSM"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_accounts",
    )
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
    )
    # the group company above this one (親会社); deleting it leaves this account without one.
    # Cycles are refused where the link is set (``services.account_update``); readers of
    # stored links do not trust that (``kizuna.core.groups``)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent company"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="children",
    )
    phase = models.CharField(
        _("lifecycle phase"), max_length=16, choices=Phase.choices, default=Phase.ONBOARDING
    )
    segment = models.CharField(
        _("touch model"), max_length=16, choices=Segment.choices, default=Segment.TECH
    )
    potential_acv = models.BigIntegerField(
        _("potential ACV"), default=0, validators=[MinValueValidator(0)]
    )
    external_crm_id = models.CharField(
        _("CRM ID"), max_length=64, null=True, blank=True, unique=True
    )
    # the system the CRM ID is from when the account was imported ("salesforce", "hubspot",
    # "kizuna"; kizuna.apps.imports); "" for an account typed in Kizuna
    crm_source = models.CharField(_("CRM"), max_length=16, blank=True, default="")
    mrr = models.BigIntegerField(_("MRR"), default=0, editable=False)
    health_stale_since = models.DateTimeField(
        _("health score stale since"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when an input of the health score changed; the worker rescores it."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kana", "id"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        indexes = [
            models.Index(fields=["kana", "id"]),
            models.Index(fields=["name"]),
            models.Index(fields=["-mrr", "id"]),
            models.Index(fields=["owner", "kana"]),
            models.Index(fields=["team", "kana"]),
            models.Index(fields=["segment", "kana"]),
            # the coverage drill-down: a segment's accounts by MRR, paged while uncovered ones
            # are found (60,000 tech-touch accounts are never sorted whole)
            models.Index(fields=["segment", "-mrr", "id"]),
            models.Index(fields=["phase", "kana"]),
            models.Index(
                fields=["health_stale_since"],
                condition=models.Q(health_stale_since__isnull=False),
                name="account_health_stale",
            ),
        ]

    def __str__(self) -> str:
        return str(self.name)

    @property
    def acv(self) -> int:
        """Annual contract value: 12 × current MRR (minor units)."""
        return int(self.mrr) * 12

    def clean(self) -> None:
        if self.channel == Channel.PARTNER and not (self.partner_name or "").strip():
            raise ValidationError({"partner_name": _("Name the partner for a partner account.")})
        if self.channel == Channel.DIRECT:
            self.partner_name = ""
        if self.external_crm_id == "":
            self.external_crm_id = None


class ContactRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    DECISION_MAKER = "decision_maker", _("Decision maker")
    CHAMPION = "champion", _("Champion")
    USER = "user", _("User")
    BILLING = "billing", _("Billing")


class Contact(models.Model):
    account = models.ForeignKey(
        Account, verbose_name=_("account"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=100)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    role = models.CharField(
        _("role"), max_length=32, choices=ContactRole.choices, default=ContactRole.USER
    )
    # the CRM's id of the contact and the system it is from, when imported (as Account's;
    # kizuna.apps.imports); None and "" for a contact typed in Kizuna
    external_crm_id = models.CharField(
        _("CRM ID"), max_length=64, null=True, blank=True, unique=True, editable=False
    )
    crm_source = models.CharField(_("CRM"), max_length=16, blank=True, default="", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return str(self.name)


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    ANNUAL = "annual", _("Annual")


class SubscriptionLine(models.Model):
    """A contract line for one product. Active on day d when start ≤ d < end (end exclusive)."""

    account = models.ForeignKey(
        Account,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="subscription_lines",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="lines"
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=[(code, code) for code in CURRENCIES]
    )
    billing_period = models.CharField(
        _("billing period"),
        max_length=16,
        choices=BillingPeriod.choices,
        default=BillingPeriod.MONTHLY,
    )
    billing_amount = models.BigIntegerField(
        _("amount per billing period"), validators=[MinValueValidator(0)]
    )
    mrr = models.BigIntegerField(_("MRR"), editable=False, default=0)
    seats = models.PositiveIntegerField(_("seats"), null=True, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(
        _("end date (exclusive)"),
        null=True,
        blank=True,
        help_text=_("The first day the line is no longer active. Empty while it runs."),
    )
    renewal_date = models.DateField(_("renewal date"), null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(
        _("contract term (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text=_("Empty: 12 for an annual line, 1 for a monthly one. 24 or 36 for multi-year."),
    )
    external_id = models.CharField(
        _("external ID"), max_length=64, null=True, blank=True, unique=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account", "-start_date", "id"]
        verbose_name = _("subscription line")
        verbose_name_plural = _("subscription lines")
        indexes = [
            models.Index(fields=["account", "start_date"]),
            models.Index(fields=["product", "end_date"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gt=models.F("start_date")),
                name="subscription_line_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(billing_amount__gte=0), name="subscription_line_amount_gte_0"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} ({self.start_date:%Y-%m-%d})"

    def is_active_on(self, day: dt.date) -> bool:
        return self.start_date <= day and (self.end_date is None or day < self.end_date)

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The end date must be after the start date.")})
        if self.billing_amount is not None and self.billing_amount >= 0 and self.billing_period:
            self.mrr = mrr_from_billing(int(self.billing_amount), str(self.billing_period))
        if self.external_id == "":
            self.external_id = None

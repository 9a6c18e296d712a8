"""The monthly CS report's settings (who receives it by e-mail) and the record of the reports
sent, one row per month, so that a rerun of the job sends nothing twice (docs/monthly-report.md).

The report itself has no table: it reads the revenue snapshots, health scores, renewals and
tasks of the month when it is shown (``selectors.monthly_report``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.utils.translation import gettext_lazy as _

#: at most this many recipients: the report goes to a leadership list, not to the company
MAX_RECIPIENTS = 50


class ReportLanguage(models.TextChoices):
    JA = "ja", "日本語"
    EN = "en", "English"


def recipient_list(text: str) -> list[str]:
    """The addresses of ``text``, one per line (commas and spaces separate too), in the order
    typed, each once."""
    seen: list[str] = []
    for part in text.replace(",", "\n").split():
        address = part.strip()
        if address and address not in seen:
            seen.append(address)
    return seen


def validate_recipients(text: str) -> None:
    addresses = recipient_list(text)
    bad = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            bad.append(address)
    if bad:
        raise ValidationError(
            _("Not an e-mail address: %(addresses)s"), params={"addresses": ", ".join(bad)}
        )
    if len(addresses) > MAX_RECIPIENTS:
        raise ValidationError(_("At most %(max)s recipients."), params={"max": MAX_RECIPIENTS})


class ReportSettings(models.Model):
    """Who receives the monthly report (one row, pk=1; admins edit it, every change audited).

    An empty list sends nothing."""

    recipients = models.TextField(
        _("recipients"),
        blank=True,
        validators=[validate_recipients],
        help_text=_("One e-mail address per line. Empty: the report is not sent."),
    )
    language = models.CharField(
        _("language of the e-mailed report"),
        max_length=2,
        choices=ReportLanguage.choices,
        default=ReportLanguage.JA,
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("monthly report settings")
        verbose_name_plural = _("monthly report settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)

    def recipient_list(self) -> list[str]:
        return recipient_list(self.recipients)


class SentReport(models.Model):
    """The monthly report of one month, e-mailed by the job: claimed before it is sent (so
    that two runs cannot both send it) and stamped when the mail server took it."""

    month = models.DateField(_("month"), unique=True, help_text=_("its first day"))
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    language = models.CharField(_("language"), max_length=2, blank=True)
    pdf_bytes = models.PositiveIntegerField(_("PDF size (bytes)"), default=0)

    class Meta:
        ordering = ["-month"]
        verbose_name = _("sent monthly report")
        verbose_name_plural = _("sent monthly reports")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"

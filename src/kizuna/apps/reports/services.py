"""Writes of the monthly report: the recipients' settings (admins, audited) and the job that
e-mails the previous month's report on the first business day of a month, once
(docs/monthly-report.md)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kizuna.apps.audit.models import AuditAction
from kizuna.apps.audit.services import audit_record
from kizuna.apps.front.formats import month_label
from kizuna.apps.org.access import can_edit_report_recipients
from kizuna.apps.org.models import User
from kizuna.apps.reports.models import ReportSettings, SentReport, recipient_list
from kizuna.apps.reports.printing import report_filename, report_pdf
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.core.business_days import next_business_day_on_or_after
from kizuna.core.calendar import first_of_month, month_start_before

logger = logging.getLogger("kizuna.reports")

SETTINGS_PK = 1
#: a claim older than this was left by a run that died: the next run may send
CLAIM_EXPIRES = dt.timedelta(minutes=15)


def report_settings_get() -> ReportSettings:
    """The recipients' settings; the defaults (nobody, Japanese), unsaved, until an admin sets
    them, so that reading never writes."""
    return ReportSettings.objects.filter(pk=SETTINGS_PK).first() or ReportSettings(pk=SETTINGS_PK)


@transaction.atomic
def report_settings_set(
    *, actor: User, recipients: str, language: str, via: str = "web"
) -> ReportSettings:
    """Set who receives the report and in which language (admins; else ``PermissionDenied``);
    the addresses are kept one per line. Audited: the change of each field."""
    if not can_edit_report_recipients(actor):
        raise PermissionDenied
    row, _created = ReportSettings.objects.select_for_update().get_or_create(pk=SETTINGS_PK)
    before = {"recipients": row.recipient_list(), "language": row.language}
    row.recipients = "\n".join(recipient_list(recipients))
    row.language = language
    row.full_clean()
    row.save()
    after = {"recipients": row.recipient_list(), "language": row.language}
    changes = {key: [before[key], value] for key, value in after.items() if before[key] != value}
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=row,
            account_id=None,
            changes=changes,
            via=via,
        )
    return row


def first_business_day(day: dt.date, *, year_end_closure: bool) -> dt.date:
    """The first business day of ``day``'s month on the Japanese calendar
    (``core.business_days``): after the New Year closure, Golden Week, weekends."""
    return next_business_day_on_or_after(first_of_month(day), year_end_closure=year_end_closure)


def _claim(month: dt.date) -> bool:
    """Take the month's report for this run: True when no other run sent it or is sending it
    (a conditional UPDATE, so two runs cannot both take it)."""
    SentReport.objects.get_or_create(month=month)
    now = timezone.now()
    free = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_EXPIRES)
    taken = SentReport.objects.filter(Q(month=month, sent_at__isnull=True) & free).update(
        claimed_at=now
    )
    return taken == 1


def report_message(
    *, month: dt.date, pdf: bytes, recipients: list[str], language: str, company_name: str
) -> EmailMessage:
    """The e-mail: subject and body in ``language``, the PDF attached, a link to the page."""
    with translation.override(language):
        label = month_label(month)
        subject = _("[%(company)s] Monthly CS report, %(month)s") % {
            "company": company_name,
            "month": label,
        }
        path = reverse("reports:page", kwargs={"month": f"{month:%Y-%m}"})
        body = render_to_string(
            "reports/report_email.txt",
            {"month": label, "company_name": company_name, "link": f"{settings.BASE_URL}{path}"},
        )
    message = EmailMessage(" ".join(subject.split()), body, to=recipients)
    message.attach(report_filename(month), pdf, "application/pdf")
    return message


def monthly_report_send(*, day: dt.date) -> str:
    """The job ``reports.monthly_report``: on the first business day of ``day``'s month, e-mail
    the previous month's report to the recipients, once. Any other day, without recipients, or
    when that month's report was sent already, it sends nothing. A failure (no Chromium, the
    mail server) releases the claim and raises, so that the job's retry sends it. One line
    saying what it did."""
    tenant = tenant_settings_get()
    first = first_business_day(day, year_end_closure=tenant.year_end_closure)
    if day != first:
        return f"{day}: not the first business day of the month ({first}): nothing sent"
    month = month_start_before(day, 1)
    options = report_settings_get()
    recipients = options.recipient_list()
    if not recipients:
        return f"{month:%Y-%m}: no recipients set: nothing sent"
    if not _claim(month):
        return f"{month:%Y-%m}: the report was sent already: nothing sent"
    try:
        pdf = report_pdf(month=month, language=options.language)
        message = report_message(
            month=month,
            pdf=pdf,
            recipients=recipients,
            language=options.language,
            company_name=tenant.company_name,
        )
        mailers.default.send_messages([message])
    except Exception:
        SentReport.objects.filter(month=month).update(claimed_at=None)
        raise
    SentReport.objects.filter(month=month).update(
        sent_at=timezone.now(),
        recipients=recipients,
        language=options.language,
        pdf_bytes=len(pdf),
    )
    logger.info("monthly report %s sent to %d recipient(s)", f"{month:%Y-%m}", len(recipients))
    return f"{month:%Y-%m}: sent to {len(recipients)} recipient(s), {len(pdf)} bytes"

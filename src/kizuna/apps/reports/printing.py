"""The report's printable document and its PDF, in a given language: what a member downloads
and what the job e-mails. The document is the page's own template part
(``reports/_report.html``) in a bare layout (``reports/print.html``), rendered in the company's
time zone."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kizuna.apps.reports.pdf import pdf_from_html, stylesheet_urls
from kizuna.apps.reports.selectors import monthly_report
from kizuna.apps.tenant.selectors import tenant_settings_get


def printable_html(*, month: dt.date, language: str) -> str:
    """The whole printable document of ``month``'s report in ``language`` ("ja" or "en")."""
    tenant = tenant_settings_get()
    zone = zoneinfo.ZoneInfo(tenant.time_zone)
    with translation.override(language), timezone.override(zone):
        report = monthly_report(
            month=month,
            currency=tenant.currency,
            zone=zone,
            fiscal_start_month=tenant.fiscal_year_start_month,
        )
        return render_to_string(
            "reports/print.html",
            {
                "report": report,
                "company_name": tenant.company_name,
                "stylesheets": stylesheet_urls(),
                "link_base": settings.BASE_URL,
            },
        )


def report_pdf(*, month: dt.date, language: str) -> bytes:
    """The report of ``month`` as an A4 PDF in ``language``; ``pdf.PdfUnavailable`` without
    Chromium."""
    return pdf_from_html(printable_html(month=month, language=language))


def report_filename(month: dt.date) -> str:
    return f"kizuna-cs-report-{month:%Y-%m}.pdf"

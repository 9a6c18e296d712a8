"""The job ``reports.monthly_report``: on the first business day of a month (Japanese calendar:
after New Year and Golden Week too) it e-mails last month's report through a real SMTP server,
once; any other day, without recipients, or a second time, it sends nothing. The PDF is
printed by Chromium in ``test_pdf.py``; here a stand-in keeps these tests fast."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.jobs.registry import daily_jobs
from kizuna.apps.reports import services
from kizuna.apps.reports.models import ReportSettings, SentReport
from kizuna.apps.reports.tasks import monthly_report
from kizuna.apps.tenant.models import TenantSettings
from tests.apps.org.conftest import Inbox
from tests.factories import World

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4 stand-in"


@pytest.fixture
def printed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[dt.date, str]]:
    """Stand in for Chromium: record which month and language were printed."""
    calls: list[tuple[dt.date, str]] = []

    def fake_pdf(*, month: dt.date, language: str) -> bytes:
        calls.append((month, language))
        return PDF

    monkeypatch.setattr(services, "report_pdf", fake_pdf)
    return calls


@pytest.fixture
def recipients(world: World) -> World:
    services.report_settings_set(
        actor=world.admin, recipients="ceo@example.jp\nvp-cs@example.jp", language="ja"
    )
    return world


def run(day: dt.date) -> str:
    return services.monthly_report_send(day=day)


def test_the_first_business_day_sends_last_months_report_once(
    recipients: World, smtp_server: Inbox, printed: list[tuple[dt.date, str]]
) -> None:
    # given recipients, when the job runs on Tuesday 2026-12-01, a business day
    message = run(dt.date(2026, 12, 1))
    # then November's report went to both, in Japanese, with the PDF attached
    assert message == "2026-11: sent to 2 recipient(s), 17 bytes"
    assert printed == [(dt.date(2026, 11, 1), "ja")]
    assert len(smtp_server.messages) == 1
    mail = smtp_server.messages[0]
    assert mail["To"] == "ceo@example.jp, vp-cs@example.jp"
    assert mail["Subject"] == "[Kizuna] 月次CSレポート 2026年11月"
    attachments = list(mail.iter_attachments())
    assert [a.get_filename() for a in attachments] == ["kizuna-cs-report-2026-11.pdf"]
    assert attachments[0].get_content_type() == "application/pdf"
    assert attachments[0].get_content() == PDF
    assert "http://testserver/kpis/report/2026-11/" in smtp_server.body()
    sent = SentReport.objects.get()
    assert (sent.month, sent.recipients, sent.pdf_bytes) == (
        dt.date(2026, 11, 1), ["ceo@example.jp", "vp-cs@example.jp"], len(PDF)
    )  # fmt: skip
    assert sent.sent_at is not None
    # and when the job runs again that day, nothing more is sent
    assert run(dt.date(2026, 12, 1)) == "2026-11: the report was sent already: nothing sent"
    assert len(smtp_server.messages) == 1


@pytest.mark.parametrize(
    ("quiet_days", "first"),
    [
        # New Year: 1/1 is a holiday and 1/1–1/3 the year-end closure; 1/4/2027 is a Monday
        ([dt.date(2027, 1, d) for d in (1, 2, 3)], dt.date(2027, 1, 4)),
        # Golden Week 2027: 5/1–5/2 a weekend, 5/3–5/5 holidays
        ([dt.date(2027, 5, d) for d in (1, 2, 3, 4, 5)], dt.date(2027, 5, 6)),
        # a month starting on a weekend: 2026-08-01 is a Saturday
        ([dt.date(2026, 8, 1), dt.date(2026, 8, 2)], dt.date(2026, 8, 3)),
    ],
)
def test_only_the_first_business_day_sends(
    recipients: World,
    smtp_server: Inbox,
    printed: list[tuple[dt.date, str]],
    quiet_days: list[dt.date],
    first: dt.date,
) -> None:
    for day in quiet_days:
        assert "not the first business day" in run(day)
    assert smtp_server.messages == []
    assert "sent to 2 recipient(s)" in run(first)
    # and the days after it in the month send nothing
    assert "not the first business day" in run(first + dt.timedelta(days=1))
    assert len(smtp_server.messages) == 1
    assert printed == [((first.replace(day=1) - dt.timedelta(days=1)).replace(day=1), "ja")]


def test_without_the_year_end_closure_january_starts_on_the_first_weekday(
    recipients: World, smtp_server: Inbox, printed: list[tuple[dt.date, str]]
) -> None:
    # a company that works from 1/2 (2026: 1/1 Thu is a holiday, 1/2 Fri is not)
    TenantSettings.objects.update_or_create(pk=1, defaults={"year_end_closure": False})
    assert "not the first business day" in run(dt.date(2026, 1, 1))
    assert "sent to 2" in run(dt.date(2026, 1, 2))


def test_no_recipients_sends_nothing(
    world: World, smtp_server: Inbox, printed: list[tuple[dt.date, str]]
) -> None:
    assert run(dt.date(2026, 12, 1)) == "2026-11: no recipients set: nothing sent"
    assert smtp_server.messages == [] and printed == []
    assert not SentReport.objects.exists()


def test_a_mail_server_down_releases_the_claim_for_the_retry(
    recipients: World, smtp_down: int, printed: list[tuple[dt.date, str]], settings: Any
) -> None:
    # given a mail server nobody answers, the job fails (so that it is retried)
    with pytest.raises(OSError):
        run(dt.date(2026, 12, 1))
    sent = SentReport.objects.get()
    assert sent.claimed_at is None and sent.sent_at is None


def test_a_retry_after_the_failure_sends(
    recipients: World, smtp_server: Inbox, printed: list[tuple[dt.date, str]]
) -> None:
    SentReport.objects.create(month=dt.date(2026, 11, 1))  # a failed run's released claim
    assert "sent to 2" in run(dt.date(2026, 12, 1))
    assert len(smtp_server.messages) == 1


def test_a_live_claim_of_another_run_is_respected(
    recipients: World, smtp_server: Inbox, printed: list[tuple[dt.date, str]]
) -> None:
    SentReport.objects.create(month=dt.date(2026, 11, 1), claimed_at=timezone.now())
    assert "sent already" in run(dt.date(2026, 12, 1))
    assert smtp_server.messages == []


def test_english_recipients_get_it_in_english(
    world: World, smtp_server: Inbox, printed: list[tuple[dt.date, str]]
) -> None:
    services.report_settings_set(actor=world.admin, recipients="cfo@example.com", language="en")
    monthly_report.call("2026-12-01")
    assert printed == [(dt.date(2026, 11, 1), "en")]
    assert smtp_server.messages[0]["Subject"] == "[Kizuna] Monthly CS report, Nov 2026"


def test_the_job_is_scheduled_daily_after_the_refreshes() -> None:
    jobs = {job.name: job for job in daily_jobs()}
    assert "reports.monthly_report" in jobs
    names = list(jobs)
    for before in ("revenue.refresh_snapshots", "health.refresh_scores", "renewals.refresh"):
        assert names.index(before) < names.index("reports.monthly_report")


def test_recipients_are_set_by_admins_only_and_audited(world: World) -> None:
    # given an admin who sets two addresses (one repeated, separated by commas and lines)
    services.report_settings_set(
        actor=world.admin, recipients="a@example.jp, b@example.jp\na@example.jp", language="ja"
    )
    row = ReportSettings.objects.get()
    assert row.recipient_list() == ["a@example.jp", "b@example.jp"]
    event = AuditEvent.objects.get(entity="reportsettings")
    assert event.changes == {"recipients": [[], ["a@example.jp", "b@example.jp"]]}
    assert event.actor == world.admin
    # and a manager may not
    with pytest.raises(PermissionDenied):
        services.report_settings_set(actor=world.manager, recipients="", language="ja")
    # and a bad address is refused, nothing saved
    with pytest.raises(ValidationError):
        services.report_settings_set(actor=world.admin, recipients="not-an-address", language="ja")
    assert ReportSettings.objects.get().recipient_list() == ["a@example.jp", "b@example.jp"]


def test_the_recipients_page(world: World) -> None:
    admin, manager = Client(), Client()
    admin.force_login(world.admin)
    manager.force_login(world.manager)
    assert manager.get("/kpis/report/recipients/").status_code == 403
    assert admin.get("/kpis/report/recipients/").status_code == 200
    response = admin.post(
        "/kpis/report/recipients/", {"recipients": "ceo@example.jp", "language": "en"}
    )
    assert response.status_code == 302
    assert ReportSettings.objects.get().recipient_list() == ["ceo@example.jp"]
    bad = admin.post("/kpis/report/recipients/", {"recipients": "x@", "language": "ja"})
    assert bad.status_code == 400
    assert "メールアドレスではありません" in bad.content.decode()

"""The PDF, printed by Debian's Chromium: its text (extracted with pypdf) has the Japanese
title and sections and the month's figures; the job e-mails the real PDF. Marked ``browser``:
these need Chromium (``scripts/bootstrap.sh --test`` installs it with the CJK fonts)."""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from pypdf import PdfReader

from kizuna.apps.reports import services
from kizuna.apps.reports.pdf import chromium_executable
from tests.apps.org.conftest import Inbox

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.browser,
    pytest.mark.skipif(chromium_executable() is None, reason="needs Chromium"),
]
ARTIFACTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"


def text_of(pdf: bytes) -> str:
    """The PDF's text, compared as a reader sees it: NFKC (the font maps some kanji to their
    Kangxi radical code points, ⽉ for 月) and without white space (the extraction puts spaces
    between scripts: "⽉次 CS レポート")."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_the_pdf_has_the_japanese_report_and_its_figures(month_data: dict[str, Any]) -> None:
    # given a manager (Japanese by default)
    client = Client()
    client.force_login(month_data["world"].manager)
    # when they download March 2024's PDF
    response = client.get("/kpis/report/2024-03.pdf")
    # then it is a PDF whose text has the Japanese title, sections and March's figures
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="kizuna-cs-report-2024-03.pdf"'
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "monthly-report-2024-03.pdf").write_bytes(pdf)
    text = text_of(pdf)
    for words in ("月次CSレポート", "2024年3月", "タッチモデル別のチャーンとエクスパンション"):
        assert words in text, words
    assert "今月の主なリスク" in text and "今月のセーブ" in text
    assert "株式会社A" in text and "株式会社C" in text
    # the bridge: 220 → 170, expansion 20, contraction −20, churn −50, net new −50
    for figure in ("¥220", "¥170", "¥20", "-¥50"):
        assert figure in text, figure
    assert len(PdfReader(io.BytesIO(pdf)).pages) >= 1


def test_the_pdf_in_english(month_data: dict[str, Any]) -> None:
    manager = month_data["world"].manager
    manager.language = "en"
    manager.save()
    client = Client()
    client.force_login(manager)
    text = text_of(client.get("/kpis/report/2024-03.pdf").content)
    assert "MonthlyCSreport,Mar2024" in text
    assert "Toprisksofthemonth" in text and "¥170" in text


def test_the_job_emails_the_real_pdf(month_data: dict[str, Any], smtp_server: Inbox) -> None:
    services.report_settings_set(
        actor=month_data["world"].admin, recipients="ceo@example.jp", language="ja"
    )
    # the job's day is 2024-04-01, Monday: March's report
    assert "2024-03: sent to 1 recipient(s)" in services.monthly_report_send(
        day=dt.date(2024, 4, 1)
    )
    attachment = next(iter(smtp_server.messages[0].iter_attachments()))
    text = text_of(attachment.get_content())
    assert "月次CSレポート" in text and "¥170" in text

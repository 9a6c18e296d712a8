"""Imports: the date rule row by row, and files in UTF-16 (Excel's "Unicode text")."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kizuna.apps.org.models import User
from kizuna.apps.touchpoints.imports import touchpoint_import_run, touchpoint_import_start
from kizuna.apps.touchpoints.models import Touchpoint, TouchpointImport
from tests.factories import World

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "touchpoint_imports"
UTC = dt.UTC
JST = dt.timezone(dt.timedelta(hours=9))
UPLOAD = "touchpoints:import_upload"


@pytest.fixture(autouse=True)
def today_is_december_1st(monkeypatch: pytest.MonkeyPatch) -> None:
    """The company's today (Asia/Tokyo) is 2026-12-01; it is 12:00 there."""
    now = dt.datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    monkeypatch.setattr("kizuna.apps.tenant.selectors.timezone.now", lambda: now)


@pytest.fixture
def crm(world: World) -> World:
    world.csm.display_name = "佐藤 美咲"
    world.csm.email = "misaki.sato@kizuna.example"
    world.csm.save()
    world.account.external_crm_id = "0015g00000YmDAA1"
    world.account.save()
    return world


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


DATED = """id,account,csm,kind,date,subject
r1,株式会社山田製作所,csm,call,2026/11/30 10:00,昨日の電話
r2,株式会社山田製作所,csm,call,2026/12/01 23:30,今日の夜の電話
r3,株式会社山田製作所,csm,call,2026/12/02 00:10,明日の電話
r4,株式会社山田製作所,csm,meeting,2027/01/15 14:00,来年の定例
r5,株式会社山田製作所,csm,meeting,1999/12/31 23:59,前世紀の定例
r6,株式会社山田製作所,csm,meeting,0001/01/01,西暦1年
r7,株式会社山田製作所,csm,meeting,9999/12/31 23:59,西暦9999年
r8,株式会社山田製作所,csm,meeting,2000/01/01 00:00,2000年最初の定例
"""


def test_it_rejects_rows_dated_after_today_or_before_2000_and_imports_the_others(
    crm: World,
) -> None:
    # given a file whose rows are dated from year 1 to 9999 around today (2026-12-01, JST)
    record, _plan = touchpoint_import_start(
        actor=crm.csm, file_name="dated.csv", data=DATED.encode(), source="csv"
    )
    # when the CSM imports it
    record = touchpoint_import_run(actor=crm.csm, record=record)
    # then each row after today or before 2000-01-01 is listed with its row number and reason
    assert (record.row_count, record.created_count, record.rejected_count) == (8, 3, 5)
    assert record.rejected_rows == [
        {"line": 4, "errors": [{"code": "future_date", "value": "2026-12-02"}]},
        {"line": 5, "errors": [{"code": "future_date", "value": "2027-01-15"}]},
        {"line": 6, "errors": [{"code": "early_date", "value": "1999-12-31"}]},
        {"line": 7, "errors": [{"code": "early_date", "value": "0001-01-01"}]},
        {"line": 8, "errors": [{"code": "future_date", "value": "9999-12-31"}]},
    ]
    # and the rows from 2000-01-01 to today 23:30 are imported, the importer as their author
    rows = Touchpoint.objects.order_by("occurred_at")
    assert [(t.external_id, t.occurred_at, t.created_by_id) for t in rows] == [
        ("csv:r8", dt.datetime(2000, 1, 1, 0, 0, tzinfo=JST), crm.csm.pk),
        ("csv:r1", dt.datetime(2026, 11, 30, 10, 0, tzinfo=JST), crm.csm.pk),
        ("csv:r2", dt.datetime(2026, 12, 1, 23, 30, tzinfo=JST), crm.csm.pk),
    ]


def test_it_explains_a_rejected_date_in_the_readers_language(crm: World) -> None:
    record, _plan = touchpoint_import_start(
        actor=crm.csm, file_name="dated.csv", data=DATED.encode(), source="csv"
    )
    url = reverse("touchpoints:import_detail", args=[record.pk])
    japanese = client_for(crm.csm).get(url).content.decode()
    assert "日付 2027-01-15 は今日より後です" in japanese
    assert "日付 1999-12-31 は 2000-01-01 より前です" in japanese
    crm.csm.language = "en"
    crm.csm.save()
    english = client_for(crm.csm).get(url).content.decode()
    assert "The date 2027-01-15 is after today" in english
    assert "The date 1999-12-31 is before 2000-01-01: check the year." in english


@pytest.mark.parametrize(
    ("encoding", "bom", "label"),
    [
        ("utf-16-le", b"\xff\xfe", "UTF-16 LE"),
        ("utf-16-be", b"\xfe\xff", "UTF-16 BE"),
        ("utf-16-le", b"", "UTF-16 LE"),
    ],
)
def test_it_imports_a_utf16_file_like_the_same_file_in_utf8(
    crm: World, encoding: str, bom: bytes, label: str
) -> None:
    # given the Salesforce sample saved as UTF-16 (Excel's "Unicode text")
    text = (FIXTURES / "salesforce_activities_utf8_bom.csv").read_text("utf-8-sig")
    upload = SimpleUploadedFile("activities.csv", bom + text.encode(encoding))
    # when the CSM uploads and imports it
    client = client_for(crm.csm)
    response = client.post(reverse(UPLOAD), {"file": upload, "source": "salesforce"})
    record = TouchpointImport.objects.get()
    client.post(reverse("touchpoints:import_run", args=[record.pk]), {"confirm": "yes"})
    # then it is read as UTF-16, not as Shift_JIS, and its 4 activities are imported
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.encoding_label, record.created_count, record.rejected_count) == (label, 4, 0)
    subjects = set(Touchpoint.objects.values_list("summary", flat=True))
    assert "定例ミーティング（11月）" in {s.split("\n")[0] for s in subjects}


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("ja", "UTF-8・UTF-16・Shift_JIS のテキストではありません"),
        ("en", "The file is not text in UTF-8, UTF-16 or Shift_JIS"),
    ],
)
def test_it_refuses_a_binary_file_with_a_translated_message(
    world: World, language: str, message: str
) -> None:
    world.csm.language = language
    world.csm.save()
    upload = SimpleUploadedFile("book.csv", b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00")
    response = client_for(world.csm).post(reverse(UPLOAD), {"file": upload, "source": "csv"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not TouchpointImport.objects.exists()


def test_the_upload_page_says_which_encodings_and_dates_are_accepted(world: World) -> None:
    body = client_for(world.csm).get(reverse(UPLOAD)).content.decode()
    assert "UTF-8・UTF-16・Shift_JIS" in body
    assert "日付が今日より後または 2000 年より前" in body

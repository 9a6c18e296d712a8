"""The Salesforce activity report preset. Pure: no database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kizuna.integrations.activity_csv import (
    RowError,
    decode,
    guess_mapping,
    map_rows,
    read_table,
)
from kizuna.integrations.salesforce.activities import PRESET, is_report_footer, kind_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "touchpoint_imports"


@pytest.mark.parametrize(
    "file_name", ["salesforce_activities_utf8_bom.csv", "salesforce_activities_sjis.csv"]
)
def test_it_maps_an_english_and_a_japanese_report_export(file_name: str) -> None:
    # given a report export (English headers in UTF-8 with BOM, Japanese ones in Shift_JIS)
    text, _encoding = decode((FIXTURES / file_name).read_bytes())
    table = read_table(text)
    # when mapped by the Salesforce preset
    mapping = guess_mapping(table.headers, PRESET)
    rows = map_rows(table, mapping, PRESET)
    # then the columns are found, the footer ignored and each row read exactly
    assert [name for name, header in mapping.items() if header] == [
        "external_id",
        "account_crm_id",
        "account_name",
        "csm",
        "kind",
        "date",
        "subject",
        "description",
    ]
    assert [
        (row.line, row.source_id, row.account_crm_id, row.account_name, row.csm) for row in rows
    ] == [
        (2, "00T5g00000AbCdE1", "0015g00000YmDAA1", "株式会社山田製作所", "佐藤 美咲"),
        (3, "00T5g00000AbCdE2", "0015g00000YmDAA1", "株式会社山田製作所", "佐藤 美咲"),
        (4, "00T5g00000AbCdE3", "0015g00000YmDAA1", "", "佐藤 美咲"),
        (5, "00T5g00000AbCdE4", "", "株式会社山田製作所", "佐藤 美咲"),
    ]
    assert [(row.kind, row.occurred_at) for row in rows] == [
        ("meeting", dt.datetime(2026, 11, 5, 14, 0)),
        ("call", dt.datetime(2026, 11, 6, 10, 30)),
        ("email", dt.datetime(2026, 11, 10, 0, 0)),
        ("onsite", dt.datetime(2026, 11, 30, 23, 30)),
    ]
    assert rows[0].summary == (
        "定例ミーティング（11月）\n利用状況の確認。経費精算の申請件数が先月比+20%。"
    )
    assert rows[2].summary == "月次活用レポートの送付"
    assert rows[3].summary.endswith('"部門ごとの導入順"をすり合わせ。\n次回は12月第2週。')
    assert all(row.errors == () for row in rows)
    assert rows[0].external_id("salesforce") == "salesforce:00T5g00000AbCdE1"


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("Call", "call"),
        ("電話", "call"),
        ("List Email", "email"),
        ("メール", "email"),
        ("Meeting", "meeting"),
        ("Event", "meeting"),
        ("会議", "meeting"),
        ("訪問", "onsite"),
        ("Webinar", "webinar"),
        ("Task", "other"),
        ("その他", "other"),
        ("note", "note"),
        ("FAX", None),
        ("", None),
    ],
)
def test_it_maps_salesforce_activity_types_to_kizuna_kinds(raw: str, kind: str | None) -> None:
    assert kind_of({"kind": raw}) == kind


def test_it_rejects_an_unknown_or_empty_type() -> None:
    table = read_table("Subject,Date,Account Name,Type\nA,2026/11/05,X社,FAX\nB,2026/11/05,X社,\n")
    rows = map_rows(table, guess_mapping(table.headers, PRESET), PRESET)
    assert [row.errors for row in rows] == [
        (RowError("unknown_kind", "FAX"),),
        (RowError("no_kind"),),
    ]


def test_it_recognises_the_report_footer_only_as_footer() -> None:
    assert is_report_footer(["Grand Totals (4 records)", "", ""], after_blank=False)
    assert is_report_footer(["株式会社キズナソフト"], after_blank=True)
    assert not is_report_footer(["株式会社キズナソフト"], after_blank=False)
    assert not is_report_footer(["00T1", "件名", "2026/11/05"], after_blank=True)

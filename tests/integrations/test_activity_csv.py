"""Reading exported CSV files: encodings, rows, dates, the generic preset. Pure: no database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kizuna.integrations.activity_csv import (
    GENERIC,
    MAX_BYTES,
    CsvError,
    RowError,
    attendee_emails,
    decode,
    guess_mapping,
    map_rows,
    parse_datetime,
    read_table,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "touchpoint_imports"


def test_it_decodes_utf8_with_bom_and_shift_jis_to_the_same_text() -> None:
    # given the same rows saved as UTF-8 with BOM and as Shift_JIS (cp932)
    bom = (FIXTURES / "salesforce_activities_utf8_bom.csv").read_bytes()
    sjis = (FIXTURES / "salesforce_activities_sjis.csv").read_bytes()
    # when decoded
    bom_text, bom_encoding = decode(bom)
    sjis_text, sjis_encoding = decode(sjis)
    # then each encoding is recognised and the subjects read the same
    assert (bom_encoding, sjis_encoding) == ("utf-8-sig", "cp932")
    assert not bom_text.startswith("\ufeff")
    assert "定例ミーティング（11月）" in bom_text
    assert "定例ミーティング（11月）" in sjis_text


def test_it_decodes_plain_utf8() -> None:
    assert decode("件名\n電話".encode()) == ("件名\n電話", "utf-8")


def test_it_refuses_bytes_that_are_neither_utf8_nor_shift_jis() -> None:
    with pytest.raises(CsvError) as error:
        decode((FIXTURES / "not_text.csv").read_bytes())
    assert error.value.code == "encoding"


def test_it_refuses_a_file_over_5_mb() -> None:
    with pytest.raises(CsvError) as error:
        decode(b"a" * (MAX_BYTES + 1))
    assert error.value.code == "too_large"
    assert decode(b"a" * MAX_BYTES)[1] == "utf-8"


def test_it_refuses_a_file_without_header() -> None:
    with pytest.raises(CsvError) as error:
        read_table("\n\n")
    assert error.value.code == "empty"


def test_it_numbers_rows_as_a_spreadsheet_does() -> None:
    # given a header, a multi-line cell, a blank row and a tab-separated variant
    text = 'subject,date\n"line one\nline two",2026/11/05\n\nlast,2026/11/06\n'
    # when read
    table = read_table(text)
    tabbed = read_table("subject\tdate\nA\t2026/11/05\n")
    # then the header is row 1 and every record (blank ones too) takes one row number
    assert table.headers == ("subject", "date")
    assert [line for line, _cells in table.rows] == [2, 3, 4]
    assert table.rows[0][1] == ("line one\nline two", "2026/11/05")
    assert tabbed.rows == ((2, ("A", "2026/11/05")),)


@pytest.mark.parametrize(
    ("date_text", "time_text", "expected"),
    [
        ("2026/11/05 14:00", "", dt.datetime(2026, 11, 5, 14, 0)),
        ("2026/11/5", "", dt.datetime(2026, 11, 5, 0, 0)),
        ("2026-11-05", "09:30:00", dt.datetime(2026, 11, 5, 9, 30)),
        ("11/5/2026", "1:30 PM", dt.datetime(2026, 11, 5, 13, 30)),
        ("2026年11月5日", "午後2:00", dt.datetime(2026, 11, 5, 14, 0)),
        ("2026/11/05", "午前10:15", dt.datetime(2026, 11, 5, 10, 15)),
        ("２０２６/１１/０５ １４:００", "", dt.datetime(2026, 11, 5, 14, 0)),
        ("2026-11-05T23:30:00", "", dt.datetime(2026, 11, 5, 23, 30)),
        (
            "2026-11-05T14:30:00+00:00",
            "",
            dt.datetime(2026, 11, 5, 14, 30, tzinfo=dt.UTC),
        ),
        ("2026/13/45", "", None),
        ("2026/11/05", "25:00", None),
        ("来週", "", None),
        ("", "10:00", None),
    ],
)
def test_it_parses_the_date_formats_exports_use(
    date_text: str, time_text: str, expected: dt.datetime | None
) -> None:
    assert parse_datetime(date_text, time_text) == expected


def test_it_extracts_attendee_emails_lowercased_without_repeats() -> None:
    cell = (
        "山田 花子 <Hanako.Yamada@yamada-ss.co.jp>; jiro@yamada-ss.co.jp,"
        "hanako.yamada@yamada-ss.co.jp"
    )
    assert attendee_emails(cell) == ("hanako.yamada@yamada-ss.co.jp", "jiro@yamada-ss.co.jp")


def test_the_generic_preset_maps_kizuna_columns_and_flags_bad_rows() -> None:
    # given a hand-made CSV with Kizuna's own column names
    text = (
        "id,account,csm,kind,occurred_at,subject\n"
        "A-1,株式会社山田製作所,csm,meeting,2026-11-05 10:00,定例\n"
        "A-2,株式会社山田製作所,csm,打ち合わせ,2026-11-06 10:00,\n"
        ",,csm,FAX,someday,件名\n"
    )
    table = read_table(text)
    # when mapped by the generic preset
    mapping = guess_mapping(table.headers, GENERIC)
    rows = map_rows(table, mapping, GENERIC)
    # then the columns are found, kinds read in English or Japanese, and each error named
    assert mapping["external_id"] == "id"
    assert mapping["account_name"] == "account"
    assert mapping["date"] == "occurred_at"
    assert mapping["time"] == ""
    assert [(row.line, row.kind, row.errors) for row in rows] == [
        (2, "meeting", ()),
        (3, "meeting", ()),
        (
            4,
            None,
            (
                RowError("no_account"),
                RowError("bad_date", "someday"),
                RowError("unknown_kind", "FAX"),
            ),
        ),
    ]
    assert rows[0].external_id("csv") == "csv:A-1"


def test_a_row_without_id_is_identified_by_the_hash_of_its_mapped_values() -> None:
    # given two rows identical but for spacing, and a third with another time
    text = (
        "account,kind,date,subject\n"
        "株式会社山田製作所,call,2026/11/05 10:00,電話\n"
        " 株式会社山田製作所 ,call, 2026/11/05 10:00 ,電話 \n"
        "株式会社山田製作所,call,2026/11/05 11:00,電話\n"
    )
    table = read_table(text)
    rows = map_rows(table, guess_mapping(table.headers, GENERIC), GENERIC)
    # when their external IDs are computed
    ids = [row.external_id("csv") for row in rows]
    # then the normalised duplicates share one, the other time differs, all are source:sha256
    assert ids[0] == ids[1] != ids[2]
    assert ids[0].startswith("csv:") and len(ids[0]) == len("csv:") + 64


SAMPLE = "件名,種別,日付,顧客\n定例ミーティング（11月）,面談,2026/11/05 14:00,株式会社山田製作所\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (b"\xff\xfe" + SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (b"\xfe\xff" + SAMPLE.encode("utf-16-be"), "utf-16-be"),
        (SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (SAMPLE.encode("utf-16-be"), "utf-16-be"),
        (b"\xef\xbb\xbf" + SAMPLE.encode("utf-8"), "utf-8-sig"),
        (SAMPLE.encode("utf-8"), "utf-8"),
        (SAMPLE.encode("cp932"), "cp932"),
    ],
    ids=["utf16le-bom", "utf16be-bom", "utf16le", "utf16be", "utf8-bom", "utf8", "cp932"],
)
def test_it_reads_every_encoding_excel_saves_to_the_same_text(data: bytes, encoding: str) -> None:
    # given the same rows in one of the encodings Excel and other tools write
    # when decoded
    text, found = decode(data)
    # then the encoding is recognised (UTF-16 is not mistaken for Shift_JIS) and the text is
    # the same, BOM removed
    assert (text, found) == (SAMPLE, encoding)
    assert read_table(text).headers == ("件名", "種別", "日付", "顧客")


def test_it_reads_excel_unicode_text_utf16_with_tabs() -> None:
    # given Excel's "Unicode text" export: UTF-16 LE with a BOM, tab separated, CRLF
    text = "件名\t日付\r\n電話\t2026/11/05\r\n"
    # when decoded and read
    decoded, encoding = decode(b"\xff\xfe" + text.encode("utf-16-le"))
    table = read_table(decoded)
    # then the columns and the row are found
    assert encoding == "utf-16-le"
    assert table.headers == ("件名", "日付")
    assert table.rows == ((2, ("電話", "2026/11/05")),)


@pytest.mark.parametrize(
    "data",
    [
        (FIXTURES / "not_text.csv").read_bytes(),  # a PNG image
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",  # an .xlsx (zip) header
        b"subject,kind\n\x00\x01\x02\x03binary\n",  # valid UTF-8 with NUL bytes
        b"\xff\xfe" + "件名".encode("utf-16-le") + b"\x00\xd8",  # UTF-16 with a lone surrogate
        "件名,種別\n面談,会議\n".encode("utf-32"),  # UTF-32 read as UTF-16 has NULs
        b"s\x00u\x00b\x00j",  # UTF-16 LE cut to an odd length
    ],
    ids=["png", "xlsx", "nul-bytes", "bad-utf16", "utf32", "odd-utf16"],
)
def test_it_refuses_binary_files_instead_of_reading_them_as_shift_jis(data: bytes) -> None:
    with pytest.raises(CsvError) as error:
        decode(data)
    assert error.value.code == "encoding"

"""The calendar export preset (Outlook / Google). Pure: no database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kizuna.integrations.activity_csv import decode, guess_mapping, map_rows, read_table
from kizuna.integrations.calendar.events import PRESET, is_online, kind_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "touchpoint_imports"


@pytest.mark.parametrize("file_name", ["calendar_events_utf8_bom.csv", "calendar_events_sjis.csv"])
def test_it_maps_a_calendar_export(file_name: str) -> None:
    # given an export with English headers (UTF-8 BOM) or Outlook's Japanese ones (Shift_JIS)
    text, _encoding = decode((FIXTURES / file_name).read_bytes())
    table = read_table(text)
    # when mapped by the calendar preset
    mapping = guess_mapping(table.headers, PRESET)
    rows = map_rows(table, mapping, PRESET)
    # then start date + time, organizer, attendees and kind come out exactly
    assert mapping["external_id"] == mapping["account_name"] == mapping["kind"] == ""
    assert [(row.line, row.kind, row.occurred_at, row.csm) for row in rows] == [
        (2, "meeting", dt.datetime(2026, 11, 12, 15, 0), "misaki.sato@kizuna.example"),
        (3, "onsite", dt.datetime(2026, 11, 19, 9, 30), "misaki.sato@kizuna.example"),
        (4, "meeting", dt.datetime(2026, 11, 25, 14, 0), "misaki.sato@kizuna.example"),
    ]
    assert rows[0].attendees == ("hanako.yamada@yamada-ss.co.jp", "misaki.sato@kizuna.example")
    assert rows[1].attendees == ("hanako.yamada@yamada-ss.co.jp",)
    assert rows[0].summary == "山田製作所様 定例MTG\n議事録は別途共有します"
    assert all(row.errors == () for row in rows)


@pytest.mark.parametrize(
    ("location", "online"),
    [
        ("https://zoom.us/j/81234567890", True),
        ("Microsoft Teams 会議", True),
        ("Google Meet", True),
        ("オンライン", True),
        ("東京都千代田区丸の内1-1-1 北斗ビル 5F", False),
        ("本社 3F 会議室A", False),
    ],
)
def test_it_tells_an_online_meeting_from_a_place(location: str, online: bool) -> None:
    assert is_online(location) is online


def test_a_kind_column_wins_over_the_location() -> None:
    assert kind_of({"kind": "ウェビナー", "location": "本社"}) == "webinar"
    assert kind_of({"kind": "", "location": ""}) == "meeting"
    assert kind_of({"kind": "FAX"}) is None

"""Calendar CSV exports: Outlook ("Export to a file → CSV", English or Japanese headers) and
Google Calendar exports made by the usual add-ons / Apps Script.

    "Subject","Start Date","Start Time","End Date","End Time","Description","Location",
    "Meeting Organizer","Required Attendees"

Every event is a meeting, or an on-site visit when its location is a place rather than an
online meeting (a URL, Zoom, Teams, Meet, Webex, "オンライン"). A calendar has no account
column, so the account comes from a column added by hand (Account / 顧客 / 取引先名) or from
the attendees' e-mail addresses (matched against the accounts' contacts by the app).
"""

from __future__ import annotations

from collections.abc import Mapping

from kizuna.integrations.activity_csv import Preset, kind_from_alias, normalise

SOURCE = "calendar"

COLUMNS: dict[str, tuple[str, ...]] = {
    "external_id": ("Event ID", "iCalUID", "UID", "イベント ID", "イベントID"),
    "account_crm_id": ("Account ID", "CRM ID", "取引先 ID"),
    "account_name": ("Account", "Account Name", "Company", "顧客", "顧客名", "会社名", "取引先名"),
    "attendees": (
        "Required Attendees",
        "Attendees",
        "Guests",
        "Attendee Emails",
        "必須出席者",
        "出席者",
        "参加者",
    ),
    "csm": (
        "Organizer Email",
        "Organizer",
        "Meeting Organizer",
        "Creator",
        "会議の開催者",
        "開催者",
        "主催者",
    ),
    "kind": ("Kind", "Type", "種別"),
    "date": ("Start Date", "Start", "開始日"),
    "time": ("Start Time", "開始時刻"),
    "subject": ("Subject", "Title", "件名", "タイトル"),
    "description": ("Description", "Notes", "説明", "内容", "メモ"),
    "location": ("Location", "場所"),
}

ONLINE_MARKERS = (
    "http://",
    "https://",
    "zoom",
    "teams",
    "meet.google",
    "google meet",
    "webex",
    "skype",
    "whereby",
    "online",
    "オンライン",
    "web会議",
    "ウェブ会議",
)


def is_online(location: str) -> bool:
    """Whether a location names an online meeting rather than a place."""
    folded = normalise(location).casefold()
    return any(marker in folded for marker in ONLINE_MARKERS)


def kind_of(values: Mapping[str, str]) -> str | None:
    """An explicit kind column wins; else onsite for a physical location, meeting otherwise."""
    if normalise(values.get("kind", "")):
        return kind_from_alias(values)
    location = normalise(values.get("location", ""))
    return "onsite" if location and not is_online(location) else "meeting"


PRESET = Preset(source=SOURCE, columns=COLUMNS, kind=kind_of, kind_required=False)

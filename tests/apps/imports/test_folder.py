"""Keeping in sync from a drop folder: accounts then contacts, done/ and refused/, a bad file
never stops the others, a file still being written waits for the next run."""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from kizuna.apps.customers.models import Account, Contact, SubscriptionLine
from kizuna.apps.imports import folder
from kizuna.apps.imports.folder import drop_files, has_drop_files, import_folder_sync
from kizuna.apps.imports.models import ImportRun
from kizuna.apps.imports.tasks import sync_folder
from tests.apps.imports.test_members_import import SF_ACCOUNTS, SF_USERS
from tests.factories import World

pytestmark = pytest.mark.django_db

ACCOUNTS_1 = "external_id,name,employee_count\nK1,株式会社一,10\nK2,株式会社二,20\n"
ACCOUNTS_2 = "external_id,name,employee_count\nK3,株式会社三,30\nK4,,1\n"
CONTACTS = "external_id,account_id,name\nC1,K1,山田 花子\nC2,K3,佐藤 一郎\n"


def no_wait() -> None:
    return None


@pytest.fixture
def drop(settings: Any, tmp_path: Path) -> Path:
    settings.IMPORT_DIR = tmp_path / "drop"
    settings.IMPORT_DIR.mkdir()
    return Path(settings.IMPORT_DIR)


def _write(drop: Path, name: str, text: str | bytes) -> Path:
    path = drop / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def _names(path: Path) -> list[str]:
    return sorted(os.listdir(path)) if path.exists() else []


def _runs() -> list[tuple[str, str, str, str, int, int, int, int, str]]:
    fields = ("file_name", "status", "via", "created", "updated", "unchanged", "rejected", "error")
    return list(ImportRun.objects.order_by("id").values_list("kind", *fields))


def test_accounts_go_first_then_contacts_each_moved_to_done(world: World, drop: Path) -> None:
    # given: the contacts file sorts first by name, and names accounts of both account files
    _write(drop, "contacts.csv", CONTACTS)
    _write(drop, "accounts-2.csv", ACCOUNTS_2)
    _write(drop, "Accounts-1.CSV", ACCOUNTS_1)
    assert [(kind, path.name) for kind, path in drop_files(drop)] == [
        ("accounts", "Accounts-1.CSV"),
        ("accounts", "accounts-2.csv"),
        ("contacts", "contacts.csv"),
    ]
    # when
    result = import_folder_sync(wait=no_wait)
    # then: every file imported through the service, in that order, via the folder
    assert result.imported == ["Accounts-1.CSV", "accounts-2.csv", "contacts.csv"]
    assert (result.refused, result.waiting, result.skipped) == ([], [], [])
    assert result.report == "imported 3: Accounts-1.CSV, accounts-2.csv, contacts.csv"
    assert _runs() == [
        ("accounts", "Accounts-1.CSV", "imported", "folder", 2, 0, 0, 0, ""),
        ("accounts", "accounts-2.csv", "imported", "folder", 1, 0, 0, 1, ""),
        ("contacts", "contacts.csv", "imported", "folder", 2, 0, 0, 0, ""),
    ]
    accounts = Account.objects.filter(crm_source="kizuna")
    assert sorted(accounts.values_list("external_crm_id", "name")) == [
        ("K1", "株式会社一"),
        ("K2", "株式会社二"),
        ("K3", "株式会社三"),
    ]
    assert sorted(Contact.objects.values_list("external_crm_id", "account__external_crm_id")) == [
        ("C1", "K1"),
        ("C2", "K3"),
    ]
    assert _names(drop) == ["done"]
    assert _names(drop / "done") == ["Accounts-1.CSV", "accounts-2.csv", "contacts.csv"]
    # the same export dropped again: nothing changes, and the first copy in done/ stays
    _write(drop, "Accounts-1.CSV", ACCOUNTS_1)
    assert import_folder_sync(wait=no_wait).imported == ["Accounts-1.CSV"]
    assert _runs()[-1] == ("accounts", "Accounts-1.CSV", "imported", "folder", 0, 0, 2, 0, "")
    assert _names(drop / "done") == [
        "Accounts-1.1.CSV",
        "Accounts-1.CSV",
        "accounts-2.csv",
        "contacts.csv",
    ]


def test_hostile_files_are_refused_or_left_and_never_stop_the_good_one(
    world: World, drop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    long_name = "accounts" + "あ" * 80 + ".csv"  # 252 bytes, near the file system's 255
    _write(drop, "accounts-0-empty.csv", b"")
    _write(drop, "accounts-1-binary.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff")
    (drop / "accounts-2-dir.csv").mkdir()
    (drop / "accounts-2-dir.csv" / "inside.csv").write_text(ACCOUNTS_2)
    os.mkfifo(drop / "accounts-3-fifo.csv")  # reading it would block forever
    (drop / "accounts-4-dangling.csv").symlink_to(drop / "nowhere.csv")
    _write(drop, "accounts-5-locked.csv", ACCOUNTS_2)
    _write(drop, long_name, ACCOUNTS_1)
    _write(drop, "accounts-6.xlsx", b"PK\x03\x04")  # not a .csv: not looked at
    _write(drop, ".accounts-7.csv", ACCOUNTS_2)  # hidden (an editor's or rsync's temp file)
    read = Path.read_bytes

    def locked(path: Path) -> bytes:
        if path.name == "accounts-5-locked.csv":  # root reads through chmod 000: fail it here
            raise PermissionError(13, "Permission denied")
        return read(path)

    monkeypatch.setattr(Path, "read_bytes", locked)
    result = import_folder_sync(wait=no_wait)
    assert result.imported == [long_name]
    assert result.refused == [
        "accounts-0-empty.csv",
        "accounts-1-binary.csv",
        "accounts-5-locked.csv",
    ]
    assert result.skipped == [
        "accounts-2-dir.csv",
        "accounts-3-fifo.csv",
        "accounts-4-dangling.csv",
    ]
    assert result.waiting == []
    assert _runs() == [
        ("accounts", "accounts-0-empty.csv", "refused", "folder", 0, 0, 0, 0, "empty"),
        ("accounts", "accounts-1-binary.csv", "refused", "folder", 0, 0, 0, 0, "encoding"),
        ("accounts", "accounts-5-locked.csv", "refused", "folder", 0, 0, 0, 0,
         "unreadable: Permission denied"),
        ("accounts", long_name, "imported", "folder", 2, 0, 0, 0, ""),
    ]  # fmt: skip
    assert Account.objects.filter(crm_source="kizuna").count() == 2
    assert _names(drop / "done") == [long_name]
    assert _names(drop / "refused") == [
        "accounts-0-empty.csv",
        "accounts-1-binary.csv",
        "accounts-5-locked.csv",
    ]
    # what was left stays where it was, for a person to look at
    assert _names(drop) == [
        ".accounts-7.csv",
        "accounts-2-dir.csv",
        "accounts-3-fifo.csv",
        "accounts-4-dangling.csv",
        "accounts-6.xlsx",
        "done",
        "refused",
    ]
    # the long name dropped again fits in done/ with its number, within 255 bytes
    _write(drop, long_name, ACCOUNTS_1)
    assert import_folder_sync(wait=no_wait).imported == [long_name]
    second = next(name for name in _names(drop / "done") if name != long_name)
    assert second.endswith(".1.csv") and len(second.encode()) <= 255
    assert second.startswith("accounts" + "あ" * 78)


def test_a_file_name_that_is_not_utf8_is_imported_under_a_readable_name(
    world: World, drop: Path
) -> None:
    # a name written by a Shift_JIS system: 取引先 in CP932 bytes, and a stray 0xFF
    raw = os.fsencode(drop) + b"/accounts-" + "取引先".encode("cp932") + b"\xff.csv"
    with open(raw, "wb") as out:
        out.write(ACCOUNTS_1.encode())
    shown = "accounts-" + "\ufffd" * 6 + ".csv"
    result = import_folder_sync(wait=no_wait)
    assert result.imported == [shown]
    assert _runs() == [("accounts", shown, "imported", "folder", 2, 0, 0, 0, "")]
    assert os.listdir(os.fsencode(drop / "done")) == [raw.rsplit(b"/", 1)[1]]  # moved as it was


def test_a_file_still_being_written_waits_for_the_next_run(world: World, drop: Path) -> None:
    growing = _write(drop, "accounts.csv", ACCOUNTS_1[:30])
    _write(drop, "accounts-2.csv.part", ACCOUNTS_2)  # a copy in progress, renamed when done
    _write(drop, "contacts.csv", "external_id,account_id,name\nC1,K1,山田 花子\n")

    def still_writing() -> None:  # between the two looks, the writer adds the rest
        with growing.open("ab") as out:
            out.write(ACCOUNTS_1[30:].encode())

    result = import_folder_sync(wait=still_writing)
    assert result.waiting == ["accounts.csv"]
    # the contacts file is not held back; its account is not there yet, so its row is rejected
    assert result.imported == ["contacts.csv"]
    assert _runs() == [("contacts", "contacts.csv", "imported", "folder", 0, 0, 0, 1, "")]
    assert not Account.objects.filter(crm_source="kizuna").exists()
    assert _names(drop) == ["accounts-2.csv.part", "accounts.csv", "done"]
    # the next run: the file is complete and unchanged between the looks
    (drop / "accounts-2.csv.part").rename(drop / "accounts-2.csv")
    result = import_folder_sync(wait=no_wait)
    assert result.imported == ["accounts-2.csv", "accounts.csv"]
    assert Account.objects.filter(crm_source="kizuna").count() == 3


def test_an_unexpected_error_refuses_that_file_only(
    world: World, drop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(drop, "accounts-1.csv", ACCOUNTS_1)
    _write(drop, "accounts-2.csv", ACCOUNTS_2)
    accounts_service: Callable[..., Any] = dict(folder.SERVICES)["accounts"]

    def breaks_on_the_first(**kwargs: Any) -> Any:
        if kwargs["file_name"] == "accounts-1.csv":
            raise RuntimeError("the database went away")
        return accounts_service(**kwargs)

    services = tuple(
        (kind, breaks_on_the_first if kind == "accounts" else service)
        for kind, service in folder.SERVICES
    )
    monkeypatch.setattr(folder, "SERVICES", services)
    result = import_folder_sync(wait=no_wait)
    assert (result.refused, result.imported) == (["accounts-1.csv"], ["accounts-2.csv"])
    assert _runs() == [
        ("accounts", "accounts-1.csv", "refused", "folder", 0, 0, 0, 0,
         "failed: RuntimeError: the database went away"),
        ("accounts", "accounts-2.csv", "imported", "folder", 1, 0, 0, 1, ""),
    ]  # fmt: skip
    imported = Account.objects.filter(crm_source="kizuna").values_list("external_crm_id", flat=True)
    assert list(imported) == ["K3"]


def test_the_minute_job_runs_only_when_the_folder_has_a_file(
    world: World, settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.IMPORT_DIR = tmp_path / "not-made-yet"
    assert has_drop_files() is False
    assert import_folder_sync(wait=no_wait).report == ""
    settings.IMPORT_DIR.mkdir()
    _write(settings.IMPORT_DIR, "contacts.txt", "no")
    assert has_drop_files() is False
    _write(settings.IMPORT_DIR, "accounts.csv", ACCOUNTS_1)
    assert has_drop_files() is True
    monkeypatch.setattr(folder, "SETTLE_SECONDS", 0.01)
    assert sync_folder.call("2026-11-29") == "imported 1: accounts.csv"
    assert has_drop_files() is False
    assert _runs() == [("accounts", "accounts.csv", "imported", "folder", 2, 0, 0, 0, "")]


def test_members_come_before_accounts_and_lines_after_contacts(world: World, drop: Path) -> None:
    # given: a Salesforce user export, the accounts naming those users as owners by id, and
    # a line file (Parquet, as kizuna revenue reads it) on those accounts
    _write(drop, "lines-2026.parquet", _lines_parquet(world.product.code))
    _write(drop, "accounts.csv", SF_ACCOUNTS)
    _write(drop, "members-User.csv", SF_USERS)
    _write(drop, "lines.txt", "not a line file")
    assert [(kind, path.name) for kind, path in drop_files(drop)] == [
        ("members", "members-User.csv"),
        ("accounts", "accounts.csv"),
        ("lines", "lines-2026.parquet"),
    ]
    result = import_folder_sync(wait=no_wait)
    assert result.imported == ["members-User.csv", "accounts.csv", "lines-2026.parquet"]
    assert [row[:3] for row in _runs()] == [
        ("members", "members-User.csv", "imported"),
        ("accounts", "accounts.csv", "imported"),
        ("lines", "lines-2026.parquet", "imported"),
    ]
    # then: the accounts found their owners by CRM user id, the lines their accounts
    owners = Account.objects.filter(crm_source="salesforce").order_by("external_crm_id")
    assert list(owners.values_list("external_crm_id", "owner__email")) == [
        ("0015g00000AbCdEAA1", "Yamada@Example.co.jp"),
        ("0015g00000AbCdFAA1", "sato@example.co.jp"),
    ]
    lines = SubscriptionLine.objects.filter(external_id__startswith="sub-").order_by("external_id")
    assert list(lines.values_list("external_id", "account__external_crm_id", "mrr")) == [
        ("sub-1", "0015g00000AbCdEAA1", 120000),
        ("sub-2", "0015g00000AbCdFAA1", 8000),
    ]
    assert _names(drop) == ["done", "lines.txt"]


def _lines_parquet(product: str) -> bytes:
    frame = pl.DataFrame(
        {
            "subscription_id": ["sub-1", "sub-2"],
            "customer_id": ["0015g00000AbCdEAA1", "0015g00000AbCdFAA1"],
            "start_date": [dt.date(2025, 4, 1), dt.date(2026, 1, 1)],
            "monthly_amount": [120000, 8000],
            "product": [product, product],
        }
    )
    out = io.BytesIO()
    frame.write_parquet(out)
    return out.getvalue()

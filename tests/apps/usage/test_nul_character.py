"""A NUL character in a usage file (CSV, JSON lines, Parquet; the web page or the command) is
quarantined as ``nul_character``: never a 500 nor a failed import (PostgreSQL refuses U+0000 in
text and jsonb, so the quarantine keeps U+FFFD in its place), and the other rows are stored."""

from __future__ import annotations

import io
import json
from pathlib import Path

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kizuna.apps.usage.models import QuarantinedEvent, UsageDay, UsageSource
from kizuna.cli import main
from tests.factories import World

AT = "2026-03-02T10:00:00+09:00"
ROWS = [
    {"account_key": "yamada", "user_id": "u1", "event": "expense.create", "occurred_at": AT},
    {"account_key": "yama\x00da", "user_id": "u2", "event": "expense.create", "occurred_at": AT},
    {"account_key": "yamada", "user_id": "u3", "event": "expense\x00", "occurred_at": AT},
    {
        "account_key": "yamada",
        "user_id": "u4",
        "event": "expense.create",
        "occurred_at": AT,
        "properties": '{"k": "\\u0000"}',
    },
]


def _file(kind: str) -> bytes:
    if kind == "csv":
        columns = ["account_key", "user_id", "event", "occurred_at", "properties"]
        lines = [",".join(columns)]
        lines += [
            ",".join(r.get(c, "").replace('"', '""').join('""') for c in columns) for r in ROWS
        ]
        return ("\n".join(lines) + "\n").encode()
    if kind == "jsonl":
        return "".join(json.dumps(r) + "\n" for r in ROWS).encode()
    buffer = io.BytesIO()
    pl.DataFrame(ROWS).write_parquet(buffer)
    return buffer.getvalue()


def _then_one_stored_three_quarantined(world: World) -> None:
    assert UsageDay.objects.get(account=world.account).events == 1
    quarantined = QuarantinedEvent.objects.order_by("line")
    assert [q.reason for q in quarantined] == ["nul_character"] * 3
    assert quarantined[0].raw["account_key"] == "yama\ufffdda"


@pytest.mark.parametrize("kind", ["csv", "jsonl", "parquet"])
def test_a_nul_in_an_uploaded_file_is_quarantined(
    world: World, source: UsageSource, kind: str
) -> None:
    # given an admin and a file whose rows 2 to 4 carry a NUL
    admin = Client()
    admin.force_login(world.admin)
    # when it is uploaded on /usage/
    response = admin.post(
        "/usage/upload/",
        {"source": source.pk, "file": SimpleUploadedFile(f"events.{kind}", _file(kind))},
        follow=True,
    )
    # then the page says one stored, three set aside, and the quarantine holds them
    assert response.status_code == 200
    assert f"events.{kind}: 1 件を保存、3 件を除外しました。" in response.content.decode()
    _then_one_stored_three_quarantined(world)


def test_a_nul_in_a_file_imported_by_the_command_is_quarantined(
    world: World, source: UsageSource, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a CSV file with a NUL in three of its four rows
    path = tmp_path / "events.csv"
    path.write_bytes(_file("csv"))
    # when `kizuna usage import` reads it
    code = main(["usage", "import", str(path)])
    # then it succeeds and reports the three rejects
    assert code == 0
    assert "events.csv: 1 events stored, 3 rejected" in capsys.readouterr().out
    _then_one_stored_three_quarantined(world)

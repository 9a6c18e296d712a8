"""The export page and its ZIP download: admins only, the same files as ``kizuna export``."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import polars as pl
import pytest
from django.test import Client
from django.urls import reverse

from kizuna.apps.customers.models import Account
from kizuna.apps.exports.tables import export_tables
from kizuna.apps.exports.views import zip_stream
from tests.factories import World


def test_it_streams_a_zip_of_every_table_to_an_admin(world: World, client: Client) -> None:
    client.force_login(world.admin)
    response = client.get(reverse("exports:download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="kizuna-export-')
    assert response.streaming
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[arg-type]
    names = archive.namelist()
    assert names[0] == "manifest.json"
    manifest = json.loads(archive.read("manifest.json"))
    expected = {f"{t.name}.{kind}" for t in export_tables() for kind in ("csv", "parquet")}
    assert expected | {"manifest.json"} <= set(names)
    assert len(names) == len(set(names)) == 1 + 2 * len(manifest["tables"])
    accounts = pl.read_parquet(io.BytesIO(archive.read("customers_account.parquet")))
    assert sorted(accounts["name"]) == sorted(Account.objects.values_list("name", flat=True))
    entry = next(t for t in manifest["tables"] if t["name"] == "customers_account")
    assert entry["rows"] == 2
    assert archive.testzip() is None


@pytest.mark.parametrize("persona", ["csm", "manager", "viewer"])
def test_it_is_forbidden_to_everyone_but_admins(world: World, client: Client, persona: str) -> None:
    client.force_login(getattr(world, persona))
    assert client.get(reverse("exports:page")).status_code == 403
    assert client.get(reverse("exports:download")).status_code == 403


def test_it_asks_a_visitor_to_sign_in(db: object, client: Client) -> None:
    response = client.get(reverse("exports:download"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("front:login"))


def test_the_page_lists_the_tables_in_the_readers_language(world: World, client: Client) -> None:
    client.force_login(world.admin)
    page = client.get(reverse("exports:page")).content.decode()
    assert "全データのエクスポート" in page
    assert "<code>customers_account</code></td><td>顧客</td>" in page
    assert "接点 ↔ 担当者" in page  # the many-to-many table, named by its two sides
    assert reverse("exports:download") in page
    # the navigation shows the page to admins only
    client.force_login(world.csm)
    assert (
        reverse("exports:page")
        not in client.get(reverse("front:home"), follow=True).content.decode()
    )


def test_the_zip_stream_removes_its_folder(tmp_path: Path) -> None:
    folder = tmp_path / "work"
    (folder / "export").mkdir(parents=True)
    (folder / "export" / "manifest.json").write_text("{}")
    (folder / "export" / "a.csv").write_bytes(b"x" * 3_000_000)
    chunks = list(zip_stream(folder, folder / "export"))
    assert max(len(c) for c in chunks) < 2_000_000  # streamed, not built whole
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    assert archive.namelist() == ["manifest.json", "a.csv"]
    assert archive.read("a.csv") == b"x" * 3_000_000
    assert not folder.exists()

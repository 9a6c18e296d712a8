"""One batch-key rule for a file, whichever way it comes: the same file uploaded on /usage/ and
imported by ``kizuna usage import`` is the same batches, one run each, counted once."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from kizuna.apps.usage.models import IngestionRun, QuarantinedEvent, UsageDay, UsageSource
from kizuna.apps.usage.services import ingestion as services
from kizuna.apps.usage.services.ingestion import batch_id_for, usage_ingest
from kizuna.apps.usage.services.rollups import usage_rebuild
from kizuna.apps.usage.services.upkeep import usage_abandoned_files_sweep
from kizuna.cli import main
from kizuna.core.usage.schema import read_events
from kizuna.core.usage.store import EventStore
from tests.factories import World

D = dt.date(2026, 3, 2)
CSV = (
    b"account_key,user_id,event,occurred_at\n"
    b"yamada,u1,expense.create,2026-03-02T10:00:00+09:00\n"
    b"yamada,u2,expense.create,2026-03-02T11:00:00+09:00\n"
    b"yamada,u2,expense.create,2026-03-03T11:00:00+09:00\n"
)


def upload(world: World, source: UsageSource, name: str, data: bytes) -> None:
    client = Client()
    client.force_login(world.admin)
    response = client.post(
        "/usage/upload/", {"source": source.pk, "file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302


def counted(world: World) -> dict[dt.date, int]:
    return dict(UsageDay.objects.filter(account=world.account).values_list("day", "events"))


def runs() -> list[tuple[str, int, int]]:
    return list(IngestionRun.objects.order_by("id").values_list("via", "attempts", "rows_stored"))


def test_a_file_uploaded_on_the_web_then_imported_by_the_command_is_one_run(
    world: World, source: UsageSource, tmp_path: Path
) -> None:
    # given: the file uploaded on the web
    upload(world, source, "events.csv", CSV)
    # when: the same file (saved under another name) is imported by the command
    path = tmp_path / "march.csv"
    path.write_bytes(CSV)
    assert main(["usage", "import", str(path)]) == 0
    # then: one run, ingested twice; every event counted once
    assert runs() == [("file", 2, 3)]
    assert counted(world) == {D: 2, D + dt.timedelta(days=1): 1}
    # and back on the web: still that one run
    upload(world, source, "events.csv", CSV)
    assert runs() == [("file", 3, 3)]
    assert counted(world) == {D: 2, D + dt.timedelta(days=1): 1}


def test_a_different_file_is_a_new_run(world: World, source: UsageSource, tmp_path: Path) -> None:
    # given: a file imported by the command
    path = tmp_path / "events.csv"
    path.write_bytes(CSV)
    assert main(["usage", "import", str(path)]) == 0
    # when: another file (one more event) is uploaded on the web
    other = CSV + b"yamada,u3,expense.create,2026-03-03T12:00:00+09:00\n"
    upload(world, source, "events.csv", other)
    # then: a second run; the batches are two files' worth (their events are distinct batches)
    assert runs() == [("file", 1, 3), ("file", 1, 4)]
    assert counted(world) == {D: 4, D + dt.timedelta(days=1): 3}


def test_a_file_of_several_chunks_is_cut_the_same_way_on_both_paths(
    world: World, source: UsageSource, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: batches of two rows, a file of three rows (two chunks) imported by the command
    monkeypatch.setattr(services, "FILE_CHUNK_ROWS", 2)
    path = tmp_path / "events.csv"
    path.write_bytes(CSV)
    assert main(["usage", "import", str(path)]) == 0
    # when: the same file is uploaded on the web
    upload(world, source, "events.csv", CSV)
    # then: the same two batches, each ingested twice, counted once
    assert runs() == [("file", 2, 2), ("file", 2, 1)]
    assert counted(world) == {D: 2, D + dt.timedelta(days=1): 1}


def test_the_batch_key_is_the_files_content_and_chunk() -> None:
    digest = "ab" * 32
    assert services.file_batch_key(digest=digest, chunk=0) == f"{digest}:0"
    assert services.file_batch_key(digest=digest, chunk=7) != services.file_batch_key(
        digest=digest, chunk=0
    )


def test_a_file_uploaded_under_the_earlier_rule_is_the_same_batch_when_imported_again(
    world: World, source: UsageSource, tmp_path: Path, usage_dir: Path
) -> None:
    # given: the file uploaded on the web when an upload was keyed by the file's hash alone,
    # one of its rows quarantined
    data = CSV + b"ghost,u9,expense.create,2026-03-02T10:00:00+09:00\n"
    usage_ingest(
        source=source,
        frame=read_events(data, file_format="csv"),
        via="file",
        name="events.csv",
        batch_key=hashlib.sha256(data).hexdigest(),
    )
    legacy = batch_id_for(source=source, batch_key=hashlib.sha256(data).hexdigest())
    assert counted(world) == {D: 2, D + dt.timedelta(days=1): 1}
    # when: the same file is imported by the command
    path = tmp_path / "events.csv"
    path.write_bytes(data)
    assert main(["usage", "import", str(path)]) == 0
    # then: still one run (now of the file's rule), the events counted once, the bad row once
    assert runs() == [("file", 2, 3)]
    assert counted(world) == {D: 2, D + dt.timedelta(days=1): 1}
    assert QuarantinedEvent.objects.count() == 1
    # the earlier files count nowhere (a rebuild agrees) and go with the daily sweep
    usage_rebuild()
    assert counted(world) == {D: 2, D + dt.timedelta(days=1): 1}
    assert usage_abandoned_files_sweep(now=timezone.now() + dt.timedelta(days=2)) == 2
    assert EventStore(usage_dir).batch_files(legacy) == []
    assert counted(world) == {D: 2, D + dt.timedelta(days=1): 1}

"""An import killed between its files and its run record: its files are never counted, and
the retry is one run that says what it recovered."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kizuna.apps.usage.models import IngestionRun, UsageDay, UsageSource, UsageSummary
from kizuna.apps.usage.services.ingestion import (
    account_key_map,
    usage_ingest,
    usage_quarantine_replay,
)
from kizuna.apps.usage.services.rollups import usage_rebuild, usage_summaries_refresh
from kizuna.core.usage.schema import records_frame
from kizuna.core.usage.store import EventStore
from tests.apps.usage.conftest import event
from tests.factories import World

D = dt.date(2026, 3, 2)
CSV = (
    b"account_key,user_id,event,occurred_at\n"
    b"yamada,u1,expense.create,2026-03-02T10:00:00+09:00\n"
    b"yamada,u2,expense.create,2026-03-02T11:00:00+09:00\n"
    b"yamada,u2,expense.create,2026-03-03T11:00:00+09:00\n"
)


class Killed(BaseException):
    """The process dying: nothing after this line runs, the transaction is never committed."""


def upload(client: Client, source: UsageSource) -> Any:
    return client.post(
        "/usage/upload/",
        {"source": source.pk, "file": SimpleUploadedFile("events.csv", CSV)},
        follow=True,
    )


def counted(world: World) -> dict[dt.date, int]:
    return dict(UsageDay.objects.filter(account=world.account).values_list("day", "events"))


@pytest.fixture
def admin(world: World) -> Client:
    client = Client()
    client.force_login(world.admin)
    return client


@pytest.fixture
def killed_upload(
    world: World, source: UsageSource, admin: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The upload dies right after its files were written, before its run was committed."""
    write = EventStore.write_batch

    def write_then_die(self: EventStore, batch_id: str, events: pl.DataFrame) -> Any:
        write(self, batch_id, events)
        raise Killed

    monkeypatch.setattr(EventStore, "write_batch", write_then_die)
    with pytest.raises(Killed):
        upload(admin, source)
    monkeypatch.undo()


def test_an_unrelated_batch_does_not_count_the_files_of_a_killed_upload(
    world: World, source: UsageSource, usage_dir: Path, killed_upload: None
) -> None:
    assert len(EventStore(usage_dir).files()) == 2  # its files are there (2 and 3 March)
    assert not IngestionRun.objects.exists()
    # when: an unrelated batch for another account lands on the same days
    usage_ingest(
        source=source,
        frame=records_frame([event(key="hokuto"), event(key="hokuto", at="2026-03-03T09:00:00Z")]),
        via="api",
        name="other",
        batch_key="other",
    )
    usage_summaries_refresh(as_of=D)
    # then: the killed upload's events count nowhere: not in the days, the summaries, a rebuild
    assert counted(world) == {}
    assert not UsageSummary.objects.filter(account=world.account).exists()
    usage_rebuild()
    assert counted(world) == {}
    assert UsageDay.objects.filter(account=world.other_account).count() == 2


def test_the_retry_is_one_run_that_says_what_it_recovered(
    world: World, source: UsageSource, usage_dir: Path, admin: Client, killed_upload: None
) -> None:
    # when: the admin (reading English) uploads the file again, then once more by mistake
    world.admin.language = "en"
    world.admin.save(update_fields=["language"])
    first = upload(admin, source)
    # then: one run, the events counted once; the page says what was recovered
    (run,) = IngestionRun.objects.all()
    assert (run.attempts, run.recovered_files, run.rows_stored) == (1, 2, 3)
    assert counted(world) == {D: 2, D + dt.timedelta(days=1): 1}
    assert "Recovered an interrupted import: the 2 files it had left (never counted)" in (
        first.content.decode()
    )
    world.admin.language = "ja"
    world.admin.save(update_fields=["language"])
    again = upload(admin, source)
    (run,) = IngestionRun.objects.all()
    assert run.attempts == 2
    assert counted(world) == {D: 2, D + dt.timedelta(days=1): 1}
    html = again.content.decode()
    assert "2 回取り込みました。集計は1回分だけです。" in html
    assert "中断された取り込みを復旧しました" in html
    assert len(EventStore(usage_dir).files()) == 2


def test_a_replay_killed_after_its_files_counts_its_rows_once_when_run_again(
    world: World, source: UsageSource, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: a batch with one stored and two quarantined rows (an unmapped tenant), then mapped
    batch = [event(), event(key="late-co", user="u7"), event(key="late-co", user="u7")]
    usage_ingest(source=source, frame=records_frame(batch), via="api", name="b", batch_key="b")
    account_key_map(source=source, account_key="late-co", account_id=world.account.pk)
    # when: the replay dies after rewriting the batch's files, before its commit
    write = EventStore.write_batch

    def write_then_die(self: EventStore, batch_id: str, events: pl.DataFrame) -> Any:
        write(self, batch_id, events)
        raise Killed

    monkeypatch.setattr(EventStore, "write_batch", write_then_die)
    with pytest.raises(Killed):
        usage_quarantine_replay(actor=world.admin)
    monkeypatch.undo()
    # and the admin replays again
    (replay,) = usage_quarantine_replay(actor=world.admin)
    # then: the two identical rows count twice (they are two events), not four times
    assert replay.rows_stored == 2
    assert counted(world) == {D: 3}
    usage_rebuild()
    assert counted(world) == {D: 3}

"""Times outside 2000-01-01 … tomorrow are refused in every path, and a day that cannot be
rolled up (queued before such times were refused) fails alone, visibly."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from kizuna.apps.jobs.models import JobState
from kizuna.apps.org.services import api_token_create
from kizuna.apps.usage.models import (
    IngestionRun,
    QuarantinedEvent,
    UsageDay,
    UsagePendingDay,
    UsageSource,
)
from kizuna.apps.usage.services.ingestion import (
    batch_id_for,
    usage_days_queue,
    usage_ingest,
    usage_quarantine_replay,
    usage_rollup_pending,
)
from kizuna.core.usage.schema import records_frame
from kizuna.core.usage.store import EventStore
from tests.apps.usage.conftest import event
from tests.factories import World

IMPOSSIBLE = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59+09:00",
    "1999-12-31T23:59:59+09:00",  # a second before 2000 in company time
]


def in_two_days() -> str:
    return (timezone.now() + dt.timedelta(days=2)).isoformat()


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def assert_nothing_stored(source: UsageSource, usage_dir: Path) -> None:
    assert EventStore(usage_dir).files() == []
    assert not UsageDay.objects.exists()
    assert not UsagePendingDay.objects.exists()
    source.refresh_from_db()
    assert source.last_event_at is None


@pytest.mark.parametrize("at", [*IMPOSSIBLE, "in two days"])
def test_the_api_refuses_an_impossible_time_with_a_reason(
    world: World, source: UsageSource, usage_dir: Path, at: str
) -> None:
    at = in_two_days() if at == "in two days" else at
    _token, raw = api_token_create(user=world.admin, name="t")
    response = Client().post(
        "/api/v1/usage/events",
        json.dumps([event(at=at)]),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201
    assert response.json()["rejected_rows"] == [{"line": 1, "reason": "timestamp_out_of_range"}]
    assert_nothing_stored(source, usage_dir)
    # and the worker's next pass has nothing to fail on
    assert usage_rollup_pending() == 0


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_a_file_import_refuses_year_1_and_9999(
    world: World, source: UsageSource, usage_dir: Path, file_format: str
) -> None:
    if file_format == "csv":
        rows = "\n".join(f"yamada,u1,expense.create,{at}" for at in IMPOSSIBLE)
        data = f"account_key,user_id,event,occurred_at\n{rows}\n".encode()
    else:  # typed instants, as a warehouse export writes them
        buffer = io.BytesIO()
        pl.DataFrame(
            {
                "account_key": ["yamada", "yamada"],
                "user_id": ["u1", "u1"],
                "event": ["expense.create"] * 2,
                "occurred_at": [
                    dt.datetime(1, 1, 1, tzinfo=dt.UTC),
                    dt.datetime(9999, 12, 31, 23, tzinfo=dt.UTC),
                ],
            }
        ).write_parquet(buffer)
        data = buffer.getvalue()
    # when
    response = client_for(world.admin).post(
        "/usage/upload/",
        {"source": source.pk, "file": SimpleUploadedFile(f"e.{file_format}", data)},
    )
    # then
    assert response.status_code == 302
    run = IngestionRun.objects.get()
    assert run.rejected_reasons == {"timestamp_out_of_range": run.rows_in}
    assert_nothing_stored(source, usage_dir)


def test_a_replay_refuses_an_impossible_time_again(
    world: World, source: UsageSource, usage_dir: Path
) -> None:
    # given: a row of an unknown tenant dated year 9999, quarantined (as unknown_account)
    QuarantinedEvent.objects.create(
        run=IngestionRun.objects.create(
            source=source, via="api", batch_id="old", started_at=timezone.now()
        ),
        line=1,
        reason="unknown_account",
        raw=event(at="9999-12-31T23:59:59+09:00"),
    )
    # when: replayed after the mapping exists
    (run,) = usage_quarantine_replay(actor=world.admin)
    # then
    assert run.rejected_reasons == {"timestamp_out_of_range": 1}
    assert_nothing_stored(source, usage_dir)


def test_the_edges_of_the_window_are_taken(
    world: World, source: UsageSource, usage_dir: Path
) -> None:
    soon = (timezone.now() + dt.timedelta(hours=23)).isoformat()
    run = usage_ingest(
        source=source,
        frame=records_frame([event(at="2000-01-01T00:00:00+09:00"), event(at=soon)]),
        via="api",
        name="b",
        batch_key="b",
    )
    assert (run.rows_stored, run.rows_rejected) == (2, 0)


def poison(source: UsageSource, usage_dir: Path, day: dt.date, at: dt.datetime) -> None:
    """An event at ``at`` stored and its day queued, as before such times were refused."""
    batch_id = batch_id_for(source=source, batch_key=f"poison-{day}")
    frame = pl.DataFrame(
        {
            "account_id": [1],
            "account_key": ["yamada"],
            "user_id": ["u1"],
            "event": ["expense.create"],
            "occurred_at": [at],
            "quantity": [1],
            "properties": [None],
        }
    )
    EventStore(usage_dir).write_batch(batch_id, frame)
    IngestionRun.objects.create(
        source=source, via="api", batch_id=batch_id, started_at=timezone.now()
    )
    usage_days_queue(days=[day])


def test_a_poisoned_queued_day_fails_alone_and_visibly(
    world: World, source: UsageSource, usage_dir: Path, capsys: Any
) -> None:
    # given: two poisoned days in the queue and a good one
    poison(source, usage_dir, dt.date(9999, 12, 31), dt.datetime(9999, 12, 31, 1, tzinfo=dt.UTC))
    poison(source, usage_dir, dt.date(1, 1, 1), dt.datetime(1, 1, 1, 1, tzinfo=dt.UTC))
    usage_ingest(
        source=source,
        frame=records_frame([event()]),
        via="api",
        name="good",
        batch_key="good",
        defer_rollup=True,
    )
    # when: the worker runs once (rollup, then the daily jobs)
    call_command("run_jobs", "--once")
    # then: the good day is rolled up; each poisoned day failed alone and waits, with its error
    assert UsageDay.objects.get(account=world.account).day == dt.date(2026, 3, 2)
    failed = dict(UsagePendingDay.objects.values_list("day", "error"))
    assert set(failed) == {dt.date(1, 1, 1), dt.date(9999, 12, 31)}
    assert all(error.startswith("OverflowError") for error in failed.values())
    assert "2 days failed" in capsys.readouterr().err
    # the daily summary job ran and says which days failed
    state = JobState.objects.get(name="usage.refresh_summaries")
    assert state.last_status == "ok"
    assert "rollup failed for 2 days" in state.last_message
    # a later pass does not retry them (nothing new), and the others go on
    usage_ingest(
        source=source,
        frame=records_frame([event(at="2026-03-03T10:00:00+09:00")]),
        via="api",
        name="next",
        batch_key="next",
        defer_rollup=True,
    )
    assert usage_rollup_pending() == 1
    # the ops page shows the failed days and why
    html = client_for(world.admin).get("/usage/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert html.count('class="failed-day"') == 2
    assert "9999-12-31" in html
    assert "受け付ける期間（2000-01-01〜明日）の外の日付です" in html

"""Ingestion services: quarantine and replay, late events, atomicity, rebuild, summaries."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kizuna.apps.customers.models import SubscriptionLine
from kizuna.apps.usage.models import (
    IngestionRun,
    QuarantinedEvent,
    UsageDay,
    UsageDropSignal,
    UsageSource,
    UsageSummary,
)
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

D = dt.date


def ingest(source: UsageSource, events: list[dict[str, Any]], key: str) -> IngestionRun:
    return usage_ingest(
        source=source, frame=records_frame(events), via="api", name=key, batch_key=key
    )


def days(world: World) -> dict[dt.date, int]:
    return dict(UsageDay.objects.filter(account=world.account).values_list("day", "events"))


def test_unknown_keys_wait_in_quarantine_and_replay_after_mapping(
    world: World, source: UsageSource
) -> None:
    # given: events of a tenant nobody mapped yet
    run = ingest(source, [event(key="new-co"), event(key="new-co", user="u2")], "b1")
    assert (run.rows_stored, run.rejected_reasons) == (0, {"unknown_account": 2})
    # when: the admin maps the key and replays the quarantine
    account_key_map(source=source, account_key="new-co", account_id=world.account.pk)
    (replay,) = usage_quarantine_replay(actor=world.admin)
    # then
    assert (replay.via, replay.rows_stored, replay.rows_rejected) == ("replay", 2, 0)
    assert days(world) == {D(2026, 3, 2): 2}
    assert not QuarantinedEvent.objects.filter(replayed_at__isnull=True).exists()
    # and replaying again finds nothing to do
    assert usage_quarantine_replay(actor=world.admin) == []


def test_a_still_bad_row_stays_in_quarantine_after_replay(
    world: World, source: UsageSource
) -> None:
    ingest(source, [event(key="ghost")], "b1")
    (replay,) = usage_quarantine_replay(actor=world.admin)
    assert replay.rejected_reasons == {"unknown_account": 1}
    assert QuarantinedEvent.objects.filter(replayed_at__isnull=True).count() == 1


def test_late_events_update_only_their_day(world: World, source: UsageSource) -> None:
    ingest(
        source, [event(at="2026-03-01T10:00:00+09:00"), event(at="2026-03-02T10:00:00+09:00")], "b1"
    )
    before = UsageDay.objects.get(account=world.account, day=D(2026, 3, 2))
    # when: a late event for 1 March arrives
    ingest(source, [event(user="late", at="2026-03-01T23:59:00+09:00")], "b2")
    # then: 1 March is recomputed, 2 March untouched (same row)
    assert days(world) == {D(2026, 3, 1): 2, D(2026, 3, 2): 1}
    after = UsageDay.objects.get(account=world.account, day=D(2026, 3, 2))
    assert after.pk == before.pk
    assert UsageDay.objects.get(account=world.account, day=D(2026, 3, 1)).active_users == 2


def test_a_failure_mid_ingest_leaves_nothing(
    world: World, source: UsageSource, monkeypatch: pytest.MonkeyPatch, usage_dir: Path
) -> None:
    # given: the rollup fails after the events were written
    def boom(**kwargs: Any) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr("kizuna.apps.usage.services.ingestion.usage_rollup_days", boom)
    # when
    with pytest.raises(RuntimeError):
        ingest(source, [event()], "b1")
    monkeypatch.undo()
    # then: no run, no day; the retry rewrites the same batch and counts it once
    assert not IngestionRun.objects.exists()
    assert not UsageDay.objects.exists()
    ingest(source, [event()], "b1")
    assert days(world) == {D(2026, 3, 2): 1}
    assert len(EventStore(usage_dir).files()) == 1


def test_rebuild_gives_what_the_increments_gave(world: World, source: UsageSource) -> None:
    ingest(source, [event(at="2026-03-01T10:00:00+09:00")], "b1")
    ingest(source, [event(key="hokuto", at="2026-03-03T00:00:00+09:00"), event()], "b2")
    before = sorted(UsageDay.objects.values_list("account_id", "day", "events", "feature_counts"))
    UsageDay.objects.all().delete()
    # when
    written = usage_rebuild()
    # then
    assert written == 3
    assert (
        sorted(UsageDay.objects.values_list("account_id", "day", "events", "feature_counts"))
        == before
    )


def test_summaries_adoption_seats_top_users_and_drops(world: World, source: UsageSource) -> None:
    # given: a line with 4 seats; steady weekday use for 8 weeks, then a quiet week
    SubscriptionLine.objects.create(
        account=world.account,
        product=world.product,
        currency="JPY",
        billing_period="monthly",
        billing_amount=100_000,
        mrr=100_000,
        start_date=D(2025, 1, 1),
        seats=4,
    )
    as_of = D(2026, 3, 31)
    batch = []
    for back in range(7, 63):
        day = as_of - dt.timedelta(days=back)
        for n in range(5 + back % 3):
            batch.append(event(user=f"u{n % 3}", at=f"{day}T10:00:00+09:00"))
    batch.append(event(user="u0", name="expense.approve", at=f"{as_of}T09:00:00+09:00"))
    ingest(source, batch, "history")
    # when
    usage_summaries_refresh(as_of=as_of)
    # then
    summary = UsageSummary.objects.get(account=world.account)
    assert (summary.events_7d, summary.active_users_28d) == (1, 3)
    assert summary.feature_adoption == 1.0  # expense (3 weeks ago) and approval (today)
    assert summary.active_user_ratio == 0.75
    # u0: 7 days × (2 + 2 + 3) events over the 21 window days before, + 1 today
    assert summary.top_users[0] == {"user_id": "u0", "events": 50}
    assert summary.last_seen_at == dt.datetime(2026, 3, 31, 0, 0, tzinfo=dt.UTC)
    methods = set(
        UsageDropSignal.objects.filter(account=world.account).values_list("method", flat=True)
    )
    assert methods == {"share", "robust_z"}
    # the account without an active line has the same fall but no signal
    assert not UsageDropSignal.objects.filter(account=world.other_account).exists()


def test_reimport_after_a_replay_counts_each_event_once(world: World, source: UsageSource) -> None:
    # given: a file with one event of an unmapped tenant, imported twice (quarantined once)
    batch = [event(), event(key="late-co", user="u7")]
    ingest(source, batch, "file-1")
    ingest(source, batch, "file-1")
    assert QuarantinedEvent.objects.filter(replayed_at__isnull=True).count() == 1
    # when: the key is mapped, the quarantine replayed, and the same file imported again
    account_key_map(source=source, account_key="late-co", account_id=world.account.pk)
    usage_quarantine_replay(actor=world.admin)
    assert days(world) == {D(2026, 3, 2): 2}
    ingest(source, batch, "file-1")
    # then: still two events, not three
    assert days(world) == {D(2026, 3, 2): 2}
    assert UsageDay.objects.get(account=world.account).active_users == 2

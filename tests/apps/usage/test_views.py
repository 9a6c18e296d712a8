"""The usage section of the account page and the /usage/ operations page."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import timezone

from kizuna.apps.usage.models import (
    IngestionRun,
    QuarantinedEvent,
    RawValue,
    ReasonCount,
    TopUser,
    UsageDay,
    UsagePendingDay,
    UsageSource,
    UsageSummary,
)
from kizuna.apps.usage.selectors import FailedRollupDay, usage_ops_data
from kizuna.apps.usage.services.ingestion import account_key_map, usage_ingest, usage_source_get
from kizuna.apps.usage.services.rollups import usage_summaries_refresh
from kizuna.core.usage.schema import records_frame
from tests.apps.usage.conftest import event
from tests.factories import World


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_account_page_shows_usage(world: World, source: UsageSource) -> None:
    # given: events today (company time zone)
    now = timezone.now()
    at = now.isoformat()
    batch = [event(at=at), event(user="u2", at=at), event(user="u2", at=at)]
    usage_ingest(source=source, frame=records_frame(batch), via="api", name="b", batch_key="b")
    usage_summaries_refresh(as_of=UsageDay.objects.get().day)
    # when
    page = client_for(world.viewer).get(f"/accounts/{world.account.pk}/")
    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="usage"' in html
    assert '<td>u2</td><td class="num">2</td>' in html
    assert "製品の利用状況" in html or "Product usage" in html


def test_an_account_without_usage_says_so(world: World) -> None:
    page = client_for(world.csm).get(f"/accounts/{world.account.pk}/", HTTP_ACCEPT_LANGUAGE="ja")
    assert page.status_code == 200
    assert 'id="usage"' in page.content.decode()


def test_the_ops_page_is_for_admins(world: World) -> None:
    for user in (world.csm, world.manager, world.viewer):
        assert client_for(user).get("/usage/").status_code == 403
    assert client_for(world.admin).get("/usage/").status_code == 200


def test_ops_page_highlights_stale_sources_and_lists_the_quarantine(
    world: World, source: UsageSource
) -> None:
    # given: a source silent for two days and one quarantined row
    quiet = usage_source_get(code="quiet")
    quiet.last_event_at = timezone.now() - dt.timedelta(days=2)
    quiet.save()
    usage_ingest(
        source=source, frame=records_frame([event(key="ghost")]), via="api", name="b", batch_key="b"
    )
    # when
    html = client_for(world.admin).get("/usage/").content.decode()
    # then
    assert 'class="source-row stale"' in html
    assert "unknown_account: 1" in html
    assert "account_key=ghost" in html


def test_mapping_a_key_then_replaying_ingests_the_quarantine(
    world: World, source: UsageSource
) -> None:
    usage_ingest(
        source=source, frame=records_frame([event(key="ghost")]), via="api", name="b", batch_key="b"
    )
    admin = client_for(world.admin)
    # when
    mapped = admin.post(
        "/usage/", {"source": source.pk, "account_key": "ghost", "account": str(world.account.pk)}
    )
    replayed = admin.post("/usage/replay/", {"confirm": "yes"})
    # then
    assert (mapped.status_code, replayed.status_code) == (302, 302)
    assert UsageDay.objects.get(account=world.account).events == 1
    assert not QuarantinedEvent.objects.filter(replayed_at__isnull=True).exists()
    bad = admin.post("/usage/", {"source": source.pk, "account_key": "x", "account": "nope"})
    assert bad.status_code == 400


def test_a_replay_needs_its_confirmation_box(world: World, source: UsageSource) -> None:
    # given: a quarantined row whose key is now mapped
    usage_ingest(
        source=source, frame=records_frame([event(key="ghost")]), via="api", name="b", batch_key="b"
    )
    account_key_map(source=source, account_key="ghost", account_id=world.account.pk)
    admin = client_for(world.admin)
    # the page asks for the box, saying what the replay does
    page = admin.get("/usage/").content.decode()
    assert 'id="replay"' in page and 'name="confirm" value="yes" required' in page
    assert "隔離された 1 行を今すぐ取り込み直し" in page
    # when: posted without the box ticked (or with another value)
    for data in ({}, {"confirm": "no"}):
        response = admin.post("/usage/replay/", data, follow=True)
        # then: nothing replayed, and the admin is told
        assert "確認のチェックボックスにチェックを入れてください" in response.content.decode()
    assert QuarantinedEvent.objects.filter(replayed_at__isnull=True).count() == 1
    assert not UsageDay.objects.exists()
    assert IngestionRun.objects.count() == 1


def test_only_admins_replay(world: World, source: UsageSource) -> None:
    usage_ingest(
        source=source, frame=records_frame([event(key="ghost")]), via="api", name="b", batch_key="b"
    )
    for user in (world.manager, world.csm, world.viewer):
        response = client_for(user).post("/usage/replay/", {"confirm": "yes"})
        assert response.status_code == 403
    assert QuarantinedEvent.objects.filter(replayed_at__isnull=True).count() == 1


def test_an_admin_uploads_an_events_file(world: World, source: UsageSource) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = (
        b"account_key,user_id,event,occurred_at\n"
        b"yamada,u1,expense.create,2026-03-02T10:00:00+09:00\n"
        b"ghost,u1,expense.create,2026-03-02T10:00:00+09:00\n"
    )
    admin = client_for(world.admin)
    # when: uploaded twice (a double click)
    for _ in range(2):
        response = admin.post(
            "/usage/upload/",
            {"source": source.pk, "file": SimpleUploadedFile("events.csv", csv)},
            follow=True,
        )
    # then: counted once; the bad row waits in quarantine
    assert "events.csv: 1 件を保存、1 件を除外しました。" in response.content.decode()
    assert UsageDay.objects.get(account=world.account).events == 1
    bad = admin.post(
        "/usage/upload/",
        {"source": source.pk, "file": SimpleUploadedFile("x.csv", b"a,b\n1,2\n")},
        follow=True,
    )
    assert "missing column(s)" in bad.content.decode()
    assert client_for(world.manager).post("/usage/upload/").status_code == 403


def test_the_ops_page_reads_typed_rows(world: World, source: UsageSource) -> None:
    # given two quarantined rows of one batch (two reasons), and a day whose rollup failed
    rows = [event(key="ghost"), event(key="ghost", user="u2"), event(at="2026-03-02 10:00:00")]
    usage_ingest(source=source, frame=records_frame(rows), via="api", name="b", batch_key="b")
    moment = dt.datetime(2026, 1, 5, 3, tzinfo=dt.UTC)
    UsagePendingDay.objects.create(day=moment.date(), queued_at=moment, failed_at=moment, error="x")
    # when the page's data is read
    ops = usage_ops_data()
    # then the reasons are counted most first, the rows read column by column
    assert ops.quarantine_by_reason == [
        ReasonCount("unknown_account", 2),
        ReasonCount("naive_timestamp", 1),
    ]
    assert sorted(ops.runs[0].reason_counts, key=lambda r: r.reason) == [
        ReasonCount("naive_timestamp", 1),
        ReasonCount("unknown_account", 2),
    ]
    assert ops.quarantine_total == 3
    first = min(ops.quarantine, key=lambda row: row.line)
    # (in the order stored: PostgreSQL's jsonb keeps its own order of the keys)
    assert (first.line, sorted(first.raw_values, key=lambda value: value.column)) == (
        1,
        [
            RawValue("account_key", "ghost"),
            RawValue("event", "expense.create"),
            RawValue("occurred_at", "2026-03-02T01:00:00+00:00"),
            RawValue("quantity", 1),
            RawValue("user_id", "u1"),
        ],
    )
    assert ops.rollup_failed == [
        FailedRollupDay(
            day=moment.date(),
            failed_at=moment,
            error="x",
            out_of_range=False,
            kept_accounts=0,
            kept_events=0,
        )
    ]
    # and a source whose events were all refused never had one: stale
    assert [(r.source.code, r.last_event_at, r.stale) for r in ops.sources] == [
        ("default", None, True)
    ]


def test_the_top_users_read_as_typed_rows(world: World) -> None:
    summary = UsageSummary(account=world.account, as_of=dt.date(2026, 3, 2))
    summary.top_users = [{"user_id": "u1", "events": 3}]
    assert summary.top_user_rows == [TopUser(user_id="u1", events=3)]

"""A day whose rollup failed: CS ops admins retry it now or discard its pending rollup, each
confirmed and audited; nobody else may."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.org.models import User
from kizuna.apps.usage.models import UsageDay, UsagePendingDay, UsageSource
from kizuna.apps.usage.services import ingestion as services
from kizuna.apps.usage.services.ingestion import (
    usage_days_queue,
    usage_ingest,
    usage_rollup_pending,
)
from kizuna.core.usage.schema import records_frame
from kizuna.core.usage.store import EventStore
from tests.apps.usage.conftest import event
from tests.apps.usage.test_time_window import poison
from tests.factories import World

D = dt.date(2026, 3, 2)
FAR = dt.date(9999, 12, 31)


def client_for(user: User, language: str = "ja") -> Client:
    """A signed-in client of ``user``, who reads the pages in ``language``."""
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def failed_day(world: World, source: UsageSource, monkeypatch: pytest.MonkeyPatch) -> dt.date:
    """D holds one counted event; a second event was queued and its rollup failed (a passing
    fault: the database went away), so D's figures are out of date."""
    usage_ingest(source=source, frame=records_frame([event()]), via="api", name="a", batch_key="a")
    usage_ingest(
        source=source,
        frame=records_frame([event(user="u2")]),
        via="api",
        name="b",
        batch_key="b",
        defer_rollup=True,
    )

    def broken(*, days: Any) -> int:
        raise ConnectionError("the database went away")

    monkeypatch.setattr(services, "usage_rollup_days", broken)
    assert usage_rollup_pending() == 0
    monkeypatch.undo()
    assert UsagePendingDay.objects.get(day=D).error.startswith("ConnectionError")
    return D


def events_on(world: World, day: dt.date) -> int:
    row = UsageDay.objects.filter(account=world.account, day=day).first()
    return row.events if row else 0


def test_the_ops_page_offers_retry_and_discard_and_says_what_discard_keeps(
    world: World, failed_day: dt.date
) -> None:
    html = client_for(world.admin, "en").get("/usage/").content.decode()
    assert f'action="/usage/failed-days/{failed_day}/retry/"' in html
    assert f'action="/usage/failed-days/{failed_day}/discard/"' in html
    assert html.count('name="confirm" value="yes" required') >= 2
    assert "figures stay as last computed (1 account, 1 events)" in html
    assert "the events stored for it are kept" in html
    ja = client_for(world.admin).get("/usage/").content.decode()
    assert "再集計" in ja and "保留中の集計だけを取り消します" in ja


def test_an_admin_retries_a_failed_day_and_it_is_rolled_up(
    world: World, failed_day: dt.date
) -> None:
    # when
    response = client_for(world.admin).post(
        f"/usage/failed-days/{failed_day}/retry/", {"confirm": "yes"}, follow=True
    )
    # then: rolled up (both events), off the queue, audited, said
    assert response.status_code == 200
    assert events_on(world, failed_day) == 2
    assert not UsagePendingDay.objects.exists()
    audit = AuditEvent.objects.get(entity="usagependingday")
    assert (audit.action, audit.actor) == (AuditAction.UPDATE, world.admin)
    assert audit.changes["day"] == ["2026-03-02", "2026-03-02"]
    assert audit.changes["failed_at"][1] is None
    assert "2026-03-02 を再集計しました。" in response.content.decode()


def test_a_retry_that_fails_again_keeps_the_day_failed_with_the_new_error(
    world: World, source: UsageSource, usage_dir: Path
) -> None:
    # given: a day that cannot be rolled up (an impossible date stored before it was refused)
    poison(source, usage_dir, FAR, dt.datetime(9999, 12, 31, 1, tzinfo=dt.UTC))
    usage_rollup_pending()
    first = UsagePendingDay.objects.get(day=FAR).failed_at
    # when
    response = client_for(world.admin, "en").post(
        f"/usage/failed-days/{FAR}/retry/", {"confirm": "yes"}, follow=True
    )
    # then
    row = UsagePendingDay.objects.get(day=FAR)
    assert row.failed_at is not None and first is not None and row.failed_at > first
    assert row.error.startswith("OverflowError")
    assert "The rollup of 9999-12-31 failed again" in response.content.decode()
    # discarding it says that its events are never counted (they are outside the times taken)
    assert "its events, outside the times taken, stay stored and are never counted" in (
        response.content.decode()
    )
    assert AuditEvent.objects.filter(entity="usagependingday", entity_id=row.pk).count() == 1


def test_an_admin_discards_a_failed_day_keeping_its_figures_and_events(
    world: World, failed_day: dt.date, usage_dir: Path
) -> None:
    files = EventStore(usage_dir).files()
    # when
    response = client_for(world.admin).post(
        f"/usage/failed-days/{failed_day}/discard/", {"confirm": "yes"}, follow=True
    )
    # then: off the queue; the day's figures as they were; the stored events kept; audited
    assert response.status_code == 200
    assert not UsagePendingDay.objects.exists()
    assert events_on(world, failed_day) == 1
    assert EventStore(usage_dir).files() == files
    audit = AuditEvent.objects.get(entity="usagependingday")
    assert (audit.action, audit.actor) == (AuditAction.DELETE, world.admin)
    assert audit.changes["day"] == ["2026-03-02", None]
    assert audit.changes["error"][0].startswith("ConnectionError")
    # and the events still count when the day is rolled up again (new events arrive)
    usage_days_queue(days=[failed_day])
    assert usage_rollup_pending() == 1
    assert events_on(world, failed_day) == 2


@pytest.mark.parametrize("action", ["retry", "discard"])
def test_nothing_happens_without_the_confirmation_box(
    world: World, failed_day: dt.date, action: str
) -> None:
    response = client_for(world.admin).post(f"/usage/failed-days/{failed_day}/{action}/", {})
    assert response.status_code == 302
    row = UsagePendingDay.objects.get(day=failed_day)
    assert row.failed_at is not None
    assert events_on(world, failed_day) == 1
    assert not AuditEvent.objects.filter(entity="usagependingday").exists()


@pytest.mark.parametrize("persona", ["manager", "csm", "viewer"])
@pytest.mark.parametrize("action", ["retry", "discard"])
def test_only_cs_ops_admins_act_on_failed_days(
    world: World, failed_day: dt.date, persona: str, action: str
) -> None:
    user = getattr(world, persona)
    response = client_for(user).post(
        f"/usage/failed-days/{failed_day}/{action}/", {"confirm": "yes"}
    )
    assert response.status_code == 403
    assert UsagePendingDay.objects.get(day=failed_day).failed_at is not None
    assert not AuditEvent.objects.filter(entity="usagependingday").exists()


@pytest.mark.parametrize("day", ["2026-03-03", "9999-99-99", "0000-01-01", "x" * 300])
@pytest.mark.parametrize("action", ["retry", "discard"])
def test_a_day_that_is_not_failed_is_not_found(
    world: World, failed_day: dt.date, day: str, action: str
) -> None:
    response = client_for(world.admin).post(
        f"/usage/failed-days/{day}/{action}/", {"confirm": "yes"}
    )
    assert response.status_code == 404
    assert UsagePendingDay.objects.get(day=failed_day).failed_at is not None


def test_a_day_queued_but_not_failed_is_left_to_the_worker(
    world: World, source: UsageSource
) -> None:
    usage_days_queue(days=[D])
    response = client_for(world.admin).post(f"/usage/failed-days/{D}/discard/", {"confirm": "yes"})
    assert response.status_code == 404
    assert UsagePendingDay.objects.filter(day=D, failed_at__isnull=True).exists()


def test_a_day_acted_on_twice_is_acted_on_once(world: World, failed_day: dt.date) -> None:
    # given: two admins' pages both show the failed day; the first discards it
    admin = client_for(world.admin)
    assert (
        admin.post(f"/usage/failed-days/{failed_day}/discard/", {"confirm": "yes"}).status_code
        == 302
    )
    # when: the second discards or retries it too (a double click, a stale page)
    again = admin.post(f"/usage/failed-days/{failed_day}/discard/", {"confirm": "yes"})
    retry = admin.post(f"/usage/failed-days/{failed_day}/retry/", {"confirm": "yes"})
    # then: not found; one audit event; the day's figures as they were
    assert (again.status_code, retry.status_code) == (404, 404)
    assert AuditEvent.objects.filter(entity="usagependingday").count() == 1
    assert events_on(world, failed_day) == 1

"""Deliveries end to end: rows written by the services, sent by their own queued tasks to a
real SMTP server and a real HTTP receiver, retried with back-off, never sent twice, one
failing endpoint never holding another up; webhook signatures checked by the reference
Standard Webhooks library."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook

from kizuna.apps.notify import services, tasks
from kizuna.apps.notify.events import UnknownEvent
from kizuna.apps.notify.models import Delivery, Mode, Notification, NotificationPreference
from kizuna.apps.notify.tasks import deliver
from tests.apps.notify.conftest import Clock, Receiver
from tests.apps.org.conftest import Inbox
from tests.factories import World

MINUTE = dt.timedelta(minutes=1)


def _channels(member: Any, receiver: Receiver, **fields: Any) -> None:
    NotificationPreference.objects.create(
        member=member,
        email=True,
        slack=True,
        slack_webhook_url=receiver.url("/slack"),
        teams=True,
        teams_webhook_url=receiver.url("/teams"),
        **fields,
    )


def test_a_notification_goes_in_app_and_to_each_channel_once(
    world: World,
    receiver: Receiver,
    smtp_server: Inbox,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
) -> None:
    # given a CSM with e-mail, Slack and Teams on, reading English
    world.csm.email, world.csm.language = "csm@example.jp", "en"
    world.csm.save()
    _channels(world.csm, receiver)
    # when they are notified and the worker runs the queue
    notification = commit(
        services.notify_member,
        member=world.csm,
        kind="health.grade_dropped",
        title="Health dropped to C",
        body="Login stopped 14 days ago.",
        link=f"/accounts/{world.account.pk}/",
        priority="high",
        account=world.account,
    )
    ran = run_queue()
    # then the in-app notification is unread and four deliveries are sent, one attempt each
    assert Notification.objects.get().read_at is None
    rows = Delivery.objects.order_by("pk")
    assert [(d.channel, d.state, d.attempts) for d in rows] == [
        ("inapp", "sent", 1),
        ("email", "sent", 1),
        ("slack", "sent", 1),
        ("teams", "sent", 1),
    ]
    assert {d.event_id for d in rows} == {f"ntf_{notification.pk}"}
    assert len(ran) == 3
    # and the e-mail reached the SMTP server, in English, with the absolute link
    message = smtp_server.messages[0]
    assert (message["To"], message["Subject"]) == ("csm@example.jp", "[Kizuna] Health dropped to C")
    assert smtp_server.body() == (
        "Login stopped 14 days ago.\n\n"
        f"Open: http://testserver/accounts/{world.account.pk}/\n\n"
        "You receive this because of your notification settings: "
        "http://testserver/notifications/preferences/\n"
    )
    # and Slack got Block Kit, Teams an Adaptive Card, with the priority and the account
    slack = receiver.at("/slack")[0].json()
    assert [block["type"] for block in slack["blocks"]] == [
        "header",
        "section",
        "context",
        "actions",
    ]
    assert slack["blocks"][2]["elements"] == [
        {"type": "mrkdwn", "text": "Priority: High"},
        {"type": "mrkdwn", "text": "株式会社山田製作所"},
    ]
    assert slack["blocks"][3]["elements"][0]["url"] == (
        f"http://testserver/accounts/{world.account.pk}/"
    )
    assert slack["text"] == "Health dropped to C\nLogin stopped 14 days ago."
    teams = receiver.at("/teams")[0].json()
    card = teams["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert (card["content"]["version"], card["content"]["actions"][0]["title"]) == (
        "1.4",
        "Open in Kizuna",
    )
    # when every delivery's task runs again (a rerun, a second worker)
    for delivery in rows:
        assert deliver.call(delivery.pk).endswith("nothing to do (sent)")
    # then nothing more is sent
    assert (len(smtp_server.messages), len(receiver.requests)) == (1, 2)


def test_a_member_on_a_digest_or_inactive_gets_the_in_app_notification_only(
    world: World, receiver: Receiver, commit: Callable[..., Any]
) -> None:
    _channels(world.csm, receiver, mode=Mode.DIGEST)
    world.teammate.is_active = False
    world.teammate.save()
    _channels(world.teammate, receiver)
    for member in (world.csm, world.teammate):
        commit(services.notify_member, member=member, kind="k", title="t")
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["inapp", "inapp"]
    assert DBTaskResult.objects.count() == 0


def test_quiet_hours_across_midnight_hold_the_channels_until_they_end(
    world: World, receiver: Receiver, commit: Callable[..., Any]
) -> None:
    # given quiet hours 22:00–07:00 in the company's time zone (Asia/Tokyo by default)
    _channels(world.csm, receiver, quiet_start=dt.time(22), quiet_end=dt.time(7))
    world.csm.email = ""
    world.csm.save()
    tokyo = dt.timezone(dt.timedelta(hours=9))
    # when notified at 23:30 and at 06:59 Tokyo time, and at 07:00
    late = dt.datetime(2026, 11, 30, 23, 30, tzinfo=tokyo)
    early = dt.datetime(2026, 12, 1, 6, 59, tzinfo=tokyo)
    awake = dt.datetime(2026, 12, 1, 7, 0, tzinfo=tokyo)
    for now in (late, early, awake):
        commit(services.notify_member, member=world.csm, kind="k", title="t", now=now)
    # then the first two wait until 07:00 the next morning, the last goes at once
    held = dt.datetime(2026, 12, 1, 7, 0, tzinfo=tokyo)
    waits = [d.next_attempt_at for d in Delivery.objects.exclude(channel="inapp").order_by("pk")]
    assert waits == [held, held, held, held, None, None]
    # and their tasks are queued to run then, not before
    runs = sorted(DBTaskResult.objects.values_list("run_after", flat=True))
    assert runs[:4] == [held] * 4  # the others: as soon as a worker is free (no run_after)
    # and the in-app notifications were shown at once
    assert Notification.objects.count() == 3


def test_webhooks_are_signed_and_a_down_endpoint_does_not_hold_another_up(
    world: World,
    receiver: Receiver,
    down_url: str,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
) -> None:
    # given an endpoint that is down, one that answers, one not subscribed, one deactivated
    down = services.webhook_endpoint_create(
        url=down_url, event_types=["account.segment_changed"], by=world.admin
    )
    up = services.webhook_endpoint_create(
        url=receiver.url("/hook"), event_types=["account.segment_changed"], by=world.admin
    )
    services.webhook_endpoint_create(
        url=receiver.url("/other"), event_types=["coverage.lost"], by=world.admin
    )
    off = services.webhook_endpoint_create(
        url=receiver.url("/off"), event_types=["account.segment_changed"], by=world.admin
    )
    services.webhook_endpoint_deactivate(endpoint=off)
    # when an event is emitted and the queue runs
    data = {"account": {"id": 7, "name": "株式会社サンプル", "crm_id": None}, "from": "mid"}
    deliveries = commit(
        services.emit_event,
        event_type="account.segment_changed",
        data=data,
        occurred_at=dt.datetime(2026, 11, 30, 1, 2, 3, tzinfo=dt.UTC),
    )
    run_queue()
    # then one delivery per active subscribed endpoint: the down one failed, the other sent
    assert [d.endpoint_id for d in deliveries] == [down.pk, up.pk]
    failed, sent = (Delivery.objects.get(pk=d.pk) for d in deliveries)
    assert (failed.state, failed.attempts, failed.last_status_code) == ("failed", 1, None)
    assert failed.last_error.startswith("URLError:")
    assert (sent.state, sent.attempts, sent.last_status_code) == ("sent", 1, 200)
    # and the request received verifies with the reference library, webhook-id the event id
    (request,) = receiver.requests
    assert request.path == "/hook"
    assert request.headers["webhook-id"] == sent.event_id == failed.event_id
    assert Webhook(up.secret).verify(request.body, request.headers) == {
        "type": "account.segment_changed",
        "timestamp": "2026-11-30T01:02:03Z",
        "data": data,
    }
    # and with another endpoint's secret it does not
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(down.secret).verify(request.body, request.headers)


def test_a_failing_endpoint_is_retried_with_back_off_then_sent(
    world: World,
    receiver: Receiver,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
    clock: Clock,
) -> None:
    # given an endpoint that answers 500 twice, then 200
    receiver.script("/hook", [500, 500])
    endpoint = services.webhook_endpoint_create(
        url=receiver.url("/hook"), event_types=["coverage.lost"], by=world.admin
    )
    (delivery,) = commit(services.emit_event, event_type="coverage.lost", data={"n": 1})
    start = clock.now
    # when the first attempt runs
    run_queue()
    delivery.refresh_from_db()
    # then it failed with the status and the answer, and waits one minute
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("failed", 1, 500)
    assert delivery.last_error == "HTTP 500 invalid_payload"
    assert delivery.next_attempt_at == start + MINUTE
    queued = DBTaskResult.objects.filter(status="READY").get()
    assert queued.run_after == start + MINUTE
    # when a duplicate of the task runs before that time, nothing is sent
    assert deliver.call(delivery.pk) == f"delivery {delivery.pk}: nothing to do (failed)"
    assert (len(receiver.requests), Delivery.objects.get(pk=delivery.pk).attempts) == (1, 1)
    # when the minute has passed: the second attempt fails, the next waits five minutes
    clock.advance_to(start + MINUTE)
    run_queue(due=True)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("failed", 2)
    assert delivery.next_attempt_at == start + 6 * MINUTE
    # when those five minutes have passed: the third attempt is sent
    clock.advance_to(start + 6 * MINUTE)
    run_queue(due=True)
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("sent", 3, 200)
    assert (delivery.sent_at, delivery.next_attempt_at, delivery.last_error) == (
        start + 6 * MINUTE,
        None,
        "",
    )
    # and the three requests carried the same webhook-id, each signed for its own time
    ids = {r.headers["webhook-id"] for r in receiver.requests}
    assert (len(receiver.requests), ids) == (3, {delivery.event_id})
    assert endpoint.pk == delivery.endpoint_id


def test_a_delivery_dies_after_six_failures_and_a_replay_sends_it_again(
    world: World,
    receiver: Receiver,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
    clock: Clock,
) -> None:
    receiver.script("/hook", [503] * 6)
    services.webhook_endpoint_create(
        url=receiver.url("/hook"), event_types=["task.created"], by=world.admin
    )
    (delivery,) = commit(services.emit_event, event_type="task.created", data={})
    waits = []
    for _attempt in range(6):
        run_queue(due=True)
        delivery.refresh_from_db()
        if delivery.next_attempt_at is not None:
            waits.append(delivery.next_attempt_at - clock.now)
            clock.advance_to(delivery.next_attempt_at)
    # then the waits were 1 min, 5 min, 30 min, 2 h, 12 h, and the sixth failure is final
    assert waits == [
        MINUTE,
        5 * MINUTE,
        30 * MINUTE,
        dt.timedelta(hours=2),
        dt.timedelta(hours=12),
    ]
    assert (delivery.state, delivery.attempts, delivery.last_status_code) == ("dead", 6, 503)
    assert DBTaskResult.objects.filter(status="READY").count() == 0
    # when an admin replays it
    replay = commit(services.delivery_replay, delivery=delivery)
    run_queue()
    # then a new delivery of the same payload is sent, with the same webhook-id
    replay.refresh_from_db()
    assert (replay.state, replay.replay_of_id, replay.payload) == (
        "sent",
        delivery.pk,
        delivery.payload,
    )
    assert receiver.requests[-1].headers["webhook-id"] == delivery.event_id
    assert Delivery.objects.get(pk=delivery.pk).state == "dead"


def test_an_unknown_event_or_a_rolled_back_change_sends_nothing(
    world: World, receiver: Receiver, commit: Callable[..., Any]
) -> None:
    services.webhook_endpoint_create(
        url=receiver.url("/hook"), event_types=["coverage.lost"], by=world.admin
    )
    with pytest.raises(UnknownEvent):
        commit(services.emit_event, event_type="coverage.found", data={})
    with pytest.raises(RuntimeError), transaction.atomic():
        services.emit_event(event_type="coverage.lost", data={})
        raise RuntimeError("the caller's change fails")
    assert (Delivery.objects.count(), DBTaskResult.objects.count()) == (0, 0)


def test_an_in_app_delivery_cannot_be_replayed_nor_a_deactivated_endpoint(
    world: World, receiver: Receiver, commit: Callable[..., Any]
) -> None:
    commit(services.notify_member, member=world.csm, kind="k", title="t")
    with pytest.raises(services.CannotReplay):
        services.delivery_replay(delivery=Delivery.objects.get())
    endpoint = services.webhook_endpoint_create(
        url=receiver.url("/hook"), event_types=["coverage.lost"], by=world.admin
    )
    (delivery,) = commit(services.emit_event, event_type="coverage.lost", data={})
    services.webhook_endpoint_deactivate(endpoint=endpoint)
    with pytest.raises(services.CannotReplay):
        services.delivery_replay(delivery=delivery)


def test_a_mail_server_that_is_down_fails_the_delivery_only(
    world: World, smtp_down: int, commit: Callable[..., Any], run_queue: Callable[..., list[str]]
) -> None:
    world.csm.email = "csm@example.jp"
    world.csm.save()
    commit(services.notify_member, member=world.csm, kind="k", title="t")
    run_queue()
    email = Delivery.objects.get(channel="email")
    assert (email.state, email.attempts) == ("failed", 1)
    assert "Connection refused" in email.last_error or "ConnectionRefused" in email.last_error


def test_the_minute_job_queues_again_a_delivery_whose_task_died(
    world: World,
    receiver: Receiver,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
) -> None:
    # given a delivery claimed by a worker that died (its claim leased, never recorded) and
    # whose queued task is gone
    services.webhook_endpoint_create(
        url=receiver.url("/hook"), event_types=["coverage.lost"], by=world.admin
    )
    (delivery,) = commit(services.emit_event, event_type="coverage.lost", data={})
    DBTaskResult.objects.all().delete()
    eleven_minutes_ago = timezone.now() - 11 * MINUTE
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=eleven_minutes_ago)
    # when the minute job looks, then it has work and queues it; the worker sends it
    assert tasks.has_stranded() is True
    report = commit(lambda: tasks.requeue_stranded.call("2026-11-30"))
    assert report == "1 stranded deliveries queued again"
    run_queue()
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, len(receiver.requests)) == ("sent", 1, 1)
    assert tasks.has_stranded() is False

"""A rule firing, carried out by the worker, reaches the world: the owner's e-mail arrives at a
real SMTP server (aiosmtpd), their Slack message at a real local HTTP receiver in Block Kit,
and the ``rule.fired`` webhook at an endpoint whose consumer verifies the signature with the
reference Standard Webhooks library. A firing held for the digest is shown in the app only."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from standardwebhooks.webhooks import Webhook

from kizuna.apps.customers.models import Account
from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.notify.models import Delivery as NotifyDelivery
from kizuna.apps.notify.models import Notification, NotificationPreference
from kizuna.apps.notify.services import webhook_endpoint_create
from kizuna.apps.rules import services
from kizuna.apps.rules.evaluation import firings_act, rules_evaluate
from kizuna.apps.rules.models import Firing
from kizuna.apps.tasks.models import Task
from kizuna.apps.tenant.selectors import tenant_today
from tests.apps.notify.conftest import Receiver
from tests.apps.org.conftest import Inbox
from tests.factories import AccountFactory, World

pytestmark = pytest.mark.django_db


def red(account: Account, day: dt.date) -> None:
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.filter(name="adoption").first()
    HealthScore.objects.create(account=account, day=day, model=model, score=10, grade=1, rag="red")


def csm_on_email_and_slack(world: World, receiver: Receiver) -> None:
    world.csm.email, world.csm.language = "csm@example.jp", "ja"
    world.csm.save()
    NotificationPreference.objects.create(
        member=world.csm, email=True, slack=True, slack_webhook_url=receiver.url("/slack")
    )


def test_a_rule_firing_sends_the_mail_the_slack_message_and_a_signed_webhook(
    world: World,
    receiver: Receiver,
    smtp_server: Inbox,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
) -> None:
    # given: the CSM's red account, their e-mail and Slack on, an endpoint for rule.fired and
    # an enabled rule that opens a task, notifies and sends the webhook
    day = tenant_today()
    red(world.account, day)
    csm_on_email_and_slack(world, receiver)
    endpoint = webhook_endpoint_create(
        url=receiver.url("/hook"), event_types=["rule.fired"], by=world.admin
    )
    rule = services.rule_create(
        actor=world.admin,
        name="ヘルスが赤になった顧客",
        data={"trigger": "health_red", "actions": ["task", "notify", "webhook"], "priority": 3},
    )
    services.rule_enable(actor=world.admin, rule=rule)
    # when: the worker evaluates the day, carries the firing out and runs the queue
    rules_evaluate(day=day)
    assert commit(firings_act) == (1, 0)
    run_queue()
    task = Task.objects.get()
    # then: the e-mail arrived at the SMTP server, in Japanese, linking the task
    (message,) = smtp_server.messages
    assert (message["To"], message["Subject"]) == (
        "csm@example.jp",
        "[Kizuna] ヘルスが赤になった顧客: 株式会社山田製作所",
    )
    assert "ヘルスが赤に" in smtp_server.body()
    assert f"http://testserver/tasks/{task.pk}/" in smtp_server.body()
    # and the Slack message at the receiver, in Block Kit's shape, with its button to the task
    (slack_request,) = receiver.at("/slack")
    slack = slack_request.json()
    assert [block["type"] for block in slack["blocks"]] == [
        "header", "section", "context", "actions",
    ]  # fmt: skip
    assert slack["blocks"][0]["text"]["text"] == "ヘルスが赤になった顧客: 株式会社山田製作所"
    assert slack["blocks"][3]["elements"][0]["url"] == f"http://testserver/tasks/{task.pk}/"
    # and the webhook verifies with the endpoint's secret (an independent implementation)
    (hook,) = receiver.at("/hook")
    event = Webhook(endpoint.secret).verify(hook.body, hook.headers)
    assert event["type"] == "rule.fired"
    assert event["data"]["rule"] == {"id": rule.pk, "name": rule.name, "version": 1}
    assert event["data"]["account"]["id"] == world.account.pk
    assert (event["data"]["task_id"], event["data"]["priority"]) == (task.pk, "high")
    # and not with another secret, nor once the body is altered
    with pytest.raises(Exception, match="No matching signature"):
        Webhook("whsec_" + "A" * 32).verify(hook.body, hook.headers)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(endpoint.secret).verify(hook.body.replace(b"high", b"low!"), hook.headers)
    # and every delivery is sent once: in-app, e-mail, Slack, webhook
    assert sorted(NotifyDelivery.objects.values_list("channel", "state")) == [
        ("email", "sent"), ("inapp", "sent"), ("slack", "sent"), ("webhook", "sent"),
    ]  # fmt: skip


def test_a_firing_held_for_the_digest_is_in_the_app_only_marked_so(
    world: World,
    receiver: Receiver,
    smtp_server: Inbox,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
) -> None:
    # given: two red accounts of the CSM, e-mail and Slack on, a weekly budget of one alert
    day = tenant_today()
    first, second = (AccountFactory(owner=world.csm, team=world.strategic) for _ in range(2))
    for account in (first, second):
        red(account, day)
    csm_on_email_and_slack(world, receiver)
    services.alert_settings_update(actor=world.admin, weekly_budget=1, digest_time=dt.time(8, 30))
    rule = services.rule_create(
        actor=world.admin, name="赤", data={"trigger": "health_red", "actions": ["notify"]}
    )
    services.rule_enable(actor=world.admin, rule=rule)
    # when: the day is evaluated and carried out, and the queue runs
    rules_evaluate(day=day)
    commit(firings_act)
    run_queue()
    # then: one firing interrupts, the other waits for the digest
    delivery = dict(Firing.objects.values_list("account_id", "delivery"))
    assert delivery == {first.pk: "immediate", second.pk: "digest"}
    # and both are in the app; the held one marked, and only the first went out
    notes = {n.account_id: n.held_for_digest for n in Notification.objects.all()}
    assert notes == {first.pk: False, second.pk: True}
    assert len(smtp_server.messages) == 1 and len(receiver.at("/slack")) == 1
    held = Notification.objects.get(account=second)
    assert list(NotifyDelivery.objects.filter(notification=held).values_list("channel")) == [
        ("inapp",)
    ]
    # and the notification list says so, once
    client = Client()
    client.force_login(world.csm)
    page = client.get("/notifications/").content.decode()
    assert page.count('class="notification unread"') == 2
    assert page.count(">朝のダイジェストで</span>") == 1

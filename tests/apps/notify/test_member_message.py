"""``member_message_queue``: a message written by the caller (the morning digest) to the
member's e-mail and Slack as their settings say, sent by the deliveries' own tasks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from kizuna.apps.notify import services
from kizuna.apps.notify.models import Delivery, Notification, NotificationPreference
from tests.apps.notify.conftest import Receiver
from tests.apps.org.conftest import Inbox
from tests.factories import World

pytestmark = pytest.mark.django_db

EMAIL = {"subject": "[Kizuna] 朝", "body": "本文\n", "html": "<p>本文</p>"}
SLACK = {"text": "朝", "blocks": []}


def test_it_goes_to_email_with_html_and_to_slack(
    world: World,
    receiver: Receiver,
    smtp_server: Inbox,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
) -> None:
    world.csm.email = "csm@example.jp"
    world.csm.save()
    NotificationPreference.objects.create(
        member=world.csm, email=True, slack=True, slack_webhook_url=receiver.url("/slack")
    )
    rows = commit(
        services.member_message_queue, member=world.csm, kind="rules.digest",
        event_id="dgs_1", email=EMAIL, slack=SLACK,
    )  # fmt: skip
    run_queue()
    assert [(d.channel, d.event_id) for d in rows] == [("email", "dgs_1"), ("slack", "dgs_1")]
    assert list(Delivery.objects.values_list("state", flat=True)) == ["sent", "sent"]
    assert Notification.objects.count() == 0
    message = smtp_server.messages[0]
    assert (message["To"], message["Subject"], smtp_server.body()) == (
        "csm@example.jp", "[Kizuna] 朝", "本文\n",
    )  # fmt: skip
    html = message.get_body(preferencelist=("html",))
    assert html is not None and html.get_content().strip() == "<p>本文</p>"
    assert receiver.at("/slack")[0].json() == SLACK


def test_channels_off_no_address_or_inactive_send_nothing(world: World) -> None:
    NotificationPreference.objects.create(member=world.csm, email=True, slack=True)
    world.csm.email = ""  # no address; Slack on without a URL
    world.csm.save()
    assert services.member_message_queue(
        member=world.csm, kind="k", event_id="e", email=EMAIL, slack=SLACK
    ) == []  # fmt: skip
    world.teammate.email, world.teammate.is_active = "t@example.jp", False
    world.teammate.save()
    assert services.member_message_queue(
        member=world.teammate, kind="k", event_id="e", email=EMAIL
    ) == []  # fmt: skip
    assert Delivery.objects.count() == 0

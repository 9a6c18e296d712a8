"""Events the other apps emit through ``notify.services.emit_event`` where their data
changes: an account's touch model (segments), an onboarding's state (onboarding), an
account's health grade (health); signed and received by a real endpoint."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from kizuna.apps.customers.models import Account
from kizuna.apps.health.models import HealthScore
from kizuna.apps.health.services import health_scores_refresh, health_scores_rescore
from kizuna.apps.notify import services
from kizuna.apps.notify.events import account_ref
from kizuna.apps.notify.models import Delivery
from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.onboarding.services import onboardings_evaluate, onboardings_start
from kizuna.apps.segments.services import segment_exception_create, segment_exceptions_expire
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.services import touchpoint_create
from tests.apps.health.conftest import scored_world  # noqa: F401  (a fixture)
from tests.apps.notify.conftest import Receiver
from tests.apps.onboarding.conftest import line, template  # noqa: F401  (fixtures)
from tests.factories import World


def test_a_segment_exception_and_its_end_emit_account_segment_changed(
    world: World,
    receiver: Receiver,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
) -> None:
    # given an endpoint subscribed to segment changes, and the account in low touch
    endpoint = services.webhook_endpoint_create(
        url=receiver.url("/crm"), event_types=["account.segment_changed"], by=world.admin
    )
    Account.objects.filter(pk=world.account.pk).update(segment="low", external_crm_id="0015X")
    account = Account.objects.get(pk=world.account.pk)
    # when the manager raises it to high touch until year end, and the exception expires
    commit(
        segment_exception_create,
        actor=world.manager,
        account=account,
        segment="high",
        reason="経営層が導入を主導",
        expires_on=dt.date(2026, 12, 31),
        today=dt.date(2026, 9, 1),
    )
    assert commit(segment_exceptions_expire, today=dt.date(2027, 1, 1)) == 1
    run_queue()
    # then the endpoint received both changes, signed, in order
    bodies = [Webhook(endpoint.secret).verify(r.body, r.headers) for r in receiver.requests]
    ref = {"id": account.pk, "name": "株式会社山田製作所", "crm_id": "0015X"}
    assert [body["data"] for body in bodies] == [
        {"account": ref, "from": "low", "to": "high", "on": "2026-09-01", "source": "exception"},
        {
            "account": ref,
            "from": "high",
            "to": "low",
            "on": "2027-01-01",
            "source": "exception_ended",
        },
    ]
    assert {body["type"] for body in bodies} == {"account.segment_changed"}
    assert list(Delivery.objects.values_list("state", flat=True)) == ["sent", "sent"]


def test_without_a_subscribed_endpoint_a_segment_change_writes_no_delivery(
    world: World, commit: Callable[..., Any]
) -> None:
    Account.objects.filter(pk=world.account.pk).update(segment="low")
    commit(
        segment_exception_create,
        actor=world.manager,
        account=Account.objects.get(pk=world.account.pk),
        segment="high",
        reason="理由",
        expires_on=dt.date(2026, 12, 31),
        today=dt.date(2026, 9, 1),
    )
    assert Delivery.objects.count() == 0


def test_an_onboarding_that_changes_state_emits_it_once_per_change(
    world: World,
    receiver: Receiver,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
    line: Any,  # noqa: F811
) -> None:
    # given an endpoint subscribed to onboarding states, and a started onboarding
    endpoint = services.webhook_endpoint_create(
        url=receiver.url("/crm"), event_types=["onboarding.state_changed"], by=world.admin
    )
    onboardings_start(as_of=dt.date(2026, 9, 1))
    onboarding = Onboarding.objects.get()
    first = onboarding.state
    # when the daily evaluation runs on three days, the second one twice (a rerun)
    for day in (dt.date(2026, 11, 5), dt.date(2026, 11, 6), dt.date(2026, 11, 6)):
        commit(onboardings_evaluate, as_of=day)
    run_queue()
    # then each change of state was sent once, with the reason of its last transition
    bodies = [Webhook(endpoint.secret).verify(r.body, r.headers)["data"] for r in receiver.requests]
    ref = {"id": world.account.pk, "name": "株式会社山田製作所", "crm_id": None}
    last = Onboarding.objects.get().transitions.last()
    assert last is not None
    assert [(b["from"], b["to"], b["on"]) for b in bodies] == [
        (first, "stalled", "2026-11-05"),
        ("stalled", "expected_churn", "2026-11-06"),
    ]
    assert bodies[1] == {
        "account": ref,
        "onboarding": onboarding.pk,
        "on": "2026-11-06",
        "from": "stalled",
        "to": "expected_churn",
        "reason": last.reason,
    }


def test_a_health_grade_change_is_emitted_once_by_the_rescore_not_again_by_a_rerun(
    scored_world: World,  # noqa: F811
    receiver: Receiver,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
) -> None:
    # given an endpoint subscribed to grade changes, yesterday's and today's scores (grade 1:
    # no usage, the last touch months ago)
    endpoint = services.webhook_endpoint_create(
        url=receiver.url("/crm"), event_types=["health.grade_changed"], by=scored_world.admin
    )
    today = tenant_today()
    commit(health_scores_refresh, day=today - dt.timedelta(days=1))
    commit(health_scores_refresh, day=today)
    assert HealthScore.objects.get(day=today).grade == 1
    assert Delivery.objects.count() == 0  # the same grade both days
    # when a call is logged and the account rescored (grade 5), then the daily run reruns
    touchpoint_create(
        actor=scored_world.csm,
        account=scored_world.account,
        data={"kind": "call", "occurred_at": timezone.now(), "summary": "契約更新の相談"},
    )
    commit(health_scores_rescore, day=today, account_ids=[scored_world.account.pk])
    commit(health_scores_refresh, day=today)
    run_queue()
    # then one event was sent: from grade 1 to 5, with today's score
    (request,) = receiver.requests
    data = Webhook(endpoint.secret).verify(request.body, request.headers)["data"]
    assert data == {
        "account": account_ref(scored_world.account),
        "day": today.isoformat(),
        "from": 1,
        "to": 5,
        "score": 100.0,
    }

"""A task's life as webhooks: ``task.created`` when it is opened, ``task.completed`` when it is
done (docs/webhooks.md), only to endpoints that subscribe."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.apps.notify.models import Delivery
from kizuna.apps.notify.services import webhook_endpoint_create
from kizuna.apps.tasks.services import task_complete, task_create, task_dismiss
from tests.factories import World

pytestmark = pytest.mark.django_db


def test_created_and_completed_go_to_the_endpoints_that_subscribe(world: World) -> None:
    # given: one endpoint for task events, one for another type
    webhook_endpoint_create(
        url="http://127.0.0.1:9/tasks", event_types=["task.created", "task.completed"], by=None
    )
    webhook_endpoint_create(url="http://127.0.0.1:9/health", event_types=["health.grade_changed"],
                            by=None)  # fmt: skip
    # when: a task is opened, then done; another opened and dismissed
    due = dt.date.today() + dt.timedelta(days=30)
    task, _ = task_create(actor=world.csm, account=world.account, owner=world.csm,
                          title="利用状況のヒアリング", due_date=due)  # fmt: skip
    task_complete(actor=world.csm, task=task, outcome="saved")
    other, _ = task_create(actor=world.csm, account=world.account, owner=world.csm,
                           title="確認", due_date=due)  # fmt: skip
    task_dismiss(actor=world.csm, task=other)
    # then: three deliveries, all to the tasks endpoint, the dismissal sends none
    sent = list(Delivery.objects.order_by("pk"))
    assert [(d.event_type, d.target) for d in sent] == [
        ("task.created", "http://127.0.0.1:9/tasks"),
        ("task.completed", "http://127.0.0.1:9/tasks"),
        ("task.created", "http://127.0.0.1:9/tasks"),
    ]
    completed = sent[1].payload["data"]
    assert completed["task"]["id"] == task.pk and completed["task"]["outcome"] == "saved"
    assert completed["task"]["assignee"] == {"id": world.csm.pk, "username": "csm"}
    assert completed["task"]["due_on"] == due.isoformat()
    assert completed["account"] == {"id": world.account.pk, "name": "株式会社山田製作所",
                                    "crm_id": None}  # fmt: skip
    assert "outcome" not in sent[0].payload["data"]["task"]

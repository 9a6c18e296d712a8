"""A task a rule (or a playbook) opens keeps its reason un-translated and shows it in the
reader's language: on the task's page, the inboxes, 今日, the account page and the API; a
manual task keeps its own words; an older rule task (text only) still shows its text."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from kizuna.apps.notify.models import Notification
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.playbooks.services import playbook_create, playbook_start
from kizuna.apps.rules.evaluation import firings_act, rules_evaluate
from kizuna.apps.tasks.messages import message_clean, message_of, message_render
from kizuna.apps.tasks.models import Task
from kizuna.apps.tasks.services import task_create, task_reassign
from kizuna.apps.tenant.selectors import tenant_today
from tests.apps.rules.test_evaluation import enabled_rule, red
from tests.factories import World

pytestmark = pytest.mark.django_db

JA, EN = "ヘルスが赤に", "Health turned red"


def client_for(user: User, language: str) -> Client:
    user.language = language
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    return client


def api_task(user: User, language: str, task_id: int) -> dict[str, Any]:
    user.language = language
    user.save(update_fields=["language"])
    _token, raw = api_token_create(user=user, name=f"t-{language}")
    response = Client().get(f"/api/v1/tasks/{task_id}", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200, response.content
    return json.loads(response.content)


def test_a_rule_task_reassigned_to_an_english_member_reads_in_each_readers_language(
    world: World,
) -> None:
    # given: a rule's task on a red account owned by the CSM, who reads Japanese
    day = tenant_today()
    red(world.account, day)
    enabled_rule(world, actions=["task", "notify"])
    rules_evaluate(day=day)
    assert firings_act() == (1, 0)
    task = Task.objects.get()
    assert task.reason_message == {"msgid": EN, "params": {}}
    assert (task.reason, task.evidence_label) == (JA, "")  # the text: the first owner's language
    sent = Notification.objects.get().body
    # when: the manager gives it to the teammate, who reads English
    task_reassign(actor=world.manager, task=task, owner=world.teammate)
    english = client_for(world.teammate, "en")
    # then: the teammate reads it in English everywhere; the manager still in Japanese
    page = english.get(f"/tasks/{task.pk}/").content.decode()
    assert (
        f"<dd>{EN}</dd>" in page
        and f'id="evidence" href="/accounts/{world.account.pk}/#health">{EN}</a>' in page
    )
    assert f">{JA}<" not in page
    for url in ("/tasks/", "/today/", f"/accounts/{world.account.pk}/"):
        body = english.get(url).content.decode()
        assert f'<div class="sub reason">{EN}</div>' in body, url
        assert f">{JA}<" not in body, url
    japanese = client_for(world.manager, "ja")
    assert f"<dd>{JA}</dd>" in japanese.get(f"/tasks/{task.pk}/").content.decode()
    for url in ("/tasks/?csm=teammate", f"/accounts/{world.account.pk}/"):
        body = japanese.get(url).content.decode()
        assert f'<div class="sub reason">{JA}</div>' in body, url
        assert f">{EN}<" not in body, url
    # and the API gives the text in the caller's language with the message
    assert api_task(world.teammate, "en", task.pk)["reason"] == EN
    ja = api_task(world.manager, "ja", task.pk)
    assert (ja["reason"], ja["reason_message"], ja["evidence_label"]) == (
        JA, {"msgid": EN, "params": {}}, JA,
    )  # fmt: skip
    # the alert sent to the CSM stays as it was sent
    assert Notification.objects.get().body == sent == JA


def test_parameters_are_put_in_the_readers_language(world: World) -> None:
    # given: a task whose reason is "renewal in 30 days", and a playbook's task
    task, _created = task_create(
        actor=None, account=world.account, owner=world.csm, title="更新",
        due_date=tenant_today() + dt.timedelta(days=7),
        reason="30日後に更新", reason_message=message_of("Renewal in %(days)s day(s)", days=30),
    )  # fmt: skip
    playbook = playbook_create(actor=world.admin, name="更新準備", steps=[
        {"order": 1, "title": "連絡", "offset_days": 0, "anchor": "start"}])  # fmt: skip
    run, _created = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    step_task = run.steps.get().task
    # then
    with translation.override("en"):
        assert (task.reason_shown, step_task.reason_shown) == (
            "Renewal in 30 day(s)", "Step 1 of the playbook “更新準備”.",
        )  # fmt: skip
    with translation.override("ja"):
        assert (task.reason_shown, step_task.reason_shown) == (
            "30日後に更新", "プレイブック「更新準備」のステップ 1。",
        )  # fmt: skip
    assert api_task(world.csm, "en", task.pk)["reason_message"] == {
        "msgid": "Renewal in %(days)s day(s)", "params": {"days": 30},
    }  # fmt: skip
    body = client_for(world.csm, "en").get(f"/tasks/{step_task.pk}/").content.decode()
    assert "<dd>Step 1 of the playbook “更新準備”.</dd>" in body


def test_a_manual_task_and_an_older_rule_task_show_their_text(world: World) -> None:
    manual, _created = task_create(
        actor=world.csm, account=world.account, owner=world.csm, title="電話",
        due_date=tenant_today() + dt.timedelta(days=7), reason="先方の要望で",
    )  # fmt: skip
    older, _created = task_create(
        actor=None, account=world.account, owner=world.csm, title="古いルール",
        due_date=tenant_today() + dt.timedelta(days=7), reason="ヘルスが赤に",
        evidence_label="ヘルスが赤に", origin="rule", origin_id=1,
    )  # fmt: skip
    # an unreadable stored message (hand-edited, or its msgid's parameters renamed) falls back
    broken = Task.objects.filter(pk=older.pk)
    with translation.override("en"):
        assert (manual.reason_message, manual.reason_shown) == ({}, "先方の要望で")
        assert (older.reason_shown, older.evidence_shown) == ("ヘルスが赤に", "ヘルスが赤に")
        broken.update(reason_message={"msgid": "Renewal in %(days)s day(s)", "params": {}})
        assert broken.get().reason_shown == "ヘルスが赤に"
        broken.update(reason_message={"msgid": 5, "params": []})
        assert broken.get().reason_shown == "ヘルスが赤に"
    assert api_task(world.csm, "en", manual.pk)["reason_message"] is None


@pytest.mark.parametrize(
    "message",
    [
        {"msgid": ""},
        {"msgid": None},
        {"msgid": "x" * 501},
        {"msgid": "a\x00b"},
        {"msgid": "Renewal in %(days)s day(s)", "params": {}},
        {"msgid": "Renewal in %(days)s day(s)", "params": {"days": True}},
        {"msgid": "Renewal in %(days)s day(s)", "params": {"days": None}},
        {"msgid": "Renewal in %(days)s day(s)", "params": {"days": "1\x00"}},
        {"msgid": "Renewal in %(days)s day(s)", "params": {"days": "9" * 501}},
        {"msgid": "Renewal in %(days)s day(s)", "params": [1]},
        {"msgid": "%(a)d", "params": {"a": "x"}},
        {"msgid": "%(a)s", "params": {str(n): n for n in range(11)} | {"a": 1}},
    ],
)
def test_a_bad_message_is_refused_and_nothing_is_written(
    world: World, message: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as raised:
        task_create(
            actor=None, account=world.account, owner=world.csm, title="x",
            due_date=tenant_today() + dt.timedelta(days=7), reason_message=message,
        )  # fmt: skip
    assert list(raised.value.message_dict) == ["reason_message"]
    assert not Task.objects.exists()


def test_messages_render_huge_numbers_and_unknown_msgids_as_given() -> None:
    big = message_clean(message_of("MRR fell by %(amount)s a month", amount=f"{2**63 - 1:,}"))
    with translation.override("en"):
        assert message_render(big) == "MRR fell by 9,223,372,036,854,775,807 a month"
        # a msgid not in the catalogs is shown as it is (the English source text)
        assert message_render(message_of("Not in any catalog %(n)s", n=1)) == "Not in any catalog 1"
    assert message_render(None) == message_render({}) == ""

"""The rule action "start a playbook": which playbook a version names (checked in the
service, the editor and the API), how a firing starts it (once: a run still running holds the
rule back, a rerun starts nothing new), and what happens when it cannot start."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.utils import translation

from kizuna.apps.notify.models import Notification
from kizuna.apps.playbooks.models import Playbook, PlaybookRun, RunState
from kizuna.apps.playbooks.services import playbook_create, playbook_run_cancel, playbook_update
from kizuna.apps.rules import services
from kizuna.apps.rules.evaluation import firings_act, rules_evaluate
from kizuna.apps.rules.models import Firing, Rule, RuleVersion
from kizuna.apps.tasks.models import Task, TaskOrigin
from kizuna.apps.tenant.selectors import tenant_today
from tests.apps.rules.test_api import Api
from tests.apps.rules.test_evaluation import red
from tests.apps.rules.test_views import client_for, form
from tests.factories import AccountFactory, World

pytestmark = pytest.mark.django_db

STEPS = [
    {"order": 1, "title": "電話で状況を確認", "offset_days": 0, "anchor": "start"},
    {"order": 2, "title": "改善プランを送る", "offset_days": 5, "anchor": "start"},
]


@pytest.fixture
def playbook(world: World) -> Playbook:
    return playbook_create(actor=world.admin, name="赤から立て直す", steps=STEPS)


@pytest.fixture
def inactive(world: World) -> Playbook:
    return playbook_create(actor=world.admin, name="休止中", active=False, steps=STEPS)


def playbook_rule(world: World, playbook: Playbook, *actions: str) -> Rule:
    rule = services.rule_create(
        actor=world.admin,
        name="赤になったら立て直す",
        data={"trigger": "health_red", "actions": list(actions or ["playbook"]),
              "playbook": playbook},
    )  # fmt: skip
    return services.rule_enable(actor=world.admin, rule=rule)


# --- what a version says ---------------------------------------------------------------


def test_the_service_keeps_the_playbook_with_its_action_and_audits_it(
    world: World, playbook: Playbook
) -> None:
    rule = services.rule_create(
        actor=world.admin, name="赤", data={"trigger": "health_red",
                                            "actions": ["task", "playbook"],
                                            "playbook": playbook.pk},
    )  # fmt: skip
    version = RuleVersion.objects.get(rule=rule)
    assert (version.actions, version.playbook_id) == (["playbook", "task"], playbook.pk)
    # the same data again (the playbook as an object this time) saves no version
    data = {"trigger": "health_red", "actions": ["playbook", "task"], "playbook": playbook}
    same = services.rule_update(actor=world.admin, rule=rule, data=data)
    assert same.version == 1
    # dropping the action and the playbook is the next version
    nxt = services.rule_update(actor=world.admin, rule=rule, data={
        "trigger": "health_red", "actions": ["task"], "playbook": None})  # fmt: skip
    assert (nxt.version, nxt.playbook_id) == (2, None)
    from kizuna.apps.audit.models import AuditEvent

    created = AuditEvent.objects.get(entity="ruleversion", entity_id=version.pk)
    assert created.changes["playbook"] == [None, f"赤から立て直す (#{playbook.pk})"]


@pytest.mark.parametrize(
    ("actions", "which", "message"),
    [
        (["playbook"], None, "Choose the playbook to start."),
        (["task"], "active", "Choose the action “Start a playbook”, or leave the playbook empty."),
        (["playbook"], "inactive", "This playbook is not active."),
        (["playbook"], 10**6, "Unknown playbook."),
        (["playbook"], 2**63, "Unknown playbook."),
        (["playbook"], -1, "Unknown playbook."),
        (["playbook"], True, "Unknown playbook."),
        (["playbook"], "1", "Unknown playbook."),
    ],
)
def test_the_service_refuses_a_playbook_without_its_action_and_the_reverse(
    world: World, playbook: Playbook, inactive: Playbook, actions: list[str], which: Any,
    message: str,
) -> None:  # fmt: skip
    value = {"active": playbook, "inactive": inactive}.get(which, which)
    with translation.override("en"), pytest.raises(ValidationError) as raised:
        services.rule_data_clean({"trigger": "health_red", "actions": actions, "playbook": value})
    assert raised.value.message_dict == {"playbook": [message]}


def test_a_playbook_a_version_names_cannot_be_deleted(world: World, playbook: Playbook) -> None:
    playbook_rule(world, playbook)
    with pytest.raises(ProtectedError):
        playbook.delete()


# --- the editor and the rule's page ------------------------------------------------------


def test_the_editor_saves_the_playbook_and_the_pages_name_it(
    world: World, playbook: Playbook
) -> None:
    client = client_for(world.admin)
    editor = client.get("/rules/new/").content.decode()
    assert 'name="playbook"' in editor and "赤から立て直す" in editor
    preview = client.post("/rules/new/", form(action="preview", actions=["playbook"],
                                              playbook=str(playbook.pk)))  # fmt: skip
    assert preview.status_code == 200 and 'id="preview"' in preview.content.decode()
    assert not Rule.objects.exists()
    saved = client.post("/rules/new/", form(actions=["task", "playbook"],
                                            playbook=str(playbook.pk)))  # fmt: skip
    rule = Rule.objects.get()
    assert saved.status_code == 302
    assert RuleVersion.objects.get(rule=rule).playbook_id == playbook.pk
    page = client.get(f"/rules/{rule.pk}/").content.decode()
    assert "タスクを作成、プレイブックを開始" in page
    assert "<dt>プレイブック</dt><dd>赤から立て直す</dd>" in page
    english = client_for(world.admin, "en").get(f"/rules/{rule.pk}/").content.decode()
    assert "<dt>Playbook</dt><dd>赤から立て直す</dd>" in english
    assert "Start a playbook" in english


@pytest.mark.parametrize(
    ("overrides", "language", "message"),
    [
        ({"actions": ["playbook"]}, "ja", "開始するプレイブックを選んでください。"),
        ({"actions": ["playbook"]}, "en", "Choose the playbook to start."),
        ({"actions": ["task"], "playbook": "active"}, "ja",
         "「プレイブックを開始」のアクションを選ぶか、プレイブックを空にしてください。"),
        ({"actions": ["playbook"], "playbook": "inactive"}, "ja",
         "このプレイブックは無効です。"),
        ({"actions": ["playbook"], "playbook": "99999999"}, "en", "Select a valid choice."),
    ],
)  # fmt: skip
def test_the_editor_refuses_a_bad_playbook_in_the_members_language(
    world: World, playbook: Playbook, inactive: Playbook, overrides: dict[str, Any],
    language: str, message: str,
) -> None:  # fmt: skip
    ids = {"active": str(playbook.pk), "inactive": str(inactive.pk)}
    if "playbook" in overrides:
        overrides = {**overrides, "playbook": ids.get(overrides["playbook"], overrides["playbook"])}
    response = client_for(world.admin, language).post("/rules/new/", form(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Rule.objects.exists()


# --- the API -----------------------------------------------------------------------------


def test_the_api_writes_and_reads_the_playbook(world: World, playbook: Playbook) -> None:
    api = Api(world.admin)
    created = api.send("post", "/rules", {"name": "赤", "trigger": "health_red",
                                          "actions": ["playbook", "notify"],
                                          "playbook_id": playbook.pk})  # fmt: skip
    assert created.status_code == 201, created.content
    current = created.json()["current"]
    assert (current["actions"], current["playbook_id"], current["playbook_name"]) == (
        ["notify", "playbook"], playbook.pk, "赤から立て直す",
    )  # fmt: skip
    listed = Api(world.csm).get("/rules").json()
    assert [r["current"]["playbook_name"] for r in listed] == ["赤から立て直す"]
    draft = api.send("post", "/rules/preview", {"trigger": "health_red", "actions": ["playbook"],
                                                "playbook_id": playbook.pk})  # fmt: skip
    assert draft.status_code == 200 and draft.json()["matching_today"] == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"actions": ["playbook"]}, "playbook"),
        ({"actions": ["task"], "playbook_id": "active"}, "playbook"),
        ({"actions": ["playbook"], "playbook_id": "inactive"}, "playbook"),
        ({"actions": ["playbook"], "playbook_id": 10**6}, "playbook"),
        ({"actions": ["playbook"], "playbook_id": 2**63}, "playbook_id"),
        ({"actions": ["playbook"], "playbook_id": 0}, "playbook_id"),
        ({"actions": ["playbook"], "playbook_id": "x"}, "playbook_id"),
    ],
)
def test_the_api_refuses_a_bad_playbook_with_a_400(
    world: World, playbook: Playbook, inactive: Playbook, overrides: dict[str, Any], field: str
) -> None:
    ids = {"active": playbook.pk, "inactive": inactive.pk}
    if "playbook_id" in overrides:
        value = overrides["playbook_id"]
        overrides = {**overrides, "playbook_id": ids.get(value, value)}
    response = Api(world.admin).send(
        "post", "/rules", {"name": "赤", "trigger": "health_red", **overrides}
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and field in error["fields"], error
    assert not Rule.objects.exists()


# --- carrying it out ---------------------------------------------------------------------


def test_a_firing_starts_the_playbook_once_and_a_rerun_starts_nothing(
    world: World, playbook: Playbook
) -> None:
    # given: a red account owned by the CSM, a rule that opens a task and starts the playbook
    day = tenant_today()
    red(world.account, day)
    rule = playbook_rule(world, playbook, "task", "playbook")
    # when: the day is evaluated and carried out
    assert rules_evaluate(day=day).firings == 1
    assert firings_act() == (1, 0)
    # then: one run started by the rule, its two tasks for the owner, and the rule's own task
    run = PlaybookRun.objects.get()
    firing = Firing.objects.get()
    assert firing.playbook_run_id == run.pk and firing.acted_at is not None
    assert (run.playbook_id, run.account_id, run.started_by_id, run.started_by_rule_id) == (
        playbook.pk, world.account.pk, None, rule.pk,
    )  # fmt: skip
    assert run.state == RunState.RUNNING
    assert sorted(Task.objects.values_list("origin", "owner_id", "title")) == [
        (TaskOrigin.PLAYBOOK, world.csm.pk, "改善プランを送る"),
        (TaskOrigin.PLAYBOOK, world.csm.pk, "電話で状況を確認"),
        (TaskOrigin.RULE, world.csm.pk, "赤になったら立て直す"),
    ]
    # when: the day again (a rerun after a kill), and acting again
    again = rules_evaluate(day=day)
    assert firings_act() == (0, 0)
    # then: the same decision (the run the day's own firing started does not hold it back)
    assert again.firings == 1 and again.skipped == {}
    assert (PlaybookRun.objects.count(), Task.objects.count()) == (1, 3)


def test_an_unmarked_firing_acted_on_again_finds_the_running_run(
    world: World, playbook: Playbook
) -> None:
    # given: a firing carried out, then its mark lost (as if its transaction had been killed
    # after the playbook started, which one transaction makes impossible: the strongest case)
    day = tenant_today()
    red(world.account, day)
    playbook_rule(world, playbook)
    rules_evaluate(day=day)
    firings_act()
    Firing.objects.update(acted_at=None, playbook_run=None)
    # when
    assert firings_act() == (1, 0)
    # then: the running run is found, nothing new is started
    run = PlaybookRun.objects.get()
    assert Firing.objects.get().playbook_run_id == run.pk
    assert Task.objects.count() == 2


def test_a_running_run_holds_the_rule_back_until_it_ends(world: World, playbook: Playbook) -> None:
    # given: the playbook started by hand on the account yesterday... (a running run)
    day = tenant_today()
    from kizuna.apps.playbooks.services import playbook_start

    run, _created = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    for offset in (0, 1):
        red(world.account, day + dt.timedelta(days=offset))
    rule = playbook_rule(world, playbook, "playbook", "notify")
    # when: the rule is evaluated while it runs
    first = rules_evaluate(day=day)
    # then: skipped as a dedup: no firing, no alert, no second run
    assert first.firings == 0
    assert first.skipped == {str(rule.pk): {"playbook_running": 1}}
    assert firings_act() == (0, 0)
    assert (PlaybookRun.objects.count(), Notification.objects.count()) == (1, 0)
    # when: the run is cancelled, the next day
    playbook_run_cancel(actor=world.csm, run=run)
    second = rules_evaluate(day=day + dt.timedelta(days=1))
    assert second.firings == 1
    assert firings_act() == (1, 0)
    # then: a new run, started by the rule
    assert list(PlaybookRun.objects.order_by("pk").values_list("state", "started_by_rule_id")) == [
        (RunState.CANCELLED, None), (RunState.RUNNING, rule.pk),
    ]  # fmt: skip


def test_another_rules_run_of_the_same_playbook_is_found_not_doubled(
    world: World, playbook: Playbook
) -> None:
    # given: two rules starting the same playbook, both firing on the account the same day
    day = tenant_today()
    red(world.account, day)
    first = playbook_rule(world, playbook)
    second = playbook_rule(world, playbook)
    # when
    assert rules_evaluate(day=day).firings == 2
    assert firings_act() == (2, 0)
    # then: one run (the first rule's), which both firings point at
    run = PlaybookRun.objects.get()
    assert run.started_by_rule_id == first.pk
    assert dict(Firing.objects.values_list("rule_id", "playbook_run_id")) == {
        first.pk: run.pk, second.pk: run.pk,
    }  # fmt: skip


def test_nobody_to_own_the_tasks_starts_no_run_but_the_firing_is_done(
    world: World, playbook: Playbook, caplog: pytest.LogCaptureFixture
) -> None:
    # given: an account without owner in no team (nobody can own its tasks), and one without
    # owner in the manager's team
    day = tenant_today()
    orphan = AccountFactory(owner=None, team=None)
    managed = AccountFactory(owner=None, team=world.strategic)
    for account in (orphan, managed):
        red(account, day)
    playbook_rule(world, playbook, "playbook", "webhook")
    # when
    rules_evaluate(day=day)
    assert firings_act() == (2, 0)
    # then: the managed account's run goes to the team's manager; the orphan gets no run,
    # its firing is marked done (not retried every minute), and the refusal is logged
    run = PlaybookRun.objects.get()
    assert run.account_id == managed.pk
    assert set(Task.objects.values_list("owner_id", flat=True)) == {world.manager.pk}
    orphan_firing = Firing.objects.get(account=orphan)
    assert orphan_firing.playbook_run_id is None and orphan_firing.acted_at is not None
    assert f"firing {orphan_firing.pk} started no playbook {playbook.pk}: no_owner" in caplog.text


def test_a_playbook_made_inactive_later_is_skipped_and_the_other_actions_go_ahead(
    world: World, playbook: Playbook, caplog: pytest.LogCaptureFixture
) -> None:
    day = tenant_today()
    red(world.account, day)
    playbook_rule(world, playbook, "task", "playbook")
    playbook_update(actor=world.admin, playbook=playbook, name=playbook.name, active=False,
                    steps=STEPS)  # fmt: skip
    rules_evaluate(day=day)
    assert firings_act() == (1, 0)
    assert not PlaybookRun.objects.exists()
    assert list(Task.objects.values_list("origin", flat=True)) == [TaskOrigin.RULE]
    assert "started no playbook" in caplog.text and "inactive" in caplog.text

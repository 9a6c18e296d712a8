"""Running the rules: a day's evaluation recorded as firings, carried out as tasks, alerts and
webhooks; repeated, it changes nothing; the next day, the open task holds the rule back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kizuna.apps.customers.models import Account
from kizuna.apps.health.models import HealthScore, ScoreModelVersion
from kizuna.apps.health.services import score_models_ensure_defaults
from kizuna.apps.notify.models import Delivery as NotifyDelivery
from kizuna.apps.notify.models import Notification
from kizuna.apps.notify.services import webhook_endpoint_create
from kizuna.apps.rules import services
from kizuna.apps.rules.evaluation import firings_act, reason_text, rules_evaluate
from kizuna.apps.rules.models import EvaluationRun, Firing, Rule
from kizuna.apps.tasks.models import Task, TaskState
from kizuna.apps.tasks.services import task_complete
from kizuna.apps.tenant.selectors import tenant_today
from tests.factories import AccountFactory, World

pytestmark = pytest.mark.django_db


def red(account: Account, day: dt.date) -> None:
    score_models_ensure_defaults()
    model = ScoreModelVersion.objects.filter(name="adoption").first()
    HealthScore.objects.create(account=account, day=day, model=model, score=10, grade=1, rag="red")


def enabled_rule(world: World, **data: object) -> Rule:
    rule = services.rule_create(
        actor=world.admin,
        name="ヘルスが赤になった顧客",
        data={"trigger": "health_red", "actions": ["task", "notify", "webhook"], **data},
    )
    return services.rule_enable(actor=world.admin, rule=rule)


def test_a_firing_opens_one_task_one_alert_one_webhook_and_a_rerun_adds_nothing(
    world: World,
) -> None:
    # given: a red account owned by the CSM, an enabled rule, an endpoint for rule.fired
    day = tenant_today()
    red(world.account, day)
    rule = enabled_rule(world, priority=3)
    webhook_endpoint_create(url="http://127.0.0.1:9/hook", event_types=["rule.fired"], by=None)
    # when: the day is evaluated and carried out
    run = rules_evaluate(day=day)
    assert firings_act() == (1, 0)
    # then: one firing, one task for the owner with the reason and evidence, one alert, one
    # webhook delivery
    assert run.firings == 1 and run.skipped == {}
    firing = Firing.objects.get()
    assert (firing.rule_id, firing.account_id, firing.day, firing.owner_id) == (
        rule.pk, world.account.pk, day, world.csm.pk,
    )  # fmt: skip
    task = Task.objects.get()
    assert firing.task_id == task.pk and firing.acted_at is not None
    assert (task.owner_id, task.title, task.priority, task.origin, task.origin_id) == (
        world.csm.pk, "ヘルスが赤になった顧客", "high", "rule", rule.pk,
    )  # fmt: skip
    assert (
        task.reason == "ヘルスが赤に"
        and task.dedup_key == f"rule:{rule.pk}:account:{world.account.pk}"
    )
    assert task.evidence_url == f"/accounts/{world.account.pk}/#health"
    note = Notification.objects.get()
    assert note.member_id == world.csm.pk and note.link == f"/tasks/{task.pk}/"
    hooks = NotifyDelivery.objects.filter(event_type="rule.fired")
    assert hooks.count() == 1
    assert hooks.get().payload["data"]["rule"] == {"id": rule.pk, "name": rule.name, "version": 1}
    # when: the same day is evaluated and carried out again (a rerun after a kill)
    again = rules_evaluate(day=day)
    assert firings_act() == (0, 0)
    # then: the same decision, nothing more written
    assert again.firings == 1 and EvaluationRun.objects.count() == 1
    assert (Firing.objects.count(), Task.objects.count(), Notification.objects.count()) == (1, 1, 1)
    assert hooks.count() == 1


def test_the_next_day_the_open_task_holds_the_rule_back_and_once_done_the_cool_down(
    world: World,
) -> None:
    day = tenant_today()
    for offset in range(0, 3):
        red(world.account, day + dt.timedelta(days=offset))
    rule = enabled_rule(world, cooldown_days=2)
    rules_evaluate(day=day)
    firings_act()
    # the next day: still red, the task still open
    second = rules_evaluate(day=day + dt.timedelta(days=1))
    assert second.firings == 0 and second.skipped == {str(rule.pk): {"cooling_down": 1}}
    # the task is done; two days after the first firing the cool-down is over
    task_complete(actor=world.csm, task=Task.objects.get(), outcome="contacted")
    third = rules_evaluate(day=day + dt.timedelta(days=2))
    assert third.firings == 1
    firings_act()
    assert Task.objects.filter(state=TaskState.OPEN).count() == 1
    assert Task.objects.count() == 2


def test_disabled_rules_and_no_rules_fire_nothing(world: World) -> None:
    day = tenant_today()
    red(world.account, day)
    run = rules_evaluate(day=day)
    assert run.firings == 0 and not Firing.objects.exists()
    rule = enabled_rule(world)
    services.rule_disable(actor=world.admin, rule=rule)
    assert rules_evaluate(day=day).firings == 0


def test_an_account_without_owner_goes_to_its_team_manager_or_gets_no_task(world: World) -> None:
    day = tenant_today()
    managed = AccountFactory(owner=None, team=world.strategic)
    orphan = AccountFactory(owner=None, team=None)
    for account in (managed, orphan):
        red(account, day)
    enabled_rule(world, actions=["task", "notify"])
    rules_evaluate(day=day)
    assert firings_act() == (2, 0)
    assert list(Task.objects.values_list("account_id", "owner_id")) == [
        (managed.pk, world.manager.pk)
    ]
    assert Firing.objects.get(account=orphan).task_id is None
    # an unowned account interrupts nobody (the engine's Delivery.NONE): no alert either
    assert not Notification.objects.exists()


def test_the_budget_sends_the_rest_to_the_digest(world: World) -> None:
    day = tenant_today()
    accounts = [AccountFactory(owner=world.csm, team=world.strategic) for _ in range(3)]
    for account in accounts:
        red(account, day)
    services.alert_settings_update(actor=world.admin, weekly_budget=2, digest_time=dt.time(8, 30))
    enabled_rule(world, actions=["notify"])
    rules_evaluate(day=day)
    firings_act()
    deliveries = sorted(Firing.objects.values_list("account_id", "delivery"))
    assert deliveries == [
        (accounts[0].pk, "immediate"), (accounts[1].pk, "immediate"), (accounts[2].pk, "digest"),
    ]  # fmt: skip
    # all three in the app; the one past the budget marked as held for the digest
    held = dict(Notification.objects.values_list("account_id", "held_for_digest"))
    assert held == {accounts[0].pk: False, accounts[1].pk: False, accounts[2].pk: True}
    assert not Task.objects.exists()


def test_the_evaluation_reads_in_a_bounded_number_of_queries(world: World) -> None:
    day = tenant_today()
    for _ in range(20):
        red(AccountFactory(owner=world.csm, team=world.strategic), day)
    enabled_rule(world, actions=["task"])
    with CaptureQueriesContext(connection) as queries:
        run = rules_evaluate(day=day)
    assert run.firings == 20
    assert len(queries) < 30


def test_reasons_in_both_languages() -> None:
    from django.utils import translation

    with translation.override("ja"):
        assert reason_text("renewal_due", 30) == "30日後に更新"
        assert reason_text("mrr_contraction", 2**63 - 1) == "MRRが月9,223,372,036,854,775,807減少"
        assert reason_text("usage_drop", None) == "利用量の急減"
    with translation.override("en"):
        assert reason_text("health_fell", 2) == "Health fell by 2 grade(s)"
        assert reason_text("setup_not_done", 0) == "Setup not done 0 days after the hand-over"


def test_hostile_rows_never_stop_the_run(world: World) -> None:
    from kizuna.apps.org.models import Role
    from tests.factories import SubscriptionLineFactory, UserFactory

    day = tenant_today()
    # an owner who left, an owner who is a viewer, a renewal in the year 9999, an account
    # deleted between the evaluation and the carrying out
    left = UserFactory(username="left", role="csm", team=world.strategic, is_active=False)
    viewer = UserFactory(username="watcher", role=Role.VIEWER, team=world.strategic)
    accounts = [AccountFactory(owner=owner, team=world.strategic) for owner in (left, viewer)]
    gone = AccountFactory(owner=world.csm, team=world.strategic)
    for account in (*accounts, gone):
        red(account, day)
    SubscriptionLineFactory(account=world.account, start_date=day - dt.timedelta(days=10),
                            renewal_date=dt.date(9999, 12, 31))  # fmt: skip
    enabled_rule(world, actions=["task"])
    services.rule_enable(actor=world.admin, rule=services.rule_create(
        actor=world.admin, name="更新", data={"trigger": "renewal_due", "threshold": 3650,
                                              "actions": ["task"]}))  # fmt: skip
    run = rules_evaluate(day=day)
    gone.delete()
    acted, failed = firings_act()
    # then: the deleted account's firing went with it; the others went to the team's manager
    assert (run.firings, acted, failed) == (3, 2, 0)
    assert sorted(Task.objects.values_list("owner_id", flat=True)) == [world.manager.pk] * 2

"""A rule's record from its firings, their tasks and the accounts' lines afterwards; shown on
the rule's page (docs/metrics.md, "Rules")."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from kizuna.apps.customers.models import Account
from kizuna.apps.rules import services
from kizuna.apps.rules.models import Firing, Rule
from kizuna.apps.rules.record import lost_on, next_renewal, rule_outcomes, rule_record_of
from kizuna.apps.tasks.models import Task
from kizuna.apps.tasks.services import task_complete, task_create
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.calendar import add_years
from kizuna.core.rules.measure import Ratio
from tests.factories import AccountFactory, SubscriptionLineFactory, World

pytestmark = pytest.mark.django_db


def ago(days: int) -> dt.date:
    return tenant_today() - dt.timedelta(days=days)


def fire(rule: Rule, account: Account, day: dt.date, task: Task | None = None) -> Firing:
    return Firing.objects.create(
        rule=rule, rule_version=1, account=account, day=day, owner=account.owner, priority=2,
        delivery="immediate", task=task, acted_at=timezone.now(),
    )  # fmt: skip


@pytest.fixture
def rule(world: World) -> Rule:
    return services.rule_create(actor=world.admin, name="ヘルス赤", data={"trigger": "health_red"})


def test_precision_and_save_rate_from_tasks_and_lines(world: World, rule: Rule) -> None:
    # given: A fired 200 days ago, its task done 190 days ago, renewed 100 days ago and kept
    a = AccountFactory(owner=world.csm, team=world.strategic)
    SubscriptionLineFactory(account=a, start_date=ago(400), renewal_date=ago(100))
    task, _ = task_create(actor=world.csm, account=a, owner=world.csm, title="t",
                          due_date=tenant_today() + dt.timedelta(days=5))  # fmt: skip
    task_complete(actor=world.csm, task=task, outcome="saved")
    closed = timezone.now() - dt.timedelta(days=190)
    Task.objects.filter(pk=task.pk).update(
        closed_at=closed, first_action_at=closed, created_at=closed - dt.timedelta(hours=6)
    )
    fire(rule, a, ago(200), Task.objects.get(pk=task.pk))
    # B fired 200 days ago, nobody acted; its only line ended 30 days ago (170 days later)
    b = AccountFactory(owner=world.csm, team=world.strategic)
    SubscriptionLineFactory(account=b, start_date=ago(400), end_date=ago(30))
    fire(rule, b, ago(200))
    # C fired 10 days ago: not judged yet
    c = AccountFactory(owner=world.csm, team=world.strategic)
    SubscriptionLineFactory(account=c, start_date=ago(400))
    fire(rule, c, ago(10))
    # when
    record = rule_record_of(rule, as_of=tenant_today())
    # then
    assert (record.fired, record.acted_on, record.dismissed) == (3, 1, 0)
    assert record.precision == Ratio(1, 2)
    assert record.save_rate == Ratio(1, 1)
    assert record.median_first_action == dt.timedelta(hours=6)
    outcomes = {o.account_id: o for o in rule_outcomes(rule, as_of=tenant_today())}
    assert outcomes[b.pk].lost_on == ago(30) and outcomes[a.pk].lost_on is None
    assert outcomes[a.pk].renewal_on == ago(100) and outcomes[a.pk].retained is True


def test_the_rule_page_shows_the_record_in_japanese_and_english(world: World, rule: Rule) -> None:
    b = AccountFactory(owner=world.csm, team=world.strategic)
    SubscriptionLineFactory(account=b, start_date=ago(400), end_date=ago(30))
    fire(rule, b, ago(200))
    client = Client()
    client.force_login(world.manager)
    body = client.get(f"/rules/{rule.pk}/").content.decode()
    assert "このルールの成績" in body and "100% (1 / 1)" in body and "セーブ率" in body
    assert "— (0 / 0)" in body  # no save rate yet: never 0 %
    client.post("/i18n/setlang/", {"language": "en"})
    world.manager.language = "en"
    world.manager.save(update_fields=["language"])
    english = client.get(f"/rules/{rule.pk}/").content.decode()
    assert "How this rule did" in english and "Precision" in english


def test_lost_on_and_next_renewal() -> None:
    day = dt.date(2026, 6, 1)
    lines = [
        (dt.date(2026, 1, 1), dt.date(2026, 7, 1), 100, dt.date(2026, 12, 31), 1),
        (dt.date(2026, 1, 1), None, 50, None, 1),
        (dt.date(2026, 8, 1), None, 10, dt.date(2027, 8, 1), 1),
    ]
    assert lost_on(lines, day) == dt.date(2026, 7, 1)  # 150 → 50: a contraction
    assert lost_on(lines, dt.date(2026, 7, 1)) is None  # the rise on 8/1 is no loss
    assert next_renewal(lines, day) == dt.date(2026, 12, 31)
    assert next_renewal(lines, dt.date(2027, 8, 2)) is None
    assert lost_on([], day) is None and next_renewal([], day) is None


def test_past_renewals_are_the_term_boundaries_of_a_renewing_line() -> None:
    # a yearly line renewing on 1 August (next: 2027), one that ended on its boundary, a
    # monthly one (no renewal work), a two-year one
    kept = (dt.date(2024, 8, 1), None, 100, dt.date(2027, 8, 1), 12)
    ended = (dt.date(2025, 3, 1), dt.date(2026, 3, 1), 50, None, 12)
    monthly = (dt.date(2020, 1, 1), None, 10, None, 1)
    two_years = (dt.date(2025, 4, 1), None, 10, None, 24)
    assert next_renewal([kept], dt.date(2026, 6, 10)) == dt.date(2026, 8, 1)
    assert next_renewal([kept], dt.date(2026, 8, 1)) == dt.date(2026, 8, 1)  # on the day
    assert next_renewal([kept], dt.date(2026, 8, 2)) == dt.date(2027, 8, 1)
    assert next_renewal([kept], dt.date(2024, 8, 1)) == dt.date(2025, 8, 1)  # not its start
    assert next_renewal([ended], dt.date(2025, 12, 1)) == dt.date(2026, 3, 1)
    assert next_renewal([ended], dt.date(2026, 3, 2)) is None
    assert next_renewal([monthly], dt.date(2026, 6, 10)) is None
    assert next_renewal([two_years], dt.date(2026, 6, 10)) == dt.date(2027, 4, 1)
    # the calendar's ends are no error
    far = (dt.date(1, 1, 1), None, 1, dt.date(9999, 12, 1), 12)
    assert next_renewal([far], dt.date(9999, 6, 1)) == dt.date(9999, 12, 1)
    assert next_renewal([far], dt.date(1, 1, 1)) == dt.date(1, 12, 1)  # anchored on the renewal


def test_a_task_done_before_a_past_anniversary_is_judged_at_it(world: World, rule: Rule) -> None:
    # given: a yearly line started 500 days ago, next renewal in 230 days; its term boundary
    # 135 days ago came after the task was done 150 days ago, and the account kept its MRR
    a = AccountFactory(owner=world.csm, team=world.strategic)
    start = ago(500)
    SubscriptionLineFactory(
        account=a, start_date=start, renewal_date=add_years(start, 2), billing_period="annual"
    )
    task, _ = task_create(actor=world.csm, account=a, owner=world.csm, title="t",
                          due_date=tenant_today() + dt.timedelta(days=5))  # fmt: skip
    task_complete(actor=world.csm, task=task, outcome="saved")
    closed = timezone.now() - dt.timedelta(days=150)
    Task.objects.filter(pk=task.pk).update(closed_at=closed, created_at=closed)
    fire(rule, a, ago(160), Task.objects.get(pk=task.pk))
    # when
    (outcome,) = rule_outcomes(rule, as_of=tenant_today())
    # then: the renewal judged is that anniversary, and the account was retained
    assert outcome.renewal_on == add_years(start, 1) and outcome.retained is True
    assert rule_record_of(rule, as_of=tenant_today()).save_rate == Ratio(1, 1)


def test_firings_nobody_could_own_are_counted_and_explained(world: World) -> None:
    # given: a rule that opens tasks fired on an account nobody owns (no task), and a rule
    # that only notifies fired on the CSM's account (no task either, by design)
    tasks = services.rule_create(
        actor=world.admin, name="t", data={"trigger": "health_red", "actions": ["task"]}
    )
    alerts = services.rule_create(
        actor=world.admin, name="n", data={"trigger": "health_red", "actions": ["notify"]}
    )
    orphan = AccountFactory(owner=None, team=None)
    fire(tasks, orphan, ago(3))
    fire(alerts, world.account, ago(3))
    # when / then: only the first counts as "no one to own the task"
    assert rule_record_of(tasks, as_of=tenant_today()).unowned == 1
    assert rule_record_of(alerts, as_of=tenant_today()).unowned == 0
    client = Client()
    client.force_login(world.manager)
    body = client.get(f"/rules/{tasks.pk}/").content.decode()
    assert re.search(r"タスクの担当者なし</th><td class=\"num\">1</td>", body), body[-3000:]

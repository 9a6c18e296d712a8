"""The action layer on detractors: the ``nps_detractor`` signal while a follow-up waits for
its first contact, and an enabled rule opening one task (dedup, cool-down) that the
follow-up names."""

from __future__ import annotations

import datetime as dt

import pytest

from kizuna.apps.rules import services
from kizuna.apps.rules.evaluation import firings_act, reason_text, rules_evaluate
from kizuna.apps.rules.models import Firing, Rule
from kizuna.apps.rules.selectors import trigger_text
from kizuna.apps.rules.signals import signals_between
from kizuna.apps.rules.tasks import has_new_signals
from kizuna.apps.surveys.models import DetractorFollowUp
from kizuna.apps.tasks.models import Task
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.core.rules.model import TriggerKind
from tests.apps.surveys.followup_helpers import answer, followup_of
from tests.apps.surveys.helpers import survey_world
from tests.factories import World

pytestmark = pytest.mark.django_db

D = dt.date
K = TriggerKind.NPS_DETRACTOR


def tokyo(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC) - dt.timedelta(hours=9)


def got(start: dt.date, end: dt.date) -> list[tuple[dt.date, int | None]]:
    return [(s.day, s.value) for s in signals_between(start=start, end=end, kinds={K})]


def enabled_rule(world: World, **data: object) -> Rule:
    rule = services.rule_create(
        actor=world.admin,
        name="NPS批判者へのフォロー",
        data={"trigger": "nps_detractor", "actions": ["task"], **data},
    )
    return services.rule_enable(actor=world.admin, rule=rule)


def test_the_signal_holds_from_the_answer_day_until_the_first_contact(world: World) -> None:
    survey = survey_world(world)
    # answered on Saturday 2026-05-02 00:30 in Tokyo (still 5/1 in UTC)
    row = answer(survey, 4, when=tokyo(D(2026, 5, 2), 0) + dt.timedelta(minutes=30))
    followup = followup_of(row)
    assert got(D(2026, 5, 1), D(2026, 5, 4)) == [
        (D(2026, 5, 2), 4), (D(2026, 5, 3), 4), (D(2026, 5, 4), 4),
    ]  # fmt: skip
    signal = signals_between(start=D(2026, 5, 2), end=D(2026, 5, 2), kinds={K})[0]
    assert (signal.account_id, signal.evidence) == (
        survey.account.pk,
        f"/surveys/answers/{row.pk}/",
    )
    # first contact on 5/7 at 09:00 Tokyo: the signal ends on 5/6
    DetractorFollowUp.objects.filter(pk=followup.pk).update(
        status="contacted", first_contact_at=tokyo(D(2026, 5, 7), 9)
    )
    assert got(D(2026, 5, 5), D(2026, 5, 9)) == [(D(2026, 5, 5), 4), (D(2026, 5, 6), 4)]
    # a withdrawn or a resolved one, ended before the range, gives nothing
    assert got(D(2026, 5, 8), D(2026, 5, 9)) == []
    assert got(D(9999, 12, 30), D(9999, 12, 31)) == []
    assert got(D(1, 1, 1), D(1, 1, 2)) == []


def test_a_withdrawn_follow_up_stops_its_signal(world: World) -> None:
    survey = survey_world(world)
    followup = followup_of(answer(survey, 4, when=tokyo(D(2026, 5, 7), 10)))
    DetractorFollowUp.objects.filter(pk=followup.pk).update(withdrawn_at=tokyo(D(2026, 5, 8), 12))
    assert got(D(2026, 5, 6), D(2026, 5, 10)) == [(D(2026, 5, 7), 4)]


def test_an_enabled_rule_opens_one_task_that_the_follow_up_names(world: World) -> None:
    # given: two detractor answers of the account today, an enabled rule on detractors
    survey = survey_world(world)
    today = tenant_today()
    first = followup_of(answer(survey, 5, when=tokyo(today, 0)))
    second = followup_of(answer(survey, 2, when=tokyo(today, 0)))
    rule = enabled_rule(world, priority=3, due_in_business_days=2)
    # when: today is evaluated and carried out, then again
    run = rules_evaluate(day=today)
    assert firings_act() == (1, 0)
    assert (rules_evaluate(day=today).firings, firings_act()) == (1, (0, 0))
    # then: one firing on the lowest score, one task for the owner, named by both follow-ups
    firing = Firing.objects.get()
    assert (run.firings, firing.rule_id, firing.value, firing.owner_id) == (
        1, rule.pk, 2, world.csm.pk,
    )  # fmt: skip
    task = Task.objects.get()
    assert (task.owner, task.account, task.origin, task.dedup_key) == (
        world.csm, survey.account, "rule", f"rule:{rule.pk}:account:{survey.account.pk}",
    )  # fmt: skip
    assert task.reason_shown == "NPS批判者: 2点"
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.task, second.task) == (task, task)


def test_a_threshold_takes_only_the_lowest_scores(world: World) -> None:
    survey = survey_world(world)
    today = tenant_today()
    answer(survey, 5, when=tokyo(today, 0))
    rule = enabled_rule(world, threshold=3)
    run = rules_evaluate(day=today)
    assert (run.firings, run.skipped) == (0, {str(rule.pk): {"below_threshold": 1}})
    assert trigger_text("nps_detractor", 3) == "NPS批判者（3点以下）に未連絡"
    assert reason_text("nps_detractor", 0) == "NPS批判者: 0点"


def test_a_new_follow_up_after_the_days_evaluation_asks_for_a_reevaluation(world: World) -> None:
    survey = survey_world(world)
    today = tenant_today()
    rules_evaluate(day=today)
    assert has_new_signals() is False
    answer(survey, 1, when=tokyo(today, 0))
    assert has_new_signals() is True

"""Detractor follow-ups: one per NPS answer of 0–6 whatever its source, its SLA in business
days, a replaced answer read again, the first contact from a touchpoint or the task, resolving
by hand (who may), and the promoter's referral."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.surveys.answers import answers_import
from kizuna.apps.surveys.followups import (
    followup_mark_contacted,
    followup_resolve,
    followups_for_answers,
    followups_refresh,
    followups_sync,
    referral_suggest,
)
from kizuna.apps.surveys.models import (
    DetractorFollowUp,
    ReferralSuggestion,
    SurveyAnswer,
    SurveyInvitation,
)
from kizuna.apps.surveys.services import answer_through_link, invitations_create
from kizuna.apps.surveys.tasks import has_followup_work
from kizuna.apps.tasks.models import Task
from kizuna.apps.tasks.services import task_complete, task_create
from kizuna.apps.tenant.models import TenantSettings
from tests.apps.surveys.followup_helpers import BEFORE_GW, answer, followup_of
from tests.apps.surveys.helpers import DUE, Survey, survey_world
from tests.factories import TouchpointFactory, World

pytestmark = pytest.mark.django_db

D = dt.date


def sent_invitation(survey: Survey) -> SurveyInvitation:
    invitations_create(today=DUE, now=dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC))
    invitation = SurveyInvitation.objects.get(contact=survey.decision_maker)
    now = timezone.now()
    SurveyInvitation.objects.filter(pk=invitation.pk).update(
        status="sent", sent_at=now, expires_at=now + dt.timedelta(days=14)
    )
    invitation.refresh_from_db()
    return invitation


# --- one follow-up per detractor answer, whatever its source --------------------------------


def test_a_detractor_through_the_link_gets_a_follow_up_due_after_golden_week(
    world: World,
) -> None:
    # given: the decision maker's sent invitation
    survey = survey_world(world)
    invitation = sent_invitation(survey)
    # when: they answer 6 on Thursday 2026-04-30 (Tokyo)
    row = answer_through_link(invitation=invitation, score=6, comment="遅い", now=BEFORE_GW)
    # then: one follow-up for the account's owner, due two business days later: 5/7
    followup = followup_of(row)
    assert (followup.account, followup.owner, followup.score, followup.status) == (
        survey.account,
        world.csm,
        6,
        "new",
    )
    assert (followup.answered_at, followup.sla_due_on) == (BEFORE_GW, D(2026, 5, 7))
    assert followup.task is None and followup.first_contact_at is None


def test_a_passive_and_a_promoter_and_a_csat_answer_get_none(world: World) -> None:
    survey = survey_world(world)
    answer(survey, 7)
    answer(survey, 10)
    survey.program.kind = "csat"
    survey.program.save()
    answer(survey, 1)  # a CSAT 1 is not an NPS detractor
    assert DetractorFollowUp.objects.count() == 0


def test_a_detractor_from_the_import_and_from_the_api_get_one_each(world: World) -> None:
    survey = survey_world(world)
    data = (
        "email,score,comment,answered_at,program,external_id\n"
        "sato@example.jp,0,解約を検討,2026-12-28T10:00:00,,T-1\n"
        "suzuki@example.jp,9,,2026-12-28T10:00:00,,T-2\n"
    ).encode()
    result = answers_import(data=data, today=D(2026, 12, 28))
    assert result.created == 2
    imported = SurveyAnswer.objects.get(external_id="T-1")
    # New Year: 12/29–1/3 closed, so two business days after Monday 12/28 is 2027-01-05
    assert followup_of(imported).sla_due_on == D(2027, 1, 5)
    _token, raw = api_token_create(user=world.admin, name="test")
    response = Client().post(
        "/api/v1/surveys/answers",
        json.dumps(
            {"contact_id": survey.admin.pk, "score": 3, "answered_at": "2026-11-27T09:00:00+09:00"}
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201, response.content
    posted = followup_of(SurveyAnswer.objects.get(pk=response.json()["id"]))
    assert (posted.score, posted.sla_due_on) == (3, D(2026, 12, 1))  # Friday + 2
    assert DetractorFollowUp.objects.count() == 2


def test_a_company_working_through_new_year_counts_those_days(world: World) -> None:
    survey = survey_world(world)
    TenantSettings.objects.filter(pk=1).update(year_end_closure=False)
    row = answer(survey, 2, when=dt.datetime(2026, 12, 28, 1, 0, tzinfo=dt.UTC))
    assert followup_of(row).sla_due_on == D(2026, 12, 30)


def test_the_program_sets_the_business_days(world: World) -> None:
    survey = survey_world(world)
    survey.program.detractor_sla_days = 0
    survey.program.save()
    saturday = dt.datetime(2026, 5, 2, 1, 0, tzinfo=dt.UTC)
    assert followup_of(answer(survey, 5, when=saturday)).sla_due_on == D(2026, 5, 7)


def test_hostile_answers_year_9999_and_out_of_range_scores(world: World) -> None:
    survey = survey_world(world)
    # an answer dated 9999-12-31 23:00 UTC (the year 10000 in Tokyo): a follow-up, no due day
    far = answer(survey, 1, when=dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC))
    assert (followup_of(far).sla_due_on, followup_of(far).score) == (None, 1)
    # a score out of any range or null through the API: refused, no follow-up
    _token, raw = api_token_create(user=world.admin, name="test")
    headers = {"Authorization": f"Bearer {raw}"}
    for score, status in ((None, 400), (2**40, 400), (32767, 400), (-1, 400)):
        response = Client().post(
            "/api/v1/surveys/answers",
            json.dumps({"contact_id": survey.admin.pk, "score": score}),
            content_type="application/json",
            headers=headers,
        )
        assert response.status_code == status, (score, response.content)
    assert DetractorFollowUp.objects.count() == 1
    # ids of nothing, and a follow-up service fed an empty list, write nothing
    assert followups_for_answers(answer_ids=[]) == (0, 0)
    assert followups_for_answers(answer_ids=[2**62]) == (0, 0)


# --- idempotent, and a concurrent duplicate ---------------------------------------------------


def test_saving_twice_opens_one_follow_up(world: World) -> None:
    survey = survey_world(world)
    row = answer(survey, 4)
    assert followups_for_answers(answer_ids=[row.pk, row.pk]) == (0, 0)
    assert followups_sync() == (0, 0)
    assert DetractorFollowUp.objects.filter(answer=row).count() == 1


def test_a_concurrent_duplicate_is_refused_by_the_database_and_ignored_by_the_service(
    world: World,
) -> None:
    survey = survey_world(world)
    row = answer(survey, 4)
    held = followup_of(row)
    # a second insert of the same answer's follow-up (another worker) fails at the database
    with pytest.raises(IntegrityError), transaction.atomic():
        DetractorFollowUp.objects.create(
            answer=row, account=survey.account, score=4, answered_at=row.answered_at
        )
    # the service's insert ignores the row another worker wrote meanwhile
    DetractorFollowUp.objects.filter(pk=held.pk).delete()
    DetractorFollowUp.objects.create(
        answer=row, account=survey.account, score=4, answered_at=row.answered_at
    )
    assert followups_for_answers(answer_ids=[row.pk]) == (0, 0)
    assert DetractorFollowUp.objects.filter(answer=row).count() == 1


def test_an_answer_written_past_the_services_is_caught_by_the_minute_job(world: World) -> None:
    survey = survey_world(world)
    row = SurveyAnswer.objects.create(
        program=survey.program, kind="nps", account=survey.account, score=5,
        answered_at=BEFORE_GW,
    )  # fmt: skip
    assert has_followup_work() is True
    assert followups_sync() == (1, 0)
    assert followup_of(row).sla_due_on == D(2026, 5, 7)
    assert has_followup_work() is False


# --- a replaced answer --------------------------------------------------------------------


def test_a_replaced_answer_is_read_again(world: World) -> None:
    survey = survey_world(world)
    invitation = sent_invitation(survey)
    row = answer_through_link(invitation=invitation, score=3, comment="", now=BEFORE_GW)
    later = BEFORE_GW + dt.timedelta(days=2)
    # still a detractor: the same follow-up, the new score, the first SLA kept
    answer_through_link(invitation=invitation, score=5, comment="", now=later)
    followup = followup_of(row)
    assert (followup.score, followup.sla_due_on, followup.withdrawn_at) == (
        5,
        D(2026, 5, 7),
        None,
    )
    # no longer a detractor: withdrawn (kept, marked), off the list
    answer_through_link(invitation=invitation, score=9, comment="", now=later)
    followup.refresh_from_db()
    assert (followup.score, followup.status, followup.withdrawn_at is not None) == (9, "new", True)
    # a detractor again: back
    answer_through_link(invitation=invitation, score=0, comment="", now=later)
    followup.refresh_from_db()
    assert (followup.score, followup.withdrawn_at) == (0, None)
    assert DetractorFollowUp.objects.count() == 1


def test_a_promoter_replaced_by_a_detractor_opens_a_follow_up(world: World) -> None:
    survey = survey_world(world)
    invitation = sent_invitation(survey)
    row = answer_through_link(invitation=invitation, score=10, comment="", now=BEFORE_GW)
    assert not DetractorFollowUp.objects.exists()
    answer_through_link(invitation=invitation, score=6, comment="", now=BEFORE_GW)
    assert followup_of(row).score == 6


# --- first contact --------------------------------------------------------------------------


def test_the_first_touchpoint_after_the_answer_marks_it_contacted(world: World) -> None:
    survey = survey_world(world)
    row = answer(survey, 2)
    followup = followup_of(row)
    # a meeting before the answer, a webinar and an internal note after it: no contact
    TouchpointFactory(
        account=survey.account, csm=world.csm, occurred_at=BEFORE_GW - dt.timedelta(hours=1)
    )
    TouchpointFactory(
        account=survey.account,
        csm=world.csm,
        kind="webinar",
        occurred_at=BEFORE_GW + dt.timedelta(hours=1),
    )
    TouchpointFactory(
        account=survey.account,
        csm=world.csm,
        kind="note",
        occurred_at=BEFORE_GW + dt.timedelta(hours=2),
    )
    TouchpointFactory(
        account=world.other_account,
        csm=world.outsider,
        kind="call",
        occurred_at=BEFORE_GW + dt.timedelta(hours=2),
    )
    assert followups_refresh() == 0
    # a call 5 hours after and an e-mail 3 hours after: the e-mail is the first contact
    TouchpointFactory(
        account=survey.account,
        csm=world.csm,
        kind="call",
        occurred_at=BEFORE_GW + dt.timedelta(hours=5),
    )
    first = TouchpointFactory(
        account=survey.account,
        csm=world.csm,
        kind="email",
        occurred_at=BEFORE_GW + dt.timedelta(hours=3),
    )
    assert has_followup_work() is True
    assert followups_refresh() == 1
    followup.refresh_from_db()
    assert (followup.status, followup.first_contact_at, followup.first_contact_via) == (
        "contacted",
        BEFORE_GW + dt.timedelta(hours=3),
        "touchpoint",
    )
    assert (followup.touchpoint, followup.hours_to_first_contact) == (first, 3.0)
    # a second refresh changes nothing
    assert followups_refresh() == 0
    assert has_followup_work() is False


def test_a_touchpoint_in_the_future_is_not_a_contact_yet(world: World) -> None:
    survey = survey_world(world)
    answer(survey, 2)
    TouchpointFactory(
        account=survey.account, csm=world.csm, occurred_at=timezone.now() + dt.timedelta(days=3)
    )
    assert followups_refresh() == 0


def test_its_task_closed_as_contacted_marks_it_contacted(world: World) -> None:
    survey = survey_world(world)
    followup = followup_of(answer(survey, 2))
    task, _created = task_create(
        actor=None, account=survey.account, owner=world.csm, title="批判者フォロー",
        due_date=D(2026, 5, 7),
    )  # fmt: skip
    DetractorFollowUp.objects.filter(pk=followup.pk).update(task=task)
    task_complete(actor=world.csm, task=task, outcome="no_risk")
    assert followups_refresh() == 0  # another outcome is not a contact
    task.refresh_from_db()
    again = Task.objects.create(
        account=survey.account, owner=world.csm, title="x", due_date=D(2026, 5, 7),
        state="done", outcome="contacted", closed_at=BEFORE_GW + dt.timedelta(hours=30),
    )  # fmt: skip
    DetractorFollowUp.objects.filter(pk=followup.pk).update(task=again)
    assert followups_refresh() == 1
    followup.refresh_from_db()
    assert (followup.status, followup.first_contact_via, followup.hours_to_first_contact) == (
        "contacted",
        "task",
        30.0,
    )


# --- by hand: who may ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("csm", True),
        ("manager", True),
        ("admin", True),
        ("teammate", False),
        ("outsider", False),
        ("viewer", False),
    ],
)
def test_who_may_resolve(world: World, who: str, allowed: bool) -> None:
    survey = survey_world(world)
    followup = followup_of(answer(survey, 1))
    actor: User = getattr(world, who)
    if not allowed:
        with pytest.raises(PermissionDenied):
            followup_resolve(actor=actor, followup=followup, note="電話で謝罪し改善策を合意")
        assert followup_of(followup.answer).status == "new"
        return
    done = followup_resolve(actor=actor, followup=followup, note="  電話で謝罪し改善策を合意 ")
    assert (done.status, done.resolved_by, done.resolution_note) == (
        "resolved",
        actor,
        "電話で謝罪し改善策を合意",
    )
    event = AuditEvent.objects.filter(entity_id=str(done.pk)).latest("at")
    assert event.changes["status"] == ["new", "resolved"]


def test_resolving_needs_a_note_and_happens_once(world: World) -> None:
    survey = survey_world(world)
    followup = followup_of(answer(survey, 1))
    for bad in ("", "   ", "x\x00y", "長" * 2001):
        with pytest.raises(ValidationError):
            followup_resolve(actor=world.csm, followup=followup, note=bad)
    followup_resolve(actor=world.csm, followup=followup, note="対応済み")
    with pytest.raises(ValidationError):
        followup_resolve(actor=world.manager, followup=followup, note="再度")
    with pytest.raises(ValidationError):
        followup_mark_contacted(actor=world.csm, followup=followup)


def test_marking_contacted_by_hand(world: World) -> None:
    survey = survey_world(world)
    followup = followup_of(answer(survey, 1))
    with pytest.raises(PermissionDenied):
        followup_mark_contacted(actor=world.teammate, followup=followup)
    now = BEFORE_GW + dt.timedelta(hours=7)
    done = followup_mark_contacted(actor=world.csm, followup=followup, now=now)
    assert (done.status, done.first_contact_via, done.hours_to_first_contact) == (
        "contacted",
        "manual",
        7.0,
    )


# --- promoters ---------------------------------------------------------------------------


def test_a_promoter_is_suggested_for_a_referral_once(world: World) -> None:
    survey = survey_world(world)
    promoter = answer(survey, 9, comment="とても便利")
    with pytest.raises(PermissionDenied):
        referral_suggest(actor=world.viewer, answer=promoter)
    suggestion, created = referral_suggest(actor=world.teammate, answer=promoter, note="導入事例に")
    assert (created, suggestion.account, suggestion.suggested_by, suggestion.note) == (
        True,
        survey.account,
        world.teammate,
        "導入事例に",
    )
    again, created = referral_suggest(actor=world.csm, answer=promoter)
    assert (again, created) == (suggestion, False)
    assert ReferralSuggestion.objects.count() == 1
    with pytest.raises(ValidationError):
        referral_suggest(actor=world.csm, answer=answer(survey, 8))

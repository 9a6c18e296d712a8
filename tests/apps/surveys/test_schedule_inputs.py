"""The database → core adapter: touchpoints by their company day, onboardings by their
completion day, recurring lines, and the contacts met at a touchpoint."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kizuna.apps.onboarding.models import Onboarding
from kizuna.apps.surveys.models import SurveyInvitation, SurveyProgram, SurveySchedule
from kizuna.apps.surveys.services import invitations_create
from tests.apps.onboarding.conftest import template
from tests.apps.surveys.helpers import DUE, MORNING, survey_world
from tests.factories import TouchpointFactory, World

__all__ = ["template"]
pytestmark = pytest.mark.django_db


def only(program: SurveyProgram, trigger: str, **kw: Any) -> SurveySchedule:
    program.schedules.all().delete()
    return SurveySchedule.objects.create(program=program, trigger=trigger, **kw)


def test_a_touchpoint_late_in_the_company_evening_counts_for_its_company_day(
    world: World,
) -> None:
    survey = survey_world(world)
    schedule = only(survey.program, "touchpoint", offset_days=1, touchpoint_kind="meeting")
    # 2026-03-01 23:30 in Tokyo is 14:30 UTC the same day; 2026-03-02 00:30 Tokyo is the 1st
    # in UTC but the 2nd in Tokyo (due the 3rd)
    met = TouchpointFactory(
        account=survey.account, csm=world.csm,
        occurred_at=dt.datetime(2026, 3, 1, 14, 30, tzinfo=dt.UTC),
    )  # fmt: skip
    met.contacts.add(survey.admin, survey.user)
    TouchpointFactory(
        account=survey.account, csm=world.csm,
        occurred_at=dt.datetime(2026, 3, 1, 15, 30, tzinfo=dt.UTC),
    )  # fmt: skip
    invitations_create(today=DUE, now=MORNING, catch_up_days=0)
    rows = SurveyInvitation.objects.values_list("schedule_id", "contact_id", "line_id", "due_on")
    # the admin met (the user met is not a role asked; the decision maker was not there)
    assert list(rows) == [(schedule.pk, survey.admin.pk, None, DUE)]


def test_an_onboarding_completed_a_week_ago(world: World, template: Any) -> None:
    survey = survey_world(world)
    schedule = only(survey.program, "onboarding_done", offset_days=7)
    Onboarding.objects.create(
        account=survey.account, product=world.product, template=template, line=survey.line,
        started_on=DUE - dt.timedelta(days=60), target_on=DUE, state="completed",
        state_since=DUE - dt.timedelta(days=7), completed_on=DUE - dt.timedelta(days=7),
    )  # fmt: skip
    invitations_create(today=DUE, now=MORNING, catch_up_days=0)
    rows = SurveyInvitation.objects.order_by("contact_id").values_list("schedule_id", "contact_id")
    assert list(rows) == [(schedule.pk, survey.decision_maker.pk), (schedule.pk, survey.admin.pk)]


def test_a_recurring_schedule_reads_lines_started_long_ago(world: World) -> None:
    survey = survey_world(world)
    schedule = only(survey.program, "recurring", offset_days=0, every_months=6)
    survey.line.start_date = dt.date(2024, 9, 2)  # 18 months before DUE
    survey.line.save()
    invitations_create(today=DUE, now=MORNING, catch_up_days=0)
    rows = SurveyInvitation.objects.values_list("schedule_id", "tenure_days", "status")
    assert sorted(rows) == [(schedule.pk, 546, "scheduled"), (schedule.pk, 546, "scheduled")]


def test_a_recurring_schedule_reads_only_the_lines_whose_anniversary_is_due(
    world: World,
) -> None:
    from kizuna.apps.surveys.selectors import schedule_inputs
    from tests.factories import SubscriptionLineFactory

    survey = survey_world(world)
    only(survey.program, "recurring", offset_days=0, every_months=1)
    survey.line.start_date = dt.date(2025, 12, 31)  # clamped: due on 2026-02-28
    survey.line.save()
    started = {
        day: SubscriptionLineFactory(
            account=survey.account, product=world.product, start_date=day
        ).pk
        for day in (
            dt.date(2026, 1, 28),  # due 2026-02-28
            dt.date(2026, 1, 29),  # due 2026-02-28 (clamped)
            dt.date(2020, 2, 29),  # 72 months later, clamped: due 2026-02-28
            dt.date(2026, 1, 27),  # due 2026-02-27: outside the window
            dt.date(2026, 2, 28),  # no whole month yet
        )
    }
    inputs = schedule_inputs(today=dt.date(2026, 2, 28), catch_up_days=0, time_zone="Asia/Tokyo")
    read = {row.line_id for row in inputs.lines}
    assert read == {
        survey.line.pk,
        started[dt.date(2026, 1, 28)],
        started[dt.date(2026, 1, 29)],
        started[dt.date(2020, 2, 29)],
    }

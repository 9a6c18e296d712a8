"""The survey program pages: every member reads, admins (CS ops) create and edit, each save
audited, validation errors in the member's language, the list as CSV."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.surveys.models import SurveyInvitation, SurveyProgram, SurveySchedule
from kizuna.apps.surveys.services import invitations_create
from tests.apps.surveys.helpers import DUE, MORNING, survey_world
from tests.factories import World

pytestmark = pytest.mark.django_db


def as_member(member: Any) -> Client:
    client = Client()
    client.force_login(member)
    return client


def program_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name_ja": "CSAT サポート",
        "name_en": "Support CSAT",
        "kind": "csat",
        "question_ja": "サポートの対応に満足しましたか？",
        "question_en": "How satisfied were you with our support?",
        "comment_prompt_ja": "",
        "comment_prompt_en": "",
        "contact_roles": ["admin", "user"],
        "throttle_days": "30",
        "quiet_start": "20",
        "quiet_end": "8",
        "link_valid_days": "7",
        "remind_after_days": "3",
        "active": "on",
        "schedules-TOTAL_FORMS": "2",
        "schedules-INITIAL_FORMS": "0",
        "schedules-MIN_NUM_FORMS": "0",
        "schedules-MAX_NUM_FORMS": "20",
        "schedules-0-trigger": "touchpoint",
        "schedules-0-offset_days": "1",
        "schedules-0-touchpoint_kind": "meeting",
        "schedules-0-active": "on",
        "schedules-1-trigger": "recurring",
        "schedules-1-offset_days": "0",
        "schedules-1-every_months": "6",
        "schedules-1-active": "on",
    }
    data.update(overrides)
    return data


def test_every_member_reads_the_list_and_only_admins_edit(world: World) -> None:
    survey = survey_world(world)
    body = as_member(world.csm).get("/surveys/programs/").content.decode()
    assert "NPS 30/90日" in body
    assert "契約開始の30日後" in body
    assert "/surveys/programs/new/" not in body
    assert as_member(world.csm).get("/surveys/programs/new/").status_code == 403
    refused = as_member(world.manager).post("/surveys/programs/new/", program_data())
    assert refused.status_code == 403
    edit = f"/surveys/programs/{survey.program.pk}/"
    assert as_member(world.viewer).get(edit).status_code == 403
    assert as_member(world.admin).get(edit).status_code == 200
    assert Client().get("/surveys/programs/").status_code == 302  # to the sign-in page
    assert SurveyProgram.objects.count() == 1


def test_an_admin_creates_a_program_with_its_schedules_audited(world: World) -> None:
    response = as_member(world.admin).post("/surveys/programs/new/", program_data())
    assert response.status_code == 302
    program = SurveyProgram.objects.get(name_ja="CSAT サポート")
    assert (program.kind, sorted(program.contact_roles), program.link_valid_days) == (
        "csat", ["admin", "user"], 7
    )  # fmt: skip
    schedules = list(
        program.schedules.order_by("pk").values_list(
            "trigger", "offset_days", "every_months", "touchpoint_kind"
        )
    )
    assert schedules == [("touchpoint", 1, None, "meeting"), ("recurring", 0, 6, "")]
    event = AuditEvent.objects.get(entity="surveyprogram", entity_id=program.pk)
    assert (event.action, event.actor_id) == ("create", world.admin.pk)
    assert event.changes["name_ja"] == [None, "CSAT サポート"]
    assert len(event.changes["schedules"][1]) == 2


def test_an_edit_deactivates_a_schedule_that_sent_invitations(world: World) -> None:
    survey = survey_world(world)
    invitations_create(today=DUE, now=MORNING)
    day30, day90 = survey.program.schedules.order_by("offset_days")
    data = program_data(
        kind="nps", contact_roles=["decision_maker"], **{
            "schedules-TOTAL_FORMS": "2", "schedules-INITIAL_FORMS": "2",
            "schedules-0-id": str(day30.pk), "schedules-0-trigger": "line_start",
            "schedules-0-offset_days": "30", "schedules-0-DELETE": "on",
            "schedules-1-id": str(day90.pk), "schedules-1-trigger": "line_start",
            "schedules-1-offset_days": "120", "schedules-1-active": "on",
        },
    )  # fmt: skip
    response = as_member(world.admin).post(f"/surveys/programs/{survey.program.pk}/", data)
    assert response.status_code == 302
    day30.refresh_from_db()
    assert day30.active is False  # kept: its invitations name it
    assert SurveyInvitation.objects.filter(schedule=day30).count() == 2
    active = SurveySchedule.objects.filter(active=True)
    assert list(active.values_list("offset_days", flat=True)) == [120]
    event = AuditEvent.objects.get(entity="surveyprogram", action="update")
    assert event.changes["contact_roles"] == [["decision_maker", "admin"], ["decision_maker"]]


@pytest.mark.parametrize(
    ("language", "overrides", "message"),
    [
        ("ja", {"remind_after_days": "9"}, "リマインドはリンクの有効期限より前"),
        ("en", {"remind_after_days": "9"}, "The reminder must go before the link expires."),
        ("ja", {"contact_roles": []}, "対象の役割を一つ以上選んでください。"),
        ("en", {"quiet_start": "24"}, "Ensure this value is less than or equal to 23."),
        ("en", {"throttle_days": "99999999999999999999"}, "Ensure this value is less than"),
        ("ja", {"schedules-1-every_months": ""}, "毎月何か月ごとかを入力してください"),
        ("ja", {"name_ja": ""}, "このフィールドは必須です。"),
    ],
)
def test_validation_errors_are_in_the_members_language(
    world: World, language: str, overrides: dict[str, Any], message: str
) -> None:
    world.admin.language = language
    world.admin.save()
    response = as_member(world.admin).post("/surveys/programs/new/", program_data(**overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert SurveyProgram.objects.exclude(code="nps-30-90").count() == 0


def test_the_list_downloads_as_csv(world: World) -> None:
    survey_world(world)
    invitations_create(today=DUE, now=MORNING)
    response = as_member(world.csm).get("/surveys/programs/?format=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("id,name_ja,name_en,kind,active,contact_roles,schedules,")
    assert lines[1].endswith(",line_start+30d line_start+90d,60,20,8,14,5,0,0")

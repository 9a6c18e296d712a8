"""The surveys API: programs, invitations (without their token) and answers; posting one
answer from an in-product survey, with a machine-readable 4xx for each refusal."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.surveys.answers import answers_import
from kizuna.apps.surveys.models import SurveyAnswer, SurveyInvitation
from tests.apps.surveys.helpers import DUE, survey_world
from tests.factories import World

pytestmark = pytest.mark.django_db


def api(user: User, method: str, path: str, body: Any = None) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    headers = {"Authorization": f"Bearer {raw}"}
    call = getattr(Client(), method)
    if body is not None:
        return call(
            "/api/v1" + path, json.dumps(body), content_type="application/json", headers=headers
        )
    return call("/api/v1" + path, headers=headers)


def test_an_admin_posts_an_answer(world: World) -> None:
    survey = survey_world(world)
    response = api(
        world.admin,
        "post",
        "/surveys/answers",
        {
            "email": "Sato@example.jp",
            "score": 6,
            "comment": "設定が難しい",
            "answered_at": "2026-03-02T10:00:00+09:00",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    answer = SurveyAnswer.objects.get()
    assert body["id"] == answer.pk
    assert (body["program"], body["kind"], body["score"], body["source"]) == (
        "nps-30-90",
        "nps",
        6,
        "api",
    )
    assert (answer.contact, answer.account, answer.tenure_days) == (
        survey.decision_maker,
        survey.account,
        30,
    )
    by_id = api(
        world.admin,
        "post",
        "/surveys/answers",
        {"contact_id": survey.admin.pk, "score": 10, "program": "nps-30-90"},
    )
    assert by_id.status_code == 201
    assert by_id.json()["contact_id"] == survey.admin.pk


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"score": 9}, 400, "missing_email"),
        ({"email": "nobody@example.jp", "score": 9}, 400, "unknown_contact"),
        ({"contact_id": 999999, "score": 9}, 400, "unknown_contact"),
        ({"email": "sato@example.jp", "score": 11}, 400, "score_out_of_range"),
        ({"email": "sato@example.jp", "score": 32767}, 400, "score_out_of_range"),
        ({"email": "sato@example.jp", "score": 10**30}, 400, "invalid"),
        ({"email": "sato@example.jp", "score": 9, "program": "nope"}, 400, "unknown_program"),
        (
            {"email": "sato@example.jp", "score": 9, "answered_at": "9999-12-31T00:00:00Z"},
            400,
            "bad_date",
        ),
        (
            {"email": "sato@example.jp", "score": 9, "answered_at": "0001-01-01T00:00:00Z"},
            400,
            "bad_date",
        ),
        ({"email": "sato@example.jp", "score": 9, "comment": "x" * 5001}, 400, "invalid"),
        (
            {
                "email": "sato@example.jp",
                "score": 9,
                "comment": "a\x00b",
                "answered_at": "2026-03-02T10:00:00+09:00",
            },
            201,
            "",
        ),
    ],
)
def test_refusals_are_machine_readable(
    world: World, body: dict[str, Any], status: int, code: str
) -> None:
    survey_world(world)
    response = api(world.admin, "post", "/surveys/answers", body)
    assert response.status_code == status, response.content
    if code:
        assert response.json()["error"]["code"] == code
        assert SurveyAnswer.objects.count() == 0
    else:  # a NUL is dropped from the comment
        assert SurveyAnswer.objects.get().comment == "ab"


def test_the_same_answer_twice_is_a_conflict(world: World) -> None:
    survey_world(world)
    body = {"email": "sato@example.jp", "score": 9, "answered_at": "2026-03-02T01:00:00Z"}
    assert api(world.admin, "post", "/surveys/answers", body).status_code == 201
    again = api(world.admin, "post", "/surveys/answers", body)
    assert (again.status_code, again.json()["error"]["code"]) == (409, "duplicate")
    assert again.json()["error"]["message"] == "この連絡先のこの時刻の回答はすでにあります。"
    assert SurveyAnswer.objects.count() == 1


def test_only_admins_post_but_every_member_reads(world: World) -> None:
    survey = survey_world(world)
    for user in (world.csm, world.manager, world.viewer):
        response = api(user, "post", "/surveys/answers", {"email": "sato@example.jp", "score": 9})
        assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    answers_import(
        data=b"email,score,answered_at\nsato@example.jp,9,2026-03-02\n"
        b"suzuki@example.jp,2,2026-03-05\n",
        today=dt.date(2026, 3, 10),
    )
    listed = api(world.viewer, "get", "/surveys/answers")
    assert listed.status_code == 200
    assert [(a["score"], a["source"]) for a in listed.json()["items"]] == [
        (2, "import"),
        (9, "import"),
    ]
    since = api(world.viewer, "get", "/surveys/answers?since=2026-03-03T00:00:00Z")
    assert [a["score"] for a in since.json()["items"]] == [2]
    other = api(world.viewer, "get", f"/surveys/answers?account_id={world.other_account.pk}")
    assert other.json()["items"] == []
    none = api(world.viewer, "get", "/surveys/answers?program=csat")
    assert none.json()["count"] == 0
    programs = api(world.viewer, "get", "/surveys/programs").json()
    assert [(p["code"], p["kind"]) for p in programs["items"]] == [("nps-30-90", "nps")]
    assert survey.account.pk in {a["account_id"] for a in listed.json()["items"]}


def test_invitations_never_show_the_token(world: World) -> None:
    survey = survey_world(world)
    SurveyInvitation.objects.create(
        program=survey.program,
        schedule=survey.program.schedules.first(),
        account=survey.account,
        contact=survey.decision_maker,
        line=survey.line,
        due_on=DUE,
        tenure_days=30,
        nonce="secretnonce123",
    )
    response = api(world.viewer, "get", "/surveys/invitations?status=scheduled")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [(i["contact_id"], i["due_on"], i["status"]) for i in items] == [
        (survey.decision_maker.pk, "2026-03-02", "scheduled")
    ]
    assert "secretnonce123" not in response.content.decode()
    assert "nonce" not in items[0]
    assert api(world.viewer, "get", "/surveys/invitations?status=bogus").status_code == 400

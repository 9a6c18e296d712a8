"""The renewals API: the pipeline with filters, one renewal, stage and call, the closing plan
(get/put with steps) and the review sign-off; hostile input answers 4xx in the one error shape,
never 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.renewals.models import ClosingPlan, PlanReview, Renewal

pytestmark = pytest.mark.django_db


def api(user: User, method: str, path: str, body: Any = None) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {raw}"}}
    call = getattr(Client(), method)
    if body is not None:
        data = body if isinstance(body, str) else json.dumps(body)
        return call("/api/v1" + path, data, content_type="application/json", **kwargs)
    return call("/api/v1" + path, **kwargs)


def test_list_get_patch_plan_and_sign_off(world: Any, renewal: Renewal) -> None:
    # the viewer reads the pipeline (default months: 2026-04 to 2026-09)
    listed = api(world.viewer, "get", "/renewals").json()["items"]
    got = [(r["date"], r["arr_due"], r["stage"], r["plan_status"], r["owner"]) for r in listed]
    assert got == [("2026-09-01", 1_200_000, "not_started", "not_needed", "csm")]
    assert api(world.viewer, "get", "/renewals?from_month=2026-10-01").json()["items"] == []
    # the viewer may not write
    denied = api(world.viewer, "patch", f"/renewals/{renewal.pk}", {"stage": "committed"})
    assert (denied.status_code, denied.json()["error"]["code"]) == (403, "forbidden")
    assert Renewal.objects.get(pk=renewal.pk).stage == "not_started"
    # the CSM sets the call and writes the plan
    got = api(world.csm, "patch", f"/renewals/{renewal.pk}", {"forecast_call": "likely"}).json()
    assert (got["forecast_call"], got["stage"]) == ("likely", "not_started")
    plan = api(
        world.csm,
        "put",
        f"/renewals/{renewal.pk}/plan",
        {
            "risks": "予算の見直し",
            "decision_maker": "総務部 部長",
            "next_review_on": "2026-05-01",
            "steps": [
                {"title": "役員向け報告会", "owner_id": world.csm.pk, "due_on": "2026-06-10"}
            ],
        },
    )
    assert plan.status_code == 200
    assert plan.json()["steps"] == [
        {"order": 1, "title": "役員向け報告会", "owner_id": world.csm.pk,
         "due_on": "2026-06-10", "done_on": None}
    ]  # fmt: skip
    assert api(world.viewer, "get", f"/renewals/{renewal.pk}").json()["stage"] == "plan_drafted"
    # the CSM may not sign off; the manager does, and the next review moves 30 days on
    path = f"/renewals/{renewal.pk}/plan/reviews"
    assert api(world.csm, "post", path, {"note": "ok"}).status_code == 403
    signed = api(world.manager, "post", path, {"note": "決裁日程を確認"})
    assert signed.status_code == 201
    assert signed.json()["reviewed_by"] == "manager"
    got = api(world.viewer, "get", f"/renewals/{renewal.pk}/plan").json()
    assert (got["next_review_on"], len(got["reviews"])) == ("2026-05-31", 1)


def test_a_renewal_without_a_plan_and_unknown_ids(world: Any, renewal: Renewal) -> None:
    assert api(world.viewer, "get", f"/renewals/{renewal.pk}/plan").status_code == 404
    assert api(world.viewer, "get", "/renewals/999999").json()["error"]["code"] == "not_found"
    assert api(world.viewer, "get", f"/renewals/{2**70}").status_code == 400
    sign = api(world.manager, "post", f"/renewals/{renewal.pk}/plan/reviews", {})
    assert (sign.status_code, sign.json()["error"]["code"]) == (400, "invalid")


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("patch", "", {"stage": "renewed"}),
        ("patch", "", {"stage": None}),
        ("patch", "", {"forecast_call": None}),
        ("patch", "", {"forecast_call": "maybe"}),
        ("put", "/plan", {"risks": None}),
        ("put", "/plan", {"risks": "a\u0000b"}),
        ("put", "/plan", {"risks": "x" * 4001}),
        ("put", "/plan", {"next_review_on": "0001-01-01"}),
        ("put", "/plan", {"next_review_on": "9999-12-31"}),
        ("put", "/plan", {"steps": [{"title": "a"}] * 10_000}),
        ("put", "/plan", {"steps": [{"title": "a", "owner_id": 10**30}]}),
        ("put", "/plan", {"steps": [{"title": "a", "owner_id": 999999}]}),
        ("put", "/plan", {"steps": [{"title": "a\u0000"}]}),
        ("put", "/plan", {"steps": [None]}),
        ("put", "/plan", "not json"),
        ("post", "/plan/reviews", {"reviewed_on": "9999-01-01"}),
        ("post", "/plan/reviews", {"note": 12345678901234567890123}),
    ],
)
def test_hostile_input_is_a_4xx_in_the_error_shape(
    world: Any, renewal: Renewal, method: str, suffix: str, body: Any
) -> None:
    ClosingPlan.objects.create(renewal=renewal, risks="既存")
    response = api(world.admin, method, f"/renewals/{renewal.pk}{suffix}", body)
    assert 400 <= response.status_code < 500, response.content
    assert response.json()["error"]["code"] in {"invalid", "bad_request"}
    assert ClosingPlan.objects.get(renewal=renewal).risks == "既存"
    assert not PlanReview.objects.exists()
    assert Renewal.objects.get(pk=renewal.pk).stage == "not_started"


def test_the_pipeline_filters_are_bounded(world: Any, renewal: Renewal) -> None:
    for query in [
        "from_month=0001-01-01",
        "to_month=9999-12-31",
        "from_month=2026-01-01&to_month=2030-01-01",
        "from_month=2026-05-01&to_month=2026-04-01",
        "plan_status=whatever",
        "team_id=0",
    ]:
        response = api(world.viewer, "get", f"/renewals?{query}")
        assert response.status_code == 400, query
        assert response.json()["error"]["code"] == "invalid"

"""The feedback API: log and list feedback, open, list, read and correct feature requests with
their weights, move the status; hostile input answers 4xx in the one error shape (empty and
huge text, nulls, unknown product, another team's account, huge ids), never 500."""

from __future__ import annotations

import pytest

from kizuna.apps.feedback.models import FeatureRequest, Feedback
from kizuna.apps.notify.models import Notification
from tests.apps.feedback.conftest import FeedbackWorld, api, log, open_request
from tests.factories import ContactFactory


def test_log_list_and_weigh(fw: FeedbackWorld) -> None:
    # given a request opened through the API
    created = api(fw.w.csm, "post", "/feature-requests", {"product": "expense", "title": "CSV"})
    assert created.status_code == 201, created.json()
    request_id = created.json()["id"]
    assert created.json() | {"created_at": None} == {
        "id": request_id, "product": "expense", "product_owner": "teammate", "title": "CSV",
        "description": "", "status": "new", "decided_at": None, "created_by": "csm",
        "created_at": None, "accounts": 0, "mrr_weight": 0, "feedback": 0,
    }  # fmt: skip
    # when feedback is logged on two accounts, one of them twice
    contact = ContactFactory(account=fw.big)
    for account, body in (
        (fw.big, {"contact_id": contact.pk}),
        (fw.big, {}),
        (fw.small, {}),
    ):
        answer = api(
            fw.w.csm,
            "post",
            "/feedback",
            {"account_id": account.pk, "text": "CSV が欲しい", "feature_request_id": request_id,
             **body},
        )  # fmt: skip
        assert answer.status_code == 201, answer.json()
    # then the request weighs both accounts' MRR once
    got = api(fw.w.viewer, "get", f"/feature-requests/{request_id}").json()
    assert (got["accounts"], got["mrr_weight"], got["feedback"]) == (2, 350_000, 3)
    listed = api(fw.w.viewer, "get", "/feedback?account_id=" + str(fw.big.pk)).json()["items"]
    assert [(f["source"], f["product"], f["created_by"]) for f in listed] == [
        ("api", "expense", "csm"), ("api", "expense", "csm"),
    ]  # fmt: skip
    assert listed[1]["contact_id"] == contact.pk
    ranked = api(fw.w.viewer, "get", "/feature-requests?status=new&product=expense").json()
    assert [r["id"] for r in ranked["items"]] == [request_id]


def test_status_moves_and_ship_notifies_once(fw: FeedbackWorld) -> None:
    request = open_request(fw)
    log(fw.w.csm, fw.w.account, request)
    path = f"/feature-requests/{request.pk}/status"
    assert api(fw.w.csm, "post", path, {"status": "planned"}).status_code == 403
    bad = api(fw.w.teammate, "post", path, {"status": "shipped"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "invalid"
    assert "status" in bad.json()["error"]["fields"]
    assert api(fw.w.teammate, "post", path, {"status": "planned"}).status_code == 200
    shipped = api(fw.w.teammate, "post", path, {"status": "shipped", "note": "v2.3"})
    assert shipped.status_code == 200 and shipped.json()["status"] == "shipped"
    assert shipped.json()["decided_at"] is not None
    again = api(fw.w.teammate, "post", path, {"status": "shipped"})
    assert again.status_code == 400
    assert Notification.objects.filter(kind="feature_request_shipped").count() == 1  # the csm


def test_patch_by_the_owner_and_not_by_others(fw: FeedbackWorld) -> None:
    request = open_request(fw)
    path = f"/feature-requests/{request.pk}"
    assert api(fw.w.outsider, "patch", path, {"title": "x"}).status_code == 403
    ok = api(fw.w.teammate, "patch", path, {"description": "月次で出力"})
    assert ok.status_code == 200 and ok.json()["description"] == "月次で出力"
    assert ok.json()["title"] == "CSV 出力"
    unknown = api(fw.w.teammate, "patch", path, {"product": "nope"})
    assert unknown.status_code == 400 and "product" in unknown.json()["error"]["fields"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"text": ""}, 400, "text"),
        ({"text": "   "}, 400, "text"),
        ({"text": "長" * 4001}, 400, "text"),
        ({"text": "a\u0000b"}, 400, "text"),
        ({"text": None}, 400, "text"),
        ({"text": "x", "product": "nope"}, 400, "product"),
        ({"text": "x", "contact_id": 2**63}, 400, "contact_id"),
        ({"text": "x", "contact_id": 987654}, 400, "contact_id"),
        ({"text": "x", "touchpoint_id": 987654}, 400, "touchpoint_id"),
        ({"text": "x", "feature_request_id": 987654}, 400, "feature_request_id"),
    ],
)
def test_hostile_feedback_is_refused(
    fw: FeedbackWorld, body: dict[str, object], status: int, field: str
) -> None:
    answer = api(fw.w.csm, "post", "/feedback", {"account_id": fw.w.account.pk, **body})
    assert answer.status_code == status, answer.json()
    assert answer.json()["error"]["code"] == "invalid"
    assert field in (answer.json()["error"].get("fields") or {}), answer.json()
    assert not Feedback.objects.exists()


def test_another_teams_account_and_unknown_ones(fw: FeedbackWorld) -> None:
    other = api(fw.w.csm, "post", "/feedback", {"account_id": fw.w.other_account.pk, "text": "x"})
    assert other.status_code == 403 and other.json()["error"]["code"] == "forbidden"
    missing = api(fw.w.csm, "post", "/feedback", {"account_id": 999999, "text": "x"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    huge = api(fw.w.csm, "post", "/feedback", {"account_id": 2**70, "text": "x"})
    assert huge.status_code == 400
    viewer = api(fw.w.viewer, "post", "/feedback", {"account_id": fw.w.account.pk, "text": "x"})
    assert viewer.status_code == 403
    assert not Feedback.objects.exists()


def test_hostile_feature_requests(fw: FeedbackWorld) -> None:
    post = lambda body: api(fw.w.csm, "post", "/feature-requests", body)  # noqa: E731
    assert post({"product": "nope", "title": "x"}).status_code == 400
    assert post({"product": "expense", "title": ""}).status_code == 400
    assert post({"product": "expense", "title": "x" * 201}).status_code == 400
    assert post({"product": "expense"}).status_code == 400
    assert post({"product": "", "title": "x"}).status_code == 400
    assert (
        api(
            fw.w.viewer, "post", "/feature-requests", {"product": "expense", "title": "x"}
        ).status_code
        == 403
    )
    assert api(fw.w.csm, "get", "/feature-requests/999999").status_code == 404
    assert api(fw.w.csm, "get", "/feature-requests?status=bogus").status_code == 400
    assert api(fw.w.csm, "get", "/feature-requests?owner=nobody").status_code == 400
    assert not FeatureRequest.objects.exists()


def test_naming_the_request_of_a_logged_feedback(fw: FeedbackWorld) -> None:
    # given a feedback logged without a request, and a request of the teammate's product
    feedback = log(fw.w.csm, fw.big, None)
    request = open_request(fw)
    path = f"/feedback/{feedback.pk}"
    # the outsider (neither the account's nor the product's) may not; the product owner may
    assert api(fw.w.outsider, "patch", path, {"feature_request_id": request.pk}).status_code == 403
    done = api(fw.w.teammate, "patch", path, {"feature_request_id": request.pk})
    assert done.status_code == 200 and done.json()["feature_request_id"] == request.pk
    got = api(fw.w.viewer, "get", f"/feature-requests/{request.pk}").json()
    assert (got["accounts"], got["mrr_weight"]) == (1, 300_000)
    assert (
        api(fw.w.csm, "patch", "/feedback/999999", {"feature_request_id": request.pk}).status_code
        == 404
    )
    bad = api(fw.w.csm, "patch", path, {"feature_request_id": 999999})
    assert bad.status_code == 400 and "feature_request_id" in bad.json()["error"]["fields"]
    assert api(fw.w.csm, "patch", path, {"feature_request_id": None}).status_code == 400

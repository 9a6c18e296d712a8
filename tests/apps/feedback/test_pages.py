"""The feedback pages: the board sorted by MRR weight with its filters and CSVs, logging from
the account page's panel and from a touchpoint, a request's page and its CSVs, the status
change (confirmed when final), and the three personas' answers (200, 403, 404)."""

from __future__ import annotations

import csv
import io

from django.urls import reverse

from kizuna.apps.feedback import services
from kizuna.apps.feedback.models import FeatureRequest, Feedback
from tests.apps.feedback.conftest import FeedbackWorld, client_for, log, open_request
from tests.factories import TouchpointFactory


def _csv(response: object) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))  # type: ignore[attr-defined]


def test_the_board_ranks_by_mrr_weight_with_filters_and_csv(fw: FeedbackWorld) -> None:
    # given A asked by small (50,000), B by big (300,000) and account (120,000); C planned
    a, b, c = open_request(fw, "A 要望"), open_request(fw, "B 要望"), open_request(fw, "C 要望")
    log(fw.w.csm, fw.small, a)
    log(fw.w.csm, fw.big, b)
    log(fw.w.csm, fw.w.account, b)
    services.feature_request_set_status(actor=fw.w.teammate, feature_request=c, status="planned")
    client = client_for(fw.w.viewer)
    # when the board is read
    page = client.get(reverse("feedback:board")).content.decode()
    # then B (420,000) before A before C, in Japanese
    assert page.index("B 要望") < page.index("A 要望") < page.index("C 要望")
    assert "機能要望" in page and "プロダクトオーナー" in page
    rows = _csv(client.get(reverse("feedback:board") + "?format=csv"))
    assert rows[0][:8] == [
        "id", "product", "product_owner", "title", "status", "accounts", "mrr_weight", "feedback",
    ]  # fmt: skip
    assert [(r[3], r[5], r[6]) for r in rows[1:]] == [
        ("B 要望", "2", "420000"), ("A 要望", "1", "50000"), ("C 要望", "0", "0"),
    ]  # fmt: skip
    # filtered by status and product owner
    planned = _csv(client.get(reverse("feedback:board") + "?format=csv&status=planned"))
    assert [r[3] for r in planned[1:]] == ["C 要望"]
    owned = _csv(client.get(reverse("feedback:board") + f"?format=csv&owner={fw.w.teammate.pk}"))
    assert len(owned[1:]) == 3
    products = _csv(client.get(reverse("feedback:board") + "?format=csv&table=products"))
    assert products[1:] == [["expense", "teammate", "2", "1", "0", "0", "470000"]]
    # a hostile filter is ignored, not a 500
    assert (
        client.get(reverse("feedback:board") + "?status=x&product=99999999999999999999").status_code
        == 200
    )


def test_the_account_panel_logs_feedback_and_links_a_request(fw: FeedbackWorld) -> None:
    request = open_request(fw)
    client = client_for(fw.w.csm)
    account_url = reverse("customers:account_detail", args=[fw.w.account.pk])
    page = client.get(account_url).content.decode()
    assert 'id="feedback-form"' in page
    # when the csm posts the panel's small form
    response = client.post(
        reverse("feedback:new") + f"?account={fw.w.account.pk}",
        {"text": "CSV が欲しい", "feature_request": request.pk},
    )
    # then it is logged from the account page and shown on the panel
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.source, feedback.feature_request_id) == ("account_page", request.pk)
    assert "CSV が欲しい" in client.get(account_url).content.decode()
    # an empty text is refused with the page in 400, nothing written
    empty = client.post(reverse("feedback:new") + f"?account={fw.w.account.pk}", {"text": " "})
    assert empty.status_code == 400
    assert Feedback.objects.count() == 1


def test_a_viewer_sees_the_panel_without_the_form(fw: FeedbackWorld) -> None:
    page = (
        client_for(fw.w.viewer)
        .get(reverse("customers:account_detail", args=[fw.w.account.pk]))
        .content.decode()
    )
    assert 'id="feedback"' in page and 'id="feedback-form"' not in page


def test_logging_from_a_touchpoint(fw: FeedbackWorld) -> None:
    touchpoint = TouchpointFactory(account=fw.w.account, csm=fw.w.csm)
    client = client_for(fw.w.csm)
    url = reverse("feedback:new") + f"?touchpoint={touchpoint.pk}"
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "承認フローを増やしたい"})
    assert response.status_code == 302
    feedback = Feedback.objects.get()
    assert (feedback.source, feedback.touchpoint_id, feedback.account_id) == (
        "touchpoint", touchpoint.pk, fw.w.account.pk,
    )  # fmt: skip


def test_logging_is_refused_off_ones_accounts_and_for_unknown_ones(fw: FeedbackWorld) -> None:
    outsider = client_for(fw.w.outsider)
    url = reverse("feedback:new")
    assert outsider.post(url + f"?account={fw.w.account.pk}", {"text": "x"}).status_code == 403
    assert outsider.get(url + "?account=99999999").status_code == 404
    assert outsider.get(url + "?account=abc").status_code == 404
    assert outsider.get(url + "?account=99999999999999999999999").status_code == 404
    assert outsider.get(url + "?touchpoint=abc").status_code == 404
    assert outsider.get(url).status_code == 404
    assert not Feedback.objects.exists()


def test_the_request_page_tables_and_their_csvs(fw: FeedbackWorld) -> None:
    request = open_request(fw)
    log(fw.w.csm, fw.big, request, text="月次 CSV")
    log(fw.w.csm, fw.small, request)
    client = client_for(fw.w.viewer)
    url = reverse("feedback:request", args=[request.pk])
    page = client.get(url).content.decode()
    assert "大口株式会社" in page and "要望した顧客" in page
    assert 'id="status-change"' not in page  # the viewer does not decide
    accounts = _csv(client.get(url + "?format=csv&table=accounts"))
    assert [(r[1], r[3], r[4]) for r in accounts[1:]] == [
        ("大口株式会社", "300000", "1"), ("小口株式会社", "50000", "1"),
    ]  # fmt: skip
    feedback = _csv(client.get(url + "?format=csv&table=feedback"))
    assert len(feedback) == 3 and feedback[0][0] == "id"
    history = _csv(client.get(url + "?format=csv&table=history"))
    assert history[1][:3] == ["", "new", "csm"]
    assert client.get(reverse("feedback:request", args=[999999])).status_code == 404


def test_shipping_asks_for_confirmation_and_only_the_owner_may(fw: FeedbackWorld) -> None:
    request = open_request(fw)
    url = reverse("feedback:request_status", args=[request.pk])
    # the csm who asked may not decide
    assert client_for(fw.w.csm).post(url, {"status": "planned"}).status_code == 403
    owner = client_for(fw.w.teammate)
    assert (
        'id="status-change"'
        in owner.get(reverse("feedback:request", args=[request.pk])).content.decode()
    )
    assert owner.post(url, {"status": "planned"}).status_code == 302
    # shipping without the box ticked changes nothing
    assert owner.post(url, {"status": "shipped"}).status_code == 400
    assert FeatureRequest.objects.get().status == "planned"
    # a move that is not allowed is refused, not a 500
    assert owner.post(url, {"status": "new"}).status_code == 400
    assert owner.post(url, {"status": "shipped", "confirm": "yes"}).status_code == 302
    request.refresh_from_db()
    assert request.status == "shipped" and request.decided_at is not None
    assert request.requesters_notified_at is not None
    # a final request shows no status form
    assert (
        'id="status-change"'
        not in owner.get(reverse("feedback:request", args=[request.pk])).content.decode()
    )


def test_new_request_and_edit(fw: FeedbackWorld) -> None:
    client = client_for(fw.w.csm)
    response = client.post(
        reverse("feedback:request_new"), {"product": fw.w.product.pk, "title": "承認の代理"}
    )
    assert response.status_code == 302
    request = FeatureRequest.objects.get()
    edit = reverse("feedback:request_edit", args=[request.pk])
    assert client.post(edit, {"product": fw.w.product.pk, "title": ""}).status_code == 400
    ok = client.post(edit, {"product": fw.w.product.pk, "title": "承認の代理設定"})
    assert ok.status_code == 302
    assert FeatureRequest.objects.get().title == "承認の代理設定"
    assert client_for(fw.w.viewer).get(reverse("feedback:request_new")).status_code == 403
    assert client_for(fw.w.outsider).get(edit).status_code == 403


def test_the_feedback_list_and_its_csv(fw: FeedbackWorld) -> None:
    request = open_request(fw)
    log(fw.w.csm, fw.big, request)
    log(fw.w.csm, fw.small, None, text="画面が重い")
    client = client_for(fw.w.viewer)
    page = client.get(reverse("feedback:list")).content.decode()
    assert "画面が重い" in page
    unnamed = _csv(client.get(reverse("feedback:list") + "?format=csv&linked=no"))
    assert [r[-1] for r in unnamed[1:]] == ["画面が重い"]
    assert client.get(reverse("feedback:list") + "?page=999999").status_code == 200


def test_naming_a_request_from_the_list(fw: FeedbackWorld) -> None:
    feedback = log(fw.w.csm, fw.small, None, text="画面が重い")
    request = open_request(fw)
    owner = client_for(fw.w.teammate)
    assert f"/feedback/{feedback.pk}/link/" in owner.get(reverse("feedback:list")).content.decode()
    url = reverse("feedback:link", args=[feedback.pk])
    assert "画面が重い" in owner.get(url).content.decode()
    assert client_for(fw.w.outsider).post(url, {"feature_request": request.pk}).status_code == 403
    assert owner.post(url, {"feature_request": "abc"}).status_code == 400
    assert owner.post(url, {"feature_request": request.pk}).status_code == 302
    assert Feedback.objects.get().feature_request_id == request.pk
    assert owner.get(reverse("feedback:link", args=[999999])).status_code == 404

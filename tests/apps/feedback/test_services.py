"""Logging feedback and moving feature requests: permissions through org.access, hostile
input refused by field, the status moves and their history, the weights read from each
account's current MRR, and the requesters told exactly once when a request ships."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kizuna.apps.customers.models import Account
from kizuna.apps.feedback import selectors, services
from kizuna.apps.feedback.models import FeatureRequestChange, Feedback
from kizuna.apps.notify.models import Notification, NotificationPreference
from kizuna.apps.touchpoints.models import Touchpoint
from kizuna.core.feedback import Weight
from tests.apps.feedback.conftest import FeedbackWorld, log, open_request
from tests.apps.org.conftest import Inbox
from tests.factories import AccountFactory, ContactFactory, ProductFactory, TouchpointFactory


def test_it_logs_feedback_with_its_parts_and_the_requests_product(fw: FeedbackWorld) -> None:
    # given a request and the account's contact and touchpoint
    request = open_request(fw)
    contact = ContactFactory(account=fw.w.account)
    touchpoint = TouchpointFactory(account=fw.w.account, csm=fw.w.csm)
    # when the csm logs what the account said in the meeting
    feedback = services.feedback_log(
        actor=fw.w.csm,
        account=fw.w.account,
        text="  月次の CSV 出力が欲しい  ",
        source="touchpoint",
        contact=contact,
        touchpoint=touchpoint,
        feature_request=request,
    )
    # then it is stored, stripped, with the request's product and the author
    stored = Feedback.objects.get()
    assert stored.pk == feedback.pk
    assert (stored.text, stored.source, stored.product_id, stored.created_by_id) == (
        "月次の CSV 出力が欲しい", "touchpoint", fw.w.product.pk, fw.w.csm.pk,
    )  # fmt: skip
    assert (stored.contact_id, stored.touchpoint_id) == (contact.pk, touchpoint.pk)


@pytest.mark.parametrize(
    ("text", "field", "code"),
    [
        ("", "text", "required"),
        ("   \n ", "text", "required"),
        ("a\x00b", "text", "null_characters_not_allowed"),
        ("長" * 4001, "text", "max_length"),
    ],
)
def test_it_refuses_hostile_text(fw: FeedbackWorld, text: str, field: str, code: str) -> None:
    with pytest.raises(ValidationError) as error:
        log(fw.w.csm, fw.w.account, None, text=text)
    assert field in error.value.message_dict
    assert error.value.error_dict[field][0].code == code
    assert not Feedback.objects.exists()


def test_the_longest_text_is_kept_whole(fw: FeedbackWorld) -> None:
    log(fw.w.csm, fw.w.account, None, text="長" * 4000)
    assert len(Feedback.objects.get().text) == 4000


def test_another_accounts_contact_or_touchpoint_is_refused(fw: FeedbackWorld) -> None:
    elsewhere = ContactFactory(account=fw.big)
    touchpoint = TouchpointFactory(account=fw.big, csm=fw.w.csm)
    for parts, field in (
        ({"contact": elsewhere}, "contact"),
        ({"touchpoint": touchpoint}, "touchpoint"),
    ):
        with pytest.raises(ValidationError) as error:
            services.feedback_log(
                actor=fw.w.csm, account=fw.w.account, text="x", source="account_page", **parts
            )
        assert field in error.value.message_dict
    assert not Feedback.objects.exists()


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("csm", True), ("manager", True), ("admin", True), ("teammate", False),
     ("outsider", False), ("viewer", False)],
)  # fmt: skip
def test_who_logs_feedback_on_the_account(fw: FeedbackWorld, persona: str, allowed: bool) -> None:
    actor = getattr(fw.w, persona)
    if allowed:
        log(actor, fw.w.account, None)
        assert Feedback.objects.filter(created_by=actor).count() == 1
    else:
        with pytest.raises(PermissionDenied):
            log(actor, fw.w.account, None)
        assert not Feedback.objects.exists()


def test_an_inactive_member_logs_nothing(fw: FeedbackWorld) -> None:
    fw.w.csm.is_active = False
    fw.w.csm.save()
    with pytest.raises(PermissionDenied):
        log(fw.w.csm, fw.w.account, None)


@pytest.mark.parametrize(
    ("persona", "allowed"),
    [("teammate", True), ("admin", True), ("csm", False), ("manager", False),
     ("outsider", False), ("viewer", False)],
)  # fmt: skip
def test_the_product_owner_and_admins_decide(
    fw: FeedbackWorld, persona: str, allowed: bool
) -> None:
    request = open_request(fw)
    actor = getattr(fw.w, persona)
    if allowed:
        services.feature_request_set_status(actor=actor, feature_request=request, status="planned")
        request.refresh_from_db()
        assert request.status == "planned"
    else:
        with pytest.raises(PermissionDenied):
            services.feature_request_set_status(
                actor=actor, feature_request=request, status="planned"
            )
        request.refresh_from_db()
        assert request.status == "new"


def test_a_product_without_owner_is_decided_by_admins_only(fw: FeedbackWorld) -> None:
    fw.w.product.owner = None
    fw.w.product.save()
    request = open_request(fw)
    with pytest.raises(PermissionDenied):
        services.feature_request_set_status(
            actor=fw.w.teammate, feature_request=request, status="planned"
        )
    services.feature_request_set_status(actor=fw.w.admin, feature_request=request, status="planned")


def test_the_moves_and_their_history(fw: FeedbackWorld) -> None:
    request = open_request(fw)
    owner = fw.w.teammate
    # a new request cannot ship at once
    with pytest.raises(ValidationError) as error:
        services.feature_request_set_status(actor=owner, feature_request=request, status="shipped")
    assert error.value.error_dict["status"][0].code == "invalid_status"
    services.feature_request_set_status(actor=owner, feature_request=request, status="planned")
    services.feature_request_set_status(
        actor=owner, feature_request=request, status="declined", note="方針外"
    )
    request.refresh_from_db()
    assert request.status == "declined" and request.decided_at is not None
    # declined is final, and takes no more feedback
    with pytest.raises(ValidationError):
        services.feature_request_set_status(actor=owner, feature_request=request, status="planned")
    with pytest.raises(ValidationError) as refused:
        log(fw.w.csm, fw.w.account, request)
    assert "feature_request" in refused.value.message_dict
    history = list(
        FeatureRequestChange.objects.filter(feature_request=request).values_list(
            "from_status", "to_status", "changed_by__username", "note"
        )
    )
    assert history == [
        ("", "new", "csm", ""),
        ("new", "planned", "teammate", ""),
        ("planned", "declined", "teammate", "方針外"),
    ]


def test_hostile_titles_are_refused(fw: FeedbackWorld) -> None:
    for title in ("", "  ", "x\x00", "題" * 201):
        with pytest.raises(ValidationError):
            open_request(fw, title=title)
    request = open_request(fw, title="題" * 200)
    with pytest.raises(ValidationError):
        services.feature_request_update(actor=fw.w.csm, feature_request=request, title="")
    # a viewer opens none
    with pytest.raises(PermissionDenied):
        services.feature_request_create(actor=fw.w.viewer, product=fw.w.product, title="x")


def test_the_author_edits_while_new_then_only_the_owner(fw: FeedbackWorld) -> None:
    request = open_request(fw)
    log(fw.w.csm, fw.w.account, request)
    other_product = ProductFactory(code="invoice", name_ja="請求書", name_en="Invoice")
    services.feature_request_update(
        actor=fw.w.csm, feature_request=request, title="CSV 出力(月次)", product=other_product
    )
    request.refresh_from_db()
    assert (request.title, request.product_id) == ("CSV 出力(月次)", other_product.pk)
    # the feedback moved with it
    assert Feedback.objects.get().product_id == other_product.pk
    # once planned (by an admin: the new product has no owner), the author may not edit
    services.feature_request_set_status(actor=fw.w.admin, feature_request=request, status="planned")
    with pytest.raises(PermissionDenied):
        services.feature_request_update(actor=fw.w.csm, feature_request=request, title="x")


def test_weights_count_each_account_once_with_its_current_mrr(fw: FeedbackWorld) -> None:
    # given request A asked by big twice and by account once; B by small; C by nobody; and a
    # feedback without a request
    a, b, c = open_request(fw, "A"), open_request(fw, "B"), open_request(fw, "C")
    log(fw.w.csm, fw.big, a)
    log(fw.w.csm, fw.big, a)
    log(fw.w.csm, fw.w.account, a)
    log(fw.w.csm, fw.small, b)
    log(fw.w.csm, fw.small, None)
    # when the board is read
    rows = selectors.request_rows(selectors.RequestFilters())
    # then A weighs 300,000 + 120,000 over 2 accounts and 3 feedback; C is zero, last
    assert [(r.request.title, r.accounts, r.mrr, r.feedback) for r in rows] == [
        ("A", 2, 420_000, 3),
        ("B", 1, 50_000, 1),
        ("C", 0, 0, 0),
    ]
    assert selectors.request_weight(c) == Weight(c.pk, 0, 0, 0)
    # and the MRR is the current one: big churns, A loses its MRR but keeps the account
    Account.objects.filter(pk=fw.big.pk).update(mrr=0)
    assert selectors.request_weight(a) == Weight(a.pk, 2, 120_000, 3)
    # the per-product summary adds the open requests' weights
    (product,) = selectors.product_rows(selectors.request_rows(selectors.RequestFilters()))
    assert (product.new, product.planned, product.open_mrr) == (3, 0, 170_000)


def test_requesting_accounts_by_mrr(fw: FeedbackWorld) -> None:
    request = open_request(fw)
    log(fw.w.csm, fw.small, request)
    log(fw.w.csm, fw.big, request)
    log(fw.w.csm, fw.big, request)
    log(fw.w.csm, fw.big, None)
    rows = selectors.requesting_accounts(request)
    assert [(r.account.name, r.mrr, r.feedback) for r in rows] == [
        ("大口株式会社", 300_000, 2),
        ("小口株式会社", 50_000, 1),
    ]


def _ship(fw: FeedbackWorld, request: Any, commit: Callable[..., Any]) -> None:
    services.feature_request_set_status(
        actor=fw.w.teammate, feature_request=request, status="planned"
    )
    commit(
        services.feature_request_set_status,
        actor=fw.w.teammate,
        feature_request=request,
        status="shipped",
    )


def test_shipping_tells_every_requester_once_in_their_language(
    fw: FeedbackWorld,
    smtp_server: Inbox,
    commit: Callable[..., Any],
    run_queue: Callable[..., list[str]],
) -> None:
    # given feedback logged by the manager on the csm's account and by the outsider's
    # manager-less account logged by an admin; the csm reads English and takes e-mail
    request = open_request(fw)
    log(fw.w.manager, fw.w.account, request)
    log(fw.w.admin, fw.w.other_account, request)
    log(fw.w.csm, fw.big, request)
    fw.w.csm.email, fw.w.csm.language = "csm@example.jp", "en"
    fw.w.csm.save()
    NotificationPreference.objects.create(member=fw.w.csm, email=True)
    # when the product owner ships it and the queue runs
    _ship(fw, request, commit)
    run_queue()
    # then the loggers (manager, admin, csm) and the account owners (csm, outsider) are told
    told = Notification.objects.filter(kind=services.SHIPPED_KIND)
    assert sorted(told.values_list("member__username", flat=True)) == [
        "admin", "csm", "manager", "outsider",
    ]  # fmt: skip
    assert told.get(member=fw.w.csm).title == "Shipped: CSV 出力"
    assert told.get(member=fw.w.manager).title == "リリース済み: CSV 出力"
    # and the e-mail reached the real SMTP server, in English
    (message,) = smtp_server.messages
    assert (message["To"], message["Subject"]) == ("csm@example.jp", "[Kizuna] Shipped: CSV 出力")
    assert f"/feedback/requests/{request.pk}/" in smtp_server.body()
    # when it is saved again, notified again, or re-shipped: nobody is told twice
    request.refresh_from_db()
    request.save()
    assert services.requesters_notify(feature_request=request) == 0
    with pytest.raises(ValidationError):
        services.feature_request_set_status(
            actor=fw.w.teammate, feature_request=request, status="shipped"
        )
    run_queue()
    assert told.count() == 4
    assert len(smtp_server.messages) == 1


def test_a_declined_request_tells_nobody(fw: FeedbackWorld, commit: Callable[..., Any]) -> None:
    request = open_request(fw)
    log(fw.w.csm, fw.w.account, request)
    commit(
        services.feature_request_set_status,
        actor=fw.w.teammate,
        feature_request=request,
        status="declined",
    )
    assert services.requesters_notify(feature_request=request) == 0
    assert not Notification.objects.exists()


def test_deleting_a_touchpoint_keeps_its_feedback(fw: FeedbackWorld) -> None:
    touchpoint = TouchpointFactory(account=fw.w.account, csm=fw.w.csm)
    services.feedback_log(
        actor=fw.w.csm, account=fw.w.account, text="x", source="touchpoint", touchpoint=touchpoint
    )
    Touchpoint.objects.filter(pk=touchpoint.pk).delete()
    assert Feedback.objects.get().touchpoint_id is None


def test_an_account_from_another_team_is_refused_to_its_csm(fw: FeedbackWorld) -> None:
    other = AccountFactory(owner=fw.w.outsider, team=fw.w.other_team)
    with pytest.raises(PermissionDenied):
        log(fw.w.csm, other, None)

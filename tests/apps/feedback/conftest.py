"""The feedback tests' world: the persona world, its product owned by the teammate (a CSM who
is the product owner), two more accounts with MRR, and helpers to log and open."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.customers.models import Account
from kizuna.apps.feedback import services
from kizuna.apps.feedback.models import FeatureRequest, Feedback
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from tests.apps.notify.conftest import commit, run_queue  # noqa: F401  (fixtures)
from tests.apps.org.conftest import Inbox, smtp_server  # noqa: F401  (fixtures)
from tests.factories import AccountFactory, World, build_world


@dataclass
class FeedbackWorld:
    w: World
    big: Account  # the csm's, MRR 300,000
    small: Account  # the csm's, MRR 50,000


@pytest.fixture
def fw(db: Any) -> FeedbackWorld:
    world = build_world()
    world.product.owner = world.teammate
    world.product.save()
    Account.objects.filter(pk=world.account.pk).update(mrr=120_000)
    Account.objects.filter(pk=world.other_account.pk).update(mrr=80_000)
    big = AccountFactory(owner=world.csm, team=world.strategic, name="大口株式会社", mrr=300_000)
    small = AccountFactory(owner=world.csm, team=world.strategic, name="小口株式会社", mrr=50_000)
    world.account.refresh_from_db()
    world.other_account.refresh_from_db()
    return FeedbackWorld(world, big, small)


def open_request(fw: FeedbackWorld, title: str = "CSV 出力") -> FeatureRequest:
    return services.feature_request_create(actor=fw.w.csm, product=fw.w.product, title=title)


def log(
    actor: User, account: Account, request: FeatureRequest | None, text: str = "CSV が欲しい"
) -> Feedback:
    return services.feedback_log(
        actor=actor, account=account, text=text, source="account_page", feature_request=request
    )


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User, method: str, path: str, body: Any = None) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {raw}"}}
    call = getattr(Client(), method)
    if body is not None:
        return call("/api/v1" + path, json.dumps(body), content_type="application/json", **kwargs)
    return call("/api/v1" + path, **kwargs)


__all__ = ["Inbox"]

"""The CSQL API: list with filters, raise, move, hand over; hostile input answers 4xx in the
one error shape (nulls, huge numbers, year 1 / 9999 months, a duplicate), never 500."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from kizuna.apps.expansion import services
from kizuna.apps.expansion.models import Csql
from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from tests.apps.expansion.conftest import TODAY
from tests.factories import World, build_world


def api(user: User, method: str, path: str, body: Any = None) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {raw}"}}
    call = getattr(Client(), method)
    if body is not None:
        return call("/api/v1" + path, json.dumps(body), content_type="application/json", **kwargs)
    return call("/api/v1" + path, **kwargs)


def raise_by_api(world: World, user: User | None = None, **body: Any) -> Any:
    payload = {"account_id": world.account.pk, "sales_owner": "teammate", **body}
    return api(user or world.csm, "post", "/csqls", payload)


def test_raise_list_and_filters(world: World) -> None:
    # given a CSQL raised by the csm and one by the outsider on another account
    created = raise_by_api(world, note="追加提案")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["state"], body["raised_by"], body["team"], body["raised_on"]) == (
        "proposed", "csm", "strategic", TODAY.isoformat(),
    )  # fmt: skip
    assert (body["sales_owner"], body["expansion_mrr"], body["months"], body["reasons"]) == (
        "teammate", 0, [], [],
    )  # fmt: skip
    other = api(
        world.outsider,
        "post",
        "/csqls",
        {"account_id": world.other_account.pk, "sales_owner_name": "鈴木"},
    )
    assert other.status_code == 201
    # when listed and filtered
    ids = lambda q: [i["id"] for i in api(world.viewer, "get", "/csqls" + q).json()["items"]]  # noqa: E731
    # then
    assert ids("") == [other.json()["id"], body["id"]]
    assert ids("?csm=csm") == [body["id"]]
    assert ids("?team=adoption") == [other.json()["id"]]
    assert ids("?month=2026-06&state=proposed") == [other.json()["id"], body["id"]]
    assert ids("?month=2026-05") == []
    assert ids(f"?account_id={world.account.pk}") == [body["id"]]


@pytest.mark.parametrize(
    "query",
    ["?month=0001-01", "?month=9999-12", "?month=2026-13", "?month=26-1", "?team=nope",
     "?csm=nobody", "?state=open", "?account_id=0", "?account_id=99999999999999999999"],
)  # fmt: skip
def test_hostile_filters_answer_4xx_or_empty(world: World, query: str) -> None:
    response = api(world.viewer, "get", "/csqls" + query)
    if query in ("?month=0001-01", "?month=9999-12"):
        assert (response.status_code, response.json()["items"]) == (200, [])
    else:
        assert response.status_code == 400, response.content
        assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"account_id": None}, "account_id"),
        ({"account_id": 2**70}, "account_id"),
        ({"account_id": "x"}, "account_id"),
        ({"sales_owner": None, "sales_owner_name": ""}, "sales_owner"),
        ({"sales_owner": "nobody"}, "sales_owner"),
        ({"sales_owner": "viewer"}, "sales_owner"),
        ({"product": "nope"}, "product"),
        ({"note": "x" * 4001}, "note"),
        ({"note": "a\x00b"}, "note"),
        ({"sales_owner": None, "sales_owner_name": "x" * 151}, "sales_owner_name"),
    ],
)
def test_hostile_raise_answers_400(world: World, body: dict[str, Any], field: str) -> None:
    payload = {"account_id": world.account.pk, "sales_owner": "teammate", **body}
    response = api(world.csm, "post", "/csqls", payload)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["fields"]
    assert Csql.objects.count() == 0


def test_unknown_account_is_404_and_a_viewer_403(world: World) -> None:
    assert (
        api(
            world.csm, "post", "/csqls", {"account_id": 999_999, "sales_owner": "teammate"}
        ).status_code
        == 404
    )
    response = raise_by_api(world, user=world.viewer)
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")


def test_a_duplicate_open_csql_is_409(world: World) -> None:
    assert raise_by_api(world).status_code == 201
    again = raise_by_api(world, user=world.teammate)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"
    assert Csql.objects.count() == 1


def test_move_and_hand_over(world: World) -> None:
    csql_id = raise_by_api(world).json()["id"]
    # the raiser may not move it
    response = api(world.csm, "patch", f"/csqls/{csql_id}", {"state": "accepted"})
    assert (response.status_code, response.json()["error"]["code"]) == (403, "forbidden")
    # the sales owner accepts it
    accepted = api(world.teammate, "patch", f"/csqls/{csql_id}", {"state": "accepted"})
    assert accepted.json()["state"] == "accepted"
    # lost without a reason, or with the job's, is refused
    for body in (
        {"state": "lost"},
        {"state": "lost", "lost_reason": "no_expansion"},
        {},
        {"state": None},
    ):
        bad = api(world.manager, "patch", f"/csqls/{csql_id}", body)
        assert bad.status_code == 400, (body, bad.content)
    # the manager hands it to a CRM user, then marks it lost
    handed = api(
        world.manager, "patch", f"/csqls/{csql_id}", {"sales_owner_name": "Salesforce 田中"}
    )
    assert (handed.json()["sales_owner"], handed.json()["sales_owner_name"]) == (
        None,
        "Salesforce 田中",
    )
    lost = api(
        world.manager,
        "patch",
        f"/csqls/{csql_id}",
        {"state": "lost", "lost_reason": "no_budget", "lost_note": "来期"},
    )
    assert (lost.json()["state"], lost.json()["lost_reason"], lost.json()["closed_on"]) == (
        "lost",
        "no_budget",
        TODAY.isoformat(),
    )
    # and a closed CSQL moves no more
    assert api(world.admin, "patch", f"/csqls/{csql_id}", {"state": "won"}).status_code == 400
    assert api(world.admin, "get", "/csqls/99999999").status_code == 404


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent connections")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_raises_for_one_account_make_one_csql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given two members who both find no open CSQL before either inserts
    world = build_world()
    barrier = threading.Barrier(2, timeout=30)
    real = services._open_exists

    def exists_then_wait(*args: Any) -> bool:
        found = real(*args)
        barrier.wait()
        return found

    monkeypatch.setattr(services, "_open_exists", exists_then_wait)
    results: dict[str, Any] = {}

    def raise_one(member: User) -> None:
        try:
            results[member.username] = services.csql_raise(
                actor=member, account=world.account, sales_owner=world.manager
            ).pk
        except Exception as error:  # reported by the assertion below
            results[member.username] = type(error).__name__
        finally:
            connection.close()

    # when both raise at once
    threads = [threading.Thread(target=raise_one, args=(m,)) for m in (world.csm, world.teammate)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # then one CSQL exists and the other member was refused
    assert Csql.objects.count() == 1
    assert sorted(map(str, results.values())) == sorted(
        [str(Csql.objects.get().pk), "ValidationError"]
    )

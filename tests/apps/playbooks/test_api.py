"""The playbooks API: list and get, start a run (201, then 200 while it runs), runs with
progress, cancel; hostile input answers 4xx in the one error shape, never 500."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.org.models import User
from kizuna.apps.org.services import api_token_create
from kizuna.apps.playbooks.models import Playbook
from tests.apps.playbooks.conftest import DUES
from tests.factories import World

pytestmark = pytest.mark.django_db


def api(user: User, method: str, path: str, body: Any = None) -> Any:
    _token, raw = api_token_create(user=user, name="test")
    kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {raw}"}}
    call = getattr(Client(), method)
    if body is not None:
        return call("/api/v1" + path, json.dumps(body), content_type="application/json", **kwargs)
    return call("/api/v1" + path, **kwargs)


def test_list_get_start_runs_and_cancel(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    listed = api(world.viewer, "get", "/playbooks").json()["items"]
    assert [(p["name"], len(p["steps"])) for p in listed] == [("オンボーディング", 4)]
    got = api(world.viewer, "get", f"/playbooks/{playbook.pk}").json()
    assert got["steps"][2] == {
        "order": 3,
        "title": "更新準備",
        "title_ja": "更新準備",
        "title_en": "",
        "offset_days": -120,
        "anchor": "renewal",
        "rounding": "auto",
        "priority": "medium",
    }
    started = api(
        world.csm, "post", f"/playbooks/{playbook.pk}/runs", {"account_id": world.account.pk}
    )
    assert started.status_code == 201
    run = started.json()
    assert (run["state"], run["done"], run["total"], run["started_by"]) == ("running", 0, 4, "csm")
    assert run["anchor_date"] == "2026-09-01"
    assert [s["due_date"] for s in run["steps"]] == [DUES[n].isoformat() for n in (1, 2, 3, 4)]
    assert run["next_step"]["title"] == "キックオフ"
    again = api(
        world.csm, "post", f"/playbooks/{playbook.pk}/runs", {"account_id": world.account.pk}
    )
    assert again.status_code == 200 and again.json()["id"] == run["id"]
    runs = api(world.viewer, "get", f"/playbooks/{playbook.pk}/runs?state=running").json()
    assert [r["id"] for r in runs["items"]] == [run["id"]]
    cancelled = api(world.csm, "post", f"/playbook-runs/{run['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    twice = api(world.csm, "post", f"/playbook-runs/{run['id']}/cancel")
    assert twice.status_code == 400 and twice.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("path", "body", "status"),
    [
        ("/playbooks/999999/runs", {"account_id": 1}, 404),
        ("/playbooks/{pb}/runs", {"account_id": 999999}, 404),
        ("/playbooks/{pb}/runs", {"account_id": 2**70}, 400),
        ("/playbooks/{pb}/runs", {"account_id": None}, 400),
        ("/playbooks/{pb}/runs", {}, 400),
        ("/playbooks/{pb}/runs", {"account_id": "{acc}", "anchor_date": "9999-12-31"}, 400),
        ("/playbooks/{pb}/runs", {"account_id": "{acc}", "anchor_date": "0001-01-01"}, 400),
        ("/playbooks/{pb}/runs", {"account_id": "{acc}", "anchor_date": "2099-12-31"}, 400),
        ("/playbooks/{pb}/runs", {"account_id": "{acc}"}, 400),  # no renewal date known
        ("/playbooks/{pb}/runs", {"account_id": "{other}"}, 403),
        ("/playbook-runs/999999/cancel", None, 404),
        ("/playbook-runs/{huge}/cancel", None, 400),
    ],
)
def test_hostile_input_is_4xx(
    world: World, playbook: Playbook, path: str, body: Any, status: int
) -> None:
    names = {"pb": playbook.pk, "acc": world.account.pk, "other": world.other_account.pk}
    path = path.format(huge=2**70, **names)
    if body:
        body = {
            k: int(v.format(**names)) if isinstance(v, str) and "{" in v else v
            for k, v in body.items()
        }
    response = api(world.csm, "post", path, body if body is not None else None)
    assert response.status_code == status, response.content
    assert set(response.json()["error"]) >= {"code", "message"}


def test_gets_answer_404_and_400(world: World) -> None:
    assert api(world.csm, "get", "/playbooks/999999").status_code == 404
    assert api(world.csm, "get", f"/playbooks/{2**70}").status_code == 400
    assert api(world.csm, "get", "/playbooks/999999/runs").status_code == 404
    assert api(world.csm, "get", "/playbooks?page=0").status_code == 400

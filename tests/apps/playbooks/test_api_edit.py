"""Editing playbooks through the API: admins create, replace, deactivate and activate them;
every other member reads only (403); a running run keeps the steps and tasks it started with;
hostile bodies answer 400 in the one error shape and write nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.playbooks.models import Playbook, PlaybookStep
from kizuna.apps.playbooks.services import playbook_start
from kizuna.apps.tasks.models import Task
from tests.apps.playbooks.test_api import api
from tests.factories import World

pytestmark = pytest.mark.django_db

KICK_OFF: dict[str, Any] = {
    "name": "オンボーディング・キックオフ",
    "description": "契約直後の30日間",
    "steps": [
        {"order": 2, "title_ja": "管理者設定の確認", "title_en": "Check the admin setup",
         "offset_days": 7},
        {"order": 1, "title_ja": "キックオフ", "title_en": "Kick-off meeting", "offset_days": 0,
         "priority": "high"},
        {"order": 3, "title_ja": "", "title_en": "First usage review", "offset_days": 30,
         "rounding": "none"},
    ],
}  # fmt: skip


def test_an_admin_creates_a_playbook_and_everybody_reads_it(world: World) -> None:
    # given an admin's body of three steps, out of order, one titled in English only
    # when it is posted
    created = api(world.admin, "post", "/playbooks", KICK_OFF)
    # then 201 and the playbook with its steps by order, defaults filled in
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["name"], body["description"], body["active"]) == (
        "オンボーディング・キックオフ",
        "契約直後の30日間",
        True,
    )
    assert body["steps"] == [
        {"order": 1, "title": "キックオフ", "title_ja": "キックオフ",
         "title_en": "Kick-off meeting", "offset_days": 0, "anchor": "start",
         "rounding": "auto", "priority": "high"},
        {"order": 2, "title": "管理者設定の確認", "title_ja": "管理者設定の確認",
         "title_en": "Check the admin setup", "offset_days": 7, "anchor": "start",
         "rounding": "auto", "priority": "medium"},
        {"order": 3, "title": "First usage review", "title_ja": "",
         "title_en": "First usage review", "offset_days": 30, "anchor": "start",
         "rounding": "none", "priority": "medium"},
    ]  # fmt: skip
    audit = AuditEvent.objects.get(entity="playbook", entity_id=body["id"])
    assert (audit.action, audit.via, audit.actor) == ("create", "api", world.admin)
    # and a viewer reads it, each title in the viewer's language (English falls back to
    # Japanese where it is blank, and the other way round)
    world.viewer.language = "en"
    world.viewer.save(update_fields=["language"])
    read = api(world.viewer, "get", f"/playbooks/{body['id']}").json()
    assert [s["title"] for s in read["steps"]] == [
        "Kick-off meeting",
        "Check the admin setup",
        "First usage review",
    ]


@pytest.mark.parametrize("persona", ["csm", "teammate", "manager", "viewer", "outsider"])
def test_only_admins_write(world: World, playbook: Playbook, persona: str) -> None:
    member = getattr(world, persona)
    writes = [
        ("post", "/playbooks", KICK_OFF),
        ("put", f"/playbooks/{playbook.pk}", KICK_OFF),
        ("post", f"/playbooks/{playbook.pk}/deactivate", None),
        ("post", f"/playbooks/{playbook.pk}/activate", None),
    ]
    for method, path, body in writes:
        response = api(member, method, path, body)
        assert response.status_code == 403, (path, response.content)
        assert response.json()["error"]["code"] == "forbidden"
    assert Playbook.objects.count() == 1
    playbook.refresh_from_db()
    assert (playbook.name, playbook.active, playbook.steps.count()) == ("オンボーディング", True, 4)


def test_a_replacement_leaves_the_running_run_and_its_tasks_as_they_were(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    # given the playbook running on the account, its four tasks open
    run, _created = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    before = list(Task.objects.filter(origin_id=run.pk).values_list("title", "due_date"))
    # when an admin replaces it with the three kick-off steps, renamed
    replaced = api(world.admin, "put", f"/playbooks/{playbook.pk}", KICK_OFF)
    # then the playbook has the new steps
    assert replaced.status_code == 200, replaced.content
    assert replaced.json()["name"] == "オンボーディング・キックオフ"
    assert [s["order"] for s in replaced.json()["steps"]] == [1, 2, 3]
    # and the running run keeps its four steps and tasks, unchanged
    runs = api(world.viewer, "get", f"/playbooks/{playbook.pk}/runs").json()["items"]
    assert [(r["id"], r["state"], r["total"]) for r in runs] == [(run.pk, "running", 4)]
    assert [s["title"] for s in runs[0]["steps"]] == [
        "キックオフ",
        "初回フォロー",
        "更新準備",
        "更新確認",
    ]
    after = list(Task.objects.filter(origin_id=run.pk).values_list("title", "due_date"))
    assert after == before and len(after) == 4
    assert Task.objects.filter(origin_id=run.pk, state="open").count() == 4
    audit = AuditEvent.objects.filter(entity="playbook", action="update").get()
    assert set(audit.changes) == {"name", "description", "steps"}


def test_deactivated_it_does_not_start_and_its_running_run_goes_on(
    world: World, playbook: Playbook, renewing: dt.date
) -> None:
    run, _created = playbook_start(account=world.account, playbook=playbook, by=world.csm)
    # when an admin deactivates it (twice: the second changes nothing)
    off = api(world.admin, "post", f"/playbooks/{playbook.pk}/deactivate")
    again = api(world.admin, "post", f"/playbooks/{playbook.pk}/deactivate")
    # then it is inactive, audited once
    assert (off.status_code, off.json()["active"], again.json()["active"]) == (200, False, False)
    audits = AuditEvent.objects.filter(entity="playbook", action="update")
    assert [a.changes for a in audits] == [{"active": [True, False]}]
    # and it cannot start on another account
    refused = api(
        world.admin,
        "post",
        f"/playbooks/{playbook.pk}/runs",
        {"account_id": world.other_account.pk},
    )
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"playbook": ["このプレイブックは無効です。"]}
    # while the run already going keeps running with its open tasks
    run.refresh_from_db()
    assert run.state == "running"
    assert Task.objects.filter(origin_id=run.pk, state="open").count() == 4
    # and activated again, it lists among the active ones
    on = api(world.admin, "post", f"/playbooks/{playbook.pk}/activate")
    assert on.json()["active"] is True
    active = api(world.viewer, "get", "/playbooks?active=true").json()["items"]
    assert [p["id"] for p in active] == [playbook.pk]


def _step(**changes: Any) -> dict[str, Any]:
    return {"order": 1, "title_ja": "キックオフ", "offset_days": 0, **changes}


def _body(**changes: Any) -> dict[str, Any]:
    return {"name": "P", "steps": [_step()], **changes}


HOSTILE: list[tuple[str, dict[str, Any], str]] = [
    ("offset far ahead", _body(steps=[_step(offset_days=100_000)]), "steps.0.offset_days"),
    ("offset far back", _body(steps=[_step(offset_days=-100_000)]), "steps.0.offset_days"),
    ("offset past the bound", _body(steps=[_step(offset_days=3661)]), "steps.0.offset_days"),
    ("offset a float", _body(steps=[_step(offset_days=1.5)]), "steps.0.offset_days"),
    ("offset null", _body(steps=[_step(offset_days=None)]), "steps.0.offset_days"),
    ("offset huge", _body(steps=[_step(offset_days=2**70)]), "steps.0.offset_days"),
    ("no steps", _body(steps=[]), "steps"),
    ("steps null", _body(steps=None), "steps"),
    ("steps missing", {"name": "P"}, "steps"),
    ("10,000 steps", _body(steps=[_step(order=n % 999 + 1) for n in range(10_000)]), "steps"),
    ("51 steps", _body(steps=[_step(order=n) for n in range(1, 52)]), "steps"),
    ("two steps at 1", _body(steps=[_step(), _step(title_ja="重複")]), "steps"),
    ("order 0", _body(steps=[_step(order=0)]), "steps.0.order"),
    ("order 1000", _body(steps=[_step(order=1000)]), "steps.0.order"),
    ("order null", _body(steps=[_step(order=None)]), "steps.0.order"),
    ("title of 10,000", _body(steps=[_step(title_ja="あ" * 10_000)]), "steps.0.title_ja"),
    ("title of 201", _body(steps=[_step(title_en="x" * 201)]), "steps.0.title_en"),
    ("title null", _body(steps=[_step(title_ja=None)]), "steps.0.title_ja"),
    ("no title", _body(steps=[_step(title_ja="", title_en="  ")]), "steps"),
    ("title NUL", _body(steps=[_step(title_en="a\x00b")]), "steps"),
    ("anchor unknown", _body(steps=[_step(anchor="end")]), "steps.0.anchor"),
    ("rounding null", _body(steps=[_step(rounding=None)]), "steps.0.rounding"),
    ("priority unknown", _body(steps=[_step(priority="urgent")]), "steps.0.priority"),
    ("name null", _body(name=None), "name"),
    ("name blank", _body(name="   "), "name"),
    ("name of 10,000", _body(name="名" * 10_000), "name"),
    ("name NUL", _body(name="P\x00"), "name"),
    ("description NUL", _body(description="\x00"), "description"),
    ("active null", _body(active=None), "active"),
]


@pytest.mark.parametrize(("case", "body", "field"), HOSTILE, ids=[h[0] for h in HOSTILE])
@pytest.mark.parametrize("method", ["post", "put"])
def test_hostile_bodies_answer_400_on_the_field_and_write_nothing(
    world: World, playbook: Playbook, case: str, body: dict[str, Any], field: str, method: str
) -> None:
    path = "/playbooks" if method == "post" else f"/playbooks/{playbook.pk}"
    steps_before = list(PlaybookStep.objects.values_list("pk", "title_ja", "offset_days"))
    response = api(world.admin, method, path, body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert list(error["fields"]) == [field]
    assert Playbook.objects.count() == 1
    playbook.refresh_from_db()
    assert (playbook.name, playbook.active) == ("オンボーディング", True)
    assert list(PlaybookStep.objects.values_list("pk", "title_ja", "offset_days")) == steps_before


def test_unknown_and_huge_ids_answer_404_and_400(world: World) -> None:
    assert api(world.admin, "put", "/playbooks/999999", KICK_OFF).status_code == 404
    assert api(world.admin, "put", f"/playbooks/{2**70}", KICK_OFF).status_code == 400
    assert api(world.admin, "post", "/playbooks/999999/deactivate").status_code == 404
    assert api(world.admin, "post", f"/playbooks/{2**70}/activate").status_code == 400

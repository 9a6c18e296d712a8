"""Health pages: who sees and does what; the editor's preview and errors; sentiment."""

from __future__ import annotations

from typing import Any

from django.test import Client

from kizuna.apps.health.models import ScoreModelVersion, Sentiment
from kizuna.apps.health.services import health_scores_refresh
from tests.apps.health.conftest import TODAY
from tests.factories import World


def client_for(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _editor(model: ScoreModelVersion, **overrides: str) -> dict[str, str]:
    components = model.spec["components"]
    data = {
        "c-TOTAL_FORMS": str(len(components) + 1), "c-INITIAL_FORMS": str(len(components)),
        "c-MIN_NUM_FORMS": "1", "c-MAX_NUM_FORMS": "1000",
        "red_below": "40", "green_from": "70", "note": "利用を重視", "action": "preview",
    }  # fmt: skip
    n = len(components)  # the extra row, untouched as the browser sends it
    data.update(
        {
            f"c-{n}-input": "",
            f"c-{n}-kind": "linear",
            f"c-{n}-low": "",
            f"c-{n}-high": "",
            f"c-{n}-weight": "",
        }
    )
    for n, c in enumerate(components):
        for key in ("input", "kind", "low", "high", "weight"):
            data[f"c-{n}-{key}"] = str(c[key])
        if c["red_forces_red"]:
            data[f"c-{n}-red_forces_red"] = "on"
    return {**data, **overrides}


def test_every_member_reads_the_pages(scored_world: World) -> None:
    health_scores_refresh(day=TODAY)
    model = ScoreModelVersion.objects.get(name="adoption")
    for user in (scored_world.viewer, scored_world.csm, scored_world.admin):
        client = client_for(user)
        for url in (
            "/health/",
            "/health/models/",
            f"/health/models/{model.pk}/",
            f"/accounts/{scored_world.account.pk}/",
        ):
            assert client.get(url).status_code == 200, (user, url)
    page = (
        client_for(scored_world.csm).get(f"/accounts/{scored_world.account.pk}/").content.decode()
    )
    assert 'id="health"' in page


def test_only_admins_open_the_editor(scored_world: World) -> None:
    model = ScoreModelVersion.objects.get(name="adoption")
    assert (
        client_for(scored_world.manager).get(f"/health/models/{model.pk}/edit/").status_code == 403
    )
    assert client_for(scored_world.admin).get(f"/health/models/{model.pk}/edit/").status_code == 200


def test_the_editor_previews_then_saves_a_draft_that_publishes(scored_world: World) -> None:
    model = ScoreModelVersion.objects.get(name="adoption")
    admin = client_for(scored_world.admin)
    preview = admin.post(f"/health/models/{model.pk}/edit/", _editor(model, **{"c-0-weight": "60"}))
    assert preview.status_code == 200
    assert ScoreModelVersion.objects.filter(name="adoption").count() == 1
    saved = admin.post(
        f"/health/models/{model.pk}/edit/", _editor(model, **{"c-0-weight": "60", "action": "save"})
    )
    draft = ScoreModelVersion.objects.get(name="adoption", version=2)
    assert saved.status_code == 302 and draft.status == "draft"
    assert draft.spec["components"][0]["weight"] == 60
    assert admin.post(f"/health/models/{draft.pk}/publish/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == "draft"  # not confirmed: nothing published
    confirm = {"confirm": "yes"}
    assert admin.post(f"/health/models/{draft.pk}/publish/", confirm).status_code == 302
    draft.refresh_from_db()
    assert draft.status == "published"


def test_the_editor_explains_bad_input_and_saves_nothing(scored_world: World) -> None:
    model = ScoreModelVersion.objects.get(name="adoption")
    bad = _editor(
        model, **{"c-0-high": "0.1", "c-0-low": "0.1", "green_from": "10", "action": "save"}
    )
    response = client_for(scored_world.admin).post(f"/health/models/{model.pk}/edit/", bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert "両端" in page and "緑" in page
    assert ScoreModelVersion.objects.filter(name="adoption").count() == 1


def test_a_csm_records_sentiment_and_others_cannot(scored_world: World) -> None:
    url = f"/health/accounts/{scored_world.account.pk}/sentiment/"
    form: dict[str, Any] = {"value": "2", "reason": "決裁者が交代", "until": "2030-01-01"}
    assert client_for(scored_world.outsider).post(url, form).status_code == 403
    assert client_for(scored_world.viewer).post(url, form).status_code == 403
    assert not Sentiment.objects.exists()


def test_the_api_gives_scores_with_their_parts(scored_world: World) -> None:
    from kizuna.apps.org.services import api_token_create

    health_scores_refresh(day=TODAY)
    _token, raw = api_token_create(user=scored_world.viewer, name="t")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    day = client.get("/api/v1/health/scores").json()
    assert [(s["account_id"], s["model"]) for s in day] == [
        (scored_world.account.pk, "adoption v1")
    ]
    assert round(sum(v for v in day[0]["points"].values() if v is not None), 1) == day[0]["score"]
    assert client.get("/api/v1/health/scores?grade=9").status_code in (400, 422)
    assert client.get("/api/v1/accounts/999999/health").status_code == 404


def test_an_analyst_backtests_an_uploaded_table(scored_world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    model = ScoreModelVersion.objects.get(name="adoption")
    inputs = [
        "active_user_ratio",
        "feature_adoption",
        "usage_trend",
        "days_since_touch",
        "sentiment",
    ]
    lines = ["account_id,date," + ",".join(inputs) + ",churned"]
    for n in range(40):
        churn = n % 2
        ratio = 0.1 if churn else 0.6
        lines.append(f"{n},2026-01-01,{ratio},0.5,1,30,3,{churn}")
    table = SimpleUploadedFile("history.csv", ("\n".join(lines) + "\n").encode())
    url = f"/health/models/{model.pk}/upload/"
    response = client_for(scored_world.admin).post(
        url, {"file": table, "outcome": "churned", "horizon": "90"}
    )
    assert response.status_code == 200
    assert response.context["main"].auc == 1.0
    bad = SimpleUploadedFile("history.csv", b"account_id,date,churned\n1,2026-01-01,1\n")
    refused = client_for(scored_world.admin).post(
        url, {"file": bad, "outcome": "churned", "horizon": "90"}
    )
    assert refused.status_code == 400
    assert "active_user_ratio" in refused.content.decode()
    wrong = SimpleUploadedFile("history.xlsx", b"x")
    assert (
        client_for(scored_world.admin)
        .post(url, {"file": wrong, "outcome": "c", "horizon": "90"})
        .status_code
        == 400
    )


def test_a_weighting_for_one_touch_model_becomes_its_own_model(scored_world: World) -> None:
    model = ScoreModelVersion.objects.get(name="adoption")
    data = _editor(model, action="save", segment="high")
    assert (
        client_for(scored_world.admin).post(f"/health/models/{model.pk}/edit/", data).status_code
        == 302
    )
    variant = ScoreModelVersion.objects.get(segment="high")
    assert (variant.name, variant.version, variant.phase, variant.status) == (
        "adoption-high",
        1,
        "adoption",
        "draft",
    )

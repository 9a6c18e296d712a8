"""Backtest on an uploaded table: CS ops admins only, at most 50 MB (refused before the body is
read), and no error message ever shows a path on the server."""

from __future__ import annotations

import io
import re
import tempfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kizuna.apps.health import uploads
from kizuna.apps.health.models import ScoreModelVersion
from tests.factories import World

INPUTS = ["active_user_ratio", "feature_adoption", "usage_trend", "days_since_touch", "sentiment"]
PATHS = re.compile(r"(/tmp|/var/|/home/|/work/|\.upload|[A-Za-z]:\\\\)")


def client_for(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def table(rows: int = 40, *, columns: list[str] | None = None) -> bytes:
    names = columns if columns is not None else ["account_id", "date", *INPUTS, "churned"]
    lines = [",".join(names)]
    for n in range(rows):
        churn = n % 2
        values = {"account_id": n, "date": "2026-01-01", "churned": churn}
        values.update(dict.fromkeys(INPUTS, 0.1 if churn else 0.6))
        lines.append(",".join(str(values.get(name, 1)) for name in names))
    return ("\n".join(lines) + "\n").encode()


def url(model: ScoreModelVersion) -> str:
    return f"/health/models/{model.pk}/upload/"


def post(user: Any, data: bytes, name: str = "history.csv", **extra: Any) -> Any:
    model = ScoreModelVersion.objects.get(name="adoption")
    body = {"file": SimpleUploadedFile(name, data), "outcome": "churned", "horizon": "90"}
    return client_for(user).post(url(model), body, **extra)


def shown_errors(response: Any) -> list[str]:
    form = response.context["form"]
    return [str(e) for errors in form.errors.values() for e in errors]


@pytest.mark.parametrize(
    ("persona", "status"),
    [("viewer", 403), ("csm", 403), ("manager", 403), ("admin", 200)],
)
def test_only_cs_ops_admins_backtest_an_uploaded_table(
    scored_world: World, persona: str, status: int
) -> None:
    # when a member uploads a good table
    response = post(getattr(scored_world, persona), table())
    # then only the CS ops admin gets a backtest
    assert response.status_code == status
    if status == 200:
        assert response.context["main"].auc == 1.0


@pytest.mark.parametrize("persona", ["viewer", "csm", "manager", "admin"])
def test_the_model_page_offers_the_upload_only_to_admins(scored_world: World, persona: str) -> None:
    model = ScoreModelVersion.objects.get(name="adoption")
    html = client_for(getattr(scored_world, persona)).get(f"/health/models/{model.pk}/")
    assert (url(model) in html.content.decode()) is (persona == "admin")


def test_a_request_announcing_more_than_the_limit_is_refused_before_it_is_read(
    scored_world: World,
) -> None:
    # given a request that announces 200 MB; reading past its small real body would fail
    announced = str(200 * 1024 * 1024)
    # when the admin sends it
    response = post(scored_world.admin, table(), CONTENT_LENGTH=announced)
    # then it is refused as too large without reading the body, naming the limit
    assert response.status_code == 413
    text = response.content.decode()
    assert "50 MB" in text
    assert not PATHS.search(response.context["upload_error"])


def test_a_viewer_announcing_a_huge_upload_gets_403_not_a_read(scored_world: World) -> None:
    response = post(scored_world.viewer, table(), CONTENT_LENGTH=str(200 * 1024 * 1024))
    assert response.status_code == 403


def test_a_file_over_the_limit_is_refused_by_its_size(
    scored_world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a limit of 1,000 bytes and a 2,000-byte table (its request is within the overhead)
    monkeypatch.setattr(uploads, "MAX_BYTES", 1000)
    data = table(rows=60)
    assert len(data) > 2000
    # when the admin uploads it
    response = post(scored_world.admin, data)
    # then the form refuses it by size
    assert response.status_code == 400
    assert shown_errors(response) == [uploads.too_large_message()]


def test_the_limit_is_fifty_megabytes() -> None:
    assert uploads.MAX_BYTES == 50 * 1024 * 1024
    assert not uploads.request_too_large(str(50 * 1024 * 1024))
    assert uploads.request_too_large(str(51 * 1024 * 1024))
    assert not uploads.request_too_large("not a number")
    assert not uploads.request_too_large(None)


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("history.parquet", b"PAR1 this is not parquet", "Parquet"),
        ("history.csv", b"account_id,date\n1,2026-01-01,3,4\n", "CSV"),
        ("history.csv", table(columns=["account_id", "date", "churned"]), INPUTS[0]),
        ("history.csv", table().replace(b"2026-01-01", b"someday"), "YYYY-MM-DD"),
        ("history.csv", table().replace(b",1\n", b",maybe\n"), "0/1"),
    ],
)
def test_a_refused_table_is_explained_without_a_server_path(
    scored_world: World, name: str, data: bytes, reason: str
) -> None:
    # when the admin uploads a table that cannot be backtested
    response = post(scored_world.admin, data, name=name)
    # then it is a 400 that says why, and neither the message nor the page names a path
    assert response.status_code == 400
    errors = shown_errors(response)
    assert len(errors) == 1
    assert reason in errors[0]
    assert not PATHS.search(errors[0])
    assert tempfile.gettempdir() not in response.content.decode()


def test_a_large_table_kept_on_disk_is_explained_without_its_path(scored_world: World) -> None:
    # given a table over Django's in-memory limit (2.5 MB), which it streams to a temporary file
    data = table(rows=200_000, columns=["account_id", "date", "churned", "padding_" * 8])
    assert len(data) > 3 * 1024 * 1024
    # when the admin uploads it and it lacks the model's inputs
    response = post(scored_world.admin, data)
    # then the message lists the missing columns and no path
    assert response.status_code == 400
    (error,) = shown_errors(response)
    assert INPUTS[0] in error
    assert not PATHS.search(error)
    assert tempfile.gettempdir() not in response.content.decode()


def test_the_csrf_check_still_runs(scored_world: World) -> None:
    model = ScoreModelVersion.objects.get(name="adoption")
    client = client_for(scored_world.admin, enforce_csrf_checks=True)
    body = {"file": io.BytesIO(table()), "outcome": "churned", "horizon": "90"}
    assert client.post(url(model), body).status_code == 403
    client.get(f"/health/models/{model.pk}/")
    token = client.cookies["csrftoken"].value
    body = {"file": SimpleUploadedFile("history.csv", table()), "outcome": "churned"}
    body.update({"horizon": "90", "csrfmiddlewaretoken": token})
    assert client.post(url(model), body).status_code == 200

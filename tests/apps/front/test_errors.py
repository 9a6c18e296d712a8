"""403, 404 and 500 pages: branded, in the member's language, with the navigation; the API
keeps its JSON error shape."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from tests.factories import World


def test_a_missing_page_is_a_japanese_404_with_the_navigation(world: World) -> None:
    client = Client()
    client.force_login(world.csm)
    response = client.get("/no-such-page/")
    body = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="ja">' in body
    assert "ページが見つかりません" in body
    assert 'class="mainnav"' in body and "顧客一覧" in body
    assert "Not Found" not in body


def test_a_missing_account_is_the_same_404(world: World) -> None:
    client = Client()
    client.force_login(world.csm)
    response = client.get(reverse("customers:account_detail", args=[999_999_999]))
    assert response.status_code == 404
    assert "ページが見つかりません" in response.content.decode()


def test_a_404_speaks_english_to_a_member_who_chose_english(world: World) -> None:
    world.csm.language = "en"
    world.csm.save()
    client = Client()
    client.force_login(world.csm)
    body = client.get("/no-such-page/").content.decode()
    assert "Page not found" in body and '<html lang="en">' in body


def test_a_forbidden_action_is_a_japanese_403_with_the_navigation(world: World) -> None:
    client = Client()
    client.force_login(world.viewer)
    response = client.get(reverse("customers:account_edit", args=[world.account.pk]))
    body = response.content.decode()
    assert response.status_code == 403
    assert "この操作は許可されていません" in body and 'class="mainnav"' in body


def test_a_stale_form_is_a_japanese_403_not_djangos_english_page(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.csm)
    response = client.post(reverse("org:tokens"), {"name": "x"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "フォームの有効期限が切れています" in body
    assert "CSRF verification failed" not in body


def test_the_api_keeps_json_errors(world: World) -> None:
    response = Client().get("/api/v1/no-such-endpoint")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("language", "text"), [("ja", "エラーが発生しました"), ("en", "went wrong")]
)
def test_the_500_page_renders_without_a_request_or_a_database(language: str, text: str) -> None:
    # no ``db`` fixture: any query would fail the test
    with translation.override(language):
        body = render_to_string("500.html")
    assert text in body
    assert 'href="/today/"' in body


@override_settings(DEBUG=False)
def test_an_unhandled_error_shows_the_branded_500(world: World, monkeypatch: object) -> None:
    from kizuna.apps.coverage import selectors

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(selectors, "worklist_dues", broken)
    client = Client(raise_request_exception=False)
    client.force_login(world.csm)
    response = client.get(reverse("coverage:worklist"))
    assert response.status_code == 500
    assert "エラーが発生しました" in response.content.decode()

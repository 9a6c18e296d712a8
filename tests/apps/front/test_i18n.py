"""Japanese by default, English on request, and both catalogs complete."""

from __future__ import annotations

from pathlib import Path

import polib
import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import World

LOCALE = Path(__file__).resolve().parents[3] / "src" / "kizuna" / "locale"


@pytest.mark.parametrize("language", ["ja", "en"])
def test_it_has_a_complete_catalog(language: str) -> None:
    catalog = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    untranslated = [entry.msgid for entry in catalog.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalog.fuzzy_entries()]
    assert untranslated == []
    assert fuzzy == []


def test_it_speaks_japanese_to_a_new_visitor_whatever_the_browser_prefers(db: object) -> None:
    response = Client().get(reverse("front:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert '<html lang="ja">' in body
    assert "Kizuna にログイン" in body


def test_it_remembers_the_language_on_the_member(world: World) -> None:
    # given the CSM logged in (Japanese by default)
    client = Client()
    client.force_login(world.csm)
    assert "顧客一覧" in client.get(reverse("customers:account_list")).content.decode()
    # when they switch to English
    response = client.post(reverse("front:set_language"), {"language": "en", "next": "/accounts/"})
    # then they are sent back and the choice is saved on them, so a new session is in English
    assert response.status_code == 302
    world.csm.refresh_from_db()
    assert world.csm.language == "en"
    other_device = Client()
    other_device.force_login(world.csm)
    body = other_device.get(reverse("customers:account_list")).content.decode()
    assert '<html lang="en">' in body
    assert "Accounts" in body


def test_it_ignores_an_unknown_language_and_an_outside_redirect(world: World) -> None:
    client = Client()
    client.force_login(world.csm)
    response = client.post(
        reverse("front:set_language"), {"language": "xx", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    world.csm.refresh_from_db()
    assert world.csm.language == "ja"


def test_it_shows_form_errors_in_the_members_language(world: World) -> None:
    client = Client()
    client.force_login(world.csm)
    url = reverse("customers:line_create", args=[world.account.pk])
    bad = {
        "product": world.product.pk,
        "billing_period": "monthly",
        "amount": "-5",
        "start_date": "2026-04-01",
        "end_date": "2026-03-01",
    }
    japanese = client.post(url, bad).content.decode()
    assert "まだ何も保存されていません" in japanese
    world.csm.language = "en"
    world.csm.save()
    english = client.post(url, bad).content.decode()
    assert "Nothing has been saved" in english
    assert "Ensure this value is greater than or equal to 0" in english
    assert world.account.subscription_lines.count() == 0


def test_it_keeps_the_language_chosen_on_the_login_page(world: World) -> None:
    from tests.factories import PASSWORD

    client = Client()
    client.post(reverse("front:set_language"), {"language": "en", "next": "/login/"})
    response = client.post(reverse("front:login"), {"username": "csm", "password": PASSWORD})
    assert response.status_code == 302
    world.csm.refresh_from_db()
    assert world.csm.language == "en"
    assert '<html lang="en">' in client.get(reverse("customers:account_list")).content.decode()

"""The API tokens page: create (secret shown once, only a hash stored), list, revoke."""

from __future__ import annotations

import hashlib

from django.test import Client
from django.urls import reverse

from kizuna.apps.org.models import ApiToken
from tests.factories import World


def test_it_creates_a_token_shown_once_and_stores_only_its_hash(world: World) -> None:
    client = Client()
    client.force_login(world.csm)
    response = client.post(reverse("org:tokens"), {"name": "Salesforce sync"})
    body = response.content.decode()
    token = ApiToken.objects.get(user=world.csm)
    secret = body.split('id="token-secret">')[1].split("<")[0]
    assert secret.startswith("kz_")
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in client.get(reverse("org:tokens")).content.decode()
    api = client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {secret}"})
    assert api.status_code == 200


def test_it_revokes_only_the_members_own_token(world: World) -> None:
    mine = Client()
    mine.force_login(world.csm)
    mine.post(reverse("org:tokens"), {"name": "mine"})
    token = ApiToken.objects.get(user=world.csm)
    theirs = Client()
    theirs.force_login(world.outsider)
    theirs.post(reverse("org:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None
    theirs.post(reverse("org:token_revoke", args=[token.pk]), {"confirm": "yes"})
    token.refresh_from_db()
    assert token.revoked_at is None
    mine.post(reverse("org:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is None  # not confirmed: nothing revoked
    mine.post(reverse("org:token_revoke", args=[token.pk]), {"confirm": "yes"})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_it_requires_a_token_name(world: World) -> None:
    client = Client()
    client.force_login(world.csm)
    response = client.post(reverse("org:tokens"), {"name": ""})
    assert response.status_code == 400
    assert "このフィールドは必須です。" in response.content.decode()
    assert not ApiToken.objects.exists()

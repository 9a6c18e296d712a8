"""Login throttling (django-axes): five wrong passwords for one username or from one address
lock it for fifteen minutes; the lockout is said in the member's language and audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.org.services import api_token_create
from tests.factories import PASSWORD, World

LOCKED_JA = "ログインの失敗が続いたため、このユーザー名または接続元からのログインを 15 分間ロック"
LOCKED_EN = "Too many failed logins. Logging in with this username or from this address is locked"


def _log_in(client: Client, username: str, password: str, address: str) -> Any:
    return client.post(
        reverse("front:login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def _signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def _fail_five_times(client: Client, username: str, address: str) -> Any:
    response = None
    for _ in range(5):
        response = _log_in(client, username, "wrong-password", address)
    return response


def test_it_locks_a_username_after_five_wrong_passwords_even_for_the_right_one(
    world: World,
) -> None:
    # given four wrong passwords: still the normal form error
    client = Client()
    for _ in range(4):
        response = _log_in(client, "csm", "wrong-password", "10.0.0.1")
    assert response.status_code == 200
    assert LOCKED_JA not in response.content.decode()
    # when the fifth is wrong too, then the right one is tried
    fifth = _log_in(client, "csm", "wrong-password", "10.0.0.1")
    sixth = _log_in(client, "csm", PASSWORD, "10.0.0.1")
    # then both answer the login page with the lockout message, and nobody is signed in
    assert fifth.status_code == 429
    assert sixth.status_code == 429
    assert LOCKED_JA in sixth.content.decode()
    assert 'name="username"' in sixth.content.decode()
    assert not _signed_in(client)


def test_the_lockout_is_said_in_english_to_an_english_reader(world: World) -> None:
    # given a visitor who chose English on the login page
    client = Client()
    client.post(reverse("front:set_language"), {"language": "en", "next": "/login/"})
    # when they fail five times
    response = _fail_five_times(client, "csm", "10.0.0.1")
    # then the lockout is in English
    body = response.content.decode()
    assert LOCKED_EN in body
    assert "locked for 15 minutes" in body


def test_the_same_username_from_another_address_is_locked_too(world: World) -> None:
    # given csm locked after failures from one address
    _fail_five_times(Client(), "csm", "10.0.0.1")
    # when the right password comes from another address
    client = Client()
    response = _log_in(client, "csm", PASSWORD, "10.0.0.9")
    # then the username is still locked
    assert response.status_code == 429
    assert not _signed_in(client)


def test_a_different_user_from_another_address_is_unaffected(world: World) -> None:
    # given csm locked from 10.0.0.1
    _fail_five_times(Client(), "csm", "10.0.0.1")
    # when a teammate logs in from another address
    client = Client()
    response = _log_in(client, "teammate", PASSWORD, "10.0.0.2")
    # then they are in
    assert response.status_code == 302
    assert _signed_in(client)


def test_an_address_trying_many_usernames_is_locked(world: World) -> None:
    # given five failures from one address, each for another username
    for username in ("csm", "manager", "viewer", "nobody", "admin"):
        _log_in(Client(), username, "wrong-password", "10.0.0.3")
    # when a real member then logs in from that address, and from another one
    from_there, from_elsewhere = Client(), Client()
    locked = _log_in(from_there, "teammate", PASSWORD, "10.0.0.3")
    fine = _log_in(from_elsewhere, "teammate", PASSWORD, "10.0.0.4")
    # then only the address is refused
    assert locked.status_code == 429
    assert not _signed_in(from_there)
    assert fine.status_code == 302


def test_a_success_resets_the_count(world: World) -> None:
    # given four failures then a success, twice in a row
    for _ in range(2):
        client = Client()
        for _ in range(4):
            _log_in(client, "csm", "wrong-password", "10.0.0.1")
        response = _log_in(client, "csm", PASSWORD, "10.0.0.1")
        # then each success gets in: eight failures in all never reach the limit
        assert response.status_code == 302


def test_the_lock_ends_after_fifteen_minutes(world: World) -> None:
    # given csm locked sixteen minutes ago
    _fail_five_times(Client(), "csm", "10.0.0.1")
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16))
    # when the right password is given
    client = Client()
    response = _log_in(client, "csm", PASSWORD, "10.0.0.1")
    # then they are in
    assert response.status_code == 302
    assert _signed_in(client)


def test_failures_and_lockouts_are_in_the_audit_trail_and_in_axes_tables(world: World) -> None:
    # when csm's password is wrong five times, then right once while locked, and an unknown
    # username fails from another address
    client = Client()
    _fail_five_times(client, "csm", "10.0.0.1")
    _log_in(client, "csm", PASSWORD, "10.0.0.1")
    _log_in(Client(), "no-such-member", "x", "10.0.0.7")
    # then each refused login is audited, against the member it named, with the address
    failed = AuditEvent.objects.filter(action=AuditAction.LOGIN_FAILED, entity="user")
    assert failed.filter(entity_id=world.csm.pk).count() == 6
    assert {e.changes["ip_address"] for e in failed.filter(entity_id=world.csm.pk)} == {"10.0.0.1"}
    unknown = failed.get(entity_id=None)
    assert unknown.changes == {"username": "no-such-member", "ip_address": "10.0.0.7"}
    assert unknown.actor is None
    # and the lockout, once when reached and once for the refused try while locked
    locked = AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT, entity_id=world.csm.pk)
    assert locked.count() == 2
    assert locked.first().changes == {"username": "csm", "ip_address": "10.0.0.1"}
    # and axes keeps its own record
    assert AccessAttempt.objects.get(username="csm").failures_since_start == 5


def test_a_huge_username_is_an_ordinary_failure_not_a_500(world: World) -> None:
    # when a 10,000-character username is tried (the database column holds 255)
    response = _log_in(Client(), "x" * 10_000, "wrong-password", "10.0.0.1")
    # then it is a failed login, counted and audited under its first 150 characters
    assert response.status_code == 200
    assert AccessAttempt.objects.get().username == "x" * 150
    assert AuditEvent.objects.get().changes["username"] == "x" * 150


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(world: World, settings: Any) -> None:
    # given Kizuna behind a reverse proxy, which appends the address it saw
    settings.BEHIND_PROXY = True
    forged = {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 10.0.0.5", "REMOTE_ADDR": "192.168.0.1"}
    junk = {"HTTP_X_FORWARDED_FOR": "not-an-address", "REMOTE_ADDR": "192.168.0.1"}
    # when two logins fail, one with a forged first entry, one with junk
    Client().post(reverse("front:login"), {"username": "csm", "password": "x"}, **forged)
    Client().post(reverse("front:login"), {"username": "csm", "password": "x"}, **junk)
    # then the first counts against the proxy's entry, the second against the connection
    addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    assert addresses == {"10.0.0.5", "192.168.0.1"}


def test_without_a_proxy_x_forwarded_for_is_ignored(world: World) -> None:
    headers = {"HTTP_X_FORWARDED_FOR": "10.0.0.5", "REMOTE_ADDR": "192.168.0.1"}
    Client().post(reverse("front:login"), {"username": "csm", "password": "x"}, **headers)
    assert AccessAttempt.objects.get().ip_address == "192.168.0.1"


def test_api_tokens_and_force_login_are_unaffected_by_a_lockout(world: World) -> None:
    # given csm locked from 10.0.0.1
    _fail_five_times(Client(), "csm", "10.0.0.1")
    # when csm calls the API with a token from that address
    _token, raw = api_token_create(user=world.csm, name="test")
    api = Client().get(
        "/api/v1/accounts", headers={"Authorization": f"Bearer {raw}"}, REMOTE_ADDR="10.0.0.1"
    )
    # and a test signs csm in directly
    client = Client()
    client.force_login(world.csm)
    page = client.get(reverse("customers:account_list"), REMOTE_ADDR="10.0.0.1")
    # then both work
    assert api.status_code == 200
    assert page.status_code == 200

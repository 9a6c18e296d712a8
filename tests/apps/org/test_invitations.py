"""Inviting a member: the e-mail goes through a real SMTP server (tests/apps/org/conftest.py),
its link opens the set-password page in the member's language, the password is checked, and the
member then logs in with it; a used or expired link says so; a mail server that is down leaves
no member behind. Admins invite from the members admin page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.org.invitations import InvitationNotSent
from kizuna.apps.org.models import Role, User
from kizuna.apps.org.services import member_invite, member_invite_resend
from tests.apps.org.conftest import Inbox
from tests.factories import World

NEW_PASSWORD = "kizuna-invited-2026"
USED_JA = "このリンクはもう使えません。"
USED_EN = "This link no longer works: it has expired, or the password has already been set with it."


def _invite(world: World, **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "actor": world.admin,
        "email": "Sato@Example.JP",
        "display_name": "佐藤 花子",
        "role": Role.CSM,
        "team": world.strategic,
        "language": "ja",
        "company_name": "株式会社テスト",
    }
    return member_invite(**{**fields, **overrides})


def _open_link(client: Client, path: str) -> Any:
    """The link redirects to the page without the token in its address (Django's flow)."""
    first = client.get(path)
    assert first.status_code == 302
    assert first["Location"].endswith("/set-password/")
    return client.get(first["Location"]), first["Location"]


def _log_in(client: Client, username: str, password: str) -> bool:
    client.post(reverse("front:login"), {"username": username, "password": password})
    return "_auth_user_id" in client.session


def test_it_invites_a_member_who_sets_a_password_and_logs_in(
    world: World, smtp_server: Inbox
) -> None:
    # given an invitation by an admin
    member = _invite(world)
    # then the member is saved without a usable password, recorded, and one e-mail went out
    assert member.username == member.email == "Sato@example.jp"  # the domain in lower case
    assert (member.role, member.team, member.language) == (Role.CSM, world.strategic, "ja")
    assert not member.has_usable_password()
    assert not member.is_staff
    event = AuditEvent.objects.get(entity="user", entity_id=member.pk)
    assert (event.action, event.actor, event.via) == (AuditAction.CREATE, world.admin, "web")
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "Sato@example.jp"
    assert message["From"] == "Kizuna <kizuna@example.jp>"
    assert message["Subject"] == "株式会社テスト の Kizuna への招待"
    body = smtp_server.body()
    assert body.startswith("佐藤 花子 様\n")
    assert "ログイン名はメールアドレスです: Sato@example.jp" in body
    assert "このリンクは 7 日間、一度だけ使えます。" in body
    # when the member opens the link: the page in Japanese
    client = Client()
    page, form_url = _open_link(client, smtp_server.link())
    text = page.content.decode()
    assert page.status_code == 200
    assert "パスワードの設定" in text and "Sato@example.jp" in text
    assert page["Content-Language"] == "ja"
    # when a short password and then two that differ are posted: errors in Japanese, no change
    short = client.post(form_url, {"new_password1": "abc", "new_password2": "abc"})
    assert short.status_code == 200
    assert "このパスワードは短すぎます。最低 8 文字以上必要です。" in short.content.decode()
    differ = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": "other-pw-9"})
    assert "確認用パスワードが一致しません。" in differ.content.decode()
    member.refresh_from_db()
    assert not member.has_usable_password()
    # when a good password is posted twice alike
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # then the login page says so, and the member logs in with their e-mail address
    assert done.status_code == 302 and done["Location"] == reverse("front:login")
    login_page = client.get(done["Location"]).content.decode()
    assert "パスワードを設定しました。" in login_page
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD)
    assert _log_in(Client(), "Sato@example.jp", NEW_PASSWORD)
    # and the link, used, now says it no longer works
    used = Client().get(smtp_server.link(), follow=True)
    assert USED_JA in used.content.decode()
    assert "new_password1" not in used.content.decode()


def test_it_writes_to_an_english_speaking_member_in_english(
    world: World, smtp_server: Inbox
) -> None:
    # given a member invited in English
    member = _invite(world, email="jane@example.com", display_name="Jane", language="en")
    # then subject and body are in English
    message = smtp_server.messages[0]
    assert message["Subject"] == "Your invitation to Kizuna at 株式会社テスト"
    assert smtp_server.body().startswith("Dear Jane,\n")
    assert "The link works once, for 7 days." in smtp_server.body()
    # and the page and its errors speak English, with no Japanese of the interface
    client = Client()
    page, form_url = _open_link(client, smtp_server.link())
    assert "Set your password" in page.content.decode()
    short = client.post(form_url, {"new_password1": "password", "new_password2": "password"})
    text = short.content.decode()
    assert "This password is too common." in text
    assert "パスワード" not in text
    member.refresh_from_db()
    assert not member.has_usable_password()


def test_it_says_an_expired_link_no_longer_works(
    world: World, smtp_server: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an invitation, and eight days later (the link works for seven)
    member = _invite(world, email="late@example.jp", language="en")
    later = dt.datetime.now() + dt.timedelta(days=8)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    # when the link is opened
    page = Client().get(smtp_server.link(), follow=True)
    # then it says so, in the member's language, and offers no form
    assert page.status_code == 200
    assert USED_EN in page.content.decode()
    assert "new_password1" not in page.content.decode()
    member.refresh_from_db()
    assert not member.has_usable_password()


def test_it_refuses_a_link_with_a_forged_token_or_member(world: World, smtp_server: Inbox) -> None:
    _invite(world)
    path = smtp_server.link()
    forged = path[:-3] + ("aa/" if not path.endswith("aa/") else "bb/")
    assert USED_JA in Client().get(forged, follow=True).content.decode()
    unknown = reverse("front:set_password", kwargs={"uidb64": "OTk5OTk5", "token": "x-y"})
    assert USED_JA in Client().get(unknown, follow=True).content.decode()


def test_it_saves_no_member_when_the_mail_server_is_down(world: World, smtp_down: int) -> None:
    # given a mail server nobody answers at
    before = User.objects.count()
    # when an admin invites a member
    with pytest.raises(InvitationNotSent) as raised:
        _invite(world)
    # then the error names the server, and neither the member nor its record was kept
    assert f"127.0.0.1:{smtp_down}" in str(raised.value)
    assert "Sato@example.jp" in str(raised.value)
    assert User.objects.count() == before
    assert not User.objects.filter(email__iexact="sato@example.jp").exists()
    assert not AuditEvent.objects.filter(entity="user", action=AuditAction.CREATE).exists()


@pytest.mark.parametrize("persona", ["manager", "csm", "viewer"])
def test_only_an_admin_invites(world: World, smtp_server: Inbox, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        _invite(world, actor=getattr(world, persona), role=Role.VIEWER)
    assert smtp_server.messages == []
    assert not User.objects.filter(email__iexact="sato@example.jp").exists()


@pytest.mark.parametrize(
    "email", ["csm@example.jp", "not-an-address", "", "a\x00b@example.jp", "x" * 200 + "@ex.jp"]
)
def test_it_refuses_a_bad_or_taken_address(world: World, smtp_server: Inbox, email: str) -> None:
    world.csm.email = "CSM@example.jp"
    world.csm.save()
    before = User.objects.count()
    with pytest.raises(ValidationError):
        _invite(world, email=email)
    assert User.objects.count() == before
    assert smtp_server.messages == []


def test_it_resends_to_a_member_without_a_password_only(world: World, smtp_server: Inbox) -> None:
    member = _invite(world)
    link = member_invite_resend(actor=world.admin, member=member, company_name="株式会社テスト")
    assert len(smtp_server.messages) == 2
    assert link.endswith(smtp_server.link())
    with pytest.raises(ValidationError):
        member_invite_resend(actor=world.admin, member=world.csm, company_name="x")
    with pytest.raises(PermissionDenied):
        member_invite_resend(actor=world.manager, member=member, company_name="x")
    assert len(smtp_server.messages) == 2


def _admin_client(user: User) -> Client:
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    return client


def test_it_invites_from_the_members_admin_page(world: World, smtp_server: Inbox) -> None:
    # given an admin on the members list: the invite button is there
    client = _admin_client(world.admin)
    listing = client.get(reverse("admin:org_user_changelist")).content.decode()
    assert reverse("admin:org_user_invite") in listing
    assert "メンバーを招待" in listing
    # when they invite a member
    response = client.post(
        reverse("admin:org_user_invite"),
        {
            "email": "kato@example.jp",
            "display_name": "加藤 一郎",
            "role": Role.MANAGER,
            "team": world.strategic.pk,
            "language": "en",
        },
    )
    # then the member exists, recorded via the admin, and got the e-mail in English
    member = User.objects.get(email="kato@example.jp")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:org_user_change", args=[member.pk])
    assert (member.role, member.team, member.language) == (Role.MANAGER, world.strategic, "en")
    assert AuditEvent.objects.get(entity="user", entity_id=member.pk).via == "admin"
    assert smtp_server.messages[0]["To"] == "kato@example.jp"
    assert smtp_server.messages[0]["Subject"].startswith("Your invitation to Kizuna at ")
    # and the same address again is refused on the form, in Japanese
    again = client.post(
        reverse("admin:org_user_invite"),
        {"email": "KATO@example.jp", "display_name": "x", "role": Role.CSM, "language": "ja"},
    )
    assert again.status_code == 200
    assert "このメールアドレスのメンバーはすでに存在します。" in again.content.decode()
    assert len(smtp_server.messages) == 1


def test_the_admin_page_says_when_the_mail_server_is_down(world: World, smtp_down: int) -> None:
    client = _admin_client(world.admin)
    response = client.post(
        reverse("admin:org_user_invite"),
        {"email": "kato@example.jp", "display_name": "加藤", "role": Role.CSM, "language": "ja"},
    )
    assert response.status_code == 200
    assert "招待を送信できませんでした。" in response.content.decode()
    assert not User.objects.filter(email="kato@example.jp").exists()


def test_a_staff_member_who_is_not_an_admin_cannot_invite(world: World) -> None:
    client = _admin_client(world.manager)  # staff by accident: the rule is org.access's
    assert client.get(reverse("admin:org_user_invite")).status_code == 403
    response = client.post(
        reverse("admin:org_user_invite"),
        {"email": "kato@example.jp", "display_name": "加藤", "role": Role.CSM, "language": "ja"},
    )
    assert response.status_code == 403
    assert not User.objects.filter(email="kato@example.jp").exists()


def test_the_admin_resends_invitations_to_those_without_a_password(
    world: World, smtp_server: Inbox
) -> None:
    member = _invite(world)
    client = _admin_client(world.admin)
    response = client.post(
        reverse("admin:org_user_changelist"),
        {"action": "resend_invitation", "_selected_action": [member.pk, world.csm.pk]},
        follow=True,
    )
    text = response.content.decode()
    assert "1 人のメンバーに招待を送信しました。" in text
    assert "1 人のメンバーはパスワードを設定済みのため、送信していません。" in text
    assert [m["To"] for m in smtp_server.messages] == ["Sato@example.jp", "Sato@example.jp"]

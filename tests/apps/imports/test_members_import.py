"""``members_import``: members from a Salesforce user export or Kizuna's CSV, matched by
e-mail; their CRM user id then matches the account export's owners."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.customers.models import Account
from kizuna.apps.imports.models import ImportKind, ImportRun
from kizuna.apps.imports.services import accounts_import, members_import
from kizuna.apps.org.models import User
from kizuna.cli import main
from tests.factories import UserFactory, World

pytestmark = pytest.mark.django_db

# Salesforce's weekly Data Export User.csv: API names, UTF-8, 18-character ids, an inactive
# user, the sharing role column (not Kizuna's role)
SF_USERS = (
    '"Id","Username","LastName","FirstName","Email","IsActive","UserRoleId"\r\n'
    '"0055g00000ABCDEAA1","yamada@acme.sf","山田","太郎","Yamada@Example.co.jp","true","00E1"\r\n'
    '"0055g00000ABCDEAA2","sato@acme.sf","佐藤","花子","sato@example.co.jp","true","00E2"\r\n'
    '"0055g00000ABCDEAA3","old@acme.sf","古川","三郎","old@example.co.jp","false","00E2"\r\n'
)

# the Account export naming those users as owners by id
SF_ACCOUNTS = (
    '"Id","Name","OwnerId","Industry","NumberOfEmployees"\r\n'
    '"0015g00000AbCdEAA1","株式会社さくら製作所","0055g00000ABCDEAA1","Manufacturing","1200"\r\n'
    '"0015g00000AbCdFAA1","合同会社みどり商店","0055g00000ABCDEAA2","Retail","12"\r\n'
)


def _import(text: str, **options: Any) -> Any:
    return members_import(actor=None, data=text.encode("utf-8"), file_name="User.csv", **options)


def test_salesforce_users_become_members_who_then_own_their_accounts(world: World) -> None:
    result = _import(SF_USERS)
    assert (result.source, result.plan.summary) == (
        "salesforce",
        "created 2, updated 0, unchanged 0, rejected 1",
    )
    assert [(r.line, r.code, r.value) for r in result.plan.rejected] == [
        (4, "inactive_user", "old@example.co.jp")
    ]
    yamada = User.objects.get(email="Yamada@Example.co.jp")
    assert (yamada.username, yamada.display_name, yamada.role, yamada.crm_user_id) == (
        "Yamada@Example.co.jp",
        "山田 太郎",
        "viewer",
        "0055g00000ABCDEAA1",
    )
    assert not yamada.has_usable_password()
    assert AuditEvent.objects.filter(entity="user", action=AuditAction.CREATE).count() == 2
    # the account export's OwnerId now names them
    accounts = accounts_import(
        actor=None, data=SF_ACCOUNTS.encode("utf-8"), file_name="Account.csv"
    )
    assert accounts.plan.unmatched_owners == ()
    assert Account.objects.get(external_crm_id="0015g00000AbCdEAA1").owner == yamada
    # the same user file again changes nothing
    assert _import(SF_USERS).plan.summary == "created 0, updated 0, unchanged 2, rejected 1"


def test_a_member_is_matched_by_email_whatever_its_case(world: World) -> None:
    member = UserFactory(username="yamada", email="yamada@example.co.jp", display_name="山田")
    result = _import(SF_USERS)
    assert result.plan.summary == "created 1, updated 1, unchanged 0, rejected 1"
    (change,) = result.plan.updated
    assert dict(change.changes) == {
        "display_name": ("山田", "山田 太郎"),
        "crm_user_id": ("", "0055g00000ABCDEAA1"),
    }
    member.refresh_from_db()
    assert (member.username, member.crm_user_id) == ("yamada", "0055g00000ABCDEAA1")


KIZUNA_MEMBERS = (
    "email,name,role,team\n"
    "suzuki@example.jp,鈴木 一郎,CSM,{team}\n"
    "kato@example.jp,加藤 恵,マネージャー,\n"
    "bad-address,誰か,csm,\n"
    "ito@example.jp,伊藤,owner,\n"
    "abe@example.jp,阿部,csm,no-such-team\n"
    "suzuki@example.jp,鈴木 二郎,csm,\n"
)


def test_kizuna_members_with_roles_and_teams_and_every_rejection(world: World) -> None:
    team = world.csm.team
    text = KIZUNA_MEMBERS.format(team=team.name_ja)
    result = _import(text)
    assert result.source == "kizuna"
    assert [(r.line, r.code) for r in result.plan.rejected] == [
        (2, "duplicate_id"),
        (4, "bad_email"),
        (5, "unknown_role"),
        (6, "unknown_team"),
        (7, "duplicate_id"),
    ]
    kato = User.objects.get(email="kato@example.jp")
    assert (kato.role, kato.team) == ("manager", None)
    # without the duplicate, suzuki joins the team by its Japanese name, as a CSM
    fixed = "\n".join(line for line in text.splitlines() if "鈴木 二郎" not in line) + "\n"
    _import(fixed)
    suzuki = User.objects.get(email="suzuki@example.jp")
    assert (suzuki.role, suzuki.team, suzuki.display_name) == ("csm", team, "鈴木 一郎")


def test_a_different_role_in_the_file_is_listed_not_applied(world: World) -> None:
    viewer = UserFactory(username="v", email="v@example.jp", role="viewer")
    result = _import("email,role\nv@example.jp,admin\n")
    assert result.plan.owner_differs == (("v@example.jp", "admin"),)
    viewer.refresh_from_db()
    assert viewer.role == "viewer"


def test_members_missing_from_the_file_are_listed_and_kept(world: World) -> None:
    kept = UserFactory(username="k", email="Kept@example.jp")
    result = _import("email\nnew@example.jp\n")
    assert result.plan.missing == ("kept@example.jp",)
    assert User.objects.filter(pk=kept.pk, is_active=True).exists()


def test_the_command_imports_members(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "User.csv"
    path.write_text(SF_USERS, encoding="utf-8")
    assert main(["import", "members", str(path)]) == 1
    out = capsys.readouterr().out
    assert "line 4: rejected: inactive_user (old@example.co.jp)" in out
    assert out.rstrip().endswith("created 2, updated 0, unchanged 0, rejected 1")
    assert ImportRun.objects.get(kind=ImportKind.MEMBERS).created == 2

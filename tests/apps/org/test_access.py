"""``kizuna.apps.org.access`` is the only place a permission is decided: its named checks per
persona, the permission objects templates use, and a scan that no other code reads a role."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from django.urls import reverse

import kizuna
from kizuna.apps.org import access
from tests.factories import World

SRC = Path(kizuna.__file__).parent
PERSONAS = ["csm", "teammate", "manager", "outsider", "viewer", "admin"]

# --- the scan ---------------------------------------------------------------------------

ROLE_READ = re.compile(r"(\w+)\.role\b")
ROLE_GETATTR = re.compile(r"getattr\([^)]*[\"']role[\"']")
ROLE_ENUM_COMPARED = re.compile(r"(==|!=)\s*Role\.|\bin\s*[\[({][^\])}]*\bRole\.")
#: in templates: a role name compared ("csm" alone is also a grouping, ``by == "csm"``), or a
#: variable called ``role`` compared with anything
ROLE_STRING_COMPARED = re.compile(
    r"(==|!=)\s*[\"'](admin|manager|viewer)[\"']|\brole\s*(==|!=|\bin\b|\bnot in\b)"
)
#: the demo company's generated records (``DemoUser``, ``DemoContact``) carry a role but are not
#: members: the pure generator (no Django) builds them and the loaders turn them into members
#: (``org/demo.py``, inside org) and contacts (``customers/demo.py``: a contact's job title)
NOT_MEMBERS = {SRC / "demo"}
LOADER_READS = {SRC / "apps" / "customers" / "demo.py": {"c"}}


def _where(path: Path) -> Path:
    return path.relative_to(SRC) if SRC in path.parents else path


def _python_offences(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        allowed = LOADER_READS.get(path, set())
        reads = [m.group(0) for m in ROLE_READ.finditer(line) if m.group(1) not in allowed]
        compared = ROLE_ENUM_COMPARED.search(line) or ROLE_GETATTR.search(line)
        if reads or compared:
            found.append(f"{_where(path)}:{number}: {line.strip()}")
    return found


def _template_offences(path: Path) -> list[str]:
    found = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if re.search(r"\.role\b", line) or ROLE_STRING_COMPARED.search(line):
            found.append(f"{_where(path)}:{number}: {line.strip()[:120]}")
    return found


def test_no_code_outside_org_reads_a_members_role() -> None:
    # given every Python module of Kizuna outside the org app (which defines roles)
    org = SRC / "apps" / "org"
    modules = [
        path
        for path in SRC.rglob("*.py")
        if org not in path.parents and not any(d in path.parents for d in NOT_MEMBERS)
    ]
    assert len(modules) > 100
    # when they are scanned for a role read or a comparison with a role
    offences = [o for path in modules for o in _python_offences(path)]
    # then there is none: permissions are asked of ``kizuna.apps.org.access``
    assert offences == [], "ask kizuna.apps.org.access instead:\n" + "\n".join(offences)


def test_no_template_compares_roles() -> None:
    templates = list(SRC.rglob("templates/**/*.html"))
    assert len(templates) > 30
    offences = [o for path in templates for o in _template_offences(path)]
    assert offences == [], "use `can` or `account_perms` instead:\n" + "\n".join(offences)


@pytest.mark.parametrize(
    "line",
    [
        "if request.user.role not in {Role.ADMIN, Role.MANAGER}:",
        'is_staff = getattr(user, "role") == "admin"',
        "if actor.role == Role.VIEWER or not can_edit_account(actor, account):",
        "allowed = user_role == Role.ADMIN",
        "ok = kind in (Role.CSM, Role.MANAGER)",
    ],
)
def test_the_scan_catches_a_role_check(tmp_path: Path, line: str) -> None:
    path = tmp_path / "views.py"
    path.write_text(f"def view():\n    {line}\n", encoding="utf-8")
    assert _python_offences(path)


@pytest.mark.parametrize(
    "line",
    [
        '{% if user.role == "admin" %}',
        "{% if role == 'manager' or x %}",
        '{% if kind in "csm viewer" %}{% endif %}{% if r != "viewer" %}',
    ],
)
def test_the_scan_catches_a_role_string_in_a_template(tmp_path: Path, line: str) -> None:
    path = tmp_path / "page.html"
    path.write_text(line, encoding="utf-8")
    assert _template_offences(path)


# --- named checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("csm", False),
        ("teammate", False),
        ("manager", True),
        ("outsider", False),
        ("viewer", False),
        ("admin", True),
    ],
)
def test_only_the_accounts_manager_and_admins_reassign_or_change_the_touch_model(
    world: World, persona: str, expected: bool
) -> None:
    user = getattr(world, persona)
    assert access.can_reassign(user, world.account) is expected
    assert access.can_change_segment(user, world.account) is expected
    # a manager of another team may not touch the account
    assert access.can_reassign(user, world.other_account) is (persona == "admin")


@pytest.mark.parametrize("persona", PERSONAS)
def test_account_permissions_follow_the_named_checks(world: World, persona: str) -> None:
    user = getattr(world, persona)
    perms = access.account_permissions(user, world.account)
    editor = persona in {"csm", "manager", "admin"}
    assert perms == access.AccountPermissions(
        edit=editor,
        log_touchpoint=editor,
        reassign=persona in {"manager", "admin"},
        change_segment=persona in {"manager", "admin"},
        hand_off=editor,
        record_sentiment=editor,
    )


@pytest.mark.parametrize(
    ("persona", "others", "imports", "creates", "admin"),
    [
        ("csm", False, True, False, False),
        ("manager", True, True, True, False),
        ("viewer", False, False, False, False),
        ("admin", True, True, True, True),
    ],
)
def test_member_permissions_for_the_layout(
    world: World, persona: str, others: bool, imports: bool, creates: bool, admin: bool
) -> None:
    perms = access.member_permissions(getattr(world, persona))
    assert perms.view_other_members is others
    assert perms.import_touchpoints is imports
    assert perms.create_account is creates
    assert (perms.manage_tenant, perms.usage_ops, perms.administration) == (admin, admin, admin)
    assert access.can_upload_backtest(getattr(world, persona)) is admin
    assert perms.export is admin is access.can_export(getattr(world, persona))


@pytest.mark.parametrize(
    ("persona", "edit", "run_own", "run_other"),
    [
        ("csm", False, True, False),
        ("teammate", False, False, False),
        ("manager", False, True, False),
        ("outsider", False, False, True),
        ("viewer", False, False, False),
        ("admin", True, True, True),
    ],
)
def test_playbooks_are_read_by_all_edited_by_admins_run_by_account_editors(
    world: World, persona: str, edit: bool, run_own: bool, run_other: bool
) -> None:
    # every member reads the playbooks (as every member sees the accounts); only admins
    # create, edit, activate and deactivate them; whoever edits an account starts and cancels
    # its runs
    user = getattr(world, persona)
    assert access.can_view_playbooks(user) is True
    assert access.can_edit_playbooks(user) is edit
    assert access.member_permissions(user).view_playbooks is True
    if edit:
        access.require_playbooks_edit(user)
    else:
        with pytest.raises(PermissionDenied):
            access.require_playbooks_edit(user)
    assert access.can_run_playbook(user, world.account) is run_own
    assert access.can_run_playbook(user, world.other_account) is run_other


def test_an_inactive_or_anonymous_member_reads_and_edits_no_playbook(world: World) -> None:
    from django.contrib.auth.models import AnonymousUser

    world.admin.is_active = False
    for user in (world.admin, AnonymousUser()):
        assert access.can_view_playbooks(user) is False
        assert access.can_edit_playbooks(user) is False
        with pytest.raises(PermissionDenied):
            access.require_playbooks_edit(user)


def test_an_inactive_member_may_do_nothing(world: World) -> None:
    world.admin.is_active = False
    assert access.member_permissions(world.admin) == access.MemberPermissions(
        False, False, False, False, False, False, False, False, False
    )
    assert not access.can_export(world.admin)
    assert not access.can_view_member(world.admin, world.csm)
    assert not access.can_import_touchpoints(world.admin)
    assert not access.can_import_accounts(world.admin)


def test_who_sees_whose_lists(world: World) -> None:
    # a CSM sees their own lists only; managers and admins see anyone's
    assert access.can_view_member(world.csm, world.csm)
    assert not access.can_view_member(world.csm, world.teammate)
    assert not access.can_view_member(world.viewer, world.csm)
    assert access.can_view_member(world.manager, world.outsider)
    assert access.can_view_member(world.admin, world.csm)
    # asking by name: a CSM asking for another is refused before any look-up
    assert access.access_member(world.csm, None) == world.csm
    assert access.access_member(world.csm, "csm") == world.csm
    with pytest.raises(PermissionDenied):
        access.access_member(world.csm, "teammate")
    with pytest.raises(PermissionDenied):
        access.access_member(world.csm, "nobody-by-this-name")
    assert access.access_member(world.manager, "outsider") == world.outsider
    with pytest.raises(Http404):
        access.access_member(world.manager, "nobody-by-this-name")


def test_default_work_scope(world: World) -> None:
    assert access.default_work_scope(world.csm) == access.WorkScope(member=world.csm)
    assert access.default_work_scope(world.manager) == access.WorkScope(team_id=world.strategic.pk)
    assert access.default_work_scope(world.admin) == access.WorkScope()
    assert access.default_work_scope(world.viewer) == access.WorkScope()


def test_a_creator_and_admins_see_a_touchpoint_import(world: World) -> None:
    assert access.can_view_touchpoint_import(world.csm, created_by_id=world.csm.pk)
    assert not access.can_view_touchpoint_import(world.teammate, created_by_id=world.csm.pk)
    assert not access.can_view_touchpoint_import(world.manager, created_by_id=world.csm.pk)
    assert access.can_view_touchpoint_import(world.admin, created_by_id=world.csm.pk)


# --- the pages ask the same checks ------------------------------------------------------


def _page(user: Any, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_account_page_offers_what_the_member_may_do(world: World, persona: str) -> None:
    html = _page(
        getattr(world, persona), reverse("customers:account_detail", args=[world.account.pk])
    )
    manages = persona in {"manager", "admin"}
    assert (reverse("assignments:reassign", args=[world.account.pk]) in html) is manages
    assert (reverse("segments:exception_create", args=[world.account.pk]) in html) is manages
    editor = persona in {"csm", "manager", "admin"}
    assert (reverse("customers:account_edit", args=[world.account.pk]) in html) is editor


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_layout_and_list_offer_what_the_member_may_do(world: World, persona: str) -> None:
    html = _page(getattr(world, persona), reverse("customers:account_list"))
    assert (reverse("usage:ops") in html) is (persona == "admin")
    assert (reverse("admin:index") in html) is (persona == "admin")
    assert (reverse("customers:account_create") in html) is (persona in {"manager", "admin"})
    assert (reverse("touchpoints:import_upload") in html) is (persona != "viewer")


# --- CSQLs ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "raise_", "change"),
    [
        ("csm", True, False),  # the raiser: the hand-off is to sales
        ("teammate", True, True),  # the sales owner
        ("manager", True, True),  # the raiser's manager
        ("outsider", True, False),  # reads and raises on any account, moves nothing of others
        ("viewer", False, False),
        ("admin", True, True),
    ],
)
def test_who_raises_and_moves_a_csql(
    world: World, persona: str, raise_: bool, change: bool
) -> None:
    from types import SimpleNamespace

    csql = SimpleNamespace(raised_by=world.csm, sales_owner_id=world.teammate.pk)
    user = getattr(world, persona)
    assert access.can_raise_csql(user, world.account) is raise_
    assert access.can_raise_csql(user, world.other_account) is raise_
    assert access.can_change_csql(user, csql) is change


def test_csql_rules_for_a_crm_sales_owner_a_teamless_raiser_and_an_inactive_member(
    world: World,
) -> None:
    from types import SimpleNamespace

    crm_owned = SimpleNamespace(raised_by=world.csm, sales_owner_id=None)
    assert [access.can_change_csql(getattr(world, p), crm_owned) for p in PERSONAS] == [
        False, False, True, False, False, True,
    ]  # fmt: skip
    world.csm.team = None
    teamless = SimpleNamespace(raised_by=world.csm, sales_owner_id=None)
    assert access.can_change_csql(world.manager, teamless) is False
    world.manager.is_active = False
    assert access.can_raise_csql(world.manager, world.account) is False
    assert access.can_own_csql(world.viewer) is False
    assert access.can_own_csql(world.teammate) is True
    assert [access.can_edit_expansion_settings(getattr(world, p)) for p in PERSONAS] == [
        False, False, False, False, False, True,
    ]  # fmt: skip


# --- renewals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "work", "sign_off"),
    [
        ("csm", True, False),
        ("teammate", False, False),
        ("manager", True, True),
        ("outsider", False, False),
        ("viewer", False, False),
        ("admin", True, True),
    ],
)
def test_who_works_a_renewal_and_who_signs_off_its_review(
    world: World, persona: str, work: bool, sign_off: bool
) -> None:
    # given a renewal of the CSM's account (team strategic)
    user = getattr(world, persona)
    # then its owner, the team's manager and admins work it; only the manager and admins sign off
    assert access.renewal_permissions(user, world.account) == access.RenewalPermissions(
        work=work, sign_off=sign_off
    )
    # and on another team's account (the outsider's) its owner works it, only admins sign off
    assert access.renewal_permissions(user, world.other_account) == access.RenewalPermissions(
        work=persona in {"outsider", "admin"}, sign_off=persona == "admin"
    )
    assert access.can_view_renewals(user)
    assert access.can_edit_review_cadence(user) is (persona == "admin")


def test_an_inactive_manager_signs_off_nothing(world: World) -> None:
    world.manager.is_active = False
    assert not access.can_sign_off_review(world.manager, world.account)
    assert not access.can_view_renewals(world.manager)
    with pytest.raises(PermissionDenied):
        access.require_review_cadence_edit(world.manager)


def test_every_member_reads_the_survey_programs_and_only_admins_edit_them(world: World) -> None:
    for user in (world.csm, world.manager, world.viewer, world.admin):
        assert access.can_view_survey_programs(user) is True
        assert access.member_permissions(user).view_survey_programs is True
    assert access.can_edit_survey_programs(world.admin) is True
    for user in (world.csm, world.manager, world.viewer, AnonymousUser()):
        assert access.can_edit_survey_programs(user) is False
        with pytest.raises(PermissionDenied):
            access.require_survey_programs_edit(user)
    world.admin.is_active = False
    assert access.can_edit_survey_programs(world.admin) is False
    assert access.can_view_survey_programs(AnonymousUser()) is False

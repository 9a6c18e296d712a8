"""``kizuna init``: start a production instance empty, without the demo (docs/start-empty.md).

    kizuna init [--from setup.toml|setup.json] [--company NAME] [--currency JPY]
                [--time-zone Asia/Tokyo] [--fiscal-year-start 4]
                [--admin-email E --admin-name N --admin-language ja|en]

Migrates the database, then sets the company settings, creates the products and teams and
invites the members (the first CS ops admin among them): each gets an e-mail with a link to set
their password. The flags say the same as the file's ``company`` part and one admin member, and
win over the file.

The file is checked whole first: every bad entry is printed and nothing is written. A database
that already has accounts or members is only added to: entries already stored exactly as the
file says are left alone, new ones are created, and an entry that differs from what is stored
(or company settings that differ) refuses the run whole. So the same file run twice changes
nothing the second time.

Exit status: 0 done (or nothing to do), 1 the mail server failed (nothing written), 2 refused:
a bad file or flag, an entry that differs from the database, or no CS ops admin (nothing
written).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kizuna.cli.django_setup import setup
from kizuna.core.company_setup import (
    Choices,
    CompanySetup,
    MemberEntry,
    ProductEntry,
    SetupFileRefused,
    TeamEntry,
    setup_load,
    setup_read,
)

OK, MAIL_FAILED, REFUSED = 0, 1, 2
SETTING_NAMES = {
    "name": "company_name",
    "currency": "currency",
    "time_zone": "time_zone",
    "fiscal_year_start_month": "fiscal_year_start_month",
}


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "init",
        help="start empty: company settings, products, teams and invited members, no demo",
    )
    parser.add_argument("--from", dest="path", type=Path, default=None, metavar="FILE")
    parser.add_argument("--company", default=None, help="the company's name")
    parser.add_argument("--currency", default=None, help="JPY, USD, EUR, …")
    parser.add_argument("--time-zone", default=None, help="e.g. Asia/Tokyo")
    parser.add_argument("--fiscal-year-start", type=int, default=None, metavar="MONTH")
    parser.add_argument("--admin-email", default=None, help="the first CS ops admin")
    parser.add_argument("--admin-name", default=None)
    parser.add_argument("--admin-language", default="ja", choices=["ja", "en"])
    parser.set_defaults(handler=run)


def _has_secret_key(settings: Any) -> bool:
    from django.core.exceptions import ImproperlyConfigured

    try:
        return bool(settings.SECRET_KEY)
    except ImproperlyConfigured:  # Django's answer to reading an empty key
        return False


def document_from(args: argparse.Namespace) -> dict[str, Any]:
    """The set-up file's document with the flags laid over it (SetupFileRefused)."""
    document: dict[str, Any] = {}
    if args.path is not None:
        try:
            text = args.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise SetupFileRefused(f"{args.path}: {error}") from error
        document = setup_load(text, file_name=args.path.name)
    flags = {
        "name": args.company,
        "currency": args.currency,
        "time_zone": args.time_zone,
        "fiscal_year_start": args.fiscal_year_start,
    }
    given = {key: value for key, value in flags.items() if value is not None}
    if given:
        company = document.get("company", {})
        document["company"] = {**company, **given} if isinstance(company, dict) else company
    if args.admin_email is not None:
        admin = {
            "email": args.admin_email,
            "name": args.admin_name or args.admin_email.split("@")[0],
            "role": "admin",
            "language": args.admin_language,
        }
        members = document.get("members", [])
        document["members"] = [admin, *members] if isinstance(members, list) else members
    return document


@dataclass
class Changes:
    """What a run would write: the settings that change, the new entries, and every entry
    that differs from the stored one (which refuses the run)."""

    settings: dict[str, Any] = field(default_factory=dict)
    products: list[ProductEntry] = field(default_factory=list)
    teams: list[TeamEntry] = field(default_factory=list)
    members: list[MemberEntry] = field(default_factory=list)
    settings_differ: list[str] = field(default_factory=list)  # refuse once the database is in use
    differs: list[str] = field(default_factory=list)  # stored entries the file would change

    @property
    def nothing(self) -> bool:
        return not (self.settings or self.products or self.teams or self.members)


def run(args: argparse.Namespace) -> int:
    setup()  # before any app module: models need Django's app registry
    from django.conf import settings
    from django.core.management import call_command

    if not _has_secret_key(settings):
        print(
            "refused: KIZUNA_SECRET_KEY is not set: the invitation links are signed with it, so "
            "set the web server's key (docs/start-empty.md); nothing written",
            file=sys.stderr,
        )
        return REFUSED
    call_command("migrate", interactive=False, verbosity=0)
    try:
        document = document_from(args)
    except SetupFileRefused as refusal:
        print(f"refused: {refusal}", file=sys.stderr)
        return REFUSED
    return _run_document(document)


def _run_document(document: dict[str, Any]) -> int:
    from django.conf import settings
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from kizuna.apps.customers.models import Account
    from kizuna.apps.org.access import first_active_admin, role_manages_members
    from kizuna.apps.org.models import Role, Team, TeamKind, User

    def email_ok(value: str) -> bool:
        try:
            validate_email(value)
        except ValidationError:
            return False
        return True

    choices = Choices(
        roles=frozenset(Role.values),
        team_kinds=frozenset(TeamKind.values),
        languages=frozenset(code for code, _name in settings.LANGUAGES),
        email_ok=email_ok,
        known_teams=frozenset(Team.objects.values_list("code", flat=True)),
    )
    plan, problems = setup_read(document, choices=choices)
    if problems:
        return _refused([str(problem) for problem in problems], "the set-up has problems")
    changes = _changes(plan)
    in_use = Account.objects.exists() or User.objects.exists()
    if changes.differs or (in_use and changes.settings_differ):
        return _refused(
            (changes.settings_differ if in_use else []) + changes.differs,
            "the database already has accounts or members, and init only adds to it; the "
            "entries above differ from what is stored (change those in the admin pages)",
        )
    new_admin = any(role_manages_members(entry.role_code) for entry in changes.members)
    if first_active_admin() is None and not new_admin:
        return _refused([], 'no CS ops admin: give --admin-email, or a member with role = "admin"')
    if changes.nothing:
        print("nothing to do: the database already holds this set-up")
        return OK
    return _apply(changes)


def _refused(lines: list[str], reason: str) -> int:
    for line in lines:
        print(f"  {line}", file=sys.stderr)
    print(f"refused: {reason}; nothing written", file=sys.stderr)
    return REFUSED


def _changes(plan: CompanySetup) -> Changes:
    """Compare the set-up with the database (reads only)."""
    from kizuna.apps.customers.models import Product
    from kizuna.apps.org.models import Team
    from kizuna.apps.org.services import member_by_email, member_matches
    from kizuna.apps.tenant.selectors import tenant_settings_get

    changes = Changes()
    stored = tenant_settings_get()
    for name, setting in SETTING_NAMES.items():
        value, was = getattr(plan.company, name), getattr(stored, setting)
        if value is not None and was != value:
            changes.settings[setting] = value
            changes.settings_differ.append(
                f"company: {name} is {was!r} in the database, {value!r} here"
            )
    for product in plan.products:
        found = Product.objects.filter(code=product.code).first()
        if found is None:
            changes.products.append(product)
        elif (found.name_ja, found.name_en) != (product.name_ja, product.name_en):
            changes.differs.append(f"product {product.code}: names differ from the stored ones")
    for team in plan.teams:
        held = Team.objects.filter(code=team.code).first()
        if held is None:
            changes.teams.append(team)
        elif (held.kind, held.name_ja, held.name_en) != (team.kind, team.name_ja, team.name_en):
            changes.differs.append(f"team {team.code}: kind or names differ from the stored ones")
    for member in plan.members:
        user = member_by_email(member.email)
        if user is None:
            changes.members.append(member)
            continue
        described = {"display_name": member.name, "role": member.role_code}
        if not member_matches(user, **described, team_code=member.team, language=member.language):
            changes.differs.append(
                f"member {member.email}: name, role, team or language differ from the stored ones"
            )
    return changes


def _apply(changes: Changes) -> int:
    """Write the changes in one transaction. The invitations go out through one connection to
    the mail server, opened first, so that a server that is down refuses the run before any
    write. Should a send fail half-way, the transaction rolls every member back (an invitation
    sent before it leads to a page saying the link no longer works): run it again."""
    import smtplib

    from django.core.mail import mailers
    from django.db import transaction

    from kizuna.apps.org.invitations import InvitationNotSent, mail_server

    connection = mailers.default
    try:
        connection.open()
    except (OSError, smtplib.SMTPException) as error:
        print(f"the mail server {mail_server()} cannot be reached: {error}", file=sys.stderr)
        print("nothing written; check the KIZUNA_EMAIL_* settings and run again", file=sys.stderr)
        return MAIL_FAILED
    try:
        with transaction.atomic():
            links = _write(changes, connection)
    except InvitationNotSent as error:
        print(f"{error}", file=sys.stderr)
        print("nothing written; run again once the mail server works", file=sys.stderr)
        return MAIL_FAILED
    finally:
        connection.close()
    print(f"company settings changed: {', '.join(sorted(changes.settings)) or 'none'}")
    print(f"products created: {len(changes.products)}")
    print(f"teams created: {len(changes.teams)}")
    print(f"members invited: {len(changes.members)}")
    for email, link in links:
        print(f"CS ops admin {email}: set the password at {link} (also sent by e-mail)")
    return OK


def _write(changes: Changes, connection: Any) -> list[tuple[str, str]]:
    """The new admins first, without a team (the first admin is the actor of everything after,
    recorded ``via cli`` in the audit trail), the settings, products and teams, the admins'
    teams, then the other members. Returns the new admins' set-password links."""
    from kizuna.apps.customers.services import product_create
    from kizuna.apps.org.access import first_active_admin, role_manages_members
    from kizuna.apps.org.invitations import invitation_link
    from kizuna.apps.org.models import Team, User
    from kizuna.apps.org.services import member_invite, member_update, team_create
    from kizuna.apps.tenant.selectors import tenant_settings_get
    from kizuna.apps.tenant.services import tenant_settings_update

    company = changes.settings.get("company_name") or tenant_settings_get().company_name
    actor = first_active_admin()
    admins = [entry for entry in changes.members if role_manages_members(entry.role_code)]
    others = [entry for entry in changes.members if not role_manages_members(entry.role_code)]

    def invite(entry: MemberEntry, team: Team | None) -> User:
        return member_invite(
            actor=actor,
            email=entry.email,
            display_name=entry.name,
            role=entry.role_code,
            team=team,
            language=entry.language,
            company_name=company,
            connection=connection,
            via="cli",
        )

    new_admins = []
    for entry in admins:
        new_admins.append((entry, invite(entry, None)))
        actor = actor or new_admins[0][1]
    assert actor is not None  # the caller refuses a run without an admin
    if changes.settings:
        tenant_settings_update(actor=actor, data=changes.settings, via="cli")
    for product in changes.products:
        product_create(actor=actor, data=vars(product), via="cli")
    for team in changes.teams:
        team_create(actor=actor, data=vars(team), via="cli")
    teams = {team.code: team for team in Team.objects.all()}
    for entry, admin in new_admins:
        if entry.team:
            member_update(actor=actor, member=admin, data={"team": teams[entry.team]}, via="cli")
    for entry in others:
        invite(entry, teams[entry.team] if entry.team else None)
    return [(admin.email, invitation_link(admin)) for _entry, admin in new_admins]

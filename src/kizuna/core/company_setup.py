"""The company set-up file of ``kizuna init`` (docs/start-empty.md), read and checked.

A set-up file is TOML or JSON with four optional parts: ``company`` (name, currency, time zone,
fiscal year start), ``products``, ``teams`` and ``members``. :func:`setup_read` checks every
entry and returns the set-up with the list of every problem found (never only the first), so
that a file is fixed in one go; the caller writes nothing while there is one. Identities:
products and teams by ``code``, members by e-mail address (compared in lower case).

Pure: the choices that live in the apps (roles, team kinds, languages, which team codes the
database already has, what an e-mail address is) are parameters.
"""

from __future__ import annotations

import json
import re
import tomllib
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kizuna.core.money import CURRENCIES

CODE = re.compile(r"^[-a-zA-Z0-9_]+$")  # a slug, as Django's SlugField accepts
PARTS = ("company", "products", "teams", "members")
COMPANY_KEYS = ("name", "currency", "time_zone", "fiscal_year_start")
PRODUCT_KEYS = ("code", "name_ja", "name_en")
TEAM_KEYS = ("code", "kind", "name_ja", "name_en")
MEMBER_KEYS = ("email", "name", "role", "team", "language")
MAX_ENTRIES = 10_000  # per list: a set-up file names a company's catalogue and staff, no more


@dataclass(frozen=True)
class Company:
    """The company settings the file gives; None: not given (kept as stored)."""

    name: str | None = None
    currency: str | None = None
    time_zone: str | None = None
    fiscal_year_start_month: int | None = None


@dataclass(frozen=True)
class ProductEntry:
    code: str
    name_ja: str
    name_en: str


@dataclass(frozen=True)
class TeamEntry:
    code: str
    kind: str
    name_ja: str
    name_en: str


@dataclass(frozen=True)
class MemberEntry:
    email: str  # as written; compared in lower case
    name: str
    role_code: str  # as the file gives it, one of ``Choices.roles``
    team: str | None  # a team code
    language: str


@dataclass(frozen=True)
class Problem:
    """One bad entry: where (``members[2] (sato@example.jp)``) and what is wrong."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class CompanySetup:
    company: Company = Company()
    products: tuple[ProductEntry, ...] = ()
    teams: tuple[TeamEntry, ...] = ()
    members: tuple[MemberEntry, ...] = ()


@dataclass(frozen=True)
class Choices:
    """What the apps allow: role, team kind and language codes, and an e-mail check."""

    roles: frozenset[str]
    team_kinds: frozenset[str]
    languages: frozenset[str]
    email_ok: Callable[[str], bool]
    known_teams: frozenset[str] = field(default_factory=frozenset)  # codes already stored


class SetupFileRefused(Exception):
    """The file cannot be read as TOML or JSON (the message says where)."""


def setup_load(text: str, *, file_name: str) -> dict[str, Any]:
    """The document of a set-up file: JSON when the name ends in ``.json``, TOML otherwise."""
    try:
        document = json.loads(text) if file_name.lower().endswith(".json") else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError, RecursionError) as error:
        raise SetupFileRefused(f"{file_name}: not valid {_kind(file_name)}: {error}") from error
    if not isinstance(document, dict):
        raise SetupFileRefused(f"{file_name}: the file must hold a table (an object), not a list")
    return document


def _kind(file_name: str) -> str:
    return "JSON" if file_name.lower().endswith(".json") else "TOML"


class _Checker:
    """Collects problems while reading one document."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def keys(self, where: str, entry: Mapping[str, Any], allowed: Sequence[str]) -> None:
        for key in sorted(set(entry) - set(allowed)):
            self.add(where, f"unknown key {key!r} (known: {', '.join(allowed)})")

    def text(
        self, where: str, entry: Mapping[str, Any], key: str, *, limit: int, required: bool = True
    ) -> str | None:
        value = entry.get(key)
        if value is None:
            if required:
                self.add(where, f"{key} is missing")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(where, f"{key} must be a non-empty text")
            return None
        if len(value.strip()) > limit or "\x00" in value:
            self.add(where, f"{key} must be at most {limit} characters, without NUL")
            return None
        return value.strip()

    def entries(self, document: Mapping[str, Any], part: str) -> list[tuple[str, dict[str, Any]]]:
        value = document.get(part, [])
        if not isinstance(value, list) or len(value) > MAX_ENTRIES:
            self.add(part, f"must be a list of at most {MAX_ENTRIES:,} tables")
            return []
        found = []
        for index, entry in enumerate(value, start=1):
            if isinstance(entry, dict):
                found.append((f"{part}[{index}]", entry))
            else:
                self.add(f"{part}[{index}]", "must be a table (an object)")
        return found


def _company(check: _Checker, document: Mapping[str, Any]) -> Company:
    entry = document.get("company", {})
    if not isinstance(entry, dict):
        check.add("company", "must be a table (an object)")
        return Company()
    check.keys("company", entry, COMPANY_KEYS)
    currency = entry.get("currency")
    if currency is not None and currency not in CURRENCIES:
        check.add("company", f"unknown currency {currency!r} (known: {', '.join(CURRENCIES)})")
        currency = None
    zone = entry.get("time_zone")
    if zone is not None and (
        not isinstance(zone, str) or zone not in zoneinfo.available_timezones()
    ):
        check.add("company", f"unknown time zone {zone!r} (e.g. Asia/Tokyo)")
        zone = None
    month = entry.get("fiscal_year_start")
    if month is not None and (type(month) is not int or not 1 <= month <= 12):
        check.add("company", f"fiscal_year_start must be a month number 1-12, not {month!r}")
        month = None
    name = check.text("company", entry, "name", limit=200, required=False)
    return Company(name, currency, zone, month)


def _products(check: _Checker, document: Mapping[str, Any]) -> tuple[ProductEntry, ...]:
    found: dict[str, ProductEntry] = {}
    for where, entry in check.entries(document, "products"):
        check.keys(where, entry, PRODUCT_KEYS)
        code = _code(check, where, entry, found)
        name_ja = check.text(where, entry, "name_ja", limit=100)
        name_en = check.text(where, entry, "name_en", limit=100, required=False) or name_ja
        if code and name_ja and name_en:
            found[code] = ProductEntry(code, name_ja, name_en)
    return tuple(found.values())


def _teams(
    check: _Checker, document: Mapping[str, Any], kinds: frozenset[str]
) -> tuple[TeamEntry, ...]:
    found: dict[str, TeamEntry] = {}
    for where, entry in check.entries(document, "teams"):
        check.keys(where, entry, TEAM_KEYS)
        code = _code(check, where, entry, found)
        kind = entry.get("kind")
        if kind not in kinds:
            check.add(where, f"unknown team kind {kind!r} (known: {', '.join(sorted(kinds))})")
        name_ja = check.text(where, entry, "name_ja", limit=100)
        name_en = check.text(where, entry, "name_en", limit=100, required=False) or name_ja
        if code and kind in kinds and name_ja and name_en:
            found[code] = TeamEntry(code, str(kind), name_ja, name_en)
    return tuple(found.values())


def _code(
    check: _Checker, where: str, entry: Mapping[str, Any], seen: Mapping[str, Any]
) -> str | None:
    code = entry.get("code")
    if not isinstance(code, str) or not CODE.match(code) or len(code) > 50:
        check.add(where, f"code must be 1-50 letters, digits, - or _, not {code!r}")
        return None
    if code in seen:
        check.add(where, f"duplicate code {code!r}")
        return None
    return code


def _members(
    check: _Checker, document: Mapping[str, Any], choices: Choices, teams: frozenset[str]
) -> tuple[MemberEntry, ...]:
    found: dict[str, MemberEntry] = {}
    for where, entry in check.entries(document, "members"):
        email = entry.get("email")
        where = f"{where} ({email})" if isinstance(email, str) else where
        check.keys(where, entry, MEMBER_KEYS)
        ok = isinstance(email, str) and len(email) <= 150 and choices.email_ok(email)
        if not ok:
            check.add(where, f"not a valid e-mail address: {email!r}")
        elif str(email).lower() in found:
            check.add(where, f"duplicate member e-mail {email!r}")
            ok = False
        name = check.text(where, entry, "name", limit=100)
        role, team = entry.get("role"), entry.get("team")
        if role not in choices.roles:
            check.add(where, f"unknown role {role!r} (known: {', '.join(sorted(choices.roles))})")
        if team is not None and team not in teams:
            check.add(where, f"unknown team {team!r} (not in teams, nor stored)")
        language = entry.get("language", "ja")
        if language not in choices.languages:
            check.add(where, f"unknown language {language!r} (known: ja, en)")
        team_ok = team is None or team in teams
        if ok and name and role in choices.roles and team_ok and language in choices.languages:
            member = MemberEntry(str(email), name, str(role), team, str(language))
            found[member.email.lower()] = member
    return tuple(found.values())


def setup_read(
    document: Mapping[str, Any], *, choices: Choices
) -> tuple[CompanySetup, list[Problem]]:
    """The set-up a document describes and every problem in it (in file order).

    Names default: ``name_en`` to ``name_ja``; a member's ``language`` to ``ja`` and ``team`` to
    none. A member's team is a code of the file's ``teams`` or one already stored
    (``choices.known_teams``). With problems, the returned set-up holds only the good entries
    and must not be written."""
    check = _Checker()
    for key in sorted(set(document) - set(PARTS)):
        check.add(key, f"unknown part (known: {', '.join(PARTS)})")
    company = _company(check, document)
    products = _products(check, document)
    teams = _teams(check, document, choices.team_kinds)
    file_teams = frozenset(_raw_codes(document.get("teams")))
    members = _members(check, document, choices, choices.known_teams | file_teams)
    return CompanySetup(company, products, teams, members), check.problems


def _raw_codes(teams: Any) -> list[str]:
    """The team codes the file names, good entries or not (a member naming a team with a
    problem gets no second problem for it)."""
    if not isinstance(teams, list):
        return []
    return [t["code"] for t in teams if isinstance(t, dict) and isinstance(t.get("code"), str)]

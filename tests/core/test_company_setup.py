"""The set-up file of ``kizuna init``, read and checked without Django: every problem at once,
in file order, and only good entries in the set-up."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.core.company_setup import (
    Choices,
    Company,
    MemberEntry,
    ProductEntry,
    SetupFileRefused,
    TeamEntry,
    setup_load,
    setup_read,
)

CHOICES = Choices(
    roles=frozenset({"admin", "manager", "csm", "viewer"}),
    team_kinds=frozenset({"strategic", "enablement"}),
    languages=frozenset({"ja", "en"}),
    email_ok=lambda value: value.count("@") == 1 and "." in value.split("@")[1],
    known_teams=frozenset({"stored"}),
)


def _problems(document: dict[str, Any]) -> list[str]:
    return [str(problem) for problem in setup_read(document, choices=CHOICES)[1]]


def test_it_reads_a_good_file_with_its_defaults() -> None:
    # given a TOML file with every part
    document = setup_load(
        """
[company]
name = " 株式会社サンプル "
currency = "JPY"
time_zone = "Asia/Tokyo"
fiscal_year_start = 4
[[products]]
code = "expense"
name_ja = "経費精算"
[[teams]]
code = "t-1"
kind = "strategic"
name_ja = "戦略"
name_en = "Strategic"
[[members]]
email = "a@example.jp"
name = "A"
role = "admin"
team = "t-1"
[[members]]
email = "b@example.jp"
name = "B"
role = "csm"
team = "stored"
language = "en"
""",
        file_name="setup.toml",
    )
    # when read
    setup, problems = setup_read(document, choices=CHOICES)
    # then nothing is wrong and the defaults are filled in
    assert problems == []
    assert setup.company == Company("株式会社サンプル", "JPY", "Asia/Tokyo", 4)
    assert setup.products == (ProductEntry("expense", "経費精算", "経費精算"),)
    assert setup.teams == (TeamEntry("t-1", "strategic", "戦略", "Strategic"),)
    assert setup.members == (
        MemberEntry("a@example.jp", "A", "admin", "t-1", "ja"),
        MemberEntry("b@example.jp", "B", "csm", "stored", "en"),
    )


def test_an_empty_document_is_an_empty_setup() -> None:
    setup, problems = setup_read({}, choices=CHOICES)
    assert (setup.company, setup.products, setup.teams, setup.members, problems) == (
        Company(), (), (), (), []
    )  # fmt: skip


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"compnay": {}}, ["compnay: unknown part (known: company, products, teams, members)"]),
        ({"company": []}, ["company: must be a table (an object)"]),
        ({"company": {"fiscal_year_start": True}}, [
            "company: fiscal_year_start must be a month number 1-12, not True"]),
        ({"company": {"fiscal_year_start": 10**30}}, [
            f"company: fiscal_year_start must be a month number 1-12, not {10**30}"]),
        ({"company": {"fiscal_year_start": 0}}, [
            "company: fiscal_year_start must be a month number 1-12, not 0"]),
        ({"company": {"time_zone": "Mars/Olympus"}}, [
            "company: unknown time zone 'Mars/Olympus' (e.g. Asia/Tokyo)"]),
        ({"company": {"time_zone": None, "name": None}}, []),  # JSON null: not given
        ({"company": {"name": "a\x00b"}}, [
            "company: name must be at most 200 characters, without NUL"]),
        ({"company": {"name": "x" * 201}}, [
            "company: name must be at most 200 characters, without NUL"]),
        ({"company": {"name": "  "}}, ["company: name must be a non-empty text"]),
        ({"company": {"currency": "yen", "colour": 1}}, [
            "company: unknown key 'colour' (known: name, currency, time_zone, fiscal_year_start)",
            "company: unknown currency 'yen' (known: JPY, USD, EUR, GBP, KRW, SGD, TWD)",
        ]),
        ({"products": {"code": "x"}}, ["products: must be a list of at most 10,000 tables"]),
        ({"products": [{"code": "x"} for _ in range(10_001)]}, [
            "products: must be a list of at most 10,000 tables"]),
        ({"products": ["x"]}, ["products[1]: must be a table (an object)"]),
        ({"products": [{"code": "a b", "name_ja": "A"}, {"code": "b"}]}, [
            "products[1]: code must be 1-50 letters, digits, - or _, not 'a b'",
            "products[2]: name_ja is missing",
        ]),
        ({"products": [{"code": "a", "name_ja": "A"}, {"code": "a", "name_ja": "B"}]}, [
            "products[2]: duplicate code 'a'"]),
        ({"teams": [{"code": "t", "kind": "tribe", "name_ja": "T"}]}, [
            "teams[1]: unknown team kind 'tribe' (known: enablement, strategic)"]),
        ({"members": [{"email": "a@x.jp", "name": "A", "role": "csm", "rol": "csm"}]}, [
            "members[1] (a@x.jp): unknown key 'rol' (known: email, name, role, team, language)"]),
        ({"members": [{"email": None, "name": "A", "role": "csm"}]}, [
            "members[1]: not a valid e-mail address: None"]),
        ({"members": [{"email": "a@x.jp", "name": "A", "role": "csm", "language": "fr"}]}, [
            "members[1] (a@x.jp): unknown language 'fr' (known: ja, en)"]),
        ({"members": [{"email": "a@x.jp", "name": 7, "role": "csm"}]}, [
            "members[1] (a@x.jp): name must be a non-empty text"]),
        # a member of a team whose own entry is bad gets no second problem for the team
        ({"teams": [{"code": "t", "kind": "tribe", "name_ja": "T"}],
          "members": [{"email": "a@x.jp", "name": "A", "role": "csm", "team": "t"}]}, [
            "teams[1]: unknown team kind 'tribe' (known: enablement, strategic)"]),
    ],
)  # fmt: skip
def test_it_names_every_problem(document: dict[str, Any], expected: list[str]) -> None:
    assert _problems(document) == expected


def test_bad_entries_stay_out_of_the_setup() -> None:
    document = {
        "members": [
            {"email": "a@x.jp", "name": "A", "role": "csm"},
            {"email": "A@X.JP", "name": "B", "role": "csm"},
            {"email": "c@x.jp", "name": "C", "role": "boss"},
        ]
    }
    setup, problems = setup_read(document, choices=CHOICES)
    assert [m.email for m in setup.members] == ["a@x.jp"]
    assert [str(p) for p in problems] == [
        "members[2] (A@X.JP): duplicate member e-mail 'A@X.JP'",
        "members[3] (c@x.jp): unknown role 'boss' (known: admin, csm, manager, viewer)",
    ]


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("a = ", "s.toml", "s.toml: not valid TOML: "),
        ("{", "s.JSON", "s.JSON: not valid JSON: "),
        ('"text"', "s.json", "s.json: the file must hold a table (an object), not a list"),
        ("[" * 100_000, "s.json", "s.json: not valid JSON: "),
    ],
)
def test_it_refuses_a_file_that_is_not_a_table(text: str, name: str, message: str) -> None:
    with pytest.raises(SetupFileRefused) as refused:
        setup_load(text, file_name=name)
    assert str(refused.value).startswith(message)

"""``kizuna init``: an empty company set up from a file or flags, its members invited through a
real SMTP server; the same file twice changes nothing; a database in use is only added to; a
bad file is reported entry by entry and nothing is written; a mail server that is down leaves
nothing behind. Exit status 0 / 1 (mail) / 2 (refused)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.customers.models import Product
from kizuna.apps.org.models import Role, Team, User
from kizuna.apps.tenant.selectors import tenant_settings_get
from kizuna.cli import main
from tests.apps.org.conftest import Inbox
from tests.factories import World

pytestmark = pytest.mark.django_db

SETUP = """
[company]
name = "株式会社サンプル"
currency = "USD"
time_zone = "America/New_York"
fiscal_year_start = 1

[[products]]
code = "expense"
name_ja = "経費精算"
name_en = "Expense"

[[products]]
code = "payroll"
name_ja = "給与計算"

[[teams]]
code = "enterprise"
kind = "strategic"
name_ja = "エンタープライズ"
name_en = "Enterprise"

[[members]]
name = "山田 太郎"
email = "yamada@example.co.jp"
role = "admin"
team = "enterprise"

[[members]]
name = "Jane Smith"
email = "jane@example.co.jp"
role = "csm"
team = "enterprise"
language = "en"

[[members]]
name = "鈴木 次郎"
email = "suzuki@example.co.jp"
role = "viewer"
"""


def _file(tmp_path: Path, text: str, name: str = "setup.toml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _written() -> tuple[int, int, int, int]:
    return (User.objects.count(), Team.objects.count(), Product.objects.count(),
            AuditEvent.objects.count())  # fmt: skip


def test_it_sets_up_an_empty_company_and_invites_everyone(
    db: Any, smtp_server: Inbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given an empty database and a set-up file
    path = _file(tmp_path, SETUP)
    # when init runs
    status = main(["init", "--from", path])
    # then the settings, products, team and members are stored
    out = capsys.readouterr().out
    assert status == 0, out
    settings = tenant_settings_get()
    assert (settings.company_name, settings.currency) == ("株式会社サンプル", "USD")
    assert (settings.time_zone, settings.fiscal_year_start_month) == ("America/New_York", 1)
    assert list(Product.objects.values_list("code", "name_ja", "name_en")) == [
        ("expense", "経費精算", "Expense"),
        ("payroll", "給与計算", "給与計算"),
    ]
    team = Team.objects.get()
    assert (team.code, team.kind, team.name_ja, team.name_en) == (
        "enterprise", "strategic", "エンタープライズ", "Enterprise"
    )  # fmt: skip
    members = {u.email: u for u in User.objects.all()}
    assert sorted(members) == ["jane@example.co.jp", "suzuki@example.co.jp", "yamada@example.co.jp"]
    yamada, jane, suzuki = (members[e] for e in ("yamada@example.co.jp", "jane@example.co.jp",
                                                  "suzuki@example.co.jp"))  # fmt: skip
    assert (yamada.role, yamada.team, yamada.language, yamada.is_staff) == (
        Role.ADMIN, team, "ja", True
    )  # fmt: skip
    assert (jane.role, jane.team, jane.language, jane.is_staff) == (Role.CSM, team, "en", False)
    assert (suzuki.role, suzuki.team, suzuki.language) == (Role.VIEWER, None, "ja")
    assert not any(u.has_usable_password() for u in members.values())
    assert set(AuditEvent.objects.values_list("via", flat=True)) == {"cli"}
    # and each member got one invitation, in their language
    assert [(m["To"], m["Subject"]) for m in smtp_server.messages] == [
        ("yamada@example.co.jp", "株式会社サンプル の Kizuna への招待"),
        ("jane@example.co.jp", "Your invitation to Kizuna at 株式会社サンプル"),
        ("suzuki@example.co.jp", "株式会社サンプル の Kizuna への招待"),
    ]
    assert out.splitlines()[:4] == [
        "company settings changed: company_name, currency, fiscal_year_start_month, time_zone",
        "products created: 2",
        "teams created: 1",
        "members invited: 3",
    ]
    assert out.splitlines()[4].startswith(
        "CS ops admin yamada@example.co.jp: set the password at http://testserver/welcome/"
    )
    # and the first admin sets a password from the e-mail and logs in
    client = Client()
    form_url = client.get(smtp_server.link(0))["Location"]
    new = {"new_password1": "first-admin-2026", "new_password2": "first-admin-2026"}
    assert client.post(form_url, new).status_code == 302
    client.post("/login/", {"username": "yamada@example.co.jp", "password": "first-admin-2026"})
    assert client.session["_auth_user_id"] == str(yamada.pk)


def test_the_same_file_twice_changes_nothing(
    db: Any, smtp_server: Inbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, SETUP)
    assert main(["init", "--from", path]) == 0
    written, mails = _written(), len(smtp_server.messages)
    capsys.readouterr()
    # when the same file runs again
    assert main(["init", "--from", path]) == 0
    # then nothing was written or sent
    assert capsys.readouterr().out == "nothing to do: the database already holds this set-up\n"
    assert _written() == written
    assert len(smtp_server.messages) == mails == 3


def test_it_sets_up_from_flags_alone_and_from_json(
    db: Any, smtp_server: Inbox, tmp_path: Path
) -> None:
    # given flags only: the company and its first admin
    status = main(["init", "--company", "Acme K.K.", "--currency", "JPY", "--time-zone",
                   "Asia/Tokyo", "--fiscal-year-start", "4", "--admin-email", "Boss@Acme.jp",
                   "--admin-language", "en"])  # fmt: skip
    assert status == 0
    admin = User.objects.get()
    assert (admin.email, admin.display_name, admin.role, admin.language) == (
        "Boss@acme.jp", "Boss", Role.ADMIN, "en"
    )  # fmt: skip
    assert tenant_settings_get().company_name == "Acme K.K."
    # when a JSON file adds a team and a member (the settings as stored)
    document = {
        "teams": [{"code": "smb", "kind": "corporate_adoption", "name_ja": "SMB"}],
        "members": [{"email": "kim@acme.jp", "name": "Kim", "role": "manager", "team": "smb"}],
    }
    path = _file(tmp_path, json.dumps(document), "setup.json")
    assert main(["init", "--from", path, "--company", "Acme K.K."]) == 0
    # then they are added, the admin kept
    kim = User.objects.get(email="kim@acme.jp")
    assert (kim.role, kim.team.code if kim.team else None) == (Role.MANAGER, "smb")
    assert [m["To"] for m in smtp_server.messages] == ["Boss@acme.jp", "kim@acme.jp"]


def test_it_only_adds_to_a_database_in_use(
    world: World, smtp_server: Inbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a database with accounts and members, and a file adding a member to a stored team
    text = (
        '[[members]]\nname = "新人"\nemail = "new@example.jp"\nrole = "csm"\nteam = "strategic"\n'
    )
    # when init runs: the member is added (the stored admin invites them)
    assert main(["init", "--from", _file(tmp_path, text)]) == 0
    new = User.objects.get(email="new@example.jp")
    assert new.team == world.strategic
    assert AuditEvent.objects.get(entity="user", entity_id=new.pk).actor == world.admin
    assert len(smtp_server.messages) == 1


def test_it_refuses_to_change_a_database_in_use(
    world: World, smtp_server: Inbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a database in use, and a file that would change its settings, a product and a member
    world.csm.email = "csm@example.jp"
    world.csm.save()
    before = _written()
    text = (
        '[company]\nname = "別の会社"\n'
        '[[products]]\ncode = "expense"\nname_ja = "経費"\n'
        '[[members]]\nname = "x"\nemail = "CSM@example.jp"\nrole = "admin"\n'
        '[[members]]\nname = "新人"\nemail = "new@example.jp"\nrole = "csm"\n'
    )
    # when init runs
    status = main(["init", "--from", _file(tmp_path, text)])
    # then it refuses, naming each difference, and writes nothing (not even the new member)
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        "  company: name is 'Kizuna' in the database, '別の会社' here",
        "  product expense: names differ from the stored ones",
        "  member CSM@example.jp: name, role, team or language differ from the stored ones",
        "refused: the database already has accounts or members, and init only adds to it; the "
        "entries above differ from what is stored (change those in the admin pages); nothing "
        "written",
    ]
    assert _written() == before
    assert smtp_server.messages == []


def test_a_bad_file_is_reported_entry_by_entry_and_nothing_is_written(
    db: Any, smtp_server: Inbox, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = """
[company]
currency = "XYZ"
fiscal_year_start = 13

[[teams]]
code = "ok"
kind = "strategic"
name_ja = "良い"

[[members]]
name = "管理者"
email = "admin@example.jp"
role = "admin"

[[members]]
name = "役割違い"
email = "role@example.jp"
role = "owner"

[[members]]
name = "宛先違い"
email = "not an address"
role = "csm"

[[members]]
name = "重複"
email = "ADMIN@example.jp"
role = "csm"

[[members]]
name = "チーム違い"
email = "team@example.jp"
role = "csm"
team = "nowhere"
"""
    before = _written()
    status = main(["init", "--from", _file(tmp_path, text)])
    assert status == 2
    assert capsys.readouterr().err.splitlines() == [
        "  company: unknown currency 'XYZ' (known: JPY, USD, EUR, GBP, KRW, SGD, TWD)",
        "  company: fiscal_year_start must be a month number 1-12, not 13",
        "  members[2] (role@example.jp): unknown role 'owner' (known: admin, csm, manager, viewer)",
        "  members[3] (not an address): not a valid e-mail address: 'not an address'",
        "  members[4] (ADMIN@example.jp): duplicate member e-mail 'ADMIN@example.jp'",
        "  members[5] (team@example.jp): unknown team 'nowhere' (not in teams, nor stored)",
        "refused: the set-up has problems; nothing written",
    ]
    assert _written() == before
    assert tenant_settings_get().currency == "JPY"
    assert smtp_server.messages == []


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        ("[company\n", "setup.toml", "setup.toml: not valid TOML: "),
        ("[1, 2]", "setup.json", "setup.json: the file must hold a table (an object), not a list"),
        ('{"members": null}', "setup.json", "members: must be a list of at most 10,000 tables"),
    ],
)
def test_it_refuses_an_unreadable_file(
    db: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    text: str,
    name: str,
    message: str,
) -> None:
    assert main(["init", "--from", _file(tmp_path, text, name)]) == 2
    assert message in capsys.readouterr().err
    assert _written()[:3] == (0, 0, 0)


def test_it_refuses_without_an_admin(
    db: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = '[[members]]\nname = "a"\nemail = "a@example.jp"\nrole = "csm"\n'
    assert main(["init", "--from", _file(tmp_path, text)]) == 2
    assert capsys.readouterr().err == (
        'refused: no CS ops admin: give --admin-email, or a member with role = "admin"; '
        "nothing written\n"
    )
    assert not User.objects.exists()


def test_it_refuses_without_a_secret_key(
    db: Any, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.SECRET_KEY = ""
    assert main(["init", "--admin-email", "a@example.jp"]) == 2
    assert "KIZUNA_SECRET_KEY is not set" in capsys.readouterr().err
    assert not User.objects.exists()


def test_it_writes_nothing_when_the_mail_server_is_down(
    db: Any, smtp_down: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = _written()
    assert main(["init", "--from", _file(tmp_path, SETUP)]) == 1
    err = capsys.readouterr().err
    assert f"the mail server 127.0.0.1:{smtp_down} cannot be reached" in err
    assert "nothing written; check the KIZUNA_EMAIL_* settings and run again" in err
    assert _written() == before
    assert tenant_settings_get().company_name == "Kizuna"


def test_a_failure_half_way_rolls_every_member_back(
    db: Any, smtp_server: Inbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    # given a mail server that refuses the third recipient
    original = Inbox.handle_DATA

    async def refuse_suzuki(self: Inbox, server: Any, session: Any, envelope: Any) -> str:
        if "suzuki@example.co.jp" in envelope.rcpt_tos:
            return "554 Transaction failed"
        return await original(self, server, session, envelope)

    monkeypatch.setattr(Inbox, "handle_DATA", refuse_suzuki)
    before = _written()
    # when init runs
    assert main(["init", "--from", _file(tmp_path, SETUP)]) == 1
    # then the two sent invitations are for members who were rolled back: nothing is stored
    err = capsys.readouterr().err
    assert "the invitation to suzuki@example.co.jp could not be sent through 127.0.0.1:" in err
    assert _written() == before
    assert len(smtp_server.messages) == 2
    used = Client().get(smtp_server.link(0), follow=True).content.decode()
    assert "このリンクはもう使えません。" in used

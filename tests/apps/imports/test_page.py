"""The account import page: admins only; upload → dry run → the same file, confirmed."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from kizuna.apps.customers.models import Account
from kizuna.apps.imports.models import ImportRun
from tests.apps.imports.conftest import SF_REPORT_JA
from tests.factories import PASSWORD, World

pytestmark = pytest.mark.django_db
URL = "imports:accounts"


def _client(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _upload(text: str = SF_REPORT_JA) -> SimpleUploadedFile:
    return SimpleUploadedFile("取引先.csv", text.encode("cp932"), content_type="text/csv")


@pytest.mark.parametrize("persona", ["csm", "manager", "viewer", "outsider"])
def test_it_refuses_everyone_but_admins(world: World, persona: str) -> None:
    client = _client(getattr(world, persona))
    assert client.get(reverse(URL)).status_code == 403
    response = client.post(reverse(URL), {"file": _upload(), "action": "preview"})
    assert response.status_code == 403
    assert not Account.objects.filter(crm_source="salesforce").exists()


def test_it_sends_anonymous_visitors_to_the_login_page(db: object) -> None:
    response = Client().get(reverse(URL))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_link_shows_on_the_account_list_for_admins_only(world: World) -> None:
    assert reverse(URL) in _client(world.admin).get(reverse("customers:account_list")).text
    assert reverse(URL) not in _client(world.manager).get(reverse("customers:account_list")).text


def test_an_admin_sees_the_dry_run_in_japanese_then_imports_the_same_file(world: World) -> None:
    client = _client(world.admin)
    assert "顧客をインポート" in client.get(reverse(URL)).text
    # when the file is uploaded: the dry run, nothing written
    response = client.post(reverse(URL), {"file": _upload(), "action": "preview"})
    assert response.status_code == 200
    assert "試行: まだ何もインポートしていません" in response.text
    assert "Shift_JIS (CP932)" in response.text
    assert "高橋 三郎" in response.text  # an owner no member matches
    assert not Account.objects.filter(crm_source="salesforce").exists()
    assert not ImportRun.objects.exists()
    digest = hashlib.sha256(SF_REPORT_JA.encode("cp932")).hexdigest()
    assert f'value="{digest}"' in response.text
    # without the confirmation box: nothing
    form = {"file": _upload(), "action": "import", "previewed": digest}
    client.post(reverse(URL), form)
    assert not Account.objects.filter(crm_source="salesforce").exists()
    # with the box ticked: imported, by the admin, through the web
    response = client.post(reverse(URL), {**form, "file": _upload(), "confirm": "yes"})
    assert response.status_code == 200
    assert Account.objects.filter(crm_source="salesforce").count() == 3
    run = ImportRun.objects.get()
    assert (run.actor, run.via, run.created) == (world.admin, "web", 3)


def test_a_different_file_than_the_dry_runs_is_shown_not_imported(world: World) -> None:
    client = _client(world.admin)
    other = hashlib.sha256(b"another file").hexdigest()
    form = {"file": _upload(), "action": "import", "previewed": other, "confirm": "yes"}
    response = client.post(reverse(URL), form)
    assert "試行: まだ何もインポートしていません" in response.text
    assert not Account.objects.filter(crm_source="salesforce").exists()


def test_a_refused_file_names_the_missing_column_in_the_members_language(world: World) -> None:
    world.admin.language = "en"
    world.admin.save()
    client = Client()
    client.post(reverse("front:login"), {"username": "admin", "password": PASSWORD})
    text = "取引先名,従業員数\n株式会社さくら,1\n"
    response = client.post(reverse(URL), {"file": _upload(text), "action": "preview"})
    assert response.status_code == 400
    assert "A required column is missing: external_id (Id / Account ID / 取引先 ID" in response.text


def test_contacts_lines_and_members_import_on_their_own_tabs(world: World) -> None:
    from kizuna.apps.customers.models import Contact, SubscriptionLine
    from kizuna.apps.org.models import User
    from tests.apps.imports.test_contacts_import import SF_CONTACTS_JA
    from tests.apps.imports.test_lines_import import LINES
    from tests.apps.imports.test_members_import import SF_USERS

    client = _client(world.admin)
    client.post(
        reverse(URL),
        {
            "file": _upload(),
            "action": "import",
            "confirm": "yes",
            "previewed": hashlib.sha256(SF_REPORT_JA.encode("cp932")).hexdigest(),
        },
    )
    page = client.get(reverse("imports:import", kwargs={"kind": "lines"})).text
    assert "契約ラインをインポート" in page
    for kind in ("accounts", "contacts", "lines", "members"):
        assert reverse("imports:import", kwargs={"kind": kind}) in page
    for kind, name, text, encoding, model, expected in (
        ("contacts", "取引先責任者.csv", SF_CONTACTS_JA, "cp932", Contact, 3),
        ("lines", "lines.csv", LINES, "utf-8", SubscriptionLine, 3),
        ("members", "User.csv", SF_USERS, "utf-8", User, User.objects.count() + 2),
    ):
        url = reverse("imports:import", kwargs={"kind": kind})
        data = text.encode(encoding)
        upload = SimpleUploadedFile(name, data, content_type="text/csv")
        response = client.post(url, {"file": upload, "action": "preview"})
        assert response.status_code == 200, kind
        assert "試行: まだ何もインポートしていません" in response.text
        upload = SimpleUploadedFile(name, data, content_type="text/csv")
        digest = hashlib.sha256(data).hexdigest()
        form = {"file": upload, "action": "import", "previewed": digest, "confirm": "yes"}
        assert client.post(url, form).status_code == 200
        assert model.objects.count() == expected, kind
    # the inactive user's row is shown with its reason, in Japanese
    upload = SimpleUploadedFile("User.csv", SF_USERS.encode(), content_type="text/csv")
    members = reverse("imports:import", kwargs={"kind": "members"})
    response = client.post(members, {"file": upload, "action": "preview"})
    assert "CRM で無効なユーザーのため取り込みません。" in response.text


def test_an_unknown_kind_or_a_format_the_kind_lacks_is_refused(world: World) -> None:
    client = _client(world.admin)
    assert client.get("/imports/invoices/").status_code == 404
    url = reverse("imports:import", kwargs={"kind": "lines"})
    upload = SimpleUploadedFile("x.csv", b"Id,Name\n1,a\n", content_type="text/csv")
    form = {"file": upload, "action": "preview", "file_format": "salesforce"}
    response = client.post(url, form)
    assert response.status_code == 400
    assert "この種類のレコードには Salesforce の形式はありません。" in response.text
    assert not ImportRun.objects.exists()


def test_the_dry_run_lists_parents_in_japanese(world: World) -> None:
    # given an imported child under its parent, and a file moving it under an unknown parent,
    # another row naming itself and a new row under the first
    text = "external_id,name,parent_id\nK1,親会社一,\nK2,子会社,K1\n"
    client = _client(world.admin)
    upload = SimpleUploadedFile("a.csv", text.encode("utf-8"), content_type="text/csv")
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    client.post(
        reverse(URL), {"file": upload, "action": "import", "previewed": digest, "confirm": "yes"}
    )
    assert Account.objects.get(external_crm_id="K2").parent == Account.objects.get(
        external_crm_id="K1"
    )
    moved = "external_id,name,parent_id\nK1,親会社一,K9\nK2,子会社,\nK3,自己,K3\n"
    upload = SimpleUploadedFile("b.csv", moved.encode("utf-8"), content_type="text/csv")
    # when dry-run
    page = client.post(reverse(URL), {"file": upload, "action": "preview"}).text
    # then K2's parent change is a field change, K9 an unknown parent, K3 rejected
    assert "<div>親会社: K1 → —</div>" in page
    assert '<ul id="unknown-parents"><li>K1 → K9</li></ul>' in page
    assert "自身を親会社として指定しています。" in page
    assert "次の親会社はファイルにも、このソースの顧客にもありません" in page
    assert "parent" not in page.split("<main", 1)[1].replace("parent-", "").replace("parents", "")

"""Importing touchpoints from CSV exports: the service, the pages and the permission matrix."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from kizuna.apps.audit.models import AuditEvent
from kizuna.apps.org.models import User
from kizuna.apps.touchpoints.imports import (
    RejectedRow,
    import_rejected_rows,
    touchpoint_import_run,
    touchpoint_import_start,
)
from kizuna.apps.touchpoints.models import ImportStatus, Touchpoint, TouchpointImport
from tests.factories import AccountFactory, ContactFactory, World

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "touchpoint_imports"
UTC = dt.UTC
UPLOAD = "touchpoints:import_upload"


@pytest.fixture(autouse=True)
def after_the_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sample files' activities (November 2026) have all taken place: the company's today
    is 2026-12-01, whenever the suite runs (a touchpoint dated after today is refused)."""
    now = dt.datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    monkeypatch.setattr("kizuna.apps.tenant.selectors.timezone.now", lambda: now)


@pytest.fixture
def crm(world: World) -> World:
    """The world as the sample files know it: the CSM's Salesforce name and e-mail, the
    account's CRM ID, and two contacts of the account who attend meetings."""
    world.csm.display_name = "佐藤 美咲"
    world.csm.email = "misaki.sato@kizuna.example"
    world.csm.save()
    world.account.external_crm_id = "0015g00000YmDAA1"
    world.account.save()
    ContactFactory(account=world.account, email="hanako.yamada@yamada-ss.co.jp")
    ContactFactory(account=world.account, email="Jiro.Suzuki@yamada-ss.co.jp")
    return world


def start(actor: User, file_name: str, source: str) -> TouchpointImport:
    data = (FIXTURES / file_name).read_bytes()
    record, _plan = touchpoint_import_start(
        actor=actor, file_name=file_name, data=data, source=source
    )
    return record


def imported(actor: User, file_name: str, source: str) -> TouchpointImport:
    return touchpoint_import_run(actor=actor, record=start(actor, file_name, source))


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "file_name", ["salesforce_activities_utf8_bom.csv", "salesforce_activities_sjis.csv"]
)
def test_it_imports_a_salesforce_export_with_kinds_times_and_accounts(
    crm: World, file_name: str
) -> None:
    # given the Salesforce sample (4 activities, JST, English/UTF-8 or Japanese/Shift_JIS)
    # when the CSM imports it
    record = imported(crm.csm, file_name, "salesforce")
    # then 4 touchpoints exist on the account, times converted from JST to UTC
    assert (record.status, record.row_count, record.created_count) == ("imported", 4, 4)
    assert (record.duplicate_count, record.rejected_count, record.rejected_rows) == (0, 0, [])
    rows = Touchpoint.objects.order_by("occurred_at")
    assert [(t.account_id, t.csm_id, t.kind, t.occurred_at, t.external_id) for t in rows] == [
        (
            crm.account.pk,
            crm.csm.pk,
            "meeting",
            dt.datetime(2026, 11, 5, 5, 0, tzinfo=UTC),
            "salesforce:00T5g00000AbCdE1",
        ),
        (
            crm.account.pk,
            crm.csm.pk,
            "call",
            dt.datetime(2026, 11, 6, 1, 30, tzinfo=UTC),
            "salesforce:00T5g00000AbCdE2",
        ),
        (
            crm.account.pk,
            crm.csm.pk,
            "email",
            dt.datetime(2026, 11, 9, 15, 0, tzinfo=UTC),
            "salesforce:00T5g00000AbCdE3",
        ),
        (
            crm.account.pk,
            crm.csm.pk,
            "onsite",
            dt.datetime(2026, 11, 30, 14, 30, tzinfo=UTC),
            "salesforce:00T5g00000AbCdE4",
        ),
    ]
    assert rows[1].summary == "管理者変更に伴う権限設定の電話\n新任の経理課長に権限付与の手順を説明"
    # and each creation is in the audit trail, marked as coming from an import
    events = AuditEvent.objects.filter(entity="touchpoint", action="create")
    assert (
        sorted(events.values_list("via", "account_id", "actor_id"))
        == [("import", crm.account.pk, crm.csm.pk)] * 4
    )
    assert events.get(entity_id=rows[0].pk).changes["kind"] == [None, "meeting"]


@pytest.mark.parametrize("file_name", ["calendar_events_utf8_bom.csv", "calendar_events_sjis.csv"])
def test_it_imports_a_calendar_export_matching_attendees_to_contacts(
    crm: World, file_name: str
) -> None:
    # given the calendar sample: an online meeting, a visit at the customer's plant, a Teams call
    # when the CSM imports it
    record = imported(crm.csm, file_name, "calendar")
    # then the account is found through its contacts' e-mail and the kind through the location
    assert (record.created_count, record.rejected_count) == (3, 0)
    rows = Touchpoint.objects.order_by("occurred_at")
    assert [(t.account_id, t.csm_id, t.kind, t.occurred_at) for t in rows] == [
        (crm.account.pk, crm.csm.pk, "meeting", dt.datetime(2026, 11, 12, 6, 0, tzinfo=UTC)),
        (crm.account.pk, crm.csm.pk, "onsite", dt.datetime(2026, 11, 19, 0, 30, tzinfo=UTC)),
        (crm.account.pk, crm.csm.pk, "meeting", dt.datetime(2026, 11, 25, 5, 0, tzinfo=UTC)),
    ]
    assert all(t.external_id.startswith("calendar:") for t in rows)  # type: ignore[union-attr]


def test_it_lists_every_bad_row_with_its_reason_and_imports_the_good_ones(crm: World) -> None:
    # given a file with 7 rows: 2 good (one without subject), 5 bad for 5 different reasons
    # when the CSM imports it
    record = imported(crm.csm, "salesforce_bad_rows.csv", "salesforce")
    # then the good rows are imported and each bad row is listed with its row number
    assert (record.row_count, record.created_count, record.rejected_count) == (7, 2, 5)
    assert record.rejected_rows == [
        {"line": 3, "errors": [{"code": "unknown_account", "value": "株式会社存在しない商事"}]},
        {"line": 4, "errors": [{"code": "bad_date", "value": "2026/13/45"}]},
        {"line": 5, "errors": [{"code": "unknown_csm", "value": "鈴木 一郎"}]},
        {"line": 7, "errors": [{"code": "not_editable", "value": "合同会社北斗"}]},
        {"line": 8, "errors": [{"code": "unknown_kind", "value": "FAX"}]},
    ]
    assert sorted(Touchpoint.objects.values_list("external_id", "summary")) == [
        ("salesforce:00T5g00000BadR01", "定例ミーティング"),
        ("salesforce:00T5g00000BadR05", "件名なしで送信したフォローアップ"),
    ]


def test_the_rejected_rows_read_in_the_readers_language(crm: World) -> None:
    # given the bad-rows sample imported by the CSM
    record = imported(crm.csm, "salesforce_bad_rows.csv", "salesforce")
    # when its rejected rows are read for the result page, in English
    with translation.override("en"):
        rows = import_rejected_rows(record)
    # then each says its line and why
    assert rows == [
        RejectedRow(3, ["No account with the CRM ID or name “株式会社存在しない商事”."]),
        RejectedRow(4, ["Unreadable date “2026/13/45” (write e.g. 2026/11/05 14:30)."]),
        RejectedRow(5, ["No active member with the user name, e-mail or name “鈴木 一郎”."]),
        RejectedRow(7, ["You may not log touchpoints for “合同会社北斗”."]),
        RejectedRow(8, ["Unknown activity type “FAX”."]),
    ]


def test_an_admin_may_import_for_every_account(crm: World) -> None:
    record = imported(crm.admin, "salesforce_bad_rows.csv", "salesforce")
    assert record.created_count == 3
    assert [row["line"] for row in record.rejected_rows] == [3, 4, 5, 8]
    assert Touchpoint.objects.filter(account=crm.other_account, csm=crm.csm).count() == 1


def test_a_manager_imports_for_the_team_accounts_only(crm: World) -> None:
    record = imported(crm.manager, "salesforce_bad_rows.csv", "salesforce")
    assert record.created_count == 2
    assert record.rejected_rows[3] == {
        "line": 7,
        "errors": [{"code": "not_editable", "value": "合同会社北斗"}],
    }


def test_a_dry_run_writes_nothing_but_the_import_record(crm: World) -> None:
    # given the bad-rows sample
    # when it is only uploaded (the dry run)
    record = start(crm.csm, "salesforce_bad_rows.csv", "salesforce")
    # then no touchpoint and no audit event exist, and the record holds the preview's counts
    assert Touchpoint.objects.count() == 0
    assert AuditEvent.objects.filter(entity="touchpoint").count() == 0
    record.refresh_from_db()
    assert record.status == ImportStatus.DRY_RUN
    assert (record.row_count, record.created_count, record.rejected_count) == (7, 0, 5)
    assert record.mapping["account_name"] == "Account Name"
    assert record.encoding == "utf-8-sig"


def test_importing_the_same_file_again_adds_nothing(crm: World) -> None:
    # given the Salesforce sample imported once
    imported(crm.csm, "salesforce_activities_utf8_bom.csv", "salesforce")
    # when the same activities are imported again (here in the Shift_JIS variant)
    again = imported(crm.csm, "salesforce_activities_sjis.csv", "salesforce")
    # then nothing is created and every row is counted as skipped
    assert (again.created_count, again.duplicate_count, again.rejected_count) == (0, 4, 0)
    assert Touchpoint.objects.count() == 4


def test_a_file_without_ids_is_deduplicated_by_the_hash_of_its_rows(crm: World) -> None:
    imported(crm.csm, "calendar_events_utf8_bom.csv", "calendar")
    again = imported(crm.csm, "calendar_events_utf8_bom.csv", "calendar")
    assert (again.created_count, again.duplicate_count) == (0, 3)
    assert Touchpoint.objects.count() == 3


def test_the_same_dry_run_cannot_be_imported_twice(crm: World) -> None:
    record = start(crm.csm, "salesforce_activities_utf8_bom.csv", "salesforce")
    touchpoint_import_run(actor=crm.csm, record=record)
    with pytest.raises(ValidationError):
        touchpoint_import_run(actor=crm.csm, record=record)
    assert Touchpoint.objects.count() == 4


def test_the_import_takes_a_bounded_number_of_queries(crm: World) -> None:
    # given files of 10 and of 200 rows, each row for another account (by CRM ID) of the CSM
    def csv_of(count: int, offset: int) -> bytes:
        lines = ["Activity ID,Subject,Date,Assigned,Account ID,Type"]
        for n in range(offset, offset + count):
            account = AccountFactory(owner=crm.csm, external_crm_id=f"001CRM{n:05d}")
            lines.append(
                f"00T{n:05d},定例,2026/11/05 10:00,misaki.sato@kizuna.example,"
                f"{account.external_crm_id},Call"
            )
        return "\n".join(lines).encode()

    def queries_to_import(data: bytes) -> int:
        record, _plan = touchpoint_import_start(
            actor=crm.csm, file_name="x.csv", data=data, source="salesforce"
        )
        with CaptureQueriesContext(connection) as context:
            record = touchpoint_import_run(actor=crm.csm, record=record)
        assert record.rejected_rows == []
        return len(context.captured_queries)

    # when each is imported
    small, large = queries_to_import(csv_of(10, 0)), queries_to_import(csv_of(200, 100))
    # then the larger file needs no more queries than the small one (the bulk insert of 200
    # rows is one statement on PostgreSQL; allow SQLite's batching a few more)
    assert small <= 15
    assert large <= small + 2
    assert Touchpoint.objects.count() == 210


# --- pages --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [("csm", 200), ("teammate", 200), ("manager", 200), ("admin", 200), ("viewer", 403)],
)
def test_it_opens_the_import_page_to_those_who_log_touchpoints(
    world: World, persona: str, status: int
) -> None:
    response = client_for(getattr(world, persona)).get(reverse(UPLOAD))
    assert response.status_code == status


def test_it_sends_anonymous_visitors_to_the_login_page(world: World) -> None:
    response = Client().get(reverse(UPLOAD))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("front:login"))


def test_it_links_the_import_from_the_account_list_for_those_who_may_import(
    world: World,
) -> None:
    link = reverse(UPLOAD)
    accounts = reverse("customers:account_list")
    assert link in client_for(world.csm).get(accounts).content.decode()
    assert "接点をインポート" in client_for(world.csm).get(accounts).content.decode()
    assert link not in client_for(world.viewer).get(accounts).content.decode()


def test_it_uploads_previews_and_imports_through_the_pages(crm: World) -> None:
    # given the CSM on the upload page
    client = client_for(crm.csm)
    data = (FIXTURES / "salesforce_bad_rows.csv").read_bytes()
    upload = SimpleUploadedFile("activities.csv", data, content_type="text/csv")
    # when they upload the bad-rows sample
    response = client.post(reverse(UPLOAD), {"file": upload, "source": "salesforce"})
    # then they see the preview (in Japanese): counts, rows with reasons, the import button
    record = TouchpointImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("touchpoints:import_detail", args=[record.pk])
    body = client.get(response["Location"]).content.decode()
    assert "2 件の接点をインポート" in body
    assert "CRM ID または会社名が「株式会社存在しない商事」の顧客はありません。" in body
    assert "「合同会社北斗」の接点を記録する権限がありません。" in body
    assert Touchpoint.objects.count() == 0
    assert 'name="confirm" value="yes" required' in body
    # when they tick the confirmation box and import
    response = client.post(reverse("touchpoints:import_run", args=[record.pk]), {"confirm": "yes"})
    # then the good rows are imported and the result lists the rejected rows
    assert response.status_code == 302
    result = client.get(response["Location"]).content.decode()
    assert "インポート完了" in result
    assert "日付「2026/13/45」を読み取れません" in result
    assert "このファイルの接点" in result
    account_url = reverse("customers:account_detail", args=[crm.account.pk])
    assert result.count(f'href="{account_url}"') == 2
    assert Touchpoint.objects.count() == 2


def test_it_shows_the_reasons_in_english_to_an_english_reader(crm: World) -> None:
    crm.csm.language = "en"
    crm.csm.save()
    record = start(crm.csm, "salesforce_bad_rows.csv", "salesforce")
    url = reverse("touchpoints:import_detail", args=[record.pk])
    body = client_for(crm.csm).get(url).content.decode()
    assert "Import 2 touchpoints" in body
    assert "Unknown activity type “FAX”." in body


def test_changing_the_mapping_recomputes_the_preview(crm: World) -> None:
    # given a dry run of the Salesforce sample
    record = start(crm.csm, "salesforce_activities_utf8_bom.csv", "salesforce")
    mapping = dict(record.mapping)
    # when the CSM unmaps the date column
    mapping["date"] = ""
    url = reverse("touchpoints:import_detail", args=[record.pk])
    response = client_for(crm.csm).post(url, mapping)
    # then every row is rejected for its empty date and the new mapping is kept
    assert response.status_code == 200
    record.refresh_from_db()
    assert record.mapping["date"] == ""
    assert (record.rejected_count, record.rejected_rows[0]["errors"]) == (
        4,
        [{"code": "no_date", "value": ""}],
    )
    assert "日付が空です。" in response.content.decode()


def test_it_refuses_a_file_over_5_mb(world: World) -> None:
    big = SimpleUploadedFile("big.csv", b"Subject,Date\n" + b"a" * (6 * 1024 * 1024))
    response = client_for(world.csm).post(reverse(UPLOAD), {"file": big, "source": "csv"})
    assert response.status_code == 400
    assert "5 MB" in response.content.decode()
    assert TouchpointImport.objects.count() == 0


def test_it_refuses_a_file_that_is_not_text(world: World) -> None:
    data = (FIXTURES / "not_text.csv").read_bytes()
    upload = SimpleUploadedFile("image.csv", data)
    response = client_for(world.csm).post(reverse(UPLOAD), {"file": upload, "source": "csv"})
    assert response.status_code == 400
    assert "Shift_JIS" in response.content.decode()
    assert TouchpointImport.objects.count() == 0


@pytest.mark.parametrize("data", [{}, {"confirm": ""}, {"confirm": "no"}, {"confirm": "on"}])
def test_it_imports_nothing_without_the_ticked_confirmation(
    crm: World, data: dict[str, str]
) -> None:
    # given a previewed import with rows to import
    record = start(crm.csm, "salesforce_activities_utf8_bom.csv", "salesforce")
    client = client_for(crm.csm)
    # when the import is run without its confirmation box ticked (a crafted POST)
    response = client.post(reverse("touchpoints:import_run", args=[record.pk]), data)
    # then nothing is imported, the preview says why and still offers the import
    assert response.status_code == 302
    assert response["Location"] == reverse("touchpoints:import_detail", args=[record.pk])
    assert Touchpoint.objects.count() == 0
    record.refresh_from_db()
    assert (record.status, record.imported_at) == (ImportStatus.DRY_RUN, None)
    body = client.get(response["Location"]).content.decode()
    assert "確認のチェックボックスにチェックを入れてください" in body
    assert "これらの接点が今すぐ顧客に追加されることを理解しました" in body


def test_the_confirmation_reads_english_for_an_english_member(crm: World) -> None:
    crm.csm.language = "en"
    crm.csm.save()
    record = start(crm.csm, "salesforce_activities_utf8_bom.csv", "salesforce")
    body = client_for(crm.csm).get(reverse("touchpoints:import_detail", args=[record.pk]))
    assert (
        "I understand that these touchpoints are added to the accounts now" in body.content.decode()
    )


def test_an_import_is_seen_by_its_author_and_admins_only(crm: World) -> None:
    record = start(crm.csm, "salesforce_activities_utf8_bom.csv", "salesforce")
    url = reverse("touchpoints:import_detail", args=[record.pk])
    run = reverse("touchpoints:import_run", args=[record.pk])
    assert client_for(crm.admin).get(url).status_code == 200
    assert client_for(crm.teammate).get(url).status_code == 404
    assert client_for(crm.teammate).post(run).status_code == 404
    assert client_for(crm.viewer).get(url).status_code == 403
    assert client_for(crm.csm).get(run).status_code == 405
    assert Touchpoint.objects.count() == 0

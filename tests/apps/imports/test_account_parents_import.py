"""Account imports set each account's parent company from the row's ``parent_id`` (the parent's
CRM id, among the same source's accounts): a parent on a later row, a parent already stored, an
unknown parent listed (the account imported without it), a loop listed and not set, a row
naming itself rejected, and a parent change shown as a field change in the dry run."""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.apps.audit.models import AuditAction, AuditEvent
from kizuna.apps.customers.models import Account
from kizuna.apps.imports.models import ImportRun
from kizuna.apps.imports.services import accounts_import
from tests.apps.imports.conftest import HUBSPOT
from tests.factories import AccountFactory, World

pytestmark = pytest.mark.django_db


def _import(text: str, **options: Any) -> Any:
    return accounts_import(
        actor=None, data=text.encode("utf-8"), file_name="accounts.csv", **options
    )


def parents() -> dict[str, str | None]:
    """CRM id → the parent's CRM id, for every account with a CRM id."""
    rows = Account.objects.exclude(external_crm_id=None).values_list(
        "external_crm_id", "parent__external_crm_id"
    )
    return dict(rows)  # type: ignore[arg-type]


def test_it_sets_parents_at_any_depth_a_parent_on_a_later_row_too(world: World) -> None:
    # given a file whose children come before their parents, three levels deep
    text = "external_id,name,parent_id\nK3,孫会社,K2\nK2,子会社,K1\nK1,親会社,\nK4,独立会社,\n"
    # when imported
    result = _import(text)
    # then every link is set, nothing listed
    assert result.plan.summary == "created 4, updated 0, unchanged 0, rejected 0"
    assert parents() == {"K1": None, "K2": "K1", "K3": "K2", "K4": None}
    assert (result.plan.unknown_parents, result.plan.parent_loops) == ((), ())
    # and the created account's history names its parent
    k3 = Account.objects.get(external_crm_id="K3")
    assert AuditEvent.objects.get(account_id=k3.pk, action=AuditAction.CREATE).changes[
        "parent"
    ] == [None, "K2"]
    # and importing it again changes nothing
    again = _import(text)
    assert again.plan.summary == "created 0, updated 0, unchanged 4, rejected 0"


def test_a_hubspot_export_links_a_company_to_its_parent(world: World) -> None:
    accounts_import(actor=None, data=HUBSPOT.encode("utf-8"), file_name="hubspot.csv")
    assert parents() == {"9876543210": None, "9876543211": "9876543210"}


def test_an_unknown_parent_is_listed_and_the_account_imported_without_it(world: World) -> None:
    # given a parent id that is in neither the file nor Kizuna, one of another CRM, a huge one
    AccountFactory(external_crm_id="SF-OTHER", crm_source="salesforce")
    text = (
        "external_id,name,parent_id\n"
        "K1,株式会社一,NOWHERE\n"
        "K2,株式会社二,SF-OTHER\n"
        f"K3,株式会社三,{'9' * 60}\n"
    )
    # when dry-run, then imported
    planned = _import(text, dry_run=True)
    result = _import(text)
    # then each is listed as an unknown parent, the rows are imported, no parent set
    unknown = (("K1", "NOWHERE"), ("K2", "SF-OTHER"), ("K3", "9" * 60))
    assert planned.plan.unknown_parents == unknown == result.plan.unknown_parents
    assert result.plan.summary == "created 3, updated 0, unchanged 0, rejected 0"
    assert {k: v for k, v in parents().items() if k.startswith("K")} == {
        "K1": None,
        "K2": None,
        "K3": None,
    }
    # and the run keeps them
    run = ImportRun.objects.get()
    assert run.unknown_parents == [list(pair) for pair in unknown]


def test_a_row_naming_itself_is_rejected_and_another_naming_it_finds_no_parent(
    world: World,
) -> None:
    text = "external_id,name,parent_id\nK1,株式会社一,K1\nK2,株式会社二,K1\n"
    result = _import(text)
    assert [(r.line, r.code, r.value) for r in result.plan.rejected] == [(2, "self_parent", "K1")]
    assert result.plan.unknown_parents == (("K2", "K1"),)
    assert parents() == {"K2": None}


def test_a_loop_in_the_file_is_listed_and_not_closed(world: World) -> None:
    # given A under B and B under A, and C under itself through D
    text = (
        "external_id,name,parent_id\n"
        "A,株式会社A,B\n"
        "B,株式会社B,A\n"
        "C,株式会社C,D\n"
        "D,株式会社D,C\n"
        "E,株式会社E,A\n"
    )
    result = _import(text)
    # then the first link of each pair is set, the one closing the loop listed, not set
    assert result.plan.parent_loops == (("B", "A"), ("D", "C"))
    assert parents() == {"A": "B", "B": None, "C": "D", "D": None, "E": "A"}


def test_a_parent_change_shows_in_the_dry_run_and_is_written(world: World) -> None:
    # given K2 under K1, imported
    _import("external_id,name,parent_id\nK1,親一,\nK2,子,K1\nK3,親三,\n")
    # when the export moves K2 under K3 and K1 under K2 (allowed: K2 leaves K1 first)
    text = "external_id,name,parent_id\nK1,親一,K2\nK2,子,K3\nK3,親三,\n"
    planned = _import(text, dry_run=True)
    # then the dry run shows both as field changes, nothing written yet
    assert {c.external_id: dict(c.changes) for c in planned.plan.updated} == {
        "K1": {"parent": (None, "K2")},
        "K2": {"parent": ("K1", "K3")},
    }
    assert parents()["K2"] == "K1"
    # and the import writes them, with the history
    result = _import(text)
    assert result.plan.summary == "created 0, updated 2, unchanged 1, rejected 0"
    assert parents() == {"K1": "K2", "K2": "K3", "K3": None}
    k2 = Account.objects.get(external_crm_id="K2")
    assert AuditEvent.objects.get(account_id=k2.pk, action=AuditAction.UPDATE).changes == {
        "parent": ["K1", "K3"]
    }


def test_a_stored_link_is_kept_when_the_file_has_no_parent_column_and_cleared_by_an_empty_cell(
    world: World,
) -> None:
    _import("external_id,name,parent_id\nK1,親,\nK2,子,K1\n")
    # a file without the column leaves the link alone
    assert _import("external_id,name\nK1,親\nK2,子\n", accept_drift=True).plan.updated == ()
    assert parents()["K2"] == "K1"
    # an empty cell clears it
    result = _import("external_id,name,parent_id\nK1,親,\nK2,子,\n")
    assert [dict(c.changes) for c in result.plan.updated] == [{"parent": ("K1", None)}]
    assert parents()["K2"] is None


def test_a_deleted_parent_is_an_unknown_parent_on_the_next_import(world: World) -> None:
    _import("external_id,name,parent_id\nK1,親,\nK2,子,K1\n")
    Account.objects.get(external_crm_id="K1").delete()
    assert parents() == {"K2": None}
    result = _import("external_id,name,parent_id\nK2,子,K1\n")
    assert result.plan.unknown_parents == (("K2", "K1"),)
    assert result.plan.summary == "created 0, updated 0, unchanged 1, rejected 0"

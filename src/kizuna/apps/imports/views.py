"""The account import page: upload, dry run, then the import of the same file, confirmed.

A dry run writes nothing, so the page keeps nothing between the two steps: the import form
asks for the file again and carries the dry run's SHA-256; a different file is shown as a new
dry run instead of being imported. Admins only (``org.access.can_import_accounts``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from kizuna.apps.customers.models import Account, Industry
from kizuna.apps.front.form_helpers import confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.imports.forms import AccountImportForm, file_digest
from kizuna.apps.imports.models import ImportFormat, ImportRun
from kizuna.apps.imports.services import ImportResult, accounts_import
from kizuna.apps.org.access import can_import_accounts
from kizuna.core.imports.columns import FileRefused

#: rows of each list the page shows (the command line and the run keep them all)
SHOWN = 200

REASONS: dict[str, StrOrPromise] = {
    "no_id": gettext_lazy("The id is empty."),
    "id_too_long": gettext_lazy("The id is longer than 64 characters."),
    "no_name": gettext_lazy("The company name is empty."),
    "name_too_long": gettext_lazy("The company name is longer than 200 characters."),
    "kana_too_long": gettext_lazy("The kana is longer than 200 characters."),
    "bad_number": gettext_lazy("The employee count is not a whole number of 0 or more."),
    "number_too_large": gettext_lazy("The employee count is too large."),
    "duplicate_id": gettext_lazy("The id appears on more than one row (lines named)."),
    "extra_cells": gettext_lazy("The row has more cells than the header (a broken quote?)."),
    "other_source": gettext_lazy("The id belongs to an account imported from another CRM."),
    "self_parent": gettext_lazy("The account names itself as its parent company."),
}
REFUSALS: dict[str, StrOrPromise] = {
    "too_large": gettext_lazy("The file is too large."),
    "encoding": gettext_lazy("The file is not text in UTF-8, UTF-16 or Shift_JIS."),
    "empty": gettext_lazy("The file has no header row."),
    "unknown_format": gettext_lazy(
        "No known export has these columns; choose the format. Columns seen: %(detail)s"
    ),
    "bad_mapping": gettext_lazy("The mapping file is wrong: %(detail)s"),
    "missing_column": gettext_lazy("A required column is missing: %(detail)s"),
    "drift": gettext_lazy(
        "A column of the last import from this source is missing (renamed or removed in the "
        "CRM?): %(detail)s. Map it in the mapping file, or import without it."
    ),
}
ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp932": "Shift_JIS (CP932)",
}


@dataclass(frozen=True)
class FieldChange:
    label: StrOrPromise
    old: str
    new: str


@dataclass(frozen=True)
class UpdatedRow:
    line: int
    external_id: str
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: StrOrPromise
    value: str


@dataclass(frozen=True)
class ImportPage:
    """One dry run or import as the page shows it."""

    dry_run: bool
    source: str
    encoding: str
    digest: str
    created: int
    updated_count: int
    unchanged: int
    rejected_count: int
    missing_count: int
    updated: tuple[UpdatedRow, ...]
    rejected: tuple[RejectedRow, ...]
    unmatched_owners: tuple[tuple[str, int], ...]
    owner_differs: tuple[tuple[str, str], ...]
    unknown_parents: tuple[tuple[str, str], ...]
    parent_loops: tuple[tuple[str, str], ...]
    missing: tuple[str, ...]
    more_updated: int
    more_rejected: int
    run: ImportRun | None


def _shown(name: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if name == "industry":
        return str(Industry(value).label) if value in Industry.values else str(value)
    return str(value)


def _label(name: str) -> StrOrPromise:
    if name == "source":
        return gettext_lazy("CRM")
    field = Account._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _page(result: ImportResult, digest: str) -> ImportPage:
    plan = result.plan
    updated = tuple(
        UpdatedRow(
            change.line,
            change.external_id,
            tuple(
                FieldChange(_label(name), _shown(name, old), _shown(name, new))
                for name, (old, new) in change.changes.items()
            ),
        )
        for change in plan.updated[:SHOWN]
    )
    rejected = tuple(
        RejectedRow(r.line, REASONS.get(r.code, r.code), r.value) for r in plan.rejected[:SHOWN]
    )
    return ImportPage(
        dry_run=result.dry_run,
        source=str(ImportFormat(result.source).label),
        encoding=ENCODINGS.get(result.encoding, result.encoding),
        digest=digest,
        created=len(plan.created),
        updated_count=len(plan.updated),
        unchanged=len(plan.unchanged),
        rejected_count=len(plan.rejected),
        missing_count=len(plan.missing),
        updated=updated,
        rejected=rejected,
        unmatched_owners=plan.unmatched_owners[:SHOWN],
        owner_differs=plan.owner_differs[:SHOWN],
        unknown_parents=plan.unknown_parents[:SHOWN],
        parent_loops=plan.parent_loops[:SHOWN],
        missing=plan.missing[:SHOWN],
        more_updated=max(0, len(plan.updated) - SHOWN),
        more_rejected=max(0, len(plan.rejected) - SHOWN),
        run=result.run,
    )


def _refusal(refusal: FileRefused) -> str:
    message = REFUSALS.get(refusal.code)
    return str(message) % {"detail": refusal.detail} if message else refusal.code


def _wants_import(request: AuthedRequest, form: AccountImportForm, digest: str) -> bool:
    """The import button was pressed on the dry run of this very file, confirmed."""
    if request.POST.get("action") != "import":
        return False
    if form.cleaned_data["previewed"] != digest:
        messages.error(
            request,
            _("This is not the file of the dry run: here is its own dry run. Nothing imported."),
        )
        return False
    return confirmed(request)


@login_required
def account_import(request: AuthedRequest) -> HttpResponse:
    if not can_import_accounts(request.user):
        raise PermissionDenied
    form = AccountImportForm(request.POST or None, request.FILES or None)
    page = None
    if request.method == "POST" and form.is_valid():
        data: bytes = form.cleaned_data["file"]
        digest = file_digest(data)
        try:
            result = accounts_import(
                actor=request.user,
                data=data,
                file_name=form.file_name,
                file_format=form.cleaned_data["file_format"] or None,
                mapping_text=form.cleaned_data["mapping"],
                dry_run=not _wants_import(request, form, digest),
                accept_drift=form.cleaned_data["accept_drift"],
                via="web",
            )
        except FileRefused as refusal:
            form.add_error("file", _refusal(refusal))
        else:
            page = _page(result, digest)
    context = {"form": form, "page": page, "nav": "accounts"}
    status = 400 if form.errors else 200
    return render(request, "imports/account_import.html", context, status=status)

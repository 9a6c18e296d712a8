"""The import pages (accounts, contacts, subscription lines, members, survey answers): upload,
dry run, then
the import of the same file, confirmed. One view and one template for every kind; what a kind
says differently (its title, its counts' names, its reasons) is in ``KIND_TEXTS``.

A dry run writes nothing, so the page keeps nothing between the two steps: the import form
asks for the file again and carries the dry run's SHA-256; a different file is shown as a new
dry run instead of being imported. Admins only (``org.access.can_import_accounts``).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from kizuna.apps.customers.models import Account, Contact, Industry, SubscriptionLine
from kizuna.apps.front.form_helpers import confirmed
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.imports.forms import AccountImportForm, file_digest
from kizuna.apps.imports.models import ImportFormat, ImportRun
from kizuna.apps.imports.reasons import KIND_REASONS, REASONS, REFUSALS
from kizuna.apps.imports.selectors import import_run_detail
from kizuna.apps.imports.services import KINDS, ImportResult, run_import
from kizuna.apps.org.access import can_import_accounts, can_view_import_runs
from kizuna.apps.org.models import Role, User
from kizuna.core.imports.columns import FileRefused

#: rows of each list the page shows (the command line and the run keep them all)
SHOWN = 200
#: ids of records not in the file the page names (the count is shown; the CLI names ten)
MISSING_SHOWN = 30

ENCODINGS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp932": "Shift_JIS (CP932)",
    "parquet": "Parquet",
}


@dataclass(frozen=True)
class KindText:
    """What the page says for one kind of record."""

    title: StrOrPromise
    id_label: StrOrPromise
    intro: StrOrPromise
    created: StrOrPromise
    updated: StrOrPromise
    no_updates: StrOrPromise
    confirm: StrOrPromise
    missing: StrOrPromise
    kept: StrOrPromise
    file_help: StrOrPromise
    #: False for records that are only ever created (survey answers): no updated, unchanged
    #: or missing records to show
    upserts: bool = True


_CSV_HELP = gettext_lazy(
    "UTF-8, UTF-16 or Shift_JIS (what Excel saves), up to 200 MB. The columns, the mapping "
    "file and every rejection reason are described in the import guide (docs/imports.md)."
)
KIND_TEXTS: dict[str, KindText] = {
    "accounts": KindText(
        title=gettext_lazy("Import accounts"),
        id_label=gettext_lazy("CRM ID"),
        intro=gettext_lazy(
            "Upload an account export from Salesforce (Data Export or an account report, "
            "Japanese or English), HubSpot (companies) or Kizuna's own CSV. You see a dry run "
            "first; nothing is imported until you confirm. Accounts are matched by the CRM's "
            "id: importing the same file again changes nothing."
        ),
        created=gettext_lazy("New accounts"),
        updated=gettext_lazy("Updated accounts"),
        no_updates=gettext_lazy("No account changes."),
        confirm=gettext_lazy("I understand that these accounts are created and updated now."),
        missing=gettext_lazy("Accounts of this source not in the file"),
        kept=gettext_lazy("They are kept as they are: an import never deletes an account."),
        file_help=_CSV_HELP,
    ),
    "contacts": KindText(
        title=gettext_lazy("Import contacts"),
        id_label=gettext_lazy("CRM ID"),
        intro=gettext_lazy(
            "Upload a contact export from Salesforce, HubSpot or Kizuna's own CSV, after the "
            "accounts: each contact's account is found by the account's CRM id. Contacts are "
            "matched by the CRM's id: importing the same file again changes nothing."
        ),
        created=gettext_lazy("New contacts"),
        updated=gettext_lazy("Updated contacts"),
        no_updates=gettext_lazy("No contact changes."),
        confirm=gettext_lazy("I understand that these contacts are created and updated now."),
        missing=gettext_lazy("Contacts of this source not in the file"),
        kept=gettext_lazy("They are kept as they are: an import never deletes a contact."),
        file_help=_CSV_HELP,
    ),
    "lines": KindText(
        title=gettext_lazy("Import subscription lines"),
        id_label=gettext_lazy("Subscription ID"),
        intro=gettext_lazy(
            "Upload Kizuna's line file (CSV or Parquet, the file the revenue report reads: "
            "subscription_id, customer_id, start_date, end_date, monthly_amount, product) or "
            "a HubSpot deal export (closed-won deals only: export a view filtered to them), "
            "after the accounts. Lines are matched by their id; the accounts' MRR is "
            "recomputed."
        ),
        created=gettext_lazy("New lines"),
        updated=gettext_lazy("Updated lines"),
        no_updates=gettext_lazy("No line changes."),
        confirm=gettext_lazy("I understand that these lines are created and updated now."),
        missing=gettext_lazy("Lines not in the file"),
        kept=gettext_lazy(
            "They are kept as they are: an import never deletes a line; end it with an end date."
        ),
        file_help=gettext_lazy(
            "CSV (UTF-8 or Shift_JIS) or Parquet, up to 200 MB. Amounts are whole yen (minor "
            "units) per month. The columns and every rejection reason are described in the "
            "import guide (docs/imports.md)."
        ),
    ),
    "members": KindText(
        title=gettext_lazy("Import members"),
        id_label=gettext_lazy("E-mail"),
        intro=gettext_lazy(
            "Upload a user export from Salesforce or HubSpot, or Kizuna's own CSV (email, "
            "name, role, team). Members are matched by e-mail; their CRM user id lets the "
            "account import find each account's owner. New members get no password until "
            "they are invited; an existing member's role is not changed."
        ),
        created=gettext_lazy("New members"),
        updated=gettext_lazy("Updated members"),
        no_updates=gettext_lazy("No member changes."),
        confirm=gettext_lazy("I understand that these members are created and updated now."),
        missing=gettext_lazy("Members not in the file"),
        kept=gettext_lazy("They are kept as they are: an import never deactivates a member."),
        file_help=_CSV_HELP,
    ),
    "answers": KindText(
        title=gettext_lazy("Import survey answers"),
        id_label=gettext_lazy("Answer ID or e-mail"),
        intro=gettext_lazy(
            "Upload the answers a survey tool or a spreadsheet collected, as a CSV with the "
            "columns email, score, comment, answered_at and, optional, program and "
            "external_id. Each answer belongs to the contact with that e-mail. An answer "
            "already stored (same id, or same contact, program and time) is rejected as a "
            "duplicate: importing the same file again adds nothing."
        ),
        created=gettext_lazy("New answers"),
        updated=gettext_lazy("New answers"),
        no_updates=gettext_lazy("No answer changes."),
        confirm=gettext_lazy("I understand that these answers are added now."),
        missing=gettext_lazy("Answers not in the file"),
        kept=gettext_lazy("They are kept as they are."),
        file_help=gettext_lazy(
            "CSV in UTF-8, UTF-16 or Shift_JIS (what Excel saves), up to 5 MB. The columns "
            "and every rejection reason are described in the import guide (docs/imports.md)."
        ),
        upserts=False,
    ),
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
    more_missing: int
    run: ImportRun | None


def _shown(name: str, value: object) -> str:
    if value is None or value == "":
        return "—"
    if name == "industry":
        return str(Industry(value).label) if value in Industry.values else str(value)
    return str(value)


_MODELS: dict[str, type[Model]] = {
    "accounts": Account,
    "contacts": Contact,
    "lines": SubscriptionLine,
    "members": User,
}
#: the import tabs, in the order one needs the other
TAB_ORDER = ("accounts", "contacts", "lines", "members", "answers")


def _label(kind: str, name: str) -> StrOrPromise:
    if name == "source":
        return gettext_lazy("CRM")
    try:
        field = _MODELS[kind]._meta.get_field(name)
    except FieldDoesNotExist:
        return name
    return str(getattr(field, "verbose_name", name))


def _differs(kind: str, differs: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    """The records whose owner (accounts) or role (members) differs in the file; a role as
    its label in the reader's language."""
    if kind != "members":
        return differs
    return tuple((email, str(Role(code).label)) for email, code in differs)


def _page(kind: str, result: ImportResult, digest: str) -> ImportPage:
    plan = result.plan
    updated = tuple(
        UpdatedRow(
            change.line,
            change.external_id,
            tuple(
                FieldChange(_label(kind, name), _shown(name, old), _shown(name, new))
                for name, (old, new) in change.changes.items()
            ),
        )
        for change in plan.updated[:SHOWN]
    )
    reasons = {**REASONS, **KIND_REASONS.get(kind, {})}
    rejected = tuple(
        RejectedRow(r.line, reasons.get(r.code, r.code), r.value) for r in plan.rejected[:SHOWN]
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
        owner_differs=_differs(kind, plan.owner_differs[:SHOWN]),
        unknown_parents=plan.unknown_parents[:SHOWN],
        parent_loops=plan.parent_loops[:SHOWN],
        missing=plan.missing[:MISSING_SHOWN],
        more_missing=max(0, len(plan.missing) - MISSING_SHOWN),
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
def record_import(request: AuthedRequest, kind: str) -> HttpResponse:
    if not can_import_accounts(request.user):
        raise PermissionDenied
    if kind not in KINDS or kind not in KIND_TEXTS:
        raise Http404
    form = AccountImportForm(request.POST or None, request.FILES or None)
    page = None
    if request.method == "POST" and form.is_valid():
        data: bytes = form.cleaned_data["file"]
        digest = file_digest(data)
        file_format = form.cleaned_data["file_format"] or None
        try:
            if file_format is not None and file_format not in KINDS[kind].formats:
                raise FileRefused("no_such_format", str(ImportFormat(file_format).label))
            result = run_import(
                KINDS[kind],
                actor=request.user,
                data=data,
                file_name=form.file_name,
                file_format=file_format,
                mapping_text=form.cleaned_data["mapping"],
                dry_run=not _wants_import(request, form, digest),
                accept_drift=form.cleaned_data["accept_drift"],
                via="web",
            )
        except FileRefused as refusal:
            form.add_error("file", _refusal(refusal))
        else:
            page = _page(kind, result, digest)
    context = {
        "form": form,
        "page": page,
        "kind": kind,
        "text": KIND_TEXTS[kind],
        "kinds": [(code, KIND_TEXTS[code].title) for code in TAB_ORDER if code in KINDS],
        "nav": "accounts",
    }
    status = 400 if form.errors else 200
    return render(request, "imports/import.html", context, status=status)


@login_required
def import_run(request: AuthedRequest, run_id: int) -> HttpResponse:
    """One import run of the ops page: its counts, its rejected rows and unmatched owners."""
    if not can_view_import_runs(request.user):
        raise PermissionDenied
    detail = import_run_detail(run_id=run_id)
    if detail is None:
        raise Http404
    return render(request, "imports/run_detail.html", {"detail": detail, "nav": "usage"})


def _cell(value: str) -> str:
    """A cell a spreadsheet shows as text: the file's values came from outside, and one that
    starts like a formula (``=``, ``+``, ``@``, ``-`` and no number) is prefixed by ``'``."""
    risky = value[:1] in ("=", "+", "@", "\t", "\r")
    risky = risky or (value[:1] == "-" and not value[1:2].isdigit())
    return "'" + value if risky else value


@login_required
def import_run_rejects(request: AuthedRequest, run_id: int) -> HttpResponse:
    """A run's rejected rows as CSV (UTF-8 with a BOM, as Excel opens it): row, reason code,
    reason in the reader's language, value."""
    if not can_view_import_runs(request.user):
        raise PermissionDenied
    detail = import_run_detail(run_id=run_id)
    if detail is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"kizuna-import-{run_id}-rejected.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response.write("\ufeff")
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow([_("Row"), _("Reason code"), _("Reason"), _("Value")])
    for row in detail.rejected:
        writer.writerow([row.line, row.code, str(row.reason), _cell(row.value)])
    return response

"""What the import codes mean, in the reader's language: why a row was rejected (the core's
``Rejected.code``, of every kind), why a file was refused whole (``FileRefused.code``,
and the folder sync's own ``unreadable`` / ``failed``), and the words of a run (kind, status,
via). One table for the import page, the ops list of runs and its drill-down."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy
from django_stubs_ext import StrOrPromise

#: ``Rejected.code`` → the reason (``REJECT_CODES`` of ``core.imports.accounts``, ``.contacts``,
#: ``.lines`` and ``.members``; docs/imports.md lists each); ``KIND_REASONS`` words a code one
#: kind means differently. ``REFUSALS``: ``FileRefused.code`` → the message (``%(detail)s``:
#: what the refusal names).
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
    "other_source": gettext_lazy("The id belongs to a record imported from another CRM."),
    "self_parent": gettext_lazy("The account names itself as its parent company."),
    "no_account": gettext_lazy("The account's CRM id is empty."),
    "unknown_account": gettext_lazy("No account has this CRM id (import the accounts first)."),
    "ambiguous_account": gettext_lazy("Two accounts, from two CRMs, have this CRM id."),
    "title_too_long": gettext_lazy("The job title is longer than 100 characters."),
    "phone_too_long": gettext_lazy("The phone number is longer than 32 characters."),
    "bad_email": gettext_lazy("The e-mail address is not an address."),
    "no_start": gettext_lazy("The start date is empty."),
    "bad_date": gettext_lazy("The date is not a date (YYYY-MM-DD)."),
    "end_before_start": gettext_lazy("The end date is not after the start date."),
    "bad_amount": gettext_lazy("The monthly amount is not a whole number of 0 or more."),
    "amount_too_large": gettext_lazy("The monthly amount is too large."),
    "other_currency": gettext_lazy("The currency is not this company's."),
    "no_product": gettext_lazy("No product is given, and the company sells several."),
    "unknown_product": gettext_lazy("No product has this code."),
    "bad_term": gettext_lazy("The contract term is not a whole number of months from 1 to 120."),
    "deal_not_won": gettext_lazy(
        "The deal is not closed won: only won deals are subscription lines (its stage is shown)."
    ),
    "no_email": gettext_lazy("The e-mail address is empty."),
    "unknown_role": gettext_lazy("The role is not one of admin, manager, CSM or viewer."),
    "unknown_team": gettext_lazy("No team has this code or name."),
    "inactive_user": gettext_lazy("The CRM user is inactive: not imported."),
    # survey answers (``ANSWER_REJECT_CODES`` of ``core.voc.answer_import``)
    "missing_email": gettext_lazy("The contact's e-mail address is empty."),
    "unknown_contact": gettext_lazy(
        "No contact has this e-mail address (or two contacts share it)."
    ),
    "unknown_program": gettext_lazy(
        "No survey program has this code (or there is no default NPS program)."
    ),
    "bad_score": gettext_lazy("The score is not a whole number."),
    "score_out_of_range": gettext_lazy(
        "The score is outside the program's scale (NPS 0–10, CSAT 1–5)."
    ),
    "comment_too_long": gettext_lazy("The comment is longer than 5,000 characters."),
    "duplicate": gettext_lazy(
        "The answer is already stored, or on an earlier row of the file (same id, or same "
        "contact, program and time)."
    ),
}
#: reasons a kind words differently from the account's
KIND_REASONS: dict[str, dict[str, StrOrPromise]] = {
    "contacts": {
        "no_name": gettext_lazy("The name is empty."),
        "name_too_long": gettext_lazy("The name is longer than 100 characters."),
    },
    "members": {"name_too_long": gettext_lazy("The name is longer than 100 characters.")},
    "lines": {"bad_number": gettext_lazy("The seats are not a whole number of 0 or more.")},
    "answers": {
        "bad_date": gettext_lazy(
            "The answer time is not a date or time (ISO), or is before 2000 or after tomorrow."
        ),
        "id_too_long": gettext_lazy("The answer's id is longer than 100 characters."),
    },
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
    "wrong_kind": gettext_lazy(
        "This is a file of another kind of record (its column %(detail)s says so): choose "
        "the tab of that kind."
    ),
    "no_such_format": gettext_lazy("There is no %(detail)s format for this kind of record."),
    "drift": gettext_lazy(
        "A column of the last import from this source is missing (renamed or removed in the "
        "CRM?): %(detail)s. Map it in the mapping file, or import without it."
    ),
    # the drop folder's own (imports.folder)
    "unreadable": gettext_lazy("The file could not be read: %(detail)s"),
    "failed": gettext_lazy("The import stopped on an error; nothing was imported: %(detail)s"),
}
KINDS: dict[str, StrOrPromise] = {
    "accounts": pgettext_lazy("import kind", "Accounts"),
    "contacts": pgettext_lazy("import kind", "Contacts"),
    "lines": gettext_lazy("Subscription lines"),
    "members": gettext_lazy("Members and teams"),
    "answers": gettext_lazy("Survey answers"),
}
STATUSES: dict[str, StrOrPromise] = {
    "imported": pgettext_lazy("import status", "Imported"),
    "refused": pgettext_lazy("import status", "Refused"),
}
VIAS: dict[str, StrOrPromise] = {
    "cli": gettext_lazy("Command line"),
    "web": gettext_lazy("Import page"),
    "folder": gettext_lazy("Drop folder"),
}


def reason(kind: str, code: str) -> StrOrPromise:
    """Why a row of a ``kind`` import was rejected; an unknown code is shown as it is."""
    return KIND_REASONS.get(kind, {}).get(code) or REASONS.get(code, code)


def refusal(code: str, detail: str) -> str:
    """Why a file was refused whole; an unknown code is shown as it is, with its detail."""
    message = REFUSALS.get(code)
    if message is None:
        return f"{code}: {detail}" if detail else code
    return str(message) % {"detail": detail}


def stored_refusal(error: str) -> str:
    """``ImportRun.error`` (``code: detail`` or ``code``) in the reader's language."""
    code, _sep, detail = error.partition(": ")
    return refusal(code, detail)

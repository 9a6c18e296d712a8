"""What the import codes mean, in the reader's language: why a row was rejected (the core's
``Rejected.code``, accounts and contacts), why a file was refused whole (``FileRefused.code``,
and the folder sync's own ``unreadable`` / ``failed``), and the words of a run (kind, status,
via). One table for the import page, the ops list of runs and its drill-down."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy
from django_stubs_ext import StrOrPromise

#: ``Rejected.code`` → the reason (``core.imports.accounts.REJECT_CODES`` and
#: ``core.imports.contacts.CONTACT_REJECT_CODES``; docs/imports.md lists each)
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
    "no_account": gettext_lazy("The contact's account id is empty."),
    "title_too_long": gettext_lazy("The job title is longer than 100 characters."),
    "phone_too_long": gettext_lazy("The phone number is longer than 32 characters."),
    "bad_email": gettext_lazy("The e-mail address is not valid."),
    "unknown_account": gettext_lazy(
        "No account imported from this CRM has this id: import the accounts first."
    ),
}
#: contacts name the person, not the company
CONTACT_REASONS: dict[str, StrOrPromise] = {
    "no_name": gettext_lazy("The contact's name is empty."),
    "name_too_long": gettext_lazy("The contact's name is longer than 100 characters."),
    "other_source": gettext_lazy("The id belongs to a contact imported from another CRM."),
}

#: ``FileRefused.code`` → the message (``%(detail)s``: what the refusal names)
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
    "unreadable": gettext_lazy("The file could not be read: %(detail)s"),
    "failed": gettext_lazy("The import stopped on an error; nothing was imported: %(detail)s"),
}

KINDS: dict[str, StrOrPromise] = {
    "accounts": pgettext_lazy("import kind", "Accounts"),
    "contacts": pgettext_lazy("import kind", "Contacts"),
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
    if kind == "contacts" and code in CONTACT_REASONS:
        return CONTACT_REASONS[code]
    return REASONS.get(code, code)


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

"""The account import form. Validation only: the import is ``services.accounts_import``."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.apps.imports.models import ImportFormat
from kizuna.apps.imports.services import MAX_FILE_BYTES

#: a mapping file is a few lines of JSON
MAX_MAPPING_BYTES = 64 * 1024


def file_digest(data: bytes) -> str:
    """The SHA-256 of a file: the import must be of the file the dry run showed."""
    return hashlib.sha256(data).hexdigest()


class AccountImportForm(forms.Form):
    file = forms.FileField(label=_("File (CSV, or Parquet for lines)"))
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=[("", _("Recognise from the columns")), *ImportFormat.choices],
        required=False,
    )
    mapping = forms.FileField(
        label=_("Mapping file (JSON)"),
        required=False,
        help_text=_("Optional. Saved for this source and used by the next imports."),
    )
    accept_drift = forms.BooleanField(
        label=_("Import even if a column of the last import is missing"), required=False
    )
    previewed = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    file_name = ""

    def clean_file(self) -> bytes:
        upload: Any = self.cleaned_data["file"]
        self.file_name = str(upload.name or "")
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 200 MB."))
        data: bytes = upload.read()
        return data

    def clean_mapping(self) -> str | None:
        upload: Any = self.cleaned_data.get("mapping")
        if not upload:
            return None
        if upload.size > MAX_MAPPING_BYTES:
            raise forms.ValidationError(_("The mapping file is larger than 64 KB."))
        try:
            text: str = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(_("The mapping file is not UTF-8 text.")) from None
        return text

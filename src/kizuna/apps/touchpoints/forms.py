"""The touchpoint forms. Validation only: the writes are ``services.touchpoint_create`` and
``imports.touchpoint_import_*``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from kizuna.apps.customers.forms import csm_choices
from kizuna.apps.customers.models import Account
from kizuna.apps.tenant.selectors import tenant_today
from kizuna.apps.touchpoints.dates import EARLIEST_DAY, touch_day_clean
from kizuna.apps.touchpoints.models import ImportSource, Touchpoint
from kizuna.integrations.activity_csv import FIELDS, MAX_BYTES


class ContactChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """A choice that is not a 64-bit id is refused before the query (SQLite raises an
    ``OverflowError`` on 10**30, which would be a 500)."""

    def _check_values(self, value: Any) -> Any:
        for pk in value:
            if not str(pk).isdigit() or int(pk) >= 2**63:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)  # type: ignore[misc]


class TouchpointForm(forms.ModelForm[Touchpoint]):
    class Meta:
        model = Touchpoint
        fields = ["kind", "occurred_at", "csm", "contacts", "summary"]
        field_classes = {"contacts": ContactChoiceField}
        widgets = {
            "occurred_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "contacts": forms.CheckboxSelectMultiple,
            "summary": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args: Any, account: Account, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contacts"].queryset = account.contacts.order_by("name")  # type: ignore[attr-defined]
        self.fields["csm"].queryset = csm_choices()  # type: ignore[attr-defined]
        self.fields["occurred_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]  # type: ignore[attr-defined]
        # the browser's date picker offers the allowed days only; clean_occurred_at decides
        self.fields["occurred_at"].widget.attrs.update(
            min=f"{EARLIEST_DAY:%Y-%m-%d}T00:00", max=f"{tenant_today():%Y-%m-%d}T23:59"
        )
        if not self.is_bound:
            self.initial.setdefault("csm", user.pk)
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )

    def clean_occurred_at(self) -> Any:
        return touch_day_clean(self.cleaned_data["occurred_at"])


FIELD_LABELS: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    "external_id": (
        _("Activity / event ID"),
        _("Identifies a row so that importing the file again adds nothing twice."),
    ),
    "account_crm_id": (_("Account CRM ID"), _("Matched against the accounts' CRM ID.")),
    "account_name": (_("Account name"), _("Matched against the exact company name.")),
    "attendees": (
        _("Attendees (e-mail)"),
        _("Used when there is no account column: matched against the contacts' e-mail."),
    ),
    "csm": (
        _("CSM"),
        _("User name, e-mail or display name of a member. Empty or not mapped: you."),
    ),
    "kind": (_("Activity type"), _("Call, e-mail, meeting, visit … (English or Japanese).")),
    "date": (_("Date (and time)"), _("Read in the company's time zone.")),
    "time": (_("Time"), _("When the time is in a column of its own.")),
    "subject": (_("Subject"), ""),
    "description": (_("Comments / description"), _("Added to the summary under the subject.")),
    "location": (_("Location"), _("Calendar: a place (not an online meeting) is a visit.")),
}


class TouchpointImportUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    source = forms.ChoiceField(
        label=_("Exported from"), choices=ImportSource.choices, initial=ImportSource.SALESFORCE
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB. Split it and import the parts."),
                params={"size": MAX_BYTES // (1024 * 1024)},
                code="too_large",
            )
        return upload


class TouchpointImportMappingForm(forms.Form):
    """One select per Kizuna field, listing the file's headers."""

    def __init__(self, *args: Any, headers: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —")), *((h, h) for h in headers if h)]
        for name in FIELDS:
            label, help_text = FIELD_LABELS[name]
            self.fields[name] = forms.ChoiceField(
                label=label, help_text=help_text, choices=choices, required=False
            )

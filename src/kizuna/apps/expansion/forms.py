"""The CSQL pages' forms: raise one, move its state, hand it to another sales owner, the
board's filters, the attribution window."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import Product
from kizuna.apps.expansion.models import CHOSEN_REASONS, CsqlState, ExpansionSettings
from kizuna.apps.org.models import Team, User

MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str | None) -> dt.date | None:
    """``2026-10`` → 2026-10-01; None for anything else (years 1–9999)."""
    match = MONTH.match(text or "")
    if not match:
        return None
    try:
        return dt.date(int(match[1]), int(match[2]), 1)
    except ValueError:
        return None


class _SalesOwner(forms.Form):
    sales_owner = forms.ModelChoiceField(
        queryset=User.objects.none(), label=_("Sales owner (member)"), required=False
    )
    sales_owner_name = forms.CharField(
        label=_("or a CRM user's name"), max_length=150, required=False
    )

    def __init__(self, *args: Any, candidates: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sales_owner"].queryset = candidates  # type: ignore[attr-defined]


class RaiseForm(_SalesOwner):
    product = forms.ModelChoiceField(
        queryset=Product.objects.filter(is_active=True),
        label=_("Product to propose"),
        required=False,
        empty_label=_("(any product)"),
    )
    note = forms.CharField(
        label=_("Note for sales"), max_length=4000, required=False, widget=forms.Textarea
    )
    field_order = ["product", "sales_owner", "sales_owner_name", "note"]


class HandForm(_SalesOwner):
    pass


class MoveForm(forms.Form):
    state = forms.ChoiceField(
        label=_("New state"),
        choices=[(s.value, s.label) for s in (CsqlState.ACCEPTED, CsqlState.WON, CsqlState.LOST)],
    )
    lost_reason = forms.ChoiceField(
        label=_("Lost reason"),
        choices=[("", "—"), *[(c.value, c.label) for c in CHOSEN_REASONS]],
        required=False,
    )
    lost_note = forms.CharField(label=_("Lost note"), max_length=1000, required=False)


class BoardFilterForm(forms.Form):
    team = forms.ModelChoiceField(
        queryset=Team.objects.all(), to_field_name="code", required=False, label=_("Team")
    )
    csm = forms.ModelChoiceField(
        queryset=User.objects.filter(csqls_raised__isnull=False).distinct(),
        to_field_name="username",
        required=False,
        label=_("CSM"),
    )
    month = forms.CharField(required=False, label=_("Raised in (YYYY-MM)"), max_length=7)

    def clean_month(self) -> dt.date | None:
        text = self.cleaned_data.get("month") or ""
        month = parse_month(text)
        if text and month is None:
            raise forms.ValidationError(_("Give a month as YYYY-MM."))
        return month


class SettingsForm(forms.ModelForm[ExpansionSettings]):
    class Meta:
        model = ExpansionSettings
        fields = ["window_months"]

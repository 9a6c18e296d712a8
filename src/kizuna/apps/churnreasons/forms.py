"""The churn-reason pages' forms: a reason for one churn event, the report's choices, a
category of the taxonomy."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.apps.churnreasons.models import NOTE_MAX, ChurnReasonCategory
from kizuna.apps.churnreasons.selectors import categories_offered

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


class ReasonForm(forms.Form):
    category = forms.ModelChoiceField(
        queryset=ChurnReasonCategory.objects.none(), label=_("Reason"), empty_label=None
    )
    note = forms.CharField(
        label=_("Note"), max_length=NOTE_MAX, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["category"].queryset = categories_offered()  # type: ignore[attr-defined]


PERIOD_CHOICES = [
    ("month", _("Month")),
    ("quarter", _("Fiscal quarter")),
    ("fiscal_year", _("Fiscal year")),
]
CUT_CHOICES = [("none", _("All")), ("segment", _("Touch model")), ("product", _("Product"))]


class ReportForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    cut = forms.ChoiceField(label=_("Cut by"), choices=CUT_CHOICES, required=False)
    since = forms.CharField(label=_("From (YYYY-MM)"), max_length=7, required=False)
    until = forms.CharField(label=_("To (YYYY-MM)"), max_length=7, required=False)

    def _month(self, name: str) -> dt.date | None:
        text = self.cleaned_data.get(name) or ""
        month = parse_month(text)
        if text and month is None:
            raise forms.ValidationError(_("Give a month as YYYY-MM."))
        return month

    def clean_since(self) -> dt.date | None:
        return self._month("since")

    def clean_until(self) -> dt.date | None:
        return self._month("until")


class CategoryForm(forms.ModelForm[ChurnReasonCategory]):
    class Meta:
        model = ChurnReasonCategory
        fields = ["key", "name_ja", "name_en", "order", "active"]


class CategoryEditForm(forms.ModelForm[ChurnReasonCategory]):
    class Meta:
        model = ChurnReasonCategory
        fields = ["name_ja", "name_en", "order", "active"]

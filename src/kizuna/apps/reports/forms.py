"""The recipients' form (admins)."""

from __future__ import annotations

from django import forms

from kizuna.apps.reports.models import ReportSettings


class RecipientsForm(forms.ModelForm[ReportSettings]):
    class Meta:
        model = ReportSettings
        fields = ["recipients", "language"]
        widgets = {"recipients": forms.Textarea(attrs={"rows": 6, "cols": 50})}

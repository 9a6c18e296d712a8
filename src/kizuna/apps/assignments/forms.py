"""Forms: manual reassignment, hand-off, and the capacity scenario (never saved)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.apps.org.models import Role, User


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner CSM"), queryset=User.objects.none())
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role=Role.CSM, is_active=True
        ).order_by("team__code", "username")


class HandoffForm(forms.Form):
    note = forms.CharField(
        label=_("Hand-off note"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the adoption team must know: goals, key people, open issues."),
    )


class ScenarioForm(forms.Form):
    """Planning parameters; defaults come from the data and the norms. Never stored."""

    high_load = forms.DecimalField(
        label=_("High-touch accounts per CSM"), min_value=Decimal(1), max_value=Decimal(1000)
    )
    low_load = forms.DecimalField(
        label=_("Low-touch accounts per CSM"), min_value=Decimal(1), max_value=Decimal(10000)
    )
    high_new = forms.DecimalField(
        label=_("New high-touch contracts per month"),
        min_value=Decimal(0),
        max_value=Decimal(100000),
        decimal_places=2,
    )
    low_new = forms.DecimalField(
        label=_("New low-touch contracts per month"),
        min_value=Decimal(0),
        max_value=Decimal(100000),
        decimal_places=2,
    )
    churn = forms.DecimalField(
        label=_("Monthly logo churn rate"),
        min_value=Decimal(0),
        max_value=Decimal(1),
        decimal_places=4,
    )
    onboarding_months = forms.DecimalField(
        label=_("Onboarding months"),
        min_value=Decimal("0.1"),
        max_value=Decimal(36),
        decimal_places=1,
    )
    concurrent = forms.DecimalField(
        label=_("Concurrent onboardings per CSM"), min_value=Decimal(1), max_value=Decimal(1000)
    )

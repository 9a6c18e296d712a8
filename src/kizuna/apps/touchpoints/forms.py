"""The touchpoint form. Validation only: the write is ``services.touchpoint_create``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from kizuna.apps.customers.forms import csm_choices
from kizuna.apps.customers.models import Account
from kizuna.apps.touchpoints.models import Touchpoint


class TouchpointForm(forms.ModelForm[Touchpoint]):
    class Meta:
        model = Touchpoint
        fields = ["kind", "occurred_at", "csm", "contacts", "summary"]
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
        if not self.is_bound:
            self.initial.setdefault("csm", user.pk)
            self.initial.setdefault(
                "occurred_at", timezone.localtime().replace(second=0, microsecond=0)
            )

"""Forms of the touch model: a new rule for a review, a segment exception."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import Segment
from kizuna.apps.segments.models import CoveragePolicy, SegmentRule
from kizuna.apps.touchpoints.models import TouchpointKind

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class SegmentRuleForm(forms.ModelForm[SegmentRule]):
    class Meta:
        model = SegmentRule
        fields = [
            "kind",
            "high_share",
            "low_share",
            "high_min",
            "low_min",
            "community_share",
            "effective_from",
            "review_interval_months",
            "note",
        ]
        widgets = {"effective_from": DATE}
        help_texts = {
            "high_share": _("Share of active accounts, e.g. 0.10 for the top 10%."),
            "high_min": _("Yearly amount (ACV + potential ACV) in the company currency."),
        }


class SegmentExceptionForm(forms.Form):
    segment = forms.ChoiceField(label=_("Touch model"), choices=Segment.choices)
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_on = forms.DateField(label=_("Expires on"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class CoveragePolicyForm(forms.ModelForm[CoveragePolicy]):
    """A segment's coverage period, target, qualifying touchpoint kinds and load norm.
    An internal note never counts, so it is not offered."""

    qualifying_kinds = forms.MultipleChoiceField(
        label=_("Touchpoint kinds that count"),
        choices=[(k, label) for k, label in TouchpointKind.choices if k != TouchpointKind.NOTE],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = CoveragePolicy
        fields = [
            "period_months",
            "target",
            "qualifying_kinds",
            "min_accounts_per_csm",
            "max_accounts_per_csm",
        ]
        help_texts = {"target": _("A share, e.g. 0.80 for 80%.")}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        low, high = cleaned.get("min_accounts_per_csm"), cleaned.get("max_accounts_per_csm")
        if low is not None and high is not None and low > high:
            self.add_error("max_accounts_per_csm", _("The maximum must be at least the minimum."))
        return cleaned

"""The dashboard's filter form (GET) and the targets form (CS ops admins only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import Channel, Product, Segment
from kizuna.apps.org.models import Team
from kizuna.apps.revenue.dashboard import COHORT_METRICS, PERIODS, DashboardFilters
from kizuna.apps.revenue.selectors import Cut

DIMENSION_FIELDS = ("segment", "product", "channel", "team")


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class DashboardFilterForm(forms.Form):
    """Snapshots are cut by one dimension at a time, so at most one of the four is set."""

    segment = forms.ChoiceField(label=_("Segment"), required=False)
    product = forms.ChoiceField(label=_("Product"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    team = forms.ChoiceField(label=_("Team"), required=False)
    period = forms.ChoiceField(
        label=_("Period"),
        required=False,
        initial=24,
        choices=[(m, format_lazy(_("Last {months} months"), months=m)) for m in PERIODS],
    )
    cohort = forms.ChoiceField(
        label=_("Cohort heatmap"),
        required=False,
        initial="logo",
        choices=list(COHORT_METRICS.items()),
    )

    def __init__(self, data: Any = None, **kwargs: Any) -> None:
        if data is not None:  # a filtered URL without period/cohort keeps their defaults
            data = data.copy()
            data.setdefault("period", "24")
            data.setdefault("cohort", "logo")
        super().__init__(data, **kwargs)
        everyone = [("", _("All"))]
        _choices(self, "segment").choices = everyone + list(Segment.choices)
        _choices(self, "product").choices = everyone + [
            (product.code, product.name) for product in Product.objects.order_by("code")
        ]
        _choices(self, "channel").choices = everyone + list(Channel.choices)
        _choices(self, "team").choices = everyone + [
            (team.code, team.name) for team in Team.objects.order_by("code")
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen = [name for name in DIMENSION_FIELDS if data.get(name)]
        if len(chosen) > 1:
            raise forms.ValidationError(
                _("Choose one of segment, product, channel or team: one cut at a time.")
            )
        return data

    def filters(self) -> DashboardFilters:
        """The filters to apply; the defaults (whole company, 24 months) when the form is bad."""
        if not self.is_bound or not self.is_valid():
            return DashboardFilters()
        data = self.cleaned_data
        chosen = next((name for name in DIMENSION_FIELDS if data.get(name)), "")
        return DashboardFilters(
            cut=Cut(dimension=chosen, value=data.get(chosen, "") if chosen else ""),
            months=int(data.get("period") or 24),
            cohort_metric=data.get("cohort") or "logo",
        )


def _percent(label: Any, high: int) -> forms.DecimalField:
    message = format_lazy(_("Enter a percentage between 0 and {high}."), high=high)
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(high),
        decimal_places=2,
        error_messages={"min_value": message, "max_value": message},
        widget=forms.NumberInput(attrs={"step": "0.1"}),
    )


class RevenueTargetForm(forms.Form):
    """Targets typed as percentages (1.5 = 1.5 %); empty = no target."""

    segment = forms.ChoiceField(label=_("Segment"), required=False)
    logo_churn_rate = _percent(_("Monthly logo churn target (%)"), 100)
    grr_12m = _percent(_("GRR target, 12 months (%)"), 100)
    nrr_12m = _percent(_("NRR target, 12 months (%)"), 300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "segment").choices = [("", _("Whole company")), *Segment.choices]

    def rates(self) -> dict[str, float | None]:
        """The cleaned targets as fractions (service input)."""
        return {
            name: None if self.cleaned_data[name] is None else float(self.cleaned_data[name]) / 100
            for name in ("logo_churn_rate", "grr_12m", "nrr_12m")
        }

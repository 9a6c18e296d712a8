"""The KPI target form: one target at a time, typed as people write it (90 for 90 %, 35 for an
NPS of +35, 40 CSQLs); empty removes the target."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import Segment
from kizuna.apps.kpis.models import KpiKey
from kizuna.apps.org.models import Role, Team, User
from kizuna.core.kpis.catalog import KPI_BY_KEY


def cut_choices() -> list[tuple[str, str]]:
    """``cut:value`` choices: the company, each segment, team and CSM."""
    choices = [("company:", str(_("Whole company")))]
    choices += [(f"segment:{code}", f"{_('Segment')}: {name}") for code, name in Segment.choices]
    choices += [(f"team:{t.code}", f"{_('Team')}: {t.name}") for t in Team.objects.order_by("code")]
    members = User.objects.filter(role=Role.CSM, is_active=True).order_by("username")
    choices += [(f"csm:{m.username}", f"{_('CSM')}: {m}") for m in members]
    return choices


class TargetForm(forms.Form):
    fiscal_year = forms.IntegerField(
        label=_("Fiscal year"),
        min_value=1,
        max_value=9998,
        error_messages={
            "min_value": _("Not a fiscal year."),
            "max_value": _("Not a fiscal year."),
            "invalid": _("Not a fiscal year."),
        },
    )
    kpi = forms.ChoiceField(label=_("KPI"), choices=KpiKey.choices)
    cut = forms.ChoiceField(label=_("For"))
    target = forms.DecimalField(
        label=_("Target"),
        required=False,
        max_digits=12,
        decimal_places=2,
        help_text=_("Rates in percent (90 = 90 %), the NPS in points, CSQLs as a count. "
                    "Leave empty to remove the target."),
        error_messages={
            "invalid": _("Enter a number."),
            "max_digits": _("Enter a smaller number."),
        },
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["cut"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = cut_choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kpi, target = data.get("kpi"), data.get("target")
        if kpi in KPI_BY_KEY and isinstance(target, Decimal):
            unit = KPI_BY_KEY[kpi].unit
            if unit == "count" and target != target.to_integral_value():
                raise ValidationError({"target": _("A count is a whole number.")})
        return data

    def service_args(self) -> dict[str, Any]:
        """The cleaned form as ``kpi_target_save``'s arguments (a rate as a fraction)."""
        data = self.cleaned_data
        cut, _sep, value = str(data["cut"]).partition(":")
        target: Decimal | None = data["target"]
        number: float | None = None
        if target is not None:
            unit = KPI_BY_KEY[data["kpi"]].unit
            number = float(target / 100) if unit == "rate" else float(target)
        return {
            "fiscal_year": data["fiscal_year"],
            "kpi": data["kpi"],
            "cut": cut,
            "value": value,
            "target": number,
        }

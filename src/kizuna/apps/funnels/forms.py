"""The funnels page's filter form (GET): the cut and the cohort range."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.core.calendar import month_index, month_start_before
from kizuna.core.funnels import Cut

#: the longest cohort range one page shows (ten years of months)
MAX_MONTHS = 120
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2099, 12, 1)


def cut_choices() -> list[tuple[str, Any]]:
    return [
        ("", _("Whole company")),
        ("segment", _("Touch model")),
        ("first_product", _("First product")),
        ("channel", _("Channel")),
        ("team", _("Team")),
        ("industry", _("Industry")),
    ]


class MonthField(forms.DateField):
    """A month as ``YYYY-MM`` (the browser's month picker), read as its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value: Any) -> dt.date | None:
        day = super().to_python(value)
        if day is not None and not EARLIEST <= day.replace(day=1) <= LATEST:
            raise forms.ValidationError(_("Choose a month from 2000 to 2099."), code="range")
        return day.replace(day=1) if day else None


class FunnelFilterForm(forms.Form):
    cut = forms.ChoiceField(label=_("Cut"), required=False, choices=cut_choices)
    first = MonthField(label=_("First cohort"), required=False)
    last = MonthField(label=_("Last cohort"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("first"), data.get("last")
        if first and last:
            if first > last:
                raise forms.ValidationError(
                    _("The first cohort must not be after the last."), code="order"
                )
            if month_index(last) - month_index(first) >= MAX_MONTHS:
                raise forms.ValidationError(_("Choose at most 120 cohort months."), code="too_many")
        return data

    def range(self, today: dt.date, default_months: int) -> tuple[dt.date, dt.date]:
        """The chosen range; a missing end defaults around the other one (at most
        ``MAX_MONTHS`` months, the latest ones kept)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        last = data.get("last") or (
            data["first"] if data.get("first") and data["first"] > today else today.replace(day=1)
        )
        first = data.get("first") or month_start_before(last, default_months - 1)
        if month_index(last) - month_index(first) >= MAX_MONTHS:
            first = month_start_before(last, MAX_MONTHS - 1)
        return first, last

    def chosen_cut(self) -> Cut | None:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        value = data.get("cut") or None
        return value

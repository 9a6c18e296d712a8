"""The score-model editor and the CSM sentiment form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.apps.customers.models import Segment
from kizuna.apps.health import uploads
from kizuna.apps.health.selectors import COMPONENT_LABELS
from kizuna.core.health.model import GREEN_FROM, RED_BELOW

INPUT_CHOICES = list(COMPONENT_LABELS.items())


class ComponentForm(forms.Form):
    # a blank first choice and an initial kind keep an untouched extra row empty (not "changed")
    input = forms.ChoiceField(label=gettext_lazy("Input"), choices=[("", "—"), *INPUT_CHOICES])
    kind = forms.ChoiceField(
        label=gettext_lazy("Normalisation"),
        choices=[("linear", gettext_lazy("Linear")), ("thresholds", gettext_lazy("Thresholds"))],
        initial="linear",
    )
    low = forms.FloatField(label=gettext_lazy("0 points at"))
    high = forms.FloatField(label=gettext_lazy("Full points at"))
    weight = forms.FloatField(label=gettext_lazy("Weight"), min_value=0, max_value=1000)
    red_forces_red = forms.BooleanField(label=gettext_lazy("Red makes all red"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("low") is not None and data.get("low") == data.get("high"):
            self.add_error("high", _("The two ends must differ."))
        if data.get("kind") == "thresholds" and (data.get("low") or 0) > (data.get("high") or 0):
            self.add_error("high", _("For thresholds, full points start above the red threshold."))
        return data


ComponentFormSet = forms.formset_factory(ComponentForm, extra=1, min_num=1, validate_min=True)


class BandsForm(forms.Form):
    red_below = forms.FloatField(label=gettext_lazy("Red below"), min_value=0, max_value=100)
    green_from = forms.FloatField(label=gettext_lazy("Green from"), min_value=0, max_value=100)
    note = forms.CharField(label=gettext_lazy("What changed"), max_length=500, required=False)
    segment = forms.ChoiceField(
        label=gettext_lazy("For the touch model"),
        required=False,
        choices=[("", gettext_lazy("all touch models")), *Segment.choices],
        help_text=gettext_lazy("Another touch model than the original's makes a separate model."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("red_below") or 0) > (data.get("green_from") or 0):
            self.add_error("green_from", _("Green must start at or above red."))
        return data


COMPONENT_FIELDS = ("input", "kind", "low", "high", "weight", "red_forces_red")


def components_initial(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """The component rows of a stored spec as the editor's initial data."""
    return [{k: c[k] for k in COMPONENT_FIELDS} for c in spec["components"]]


def bands_initial(spec: dict[str, Any], *, segment: str) -> dict[str, Any]:
    """The bands of a stored spec as the editor's initial data; the core's defaults
    (``kizuna.core.health.model``) where the spec has none."""
    return {
        "red_below": spec.get("red_below", RED_BELOW),
        "green_from": spec.get("green_from", GREEN_FROM),
        "segment": segment,
    }


def spec_from(
    components: forms.BaseFormSet[ComponentForm], bands: BandsForm, base: dict[str, Any]
) -> dict[str, Any]:
    rows = [f.cleaned_data for f in components if f.cleaned_data]
    used: dict[str, int] = {}
    out = []
    for row in rows:
        n = used[row["input"]] = used.get(row["input"], 0) + 1
        key = row["input"] if n == 1 else f"{row['input']}_{n}"
        out.append(
            {
                "key": key,
                **{k: row[k] for k in COMPONENT_FIELDS},
            }
        )
    return {
        **base,
        "components": out,
        "red_below": bands.cleaned_data["red_below"],
        "green_from": bands.cleaned_data["green_from"],
    }


class SentimentForm(forms.Form):
    value = forms.TypedChoiceField(
        label=gettext_lazy("Sentiment"),
        coerce=int,
        choices=[
            (1, gettext_lazy("1 — very bad")),
            (2, gettext_lazy("2 — bad")),
            (3, gettext_lazy("3 — neutral")),
            (4, gettext_lazy("4 — good")),
            (5, gettext_lazy("5 — very good")),
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("Why"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    until = forms.DateField(
        label=gettext_lazy("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["until"].initial = today + dt.timedelta(days=30)


class UploadBacktestForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("History table"),
        help_text=gettext_lazy(
            "CSV or Parquet: account_id, date, one column per input of the model, and the outcome."
        ),
    )
    outcome = forms.CharField(
        label=gettext_lazy("Outcome column"),
        max_length=100,
        help_text=gettext_lazy("A churn date, or 0/1."),
    )
    horizon = forms.IntegerField(
        label=gettext_lazy("Horizon (days)"), min_value=7, max_value=730, initial=90
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".parquet")):
            raise forms.ValidationError(_("Upload a .csv or .parquet file."))
        if upload.size > uploads.MAX_BYTES:
            raise forms.ValidationError(uploads.too_large_message())
        return upload

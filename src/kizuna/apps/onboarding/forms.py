"""The template editor: phases and criteria as two formsets, prefilled from the current
version; saving makes a new version."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kizuna.apps.onboarding.models import CriterionKind, OnboardingTemplate, UsageMetric
from kizuna.core.onboarding.timeline import CriterionSpec, PhaseSpec, UsageRule


class PhaseForm(forms.Form):
    name_ja = forms.CharField(label=gettext_lazy("Phase (Japanese)"), max_length=100)
    name_en = forms.CharField(label=gettext_lazy("Phase (English)"), max_length=100)
    target_day = forms.IntegerField(label=gettext_lazy("Target day"), min_value=0, max_value=730)
    is_setup = forms.BooleanField(label=gettext_lazy("Initial setup"), required=False)


class CriterionForm(forms.Form):
    phase = forms.IntegerField(label=gettext_lazy("Phase no."), min_value=1, max_value=20)
    label_ja = forms.CharField(label=gettext_lazy("Criterion (Japanese)"), max_length=200)
    label_en = forms.CharField(label=gettext_lazy("Criterion (English)"), max_length=200)
    # an initial value keeps an untouched extra row empty (not "changed")
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=CriterionKind.choices, initial=CriterionKind.MANUAL
    )
    metric = forms.ChoiceField(
        label=gettext_lazy("Usage metric"),
        choices=[("", "—"), *UsageMetric.choices],
        required=False,
    )
    feature = forms.CharField(label=gettext_lazy("Feature"), max_length=200, required=False)
    threshold = forms.IntegerField(label=gettext_lazy("At least"), min_value=1, required=False)
    window_days = forms.IntegerField(
        label=gettext_lazy("Window (days)"), min_value=1, max_value=90, initial=7
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") != CriterionKind.USAGE:
            return {**data, "metric": "", "feature": "", "threshold": None}
        if not data.get("metric"):
            self.add_error("metric", _("Choose the usage metric of the rule."))
        if not data.get("threshold"):
            self.add_error("threshold", _("Give the number the rule must reach."))
        if data.get("metric") == UsageMetric.FEATURE_EVENTS and not data.get("feature"):
            self.add_error("feature", _("Name the feature whose events count."))
        if data.get("metric") != UsageMetric.FEATURE_EVENTS:
            data["feature"] = ""
        if data.get("metric") == UsageMetric.SEAT_SHARE and (data.get("threshold") or 0) > 100:
            self.add_error("threshold", _("A share of seats is at most 100 %."))
        return data


PhaseFormSet = forms.formset_factory(PhaseForm, extra=1, min_num=1, validate_min=True)
CriterionFormSet = forms.formset_factory(CriterionForm, extra=2)


class TemplateEditor:
    def __init__(self, data: Any, *, current: OnboardingTemplate | None) -> None:
        phases, criteria = _initial(current)
        self.phases_set = PhaseFormSet(data, prefix="phase", initial=phases)
        self.criteria_set = CriterionFormSet(data, prefix="criterion", initial=criteria)
        self.note_field = data.get("note", "") if data else ""
        self.errors: list[str] = []
        self.is_bound = data is not None

    def is_valid(self) -> bool:
        ok = self.phases_set.is_valid() and self.criteria_set.is_valid()
        if not ok:
            return False
        phases = [f.cleaned_data for f in self.phases_set if f.cleaned_data]
        days = [p["target_day"] for p in phases]
        if days != sorted(days):
            self.errors.append(_("Target days must not go backwards from one phase to the next."))
        for form in self.criteria_set:
            if form.cleaned_data and form.cleaned_data["phase"] > len(phases):
                form.add_error("phase", _("There is no phase with this number."))
                ok = False
        return ok and not self.errors

    def errors_any(self) -> bool:
        return bool(
            self.errors
            or self.phases_set.total_error_count()
            or self.criteria_set.total_error_count()
        )

    def add_error(self, message: str) -> None:
        self.errors.append(message)

    def note(self) -> str:
        return str(self.note_field)[:500]

    def phases(self) -> list[PhaseSpec]:
        phases = [f.cleaned_data for f in self.phases_set if f.cleaned_data]
        criteria = [f.cleaned_data for f in self.criteria_set if f.cleaned_data]
        return [
            PhaseSpec(
                p["name_ja"],
                p["name_en"],
                p["target_day"],
                tuple(_criterion(c) for c in criteria if c["phase"] == n),
                is_setup=bool(p["is_setup"]),
            )
            for n, p in enumerate(phases, start=1)
        ]


def _criterion(data: dict[str, Any]) -> CriterionSpec:
    """A criterion row as written: a usage rule when its kind says so (its fields checked by
    ``CriterionForm.clean``), else a manual check."""
    rule = None
    if data["kind"] == CriterionKind.USAGE:
        rule = UsageRule(
            data["metric"],
            threshold=data["threshold"],
            window_days=data["window_days"],
            feature=data["feature"] or "",
        )
    return CriterionSpec(data["label_ja"], data["label_en"], rule)


def _initial(
    current: OnboardingTemplate | None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if current is None:
        return [], []
    phases, criteria = [], []
    for n, phase in enumerate(current.phases.order_by("order"), start=1):
        phases.append(
            {
                "name_ja": phase.name_ja,
                "name_en": phase.name_en,
                "target_day": phase.target_day,
                "is_setup": phase.is_setup,
            }
        )
        criteria += [
            {
                "phase": n,
                "label_ja": c.label_ja,
                "label_en": c.label_en,
                "kind": c.kind,
                "metric": c.metric,
                "feature": c.feature,
                "threshold": c.threshold,
                "window_days": c.window_days,
            }
            for c in phase.criteria.order_by("order")
        ]
    return phases, criteria

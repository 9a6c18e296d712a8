"""Forms of the rules: a rule's editor (its name and what its next version says), and the
company's alert settings. The checks are ``services.rule_data_clean``'s, shared with the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import Product, Segment
from kizuna.apps.org.models import Team
from kizuna.apps.playbooks.models import Playbook
from kizuna.apps.rules.models import AlertSettings, Priority, RuleAction, RuleVersion, TriggerKind
from kizuna.apps.rules.services import BIG, DEFAULTS, VERSION_FIELDS, rule_data_clean

CHECKBOXES = forms.CheckboxSelectMultiple


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    trigger = forms.ChoiceField(label=_("Trigger"), choices=TriggerKind.choices)
    threshold = forms.IntegerField(
        label=_("Threshold"),
        required=False,
        min_value=-BIG,
        max_value=BIG,
        help_text=_(
            "Only for the triggers with a value: days since kick-off (setup, at least), grades "
            "fallen (1–4, at least), the monthly MRR contraction (at least), days left (coverage "
            "and renewal, at most), the score (NPS detractor, 0–6, at most). Empty: any value."
        ),
    )
    segments = forms.MultipleChoiceField(
        label=_("Touch models"), choices=Segment.choices, required=False, widget=CHECKBOXES
    )
    products = forms.MultipleChoiceField(label=_("Products"), required=False, widget=CHECKBOXES)
    teams = forms.MultipleChoiceField(label=_("Teams"), required=False, widget=CHECKBOXES)
    grades = forms.TypedMultipleChoiceField(
        label=_("Health grades"),
        choices=[(g, str(g)) for g in range(1, 6)],
        coerce=int,
        required=False,
        widget=CHECKBOXES,
    )
    mrr_min = forms.IntegerField(label=_("MRR from"), required=False, min_value=0, max_value=BIG)
    mrr_max = forms.IntegerField(label=_("MRR up to"), required=False, min_value=0, max_value=BIG)
    actions = forms.MultipleChoiceField(
        label=_("Actions"), choices=RuleAction.choices, widget=CHECKBOXES
    )
    playbook = forms.ModelChoiceField(
        label=_("Playbook"),
        queryset=Playbook.objects.order_by("name", "pk"),
        required=False,
        help_text=_(
            "Only with the action “Start a playbook”: the playbook started on the account "
            "(an active one). While it runs there, the rule stays quiet on the account."
        ),
    )
    priority = forms.TypedChoiceField(label=_("Priority"), choices=Priority.choices, coerce=int)
    cooldown_days = forms.IntegerField(label=_("Cool-down (days)"), min_value=0, max_value=3650)
    due_in_business_days = forms.IntegerField(
        label=_("Task due in (business days)"), min_value=0, max_value=250
    )
    note = forms.CharField(
        label=_("What changed"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        products = self.fields["products"]
        teams = self.fields["teams"]
        assert isinstance(products, forms.MultipleChoiceField)
        assert isinstance(teams, forms.MultipleChoiceField)
        products.choices = [(p.code, p.name) for p in Product.objects.all()]
        teams.choices = [(t.code, t.name) for t in Team.objects.all()]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            cleaned.update(rule_data_clean(cleaned))
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned

    def version_data(self) -> dict[str, Any]:
        return {key: self.cleaned_data[key] for key in VERSION_FIELDS}

    def draft(self) -> RuleVersion:
        """An unsaved version with the form's data, for the preview."""
        return RuleVersion(version=0, **self.version_data())


def initial_of(version: RuleVersion | None, name: str = "") -> dict[str, Any]:
    """The editor's starting values: the current version's, or the defaults for a new rule."""
    values = DEFAULTS if version is None else {f: getattr(version, f) for f in VERSION_FIELDS}
    return {"name": name, **values}


class AlertSettingsForm(forms.ModelForm[AlertSettings]):
    class Meta:
        model = AlertSettings
        fields = ["weekly_budget", "digest_time"]
        widgets = {"digest_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

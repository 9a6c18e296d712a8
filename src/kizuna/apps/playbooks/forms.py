"""The playbook forms: the playbook with its steps (admins), and starting one on an account.
Validation only: the writes are ``playbooks.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.apps.playbooks.models import Anchor, Playbook, Rounding
from kizuna.apps.tasks.models import TaskPriority
from kizuna.core.playbooks import MAX_OFFSET_DAYS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TITLE_INPUT = forms.TextInput(attrs={"size": 30})


class PlaybookForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    active = forms.BooleanField(
        label=_("Active"),
        required=False,
        initial=True,
        help_text=_("Only an active playbook can be started."),
    )


class StepForm(forms.Form):
    order = forms.IntegerField(label=_("Order"), min_value=1, max_value=999)
    title_ja = forms.CharField(
        label=_("Title (Japanese)"), max_length=200, required=False, widget=TITLE_INPUT
    )
    title_en = forms.CharField(
        label=_("Title (English)"), max_length=200, required=False, widget=TITLE_INPUT
    )
    offset_days = forms.IntegerField(
        label=_("Days"),
        min_value=-MAX_OFFSET_DAYS,
        max_value=MAX_OFFSET_DAYS,
        help_text=_("Calendar days after the anchor; negative for before it."),
    )
    anchor = forms.ChoiceField(
        label=_("Counted from"), choices=Anchor.choices, initial=Anchor.START
    )
    rounding = forms.ChoiceField(
        label=_("Closed days"), choices=Rounding.choices, initial=Rounding.AUTO
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=TaskPriority.choices, initial=TaskPriority.MEDIUM
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        titled = (data.get("title_ja") or "").strip() or (data.get("title_en") or "").strip()
        if self.has_changed() and not data.get("DELETE") and not titled:
            self.add_error("title_ja", _("Give a title in Japanese or in English."))
        return data


StepFormSet = forms.formset_factory(StepForm, extra=3, can_delete=True, max_num=50)


def steps_of(formset: Any) -> list[dict[str, Any]]:
    """The filled-in, not deleted steps of a valid formset."""
    return [
        f.cleaned_data
        for f in formset.forms
        if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


def initial_of(playbook: Playbook | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if playbook is None:
        return {"active": True}, []
    steps = [
        {
            "order": s.order,
            "title_ja": s.title_ja,
            "title_en": s.title_en,
            "offset_days": s.offset_days,
            "anchor": s.anchor,
            "rounding": s.rounding,
            "priority": s.priority,
        }
        for s in playbook.steps.all()
    ]
    base = {"name": playbook.name, "description": playbook.description, "active": playbook.active}
    return base, steps


class StartForm(forms.Form):
    playbook = forms.ModelChoiceField(
        label=_("Playbook"), queryset=Playbook.objects.filter(active=True)
    )
    anchor_date = forms.DateField(
        label=_("Renewal date"),
        required=False,
        widget=DATE_INPUT,
        input_formats=["%Y-%m-%d"],
        help_text=_("Empty: the account's next renewal date."),
    )

"""The task forms. Validation only: the writes are ``tasks.services``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.apps.org.models import User
from kizuna.apps.tasks.models import TaskOutcome, TaskPriority, TaskState
from kizuna.core.business_days import MAX_BUSINESS_DAYS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class TaskCreateForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    priority = forms.ChoiceField(
        label=_("Priority"), choices=TaskPriority.choices, initial=TaskPriority.MEDIUM
    )
    due_in = forms.IntegerField(
        label=_("Due in business days"),
        min_value=0,
        max_value=MAX_BUSINESS_DAYS,
        initial=3,
        required=False,
        help_text=_("Weekends, national holidays and the year-end closure are not counted."),
    )
    due_date = forms.DateField(
        label=_("Or a due date"),
        required=False,
        widget=DATE_INPUT,
        input_formats=["%Y-%m-%d"],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("due_in") is None and data.get("due_date") is None and not self.errors:
            raise forms.ValidationError(_("Give a number of business days or a due date."))
        return data


class CompleteForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "done_%s")  # one page holds every action's form
        super().__init__(*args, **kwargs)

    outcome = forms.ChoiceField(label=_("Outcome"), choices=TaskOutcome.choices)
    note = forms.CharField(
        label=_("Note"), max_length=3900, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SnoozeForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "snooze_%s")  # one page holds every action's form
        super().__init__(*args, **kwargs)

    until = forms.DateField(label=_("Snooze until"), widget=DATE_INPUT, input_formats=["%Y-%m-%d"])


class DismissForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "dismiss_%s")  # one page holds every action's form
        super().__init__(*args, **kwargs)

    note = forms.CharField(
        label=_("Why is it not useful?"),
        max_length=3900,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CommentForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "comment_%s")  # one page holds every action's form
        super().__init__(*args, **kwargs)

    body = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReassignForm(forms.Form):
    owner = forms.ModelChoiceField(label=_("New owner"), queryset=User.objects.none())

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reassign_%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = candidates  # type: ignore[attr-defined]


class InboxFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Open and snoozed")), *TaskState.choices],
    )

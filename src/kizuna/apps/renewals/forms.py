"""The renewal forms: the pipeline's filters, the stage and the forecast call, the closing
plan with its steps, a review's sign-off, the cadence per touch model. Validation only: the
writes are ``renewals.services``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kizuna.apps.customers.models import Segment
from kizuna.apps.org.access import task_owner_candidates
from kizuna.apps.org.models import Team
from kizuna.apps.renewals.models import OPEN_STAGES, ClosingPlan, ForecastCall, Stage
from kizuna.apps.renewals.selectors import NOT_NEEDED, PLANNED, PipelineFilters
from kizuna.apps.renewals.services import FIRST_DAY, LAST_DAY, MAX_STEPS
from kizuna.core.calendar import add_months, first_of_month
from kizuna.core.renewals.cadence import PLAN_MISSING, REVIEW_OVERDUE

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MONTH_INPUT = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
#: the pipeline shows at most this many months at once
MAX_MONTHS = 36


def status_labels() -> dict[str, Any]:
    return {
        PLAN_MISSING: _("Plan missing"),
        REVIEW_OVERDUE: _("Review overdue"),
        PLANNED: _("Plan in place"),
        NOT_NEEDED: _("No plan needed yet"),
        "closed": pgettext_lazy("renewal", "Closed"),
    }


def _day_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DATE_INPUT,
        input_formats=["%Y-%m-%d"],
        validators=[_in_range],
        **kwargs,
    )


def _in_range(value: dt.date) -> None:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise forms.ValidationError(_("Give a date from 2000 to 2099."), code="out_of_range")


class PipelineFilterForm(forms.Form):
    """The pipeline's filters; a value that does not validate (a stale link) is ignored."""

    first = forms.DateField(
        label=pgettext_lazy("month range", "From"),
        required=False,
        widget=MONTH_INPUT,
        input_formats=["%Y-%m"],
    )
    last = forms.DateField(
        label=pgettext_lazy("month range", "To"),
        required=False,
        widget=MONTH_INPUT,
        input_formats=["%Y-%m"],
    )
    segment = forms.ChoiceField(
        label=_("Touch model"), required=False, choices=[("", _("All")), *Segment.choices]
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        required=False,
        queryset=Team.objects.order_by("code"),
        empty_label=_("All"),
    )
    csm = forms.ModelChoiceField(
        label=_("CSM"),
        required=False,
        queryset=task_owner_candidates(),
        empty_label=_("All"),
        to_field_name="username",
    )
    stage = forms.ChoiceField(
        label=_("Stage"), required=False, choices=[("", _("All")), *Stage.choices]
    )
    status = forms.ChoiceField(label=_("Plan status"), required=False, choices=[])

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        status: forms.ChoiceField = self.fields["status"]  # type: ignore[assignment]
        status.choices = [("", _("All")), *status_labels().items()]

    def default_first(self) -> dt.date:
        """This quarter's first month (calendar quarters)."""
        month = (self.today.month - 1) // 3 * 3 + 1
        return dt.date(self.today.year, month, 1)

    def filters(self) -> PipelineFilters:
        """The valid filters (an invalid field is left out); months from this quarter's first
        for six months by default, at most 36 months."""
        data: dict[str, Any] = {}
        if self.is_bound:
            self.is_valid()
            data = self.cleaned_data
        first = data.get("first") or self.default_first()
        if not FIRST_DAY <= first <= LAST_DAY:
            first = self.default_first()
        last = data.get("last") or add_months(first, 5)
        span = (last.year - first.year) * 12 + last.month - first.month
        if not 0 <= span < MAX_MONTHS or last > LAST_DAY:
            last = add_months(first, 5)
        team, csm = data.get("team"), data.get("csm")
        return PipelineFilters(
            first_month=first_of_month(first),
            last_month=first_of_month(last),
            segment=data.get("segment") or "",
            team_id=team.pk if team else None,
            owner_id=csm.pk if csm else None,
            stage=data.get("stage") or "",
            status=data.get("status") or "",
        )


class StageForm(forms.Form):
    stage = forms.ChoiceField(label=_("Stage"), choices=[(s.value, s.label) for s in OPEN_STAGES])


class CallForm(forms.Form):
    forecast_call = forms.ChoiceField(
        label=_("Forecast call"),
        required=False,
        choices=[("", _("(no call yet)")), *ForecastCall.choices],
    )


class PlanForm(forms.Form):
    risks = forms.CharField(
        label=_("Risks"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    decision_maker = forms.CharField(label=_("Decision maker"), max_length=200, required=False)
    decision_process = forms.CharField(
        label=_("Decision process"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_review_on = _day_field(
        pgettext_lazy("closing plan", "Next review"),
        required=False,
        help_text=_("A manager's sign-off moves it on by the touch model's cadence."),
    )


class StepForm(forms.Form):
    title = forms.CharField(label=_("Step"), max_length=200)
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=task_owner_candidates(), empty_label="—"
    )
    due_on = _day_field(_("Due date"), required=False)
    done_on = _day_field(_("Done"), required=False)


StepFormSet = forms.formset_factory(
    StepForm, extra=2, can_delete=True, max_num=MAX_STEPS, validate_max=True
)


def steps_of(formset: Any) -> list[dict[str, Any]]:
    """The filled-in, not deleted steps of a valid formset, as ``plan_save`` takes them."""
    return [
        {
            "title": f.cleaned_data["title"],
            "owner_id": f.cleaned_data["owner"].pk if f.cleaned_data.get("owner") else None,
            "due_on": f.cleaned_data.get("due_on"),
            "done_on": f.cleaned_data.get("done_on"),
        }
        for f in formset.forms
        if f.has_changed() and f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


def plan_initial(plan: ClosingPlan | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    if plan is None:
        return {}, []
    base = {
        "risks": plan.risks,
        "decision_maker": plan.decision_maker,
        "decision_process": plan.decision_process,
        "next_review_on": plan.next_review_on,
    }
    steps = [
        {"title": s.title, "owner": s.owner_id, "due_on": s.due_on, "done_on": s.done_on}
        for s in plan.steps.all()
    ]
    return base, steps


class SignOffForm(forms.Form):
    reviewed_on = _day_field(_("Reviewed on"), required=False, help_text=_("Empty: today."))
    note = forms.CharField(
        label=_("Note"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class CadenceForm(forms.Form):
    lead_days = forms.IntegerField(
        label=_("Renewals created (days ahead)"), min_value=1, max_value=1095
    )
    plan_required = forms.BooleanField(label=_("Closing plan required"), required=False)
    plan_from_days = forms.IntegerField(
        label=_("Plan needed from (days before)"), min_value=1, max_value=1095
    )
    review_every_days = forms.IntegerField(
        label=_("Review every (days)"), min_value=1, max_value=365
    )

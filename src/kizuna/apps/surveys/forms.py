"""The answer form of the public page, and the program editor's forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kizuna.apps.customers.models import ContactRole
from kizuna.apps.surveys.models import SurveyKind, SurveyProgram, SurveySchedule, Trigger
from kizuna.apps.touchpoints.models import TouchpointKind
from kizuna.core.voc.categories import SCORE_RANGE

COMMENT_MAX = 2000


class AnswerForm(forms.Form):
    """A score in the program's range (NPS 0–10, CSAT 1–5) and an optional comment."""

    score = forms.TypedChoiceField(
        label=_("score"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Please choose a score."),
            "invalid_choice": _("Please choose a score."),
        },
    )
    comment = forms.CharField(
        label=_("comment"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = SCORE_RANGE.get(kind, SCORE_RANGE["nps"])
        score = self.fields["score"]
        assert isinstance(score, forms.TypedChoiceField)
        score.choices = [(str(value), str(value)) for value in range(low, high + 1)]

    def clean_score(self) -> int:
        """One score: a post carrying two (a tampered form) is refused, not guessed at."""
        values = self.data.getlist("score") if hasattr(self.data, "getlist") else []
        if len(values) > 1:
            raise ValidationError(self.fields["score"].error_messages["required"])
        return int(self.cleaned_data["score"])


class ProgramForm(forms.ModelForm[SurveyProgram]):
    contact_roles = forms.MultipleChoiceField(
        label=_("contact roles asked"),
        choices=ContactRole.choices,
        widget=forms.CheckboxSelectMultiple,
        required=True,
        error_messages={"required": _("Choose at least one contact role.")},
    )

    class Meta:
        model = SurveyProgram
        fields = [
            "name_ja",
            "name_en",
            "kind",
            "question_ja",
            "question_en",
            "comment_prompt_ja",
            "comment_prompt_en",
            "contact_roles",
            "throttle_days",
            "quiet_start",
            "quiet_end",
            "link_valid_days",
            "remind_after_days",
            "detractor_sla_days",
            "active",
        ]
        widgets = {
            "question_ja": forms.Textarea(attrs={"rows": 2}),
            "question_en": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # left empty: the model's default (2 business days)
        self.fields["detractor_sla_days"].required = False

    def clean_detractor_sla_days(self) -> int:
        value = self.cleaned_data.get("detractor_sla_days")
        if value is None:
            return int(SurveyProgram._meta.get_field("detractor_sla_days").get_default())
        return int(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        valid, remind = data.get("link_valid_days"), data.get("remind_after_days")
        if valid is not None and remind is not None and remind >= valid:
            self.add_error("remind_after_days", _("The reminder must go before the link expires."))
        if data.get("kind") not in SurveyKind.values:
            self.add_error("kind", _("Choose NPS or CSAT."))
        return data


class ScheduleForm(forms.ModelForm[SurveySchedule]):
    touchpoint_kind = forms.ChoiceField(
        label=_("touchpoint kind"),
        required=False,
        choices=[
            ("", _("Any kind")),
            *[(k, label) for k, label in TouchpointKind.choices if k != "note"],
        ],
    )

    class Meta:
        model = SurveySchedule
        fields = ["trigger", "offset_days", "every_months", "touchpoint_kind", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("trigger") == Trigger.RECURRING and not data.get("every_months"):
            raise ValidationError(_("A recurring schedule needs its interval in months."))
        if data.get("trigger") != Trigger.RECURRING:
            data["every_months"] = None
        if data.get("trigger") != Trigger.TOUCHPOINT:
            data["touchpoint_kind"] = ""
        return data


ScheduleFormSet = forms.inlineformset_factory(
    SurveyProgram,
    SurveySchedule,
    form=ScheduleForm,
    extra=2,
    can_delete=True,
    max_num=20,
    validate_max=True,
)

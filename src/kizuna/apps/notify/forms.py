"""The preference form and the webhook endpoint form (errors in the member's language)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kizuna.apps.notify.events import EVENT_TYPES
from kizuna.apps.notify.models import NotificationPreference


class PreferenceForm(forms.ModelForm[NotificationPreference]):
    class Meta:
        model = NotificationPreference
        fields = [
            "email", "slack", "slack_webhook_url", "teams", "teams_webhook_url", "mode",
            "quiet_start", "quiet_end", "digest",
        ]  # fmt: skip
        widgets = {
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        help_texts = {
            "quiet_start": _(
                "In the company's time zone. Messages that arrive in quiet hours wait until "
                "they end (in-app notifications are always shown). 22:00 to 07:00 crosses "
                "midnight."
            ),
            "mode": _("A digest collects the notifications instead of sending each one."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("slack")
            and not data.get("slack_webhook_url")
            and not self.has_error("slack_webhook_url")
        ):
            self.add_error("slack_webhook_url", _("Give the Slack incoming-webhook URL."))
        if (
            data.get("teams")
            and not data.get("teams_webhook_url")
            and not self.has_error("teams_webhook_url")
        ):
            self.add_error("teams_webhook_url", _("Give the Teams incoming-webhook URL."))
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if "quiet_start" in self.errors or "quiet_end" in self.errors:
            return data  # a time that is not one is said once, by its own field
        if (start is None) != (end is None):
            self.add_error("quiet_end", _("Give both ends of the quiet hours, or neither."))
        elif start is not None and start == end:
            self.add_error("quiet_end", _("The quiet hours must end at another time."))
        return data


def event_choices() -> list[tuple[str, str]]:
    return [(name, f"{name} — {label}") for name, label in EVENT_TYPES.items()]


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=_("description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(
        label=_("events"), choices=event_choices, widget=forms.CheckboxSelectMultiple
    )

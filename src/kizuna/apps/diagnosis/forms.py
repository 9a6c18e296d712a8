"""The form that edits one diagnosis rule's thresholds: one number per threshold, bounded as
the core bounds it (shares 0–1, counts 0–1,000,000)."""

from __future__ import annotations

from typing import Any

from django import forms

from kizuna.apps.diagnosis import labels
from kizuna.core.diagnosis.rules import SHARE_NAMES, Rule, threshold_bounds


class ThresholdsForm(forms.Form):
    def __init__(self, *args: Any, rule: Rule, current: dict[str, float], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in rule.defaults:
            low, high = threshold_bounds(name)
            self.fields[name] = forms.FloatField(
                label=str(labels.THRESHOLDS.get(name, name)),
                min_value=low,
                max_value=high,
                initial=current[name],
                help_text=labels.SHARE_HELP if name in SHARE_NAMES else "",
                widget=forms.NumberInput(attrs={"step": "any"}),
            )

"""Template filters about accounts (``{% load customers %}``)."""

from __future__ import annotations

from django import template

from kizuna.apps.customers.models import Segment

register = template.Library()


@register.filter
def segment_label(code: str) -> str:
    """A segment code in the reader's language (``high`` → ハイタッチ)."""
    return str(dict(Segment.choices).get(code, code))

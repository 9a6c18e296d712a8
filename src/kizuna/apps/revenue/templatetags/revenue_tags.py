"""Template filters of the revenue pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def percent(rate: float | str | None) -> str:
    """``{{ row.grr_12m|percent }}`` → ``95.3%``; ``—`` when the rate is undefined (None)."""
    return "—" if rate is None or rate == "" else f"{float(rate) * 100:.1f}%"

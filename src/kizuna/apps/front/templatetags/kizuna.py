"""Template filters for money and small display helpers."""

from __future__ import annotations

from typing import Any

from django import template

from kizuna.apps.front.formats import month_label
from kizuna.core.money import format_money

register = template.Library()


@register.filter
def money(amount: Any, currency: str = "JPY") -> str:
    """``{{ account.mrr|money:currency }}`` → ``¥1,234,000``; empty for None."""
    if amount is None or amount == "":
        return ""
    return format_money(int(amount), currency or "JPY")


@register.simple_tag(takes_context=True)
def query_with(context: Any, **changes: Any) -> str:
    """The current query string with ``changes`` applied (for sort links and pagination)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return "?" + query.urlencode() if query else "?"


@register.simple_tag(takes_context=True)
def page_query(context: Any, param: str, number: int) -> str:
    """The current query string with page ``param`` (``page`` when empty) set to ``number``:
    one page of several paged lists on a page keeps the others where they are."""
    query = context["request"].GET.copy()
    query[param or "page"] = str(number)
    return "?" + str(query.urlencode())


@register.filter
def percent(value: Any, places: int = 0) -> str:
    """``0.8`` → ``80%``; ``0.1234|percent:1`` → ``12.3%``; empty for None (undefined rates)."""
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(places)}f}%"


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """``{{ names|get_item:code }}``: a dictionary value by a variable key."""
    return mapping.get(key, key) if hasattr(mapping, "get") else key


@register.simple_tag
def fast_select(bound_field: Any) -> str:
    """A <select> for a ChoiceField rendered in Python, not through one widget template per
    <option>: the account list renders several of these on every request."""
    from django.utils.html import format_html, format_html_join

    current = str(bound_field.value() or "")
    options = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, " selected" if str(value) == current else "", label)
            for value, label in bound_field.field.choices
        ),
    )
    return format_html(
        '<select name="{}" id="{}">{}</select>',
        bound_field.html_name,
        bound_field.id_for_label,
        options,
    )


@register.simple_tag
def as_of(moment: Any) -> str:
    """``{% as_of computed_at %}`` → "As of 2026/11/29 8:47 JST": when a page's figures were
    computed, in the company's time zone (the request's active zone), translated. "—" when
    nothing was computed yet."""
    from django.utils import formats, timezone
    from django.utils.html import format_html
    from django.utils.translation import gettext

    if not moment:
        return format_html('<span class="as-of">{}</span>', gettext("Not computed yet"))
    local = timezone.localtime(moment)
    text = gettext("As of %(when)s %(zone)s") % {
        "when": formats.date_format(local, "SHORT_DATETIME_FORMAT"),
        "zone": local.tzname() or timezone.get_current_timezone_name(),
    }
    return format_html(
        '<span class="as-of" data-as-of="{}">{}</span>', local.isoformat(timespec="seconds"), text
    )


@register.filter
def month(day: Any) -> str:
    """``{{ row.month|month }}``: a month in the reader's language (2026年10月, Oct 2026), the
    one way pages write months; empty for None."""
    return month_label(day) if day else ""

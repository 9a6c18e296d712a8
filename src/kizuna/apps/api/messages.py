"""Validation messages of the API in the member's language.

pydantic writes its messages in English ("Field required"); each error also carries a ``type``
and a ``ctx`` of the limits involved, from which we write our own, translated message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _


def _choices(ctx: dict[str, Any]) -> str:
    return str(ctx.get("expected", "")).replace("'", "")


MESSAGES: dict[str, Callable[[dict[str, Any]], str]] = {
    "missing": lambda ctx: _("A value is required."),
    "string_type": lambda ctx: _("Enter text."),
    "string_too_short": lambda ctx: _("Enter at least %(min_length)s characters.") % ctx,
    "string_too_long": lambda ctx: _("Enter at most %(max_length)s characters.") % ctx,
    "string_pattern_mismatch": lambda ctx: _("Enter a value in the expected format."),
    "int_parsing": lambda ctx: _("Enter a whole number."),
    "int_type": lambda ctx: _("Enter a whole number."),
    "int_from_float": lambda ctx: _("Enter a whole number."),
    "int_parsing_size": lambda ctx: _("Enter a whole number."),
    "float_parsing": lambda ctx: _("Enter a number."),
    "float_type": lambda ctx: _("Enter a number."),
    "finite_number": lambda ctx: _("Enter a number."),
    "greater_than_equal": lambda ctx: _("Enter a value of at least %(ge)s.") % ctx,
    "greater_than": lambda ctx: _("Enter a value greater than %(gt)s.") % ctx,
    "less_than_equal": lambda ctx: _("Enter a value of at most %(le)s.") % ctx,
    "less_than": lambda ctx: _("Enter a value less than %(lt)s.") % ctx,
    "literal_error": lambda ctx: _("Choose one of: %(choices)s.") % {"choices": _choices(ctx)},
    "enum": lambda ctx: _("Choose one of: %(choices)s.") % {"choices": _choices(ctx)},
    "bool_parsing": lambda ctx: _("Enter true or false."),
    "bool_type": lambda ctx: _("Enter true or false."),
    "date_parsing": lambda ctx: _("Enter a date as YYYY-MM-DD."),
    "date_type": lambda ctx: _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_parsing": lambda ctx: _("Enter a date as YYYY-MM-DD."),
    "date_from_datetime_inexact": lambda ctx: _("Enter a date as YYYY-MM-DD."),
    "datetime_parsing": lambda ctx: _("Enter a date and time in ISO 8601 with a time zone."),
    "datetime_type": lambda ctx: _("Enter a date and time in ISO 8601 with a time zone."),
    "datetime_from_date_parsing": lambda ctx: _(
        "Enter a date and time in ISO 8601 with a time zone."
    ),
    "list_type": lambda ctx: _("Send a list."),
    "too_long": lambda ctx: _("Send at most %(max_length)s items.") % ctx,
    "too_short": lambda ctx: _("Send at least %(min_length)s items.") % ctx,
    "dict_type": lambda ctx: _("Send an object."),
    "model_type": lambda ctx: _("Send an object."),
    "model_attributes_type": lambda ctx: _("Send an object."),
    "json_invalid": lambda ctx: _("The body is not valid JSON."),
    "extra_forbidden": lambda ctx: _("This field cannot be set."),
}


def validation_message(error: dict[str, Any]) -> str:
    """The message of one pydantic error in the active language. Our own validators raise
    ``ValueError`` with a message already translated; it is kept as it is."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind == "value_error":
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    make = MESSAGES.get(kind)
    if make is None:
        return _("Enter a valid value.")
    try:
        return make(ctx)
    except (KeyError, TypeError, ValueError):
        return _("Enter a valid value.")

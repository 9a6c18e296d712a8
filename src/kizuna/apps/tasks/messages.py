"""A text the system writes for a reader it does not know yet (a task's reason written by a
rule or a playbook): kept un-translated, as a message id and its parameters, and put in the
reader's language when shown (``message_render``, in the active language).

A message is ``{"msgid": "Renewal in %(days)s day(s)", "params": {"days": 30}}``: the msgid
is the English source text of the catalogs (the caller marks it with ``gettext_noop`` so that
it is extracted, and both catalogs hold it); the parameters are strings or whole numbers,
formatted as the caller wants them read ("1,000"). The tasks app knows no rule: it only stores
and renders what it is given.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext as _

#: the longest msgid, parameter text, and the most parameters a message takes
MAX_MSGID = 500
MAX_PARAM = 500
MAX_PARAMS = 10

Message = dict[str, Any]


def message_of(msgid: str, **params: str | int) -> Message:
    """The stored form of ``msgid`` with ``params``."""
    return {"msgid": msgid, "params": params}


def _format(text: str, params: Mapping[str, Any]) -> str:
    # always formatted, even without parameters: a msgid asking for one then fails here
    # instead of showing "%(days)s"
    return text % dict(params)


def message_render(message: Mapping[str, Any] | None) -> str:
    """The message in the active language; "" for no message, or one that cannot be read
    (the caller shows its stored text instead)."""
    if not message or not isinstance(message.get("msgid"), str):
        return ""
    params = message.get("params") or {}
    if not isinstance(params, Mapping):
        return ""
    try:
        return _format(gettext(message["msgid"]), params)
    except (KeyError, ValueError, TypeError):
        return ""


def message_clean(message: Mapping[str, Any] | None) -> Message:
    """``message`` in its stored form ({} for none), checked: a msgid and at most ten
    parameters, texts without NUL and not too long, numbers whole, and the msgid formats
    with them; a ``ValidationError`` otherwise."""
    if not message:
        return {}
    msgid, params = message.get("msgid"), message.get("params") or {}
    if not isinstance(msgid, str) or not msgid or len(msgid) > MAX_MSGID or "\x00" in msgid:
        raise ValidationError(_("The reason's message id is not valid."), code="invalid")
    if not isinstance(params, Mapping) or len(params) > MAX_PARAMS:
        raise ValidationError(_("The reason's parameters are not valid."), code="invalid")
    for key, value in params.items():
        text = value if isinstance(value, str) else ""
        if (
            not isinstance(key, str)
            or isinstance(value, bool)
            or not isinstance(value, str | int)
            or len(text) > MAX_PARAM
            or "\x00" in text
        ):
            raise ValidationError(_("The reason's parameters are not valid."), code="invalid")
    try:
        _format(msgid, params)
    except (KeyError, ValueError, TypeError):
        raise ValidationError(_("The reason's parameters are not valid."), code="invalid") from None
    return {"msgid": msgid, "params": dict(params)}

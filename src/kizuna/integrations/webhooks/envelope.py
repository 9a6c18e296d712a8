"""The body of a webhook request, the shape Standard Webhooks recommends:

    {"type": "health.grade_changed", "timestamp": "2026-11-30T01:02:03Z", "data": {...}}

``type`` is the event type, ``timestamp`` when the event happened (ISO 8601, UTC, whole
seconds, ``Z``), ``data`` the event's own fields. The body is compact JSON in UTF-8 with keys
in the caller's order and non-ASCII characters as they are (Japanese stays readable); the
signature covers these exact bytes, so they are made once and sent unchanged.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any


def envelope(
    *, event_type: str, occurred_at: dt.datetime, data: Mapping[str, Any]
) -> dict[str, Any]:
    """The envelope of one event. ``occurred_at`` must be aware (ValueError otherwise)."""
    if occurred_at.tzinfo is None:
        raise ValueError("occurred_at must be an aware datetime")
    stamp = occurred_at.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"type": event_type, "timestamp": stamp, "data": dict(data)}


def body(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, UTF-8, Japanese kept as it is."""
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def envelope_body(*, event_type: str, occurred_at: dt.datetime, data: Mapping[str, Any]) -> bytes:
    """The request body of one event (``body`` of its ``envelope``)."""
    return body(envelope(event_type=event_type, occurred_at=occurred_at, data=data))

"""``POST /api/v1/usage/events``: a batch of usage events (JSON array or NDJSON)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from kizuna.apps.api.schemas import component, errors, omittable
from kizuna.apps.front.http import AuthedRequest
from kizuna.apps.org.access import can_manage_tenant
from kizuna.apps.usage.models import IdempotencyKey, IngestionRun
from kizuna.apps.usage.services.ingestion import (
    IdempotencyConflict,
    usage_batch_receive,
    usage_source_get,
)
from kizuna.core.usage.schema import UsageFileError, read_events, records_frame

router = Router(tags=["usage"])

MAX_EVENTS = 10_000
MAX_BODY_BYTES = 32 * 1024 * 1024
SOURCE_CODE = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")


class RejectedOut(Schema):
    line: int = Field(description="1-based position in the array, or line of the NDJSON body")
    reason: str


class IngestOut(Schema):
    run_id: int
    received: int
    stored: int
    rejected: int
    rejected_reasons: dict[str, int]
    rejected_rows: list[RejectedOut] = Field(description="the first 100 rejected rows")
    replayed: bool = Field(description="true when this answers a retry of an earlier batch")


class UsageEventIn(Schema):
    """One usage event (docs/usage.md). A bad event is rejected alone, with its line and reason;
    the batch is answered 201 with the counts."""

    account_key: str = Field(
        min_length=1, max_length=200, description="the product's tenant id, mapped to an account"
    )
    user_id: str = Field(min_length=1, max_length=200, description="the product's user id")
    event: str = Field(
        min_length=1, max_length=200, description="the event name the feature catalog maps"
    )
    occurred_at: dt.datetime = Field(description="ISO 8601 with a time zone (Z, +09:00)")
    quantity: int = omittable(ge=0, description="default 1")
    properties: dict[str, Any] = omittable(description="any JSON object, kept as text")


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "description": (
            "Up to 10,000 events, as a JSON array or as NDJSON (one object a line, "
            "Content-Type: application/x-ndjson). Fields: account_key, user_id, event, "
            "occurred_at (ISO 8601 with a time zone), quantity (default 1), properties (object)."
        ),
        "content": {
            "application/json": {
                "schema": {
                    "type": "array",
                    "items": component(UsageEventIn),
                    "minItems": 1,
                    "maxItems": MAX_EVENTS,
                }
            },
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
    },
    "parameters": [
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": 200},
            "description": "A retry with the same key is answered from the first batch.",
        }
    ],
}


def _read_body(request: AuthedRequest) -> bytes:
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY_BYTES:
        raise HttpError(413, _("The body is larger than 32 MB."))
    return request.read()


def _records(body: bytes, content_type: str) -> Any:
    """A frame of text columns. ``application/json`` must be an array (else 400); any other
    content type is read as NDJSON, a bad line becoming a rejected row."""
    if content_type != "application/json":
        count = sum(1 for line in body.splitlines() if line.strip())
        _check_count(count)
        return read_events(body, file_format="jsonl")
    try:
        records = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise HttpError(400, _("The body is not valid JSON.")) from None
    if not isinstance(records, list):
        raise HttpError(400, _("Send a JSON array of events."))
    _check_count(len(records))
    return records_frame(records)


def _check_count(count: int) -> None:
    if count == 0:
        raise HttpError(400, _("The batch has no events."))
    if count > MAX_EVENTS:
        raise HttpError(413, _("At most 10,000 events per request."))


def _answer(run: IngestionRun, *, replayed: bool) -> dict[str, Any]:
    rows = run.quarantined.order_by("line").values("line", "reason")[:100]
    return {
        "run_id": run.pk,
        "received": run.rows_in,
        "stored": run.rows_stored,
        "rejected": run.rows_rejected,
        "rejected_reasons": run.rejected_reasons,
        "rejected_rows": list(rows),
        "replayed": replayed,
    }


def _retry_answer(found: IdempotencyKey, digest: str) -> Status[dict[str, Any]]:
    if found.response.get("digest") != digest or found.run is None:
        raise HttpError(409, _("This Idempotency-Key was used for a different batch."))
    return Status(200, _answer(found.run, replayed=True))


@router.post(
    "/usage/events",
    response={200: IngestOut, 201: IngestOut, **errors(403, 409, 413)},
    openapi_extra=_BODY_DOC,
    summary="Send a batch of usage events",
)
def send_usage_events(request: AuthedRequest, source: str = "default") -> Status[dict[str, Any]]:
    if not can_manage_tenant(request.user):
        raise PermissionDenied
    if not SOURCE_CODE.match(source):
        raise HttpError(400, _("source must be letters, digits, - or _."))
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 200:
        raise HttpError(400, _("The Idempotency-Key is longer than 200 characters."))
    body = _read_body(request)
    digest = hashlib.sha256(body).hexdigest()
    src = usage_source_get(code=source)
    if key and (found := IdempotencyKey.objects.filter(source=src, key=key).first()):
        return _retry_answer(found, digest)
    frame = _records(body, request.content_type or "")
    try:
        run, replayed = usage_batch_receive(
            source=src, frame=frame, key=key, digest=digest, actor=request.user
        )
    except UsageFileError as error:
        raise HttpError(400, str(error)) from None
    except IdempotencyConflict:  # the same key raced in from another request, another body
        raise HttpError(409, _("This Idempotency-Key was used for a different batch.")) from None
    return Status(200 if replayed else 201, _answer(run, replayed=replayed))

"""Building blocks every app's ``api.py`` shares: the error schema, the documented error answers,
fields a client may leave out but never set to null, and bounded pagination."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 100
MAX_OFFSET = 10_000_000

# A date a query or a record of the business can mean: anything else is a typo or a probe,
# answered 400 before it reaches month arithmetic that cannot leave years 1…9999.
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2099, 12, 31)
Day = Annotated[dt.date, Field(ge=EARLIEST_DAY, le=LATEST_DAY, description="a day of 2000 to 2099")]
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]
# An object's id: beyond 2⁶³ − 1 no database holds it (SQLite cannot even compare with it).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ErrorDetail(Schema):
    code: str = Field(
        description=(
            "invalid, bad_request, unauthenticated, forbidden, not_found, conflict, too_large "
            "or server_error"
        )
    )
    message: str = Field(description="in the member's language (Japanese by default)")
    fields: dict[str, list[str]] | None = Field(
        None, description="field name → messages, for invalid input"
    )


class ErrorOut(Schema):
    error: ErrorDetail


ERROR_DESCRIPTIONS = {
    400: "Invalid input: a field is missing, malformed or out of range (code invalid or "
    "bad_request)",
    401: "No valid API token (code unauthenticated)",
    403: "The token's member may not do this (code forbidden)",
    404: "No such object (code not_found)",
    409: "Conflicts with an earlier request (code conflict)",
    413: "The request is too large (code too_large)",
}


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an endpoint can give besides 400 and 401, which every endpoint with
    input documents anyway (see ``KizunaApi``): ``response={200: Out, **errors(403, 404)}``."""
    return dict.fromkeys(statuses, ErrorOut)


_COMPONENTS: list[type[Schema]] = []


def component(model: type[Schema]) -> dict[str, str]:
    """A reference to ``model`` in the document's components, for bodies an endpoint documents
    by hand (``openapi_extra``) because it reads them itself."""
    _COMPONENTS.append(model)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def documented_components() -> dict[str, Any]:
    """JSON schemas of the error shape and of every model passed to ``component``."""
    schemas: dict[str, Any] = {}
    models: list[type[Schema]] = [ErrorOut, *_COMPONENTS]
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    return schemas


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def omittable(**constraints: Any) -> Any:
    """A field a client may leave out but not send as ``null``, because its column holds no null
    (a PATCH changes only the fields it names). Documented without a default, never nullable."""
    return Field(None, json_schema_extra=_no_default, **constraints)


class Pages(PageNumberPagination):
    """Page-number pagination with bounds: a page past ``MAX_PAGE`` or a size past
    ``MAX_PAGE_SIZE`` is a 400, not an offset the database cannot hold."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    def __init__(self, page_size: int = 50, **kwargs: Any) -> None:
        super().__init__(page_size=page_size, max_page_size=MAX_PAGE_SIZE, **kwargs)

"""Backtesting a score model on a history table an analyst brings (CSV or Parquet).

The table is read straight from the upload (Django keeps a large one in its own temporary file
and deletes it after the request), checked, scored and backtested; nothing is stored. Error
messages name the columns at fault, in the member's language, and never a path on the server.

Who may upload: ``org.access.can_upload_backtest``. How much: ``MAX_BYTES``, refused from the
request's announced length before its body is read (``request_too_large``), and again from the
file's own size by the form.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from kizuna.apps.health.services import Backtest
from kizuna.core.health.backtest import backtest, labelled
from kizuna.core.health.model import ScoreModel, score
from kizuna.core.health.suggest import suggest_weights
from kizuna.core.health.tables import InputError, read_table, samples_from, table_kind

MAX_MB = 50
MAX_BYTES = MAX_MB * 1024 * 1024
#: the form's other fields and the multipart boundaries, on top of the file itself
FORM_OVERHEAD_BYTES = 64 * 1024


def request_too_large(content_length: str | None) -> bool:
    """Whether a request announcing ``content_length`` bytes (the Content-Length header) is
    too large to carry an acceptable table. Django never reads past the announced length."""
    try:
        size = int(content_length or 0)
    except ValueError:
        return False
    return size > MAX_BYTES + FORM_OVERHEAD_BYTES


def too_large_message() -> str:
    return _("The file is larger than %(mb)s MB.") % {"mb": MAX_MB}


def input_error_message(error: InputError) -> str:
    """The reason a table was refused, for the page: codes, not the core's English text."""
    columns = ", ".join(error.columns)
    if error.code == "missing_columns":
        return _("The table lacks these columns: %(columns)s") % {"columns": columns}
    if error.code == "dates":
        return _("The date column must hold dates (YYYY-MM-DD).")
    if error.code == "inputs_not_numeric":
        return _("These input columns must hold numbers: %(columns)s") % {"columns": columns}
    if error.code == "outcome":
        return _("The outcome column %(column)s must hold a date or 0/1.") % {"column": columns}
    return _("The file cannot be read as a CSV (UTF-8, comma-separated) or Parquet table.")


def backtest_upload(
    *, model: ScoreModel, upload: UploadedFile[bytes], outcome: str, horizon: int
) -> Backtest:
    """Score every row of the uploaded table with ``model`` and backtest it over ``horizon``
    days. A table that cannot be used raises ``ValidationError`` with the reason."""
    upload.seek(0)
    try:
        frame = read_table(upload.file, kind=table_kind(upload.name or ""))  # type: ignore[arg-type]
        samples = samples_from(frame, model=model, outcome=outcome)
    except InputError as error:
        raise ValidationError(input_error_message(error)) from error
    scored = score(samples, model)
    result = backtest(scored, horizon_days=horizon)
    suggestion = suggest_weights(labelled(scored, horizon_days=horizon), model)
    first = scored["as_of"].min() if scored.height else None
    last = scored["as_of"].max() if scored.height else None
    return Backtest({horizon: result}, suggestion, scored, first, last)  # type: ignore[arg-type]

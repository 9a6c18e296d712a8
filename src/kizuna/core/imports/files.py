"""Reading CSV exports from other systems into text and rows. No Django.

The one home of what every file import needs before it knows what the rows mean (touchpoint
activities, CRM accounts):

1. ``decode``: bytes → text and the encoding found. UTF-8 (with or without the BOM Excel
   writes), UTF-16 (Excel's "Unicode text", with a BOM or recognised by its zero bytes) or
   Shift_JIS (Windows code page 932, what Japanese Excel saves as "CSV").
2. ``read_table``: text → header + rows, each row with its spreadsheet row number.

Why a strict try-decode order and not a detector library: a CRM export is UTF-8 or CP932 in
practice, and the two are told apart exactly, because Japanese text in CP932 is almost never
valid UTF-8 (its lead bytes 0x81–0x9F are UTF-8 continuation bytes). charset-normalizer
(3.5, the detector installed here) guesses: on a two-line CP932 file with half-width kana
(``ｶﾌﾞｼｷｶﾞｲｼｬ``) it answered cp949 (Korean) and returned wrong text, where the strict order
cannot be wrong without failing loudly.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from dataclasses import dataclass

import polars as pl

MAX_BYTES = 5 * 1024 * 1024


class CsvError(Exception):
    """The file as a whole cannot be read. ``code``: too_large, encoding, empty."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # (spreadsheet row number, cells)


def normalise(text: str) -> str:
    """NFKC (full-width → half-width digits and letters), trimmed, inner spaces collapsed.
    ASCII text is its own NFKC form, and most cells of an export are ASCII (ids, numbers,
    e-mail addresses): they skip the normalisation."""
    if not text.isascii():
        text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def squash(text: str) -> str:
    """Trimmed, inner spaces collapsed, characters kept as written (names match exactly)."""
    return " ".join(text.split())


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SAMPLE = 4096
# Control characters no text export contains (tab, line feed, form feed, carriage return and
# the old DOS end-of-file mark 0x1A are allowed); NUL above all is the sign of binary data.
_NOT_TEXT = re.compile("[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")


def _utf16_by_zero_bytes(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when ``data`` looks like UTF-16 without a BOM, else None.

    CSV text has many ASCII characters (commas, digits, line breaks), each one a zero byte
    followed (LE) or preceded (BE) by its code: at least 10 % of the 2-byte units of the first
    4 KB have a zero on one side, and the other side has at most a quarter as many zeros.
    """
    sample = data[:_SAMPLE]
    if len(data) % 2 or b"\x00" not in sample:
        return None
    units = len(sample) // 2
    first, second = sample[0::2].count(0), sample[1::2].count(0)
    if second >= units / 10 and first * 4 <= second:
        return "utf-16-le"
    if first >= units / 10 and second * 4 <= first:
        return "utf-16-be"
    return None


def _candidates(data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """The bytes without their BOM, and the encodings to try in order."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :], (encoding,)
    utf16 = _utf16_by_zero_bytes(data)
    return data, (utf16,) if utf16 else ("utf-8", "cp932")


def decode(data: bytes, *, max_bytes: int = MAX_BYTES) -> tuple[str, str]:
    """The text of ``data`` and the encoding used: utf-8-sig, utf-8, utf-16-le, utf-16-be or
    cp932 (Shift_JIS).

    A BOM decides the encoding (UTF-8 or UTF-16, either byte order); without one, a file with
    the zero bytes of UTF-16 is read as UTF-16, anything else as UTF-8, then Shift_JIS.
    Raises ``CsvError("too_large")`` above ``max_bytes`` and ``CsvError("encoding")`` when the
    bytes are not valid in the encoding found, or when the text has control characters no
    export contains (a NUL: binary data, or UTF-16 read the wrong way).
    """
    if len(data) > max_bytes:
        raise CsvError("too_large")
    body, encodings = _candidates(data)
    for encoding in encodings:
        try:
            text = body.decode(encoding.removesuffix("-sig"))
        except UnicodeDecodeError:
            continue
        if _NOT_TEXT.search(text):
            break
        return text, encoding
    raise CsvError("encoding")


def read_table(text: str) -> Table:
    """The header and the rows of a CSV (comma, or tab when the header has tabs and no comma).

    Raises ``CsvError("empty")`` when there is no header row.
    """
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise CsvError("empty")
    headers = tuple(cell.strip() for cell in header)
    rows = tuple((number, tuple(cells)) for number, cells in enumerate(reader, start=2))
    return Table(headers=headers, rows=rows)


PARQUET_MAGIC = b"PAR1"


def is_parquet(data: bytes) -> bool:
    """Whether ``data`` is a Parquet file (it starts and ends with ``PAR1``)."""
    return len(data) >= 8 and data[:4] == PARQUET_MAGIC and data[-4:] == PARQUET_MAGIC


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_parquet_table(data: bytes, *, max_bytes: int = MAX_BYTES) -> Table:
    """The header and the rows of a Parquet file, every value as the text a CSV export would
    hold (dates ``YYYY-MM-DD``, NULL empty, 1200.0 as 1200), numbered as spreadsheet rows
    (the first data row is row 2). Raises ``CsvError("too_large")`` above ``max_bytes`` and
    ``CsvError("encoding")`` when the bytes are not a Parquet file Polars can read."""
    if len(data) > max_bytes:
        raise CsvError("too_large")
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception:  # Polars raises several kinds for a broken file
        raise CsvError("encoding") from None
    if not frame.columns:
        raise CsvError("empty")
    headers = tuple(name.strip() for name in frame.columns)
    rows = tuple(
        (number, tuple(_cell(value) for value in values))
        for number, values in enumerate(frame.iter_rows(), start=2)
    )
    return Table(headers=headers, rows=rows)

"""``core.imports.files.normalise``: NFKC, trimmed, inner spaces collapsed; ASCII unchanged."""

from __future__ import annotations

import unicodedata

import pytest

from kizuna.core.imports.files import normalise


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("  001B000000000001 ", "001B000000000001"),
        ("a \t b\r\n c", "a b c"),
        ("１２３", "123"),
        ("取引先　ID", "取引先 ID"),
        ("ｶﾌﾞｼｷｶﾞｲｼｬ", "カブシキガイシャ"),
        ("①", "1"),
        ("\u00a0x\u3000", "x"),
        ("Ｅメール", "Eメール"),
    ],
)
def test_normalise(cell: str, expected: str) -> None:
    assert normalise(cell) == expected


def test_ascii_takes_the_short_way_to_the_same_result() -> None:
    # every printable ASCII character and the whitespace an export may hold
    text = "".join(chr(n) for n in range(32, 127)) + " \t\r\n"
    assert normalise(text) == " ".join(unicodedata.normalize("NFKC", text).split())

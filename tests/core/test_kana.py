"""Search-box normalisation for Japanese names."""

from __future__ import annotations

import pytest

from kizuna.core.kana import normalize_query, to_katakana


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("やまだ", "ヤマダ"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),
        ("ヤマダ", "ヤマダ"),
        ("  やまだ製作所 ", "ヤマダ製作所"),
        ("ゔぁ", "ヴァ"),
        ("ＡＢＣ", "ABC"),
        ("", ""),
    ],
)
def test_it_turns_what_people_type_into_katakana(typed: str, expected: str) -> None:
    assert to_katakana(typed) == expected


def test_it_keeps_kanji_and_folds_full_width_digits() -> None:
    assert normalize_query("山田１２３") == "山田123"

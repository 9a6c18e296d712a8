"""Normalising what people type into a search box for Japanese names.

Company readings are stored in full-width katakana (ヤマダセイサクショ). People type hiragana
(やまだ), half-width katakana (ﾔﾏﾀﾞ) or full-width letters (ＡＢＣ); all should find the account.
"""

from __future__ import annotations

import unicodedata

_HIRAGANA_START = ord("ぁ")
_HIRAGANA_END = ord("ゖ")
_KATAKANA_OFFSET = ord("ァ") - ord("ぁ")


def normalize_query(text: str) -> str:
    """NFKC (half-width kana → full-width, full-width letters → ASCII), trimmed."""
    return unicodedata.normalize("NFKC", text).strip()


def to_katakana(text: str) -> str:
    """Hiragana → katakana, everything else unchanged: ``"やまだ"`` → ``"ヤマダ"``."""
    return "".join(
        chr(ord(char) + _KATAKANA_OFFSET) if _HIRAGANA_START <= ord(char) <= _HIRAGANA_END else char
        for char in normalize_query(text)
    )

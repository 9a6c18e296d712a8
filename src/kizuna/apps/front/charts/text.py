"""Text in a chart: escaping, the estimated width of a label, and markup a template places as
it is.

No font metrics are read (the page's font is the browser's choice): a label's width is
estimated per character class, on the wide side, so that labels estimated apart are apart.
"""

from __future__ import annotations

import html

#: the axis labels' font size in SVG units (kizuna.css ``.kz-chart text``)
FONT = 11.0
#: the row and category labels' font size (kizuna.css ``.kz-chart .name``)
NAME_FONT = 12.0
#: at least this much room between two labels on one line
GAP = 8.0

_NARROW = frozenset(" .,:;'|!iIljtf()[]/-")
_WIDE = frozenset("MWmw%@")


class Markup(str):
    """Markup the toolkit made from escaped text: Django templates place it unescaped (they
    call ``__html__``), so a template writes ``{{ chart }}`` and nothing else."""

    def __html__(self) -> str:
        return str(self)


def esc(text: object) -> str:
    """``text`` escaped for SVG/HTML text and attribute values (quotes too)."""
    return html.escape(str(text), quote=True)


def char_width(ch: str, size: float = FONT) -> float:
    """Estimated advance of one character: a full-width (CJK, kana, full-width form) one is
    one em; Latin letters and digits 0.55–0.9 em by class."""
    code = ord(ch)
    if code >= 0x2E80 or 0x1100 <= code <= 0x11FF:
        return size
    if ch in _NARROW:
        return size * 0.34
    if ch in _WIDE:
        return size * 0.9
    if ch.isupper():
        return size * 0.7
    return size * 0.6


def text_width(text: str, size: float = FONT) -> float:
    """Estimated width of ``text`` in SVG units at font ``size`` (see :func:`char_width`)."""
    return sum(char_width(ch, size) for ch in text)


def shorten(text: str, room: float, size: float = FONT) -> str:
    """``text`` cut to fit ``room`` with an ellipsis, or as it is when it fits."""
    if text_width(text, size) <= room:
        return text
    out = ""
    for ch in text:
        if text_width(out + ch + "…", size) > room:
            break
        out += ch
    return out + "…"


def num(value: float) -> str:
    """A coordinate with at most one decimal and no trailing zero ("12", "12.5", "-3")."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text

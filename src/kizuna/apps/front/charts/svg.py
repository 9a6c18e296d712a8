"""An SVG writer for the toolkit's charts: elements from escaped text, classes for what the
stylesheet colours (kizuna.css ``.kz-chart``), inline colours only for series.

No ``<style>`` or ``<script>`` element is ever written (the Content-Security-Policy forbids
them); hover values are ``<title>`` children, which every browser shows as a tooltip.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kizuna.apps.front.charts.text import Markup, esc, num


@dataclass(frozen=True)
class LegendItem:
    """One key below a chart: a solid or dashed line, or a filled box, in ``colour``."""

    name: str
    colour: str
    kind: str = "line"  # "line", "dashed" or "box"


def legend_html(items: Sequence[LegendItem]) -> str:
    if not items:
        return ""
    keys = "".join(
        f'<span class="key"><span class="swatch {esc(item.kind)}" '
        f'style="--c:{esc(item.colour)}"></span>{esc(item.name)}</span>'
        for item in items
    )
    return f'<div class="chart-legend">{keys}</div>'


class Canvas:
    """Collects the elements of one ``<svg>``; :meth:`markup` closes it."""

    def __init__(self, width: float, height: float, *, label: str, kind: str) -> None:
        self.width = width
        self.height = height
        self.parts: list[str] = [
            f'<svg class="kz-chart {esc(kind)}" viewBox="0 0 {num(width)} {num(height)}" '
            f'width="{num(width)}" height="{num(height)}" role="img" aria-label="{esc(label)}" '
            'xmlns="http://www.w3.org/2000/svg">'
        ]

    @staticmethod
    def _title(title: str) -> str:
        return f"<title>{esc(title)}</title>" if title else ""

    def line(
        self,
        x1: float,
        y1: float,
        x2: float,
        y2: float,
        *,
        cls: str,
        colour: str = "",
        title: str = "",
    ) -> None:
        stroke = f' stroke="{esc(colour)}"' if colour else ""
        body = self._title(title)
        end = f">{body}</line>" if body else "/>"
        self.parts.append(
            f'<line class="{cls}" x1="{num(x1)}" y1="{num(y1)}" x2="{num(x2)}" y2="{num(y2)}"'
            f"{stroke}{end}"
        )

    def rect(
        self,
        x: float,
        y: float,
        width: float,
        height: float,
        *,
        cls: str,
        colour: str = "",
        title: str = "",
        opacity: float | None = None,
    ) -> None:
        fill = f' fill="{esc(colour)}"' if colour else ""
        fade = f' fill-opacity="{opacity}"' if opacity is not None else ""
        body = self._title(title)
        end = f">{body}</rect>" if body else "/>"
        self.parts.append(
            f'<rect class="{cls}" x="{num(x)}" y="{num(y)}" width="{num(max(width, 0))}" '
            f'height="{num(max(height, 0))}"{fill}{fade}{end}'
        )

    def polyline(
        self, points: Sequence[tuple[float, float]], *, colour: str, dashed: bool, title: str = ""
    ) -> None:
        coords = " ".join(f"{num(x)},{num(y)}" for x, y in points)
        cls = "series dashed" if dashed else "series"
        self.parts.append(
            f'<polyline class="{cls}" points="{coords}" stroke="{esc(colour)}">'
            f"{self._title(title)}</polyline>"
        )

    def dot(self, x: float, y: float, *, colour: str, title: str = "", r: float = 2.5) -> None:
        body = self._title(title)
        end = f">{body}</circle>" if body else "/>"
        self.parts.append(
            f'<circle class="dot" cx="{num(x)}" cy="{num(y)}" r="{num(r)}" fill="{esc(colour)}"'
            f"{end}"
        )

    def text(
        self,
        x: float,
        y: float,
        text: str,
        *,
        cls: str = "tick",
        anchor: str = "middle",
        second: str = "",
        rotate: bool = False,
    ) -> None:
        turn = f' transform="rotate(-90 {num(x)} {num(y)})"' if rotate else ""
        more = f'<tspan x="{num(x)}" dy="1.15em">{esc(second)}</tspan>' if second else ""
        self.parts.append(
            f'<text class="{cls}" x="{num(x)}" y="{num(y)}" text-anchor="{anchor}"{turn}>'
            f"{esc(text)}{more}</text>"
        )

    def markup(self) -> Markup:
        return Markup("".join([*self.parts, "</svg>"]))

"""Inline SVG written directly (3,321 dots through the template engine would cost tens of milliseconds).

A dot is a zero-length path with a round cap, `<path d="M123 456h0">`: the shortest mark SVG draws, so
the national map of 3,321 linked, titled dots stays near 60 KB once compressed.

A province's map is one `<svg>`. The national map is a stack of 34 `<svg>` layers, one per province,
drawn over one another in the same frame (`render_stack`): a change in a commune redraws and sends
only its province's layer, which a page swaps in by its id (`layer_id`), not the country's 390 KB.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from thuocdo.web.queries.maps import CommuneMap


def _open(drawn: CommuneMap, attributes: str) -> str:
    return (f'<svg {attributes} viewBox="0 0 {drawn.width} {drawn.height}" stroke-width="{drawn.dot:g}" '
            f'stroke-linecap="round" preserveAspectRatio="xMidYMin meet">')


def _dots(drawn: CommuneMap) -> list[str]:
    """A `<g>` per colour class, an `<a>` with a `<title>` per commune."""
    base = reverse("web:unit", args=["0"])[: -len("0/")]  # "/u/"
    out = []
    for cls, dots in drawn.groups.items():
        if not dots:
            continue
        out.append(f'<g class="{cls}">')
        out.extend(
            f'<a href="{base}{dot.code}/"><path d="M{dot.x} {dot.y}h0"><title>{escape(dot.title)}</title></path></a>'
            for dot in dots
        )
        out.append("</g>")
    return out


def render_map(drawn: CommuneMap, label: str) -> SafeString:
    """The map as one `<svg>` element."""
    out = [_open(drawn, f'class="map" role="img" aria-label="{escape(label)}"'), *_dots(drawn), "</svg>"]
    return mark_safe("".join(out))  # noqa: S308 - every text in it went through escape()


def layer_id(unit_code: str) -> str:
    return f"map-layer-{unit_code}"


def render_layer(drawn: CommuneMap, unit_code: str) -> SafeString:
    """One province's layer of the national map: its dots in the national frame."""
    out = [_open(drawn, f'class="map-layer" id="{layer_id(escape(unit_code))}"'), *_dots(drawn), "</svg>"]
    return mark_safe("".join(out))  # noqa: S308 - every text in it went through escape()


def render_stack(frame: CommuneMap, label: str, layers: list[str]) -> SafeString:
    """The layers over an empty `<svg>` of the same frame, which gives the stack its size and background."""
    out = ['<div class="map-stack">', _open(frame, f'class="map" role="img" aria-label="{escape(label)}"'), "</svg>",
           *layers, "</div>"]
    return mark_safe("".join(out))  # noqa: S308 - the layers are our own renders, every text escaped

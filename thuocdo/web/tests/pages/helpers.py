"""Reading figures back out of the pages: the tiles' data attributes, the map's dots, table rows."""

import re


def tiles(html: str) -> dict[str, str]:
    """data-tile name → the text shown, for every tile figure on the page."""
    return dict(re.findall(r'data-tile="([a-z-]+)">([^<]*)<', html))


def map_dots(html: str) -> list[tuple[str, str, str]]:
    """(colour class, unit code, hover title) of every dot of the page's map."""
    found = re.search(r'<section id="map".*?</section>', html, re.S)
    assert found, "no map on the page"
    dot = re.compile(r'<a href="/u/(\w+)/"><path d="M\d+ \d+h0"><title>([^<]*)</title>')
    dots = []
    # A province's map is one <svg class="map">; the national one a <svg class="map-layer"> per province.
    for group in re.finditer(r'<g class="(k\d)">(.*?)</g>', found.group(0), re.S):
        dots += [(group.group(1), code, title) for code, title in dot.findall(group.group(2))]
    return dots


def row(html: str, unit_code: str) -> list[str]:
    """The cell texts of the table row of a unit (tags stripped)."""
    found = re.search(rf'<tr data-unit="{unit_code}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {unit_code}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in cells]

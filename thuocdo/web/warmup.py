"""Pages that are never cold: the default view of the national and province pages, drawn ahead.

With the in-process cache (LocMem, `make demo`) a restart empties every render, and the date is in
every render's key: the first national page of a server or of a day would draw the map of 3,321
communes and the provinces' boards for its visitor (≈ 1 s). The score refresher calls `warm_pages`
after it has filled the day's score rows (`evaluation.refresher.after_warm`), so that first visitor
finds the default view already drawn, as every later one does. Other choices (another month, colour,
language) are drawn when first asked for and shared from then on.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import translation

from thuocdo.evaluation.store import UnknownFramework
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level
from thuocdo.web import sections
from thuocdo.web.cache import render_once
from thuocdo.web.picker import choose

logger = logging.getLogger(__name__)


def warm_pages() -> int:
    """Render every region of the national page and the 34 province pages for the default choice; returns
    how many regions were drawn (those already current cost a cache read)."""
    started = time.monotonic()
    registry = units_by_code()
    units = sorted((u for u in registry.values() if u.level in (Level.NATIONAL, Level.PROVINCE)),
                   key=lambda u: (u.level != Level.NATIONAL, u.code))
    drawn = 0
    with translation.override(settings.LANGUAGE_CODE):
        try:
            choice = choose(QueryDict(""), default_compare=True)
        except UnknownFramework:
            return 0  # no framework loaded yet: nothing to draw
        for unit in units:
            for name in sections.REGIONS[sections.kind_of(unit)]:
                key = sections.region_key(unit, name, choice)
                render_once(key, lambda unit=unit, name=name: render_to_string(
                    f"web/fragments/{name}.html", {"r": sections.region(unit, name, choice)}))
                drawn += 1
    logger.info("Pages warmed: %s regions of %s pages in %.1f s", drawn, len(units), time.monotonic() - started)
    return drawn

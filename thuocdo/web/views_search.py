"""Finding units: the search page behind the header's box, and one's own units marked in every ranking.

The search is the registry's accent-free one (`units.queries.search_units`): "lam thao" finds Xã Lâm Thao.
Unit names and codes are public reference data, so anyone may search; a result links to the unit's page
only when the user may read it, otherwise to the public board where the unit is ranked (a province's,
or the province board listing a commune), or to nothing (an agency).

Own units are marked by a stylesheet, not in the HTML: ranking fragments and the public board are rendered
once for every reader (`web.cache`), so they carry `data-unit="CODE"` on each row and this per-user
stylesheet picks the rows. It needs no inline style (the Content-Security-Policy allows none) and no
script, and it keeps marking rows that htmx swaps in later.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor, may_read
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import NATIONAL_CODE, Level
from thuocdo.units.models import Unit
from thuocdo.units.queries import search_units

MAX_RESULTS = 30
MAX_QUERY = 100  # characters; a unit's longest name is about 40
SAFE_CODE = re.compile(r"^[A-Za-z0-9_-]{1,20}$")  # codes go into a CSS selector: nothing else may pass


@dataclass(frozen=True)
class Found:
    """One search result as the page lists it."""

    unit: Unit
    province: Unit | None  # the province a commune or agency belongs to, to tell same-named ones apart
    page_url: str | None  # the unit's page, when the user may read it
    public_url: str | None  # the public board ranking it, otherwise


def search(request):
    """`/tim-don-vi/?q=lam thao`: units matching the query, best first, at most MAX_RESULTS."""
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY]
    units = search_units(query, limit=MAX_RESULTS + 1) if query else []
    actor = Actor.for_user(request.user) if request.user.is_authenticated else None
    registry = units_by_code()
    found = [_found(unit, actor, registry) for unit in units[:MAX_RESULTS]]
    return render(request, "web/search.html", {
        "search_q": query, "found": found, "more": len(units) > MAX_RESULTS, "max_results": MAX_RESULTS,
    })


def _found(unit: Unit, actor: Actor | None, registry: dict[str, Unit]) -> Found:
    province = registry.get(unit.province_code) if unit.level in (Level.COMMUNE, Level.AGENCY) else None
    if actor is not None and may_read(actor, unit):
        page = "/" if unit.level == Level.NATIONAL else reverse("web:unit", args=[unit.code])
        return Found(unit, province, page, None)
    if unit.level == Level.NATIONAL:
        public = reverse("web:public")
    elif unit.level == Level.PROVINCE:
        public = reverse("web:public_province", args=[unit.code])
    elif unit.level == Level.COMMUNE and province is not None:
        public = reverse("web:public_province", args=[province.code])
    else:
        public = None  # agencies are not on the public board
    return Found(unit, province, None, public)


def own_unit_codes(user) -> list[str]:
    """The units a user answers for, as rankings mark them: the own unit, or an inspector's assigned ones."""
    if not user.is_authenticated:
        return []
    if user.role == Role.INSPECTOR:
        codes = list(user.assigned_units.order_by("code").values_list("code", flat=True))
    else:
        codes = [user.unit.code] if user.unit_id else []
    # The nation is in no ranking: a central account marks nothing.
    return [code for code in codes if code != NATIONAL_CODE and SAFE_CODE.match(code)]


def own_units_css(request):
    """`/don-vi-cua-toi.css`: marks the rows of the user's own units in every table (empty for a visitor).

    Revalidated on each page (`private, no-cache`, ETag of its text): a 304 while the user's units stand.
    """
    codes = own_unit_codes(request.user)
    css = own_units_stylesheet(codes, _("(đơn vị của bạn)")) if codes else ""
    etag = '"' + hashlib.sha256(css.encode()).hexdigest()[:16] + '"'
    response = get_conditional_response(request, etag=etag) or HttpResponse(css, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response


def own_units_stylesheet(codes: list[str], label: str) -> str:
    """CSS marking rows `tr[data-unit="CODE"]`: a tinted row, and the label after the unit's name.

    The label is generated content, which screen readers read out with the name ("Xã Lâm Thao (đơn vị
    của bạn)"); the name is the second cell of every ranking table.
    """
    codes = [code for code in codes if SAFE_CODE.match(code)]

    def cells(suffix: str) -> str:
        return ", ".join(f'tr[data-unit="{code}"] > {suffix}' for code in codes)

    text = label.replace("\\", "\\\\").replace('"', '\\"')
    return (f"/* Đơn vị của bạn: {' '.join(codes)} */\n"
            f"{cells('td')} {{ background: #fff4cc; font-weight: 600; }}\n"
            f"{cells('td:first-child')} {{ box-shadow: inset 4px 0 0 #b7791f; }}\n"
            f'{cells("td:nth-child(2)::after")} {{ content: " {text}"; font-weight: 400; font-size: .85em; '
            f"color: #5c4400; }}\n")

"""Pages. Thin: they check access through the permission module, call queries and actions, render."""

import re
from collections.abc import Callable
from functools import lru_cache

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor, may_read, may_write
from thuocdo.evaluation.store import UnknownFramework
from thuocdo.security import log_denial
from thuocdo.units.actions import PROFILE_FIELDS, update_unit_profile
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import NATIONAL_CODE, Level
from thuocdo.units.forms import UnitProfileForm
from thuocdo.units.models import Unit, UnitProfile
from thuocdo.web import sections
from thuocdo.web.access import LoginRequired, login_redirect, readable_unit_or_deny
from thuocdo.web.cache import RenderKey, last_good, render_once
from thuocdo.web.picker import COLORS, FRAMEWORKS, choose

# The browser keeps a fragment and asks each time whether it changed: 304 while its data versions stand.
revalidate = cache_control(private=True, no_cache=True)
BUSY_RETRY_SECONDS = 2
ACCEPTS_GZIP = re.compile(r"\bgzip\b")  # as GZipMiddleware reads Accept-Encoding


def home(request):
    """Toàn quốc for those who may read the nation; others go to their own unit; visitors see the way in."""
    if not request.user.is_authenticated:
        return render(request, "web/landing.html", _registry_counts())
    actor = Actor.for_user(request.user)
    nation = units_by_code()[NATIONAL_CODE]
    if may_read(actor, nation):
        return _page(request, nation, "web/national.html")
    roots = _own_units(request.user)
    if len(roots) == 1:
        return redirect("web:unit", code=roots[0].code)
    return render(request, "web/choose_unit.html", {"roots": roots})


def unit_page(request, code: str):
    """A province's page, or a commune's or agency's page; the nation's is `/`."""
    try:
        unit = readable_unit_or_deny(request, code)
    except LoginRequired:
        return login_redirect(request)
    if unit.level == Level.NATIONAL:
        query = request.GET.urlencode()
        return redirect("/" + (f"?{query}" if query else ""))
    template = "web/province.html" if unit.level == Level.PROVINCE else "web/commune.html"
    return _page(request, unit, template)


@revalidate
def fragment(request, code: str, name: str):
    """One live region of a unit's page, as the page itself shows it (htmx swaps it in on its stream events).

    Access is checked first, then the region's key (`sections.region_key`): an unchanged region answers
    304 before anything is built; a changed one is rendered once and served to every reader.
    """
    try:
        unit = readable_unit_or_deny(request, code)
    except LoginRequired:
        return login_redirect(request)
    if name not in sections.REGIONS[sections.kind_of(unit)]:
        raise Http404("Không có vùng dữ liệu này trên trang của đơn vị.")
    try:
        choice = choose(request.GET, default_compare=unit.level != Level.COMMUNE)
    except UnknownFramework as exc:
        return _no_framework(request, exc)
    key = sections.region_key(unit, name, choice)
    # Rendered without the request: nothing of the viewer (user, CSRF token, messages) enters shared HTML.
    return serve_rendered(request, key, lambda: render_to_string(f"web/fragments/{name}.html",
                                                                 {"r": sections.region(unit, name, choice)}),
                          busy_template="web/fragments/_busy.html")


def serve_rendered(request, key: RenderKey, render_html: Callable[[], str], busy_template: str) -> HttpResponse:
    """Answer with a shared render: 304 to its ETag, the stored HTML, or a new render stored for everyone.

    When the database is too busy to build it (OperationalError: locked, out of connections), the last
    good render of the region is served as it was, its stamp saying when; without one, 503 and Retry-After.
    """
    not_modified = get_conditional_response(request, etag=key.etag)
    if not_modified is not None:
        not_modified["ETag"] = key.etag
        return not_modified
    try:
        done = render_once(key, render_html, allow_stale=True)
    except OperationalError:
        stale = last_good(key)
        if stale is not None:
            return HttpResponse(stale)  # no ETag: the next request builds it again
        response = render(request, busy_template, {"retry": BUSY_RETRY_SECONDS}, status=503)
        response["Retry-After"] = str(BUSY_RETRY_SECONDS)
        return response
    if ACCEPTS_GZIP.search(request.headers.get("Accept-Encoding", "")):
        response = HttpResponse(done.gzipped)
        response["Content-Encoding"] = "gzip"  # compressed once per render; GZipMiddleware leaves it be
    else:
        response = HttpResponse(done.html)
    patch_vary_headers(response, ["Accept-Encoding"])
    # A render of slightly older data (cache._recent) carries its own version: the next request asks again.
    response["ETag"] = key.etag_of(done.version or key.version)
    return response


def _page(request, unit: Unit, template: str):
    try:
        choice = choose(request.GET, default_compare=unit.level != Level.COMMUNE)
    except UnknownFramework as exc:
        return _no_framework(request, exc)
    kind = sections.kind_of(unit)
    context = {
        "unit": unit, "choice": choice, "kind": kind, "frameworks": FRAMEWORKS, "colors": COLORS,
        "ancestors": [(a, may_read(Actor.for_user(request.user), a)) for a in _ancestors(unit)],
        # Each region as its shared render (web.cache.render_once): a page after a change costs no more than
        # its regions' renders, made once for every reader, and its fragments are byte for byte the same.
        "regions": {name: _region_html(unit, name, choice) for name in sections.REGIONS[kind]},
        "export_query": choice.query(),
        **(_registry_counts() if kind == "national" else {}),
    }
    if kind == "province":
        context["commune_count_here"] = sum(1 for u in units_by_code().values()
                                            if u.level == Level.COMMUNE and u.province_code == unit.code)
    if kind in ("commune", "province"):
        profile = UnitProfile.objects.filter(unit=unit).first() or UnitProfile(unit=unit)
        context.update({"profile_form": UnitProfileForm(instance=profile),
                        "can_write": may_write(Actor.for_user(request.user), unit)})
    return render(request, template, context)


@require_POST
def unit_profile(request, code: str):
    """Save a unit's contact card (403 outside the user's scope, nothing written)."""
    try:
        unit = readable_unit_or_deny(request, code)
    except LoginRequired:
        return login_redirect(request)
    actor = Actor.for_user(request.user)
    if not may_write(actor, unit):
        raise PermissionDenied(f"Tài khoản của bạn không được cập nhật dữ liệu của {unit.name}.")
    form = UnitProfileForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Thông tin chưa hợp lệ: " + "; ".join(
            f"{form.fields[f].label}: {' '.join(errs)}" for f, errs in form.errors.items()))
        return redirect("web:unit", code=unit.code)
    try:
        update_unit_profile(actor, unit, {f: form.cleaned_data[f] for f in PROFILE_FIELDS})
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, "Đã lưu thông tin liên hệ.")
    return redirect("web:unit", code=unit.code)


def _region_html(unit: Unit, name: str, choice) -> str:
    key = sections.region_key(unit, name, choice)
    try:
        html = render_once(key, lambda: render_to_string(f"web/fragments/{name}.html",
                                                         {"r": sections.region(unit, name, choice)}),
                           allow_stale=True).html
    except OperationalError:
        html = last_good(key)
        if html is None:
            raise
    return mark_safe(html)  # noqa: S308 (our own fragment template's output, autoescaped when rendered)


def _no_framework(request, exc: Exception):
    """No indicator framework stored yet (a fresh database): say what to run instead of failing."""
    return render(request, "web/message.html", {"title": "Chưa có bộ chỉ số", "message": str(exc)}, status=503)


def permission_denied(request, exception=None):
    response = render(request, "web/403.html", {"message": str(exception) if exception else ""}, status=403)
    # One log line instead of Django's traceback of the PermissionDenied (thuocdo.security).
    return log_denial(request, response, exception)


@lru_cache(maxsize=1)
def _counted_registry() -> tuple[int, int]:
    registry = units_by_code().values()
    return (sum(1 for u in registry if u.level == Level.PROVINCE), sum(1 for u in registry if u.level == Level.COMMUNE))


def _registry_counts() -> dict:
    # 34 and 3,321 since 1 July 2025; counted once per process (a registry reload changes names, not counts).
    provinces, communes = _counted_registry()
    return {"province_count": provinces, "commune_count": communes}


def _own_units(user) -> list[Unit]:
    if user.role == Role.INSPECTOR:
        return list(user.assigned_units.order_by("code"))
    return [user.unit] if user.unit else []


def _ancestors(unit: Unit) -> list[Unit]:
    chain = []
    parent = unit.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return list(reversed(chain))


def favicon(request):
    """/favicon.ico, which browsers ask for whatever the page says: the icon's static URL (hashed when DEBUG=0)."""
    return HttpResponsePermanentRedirect(static("web/favicon.svg"))

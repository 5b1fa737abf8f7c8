"""Pages. Thin: they check access through the permission module, call queries and actions, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from thuocdo.accounts.permissions import Actor, may_write
from thuocdo.units.actions import PROFILE_FIELDS, update_unit_profile
from thuocdo.units.choices import Level
from thuocdo.units.forms import UnitProfileForm
from thuocdo.units.models import Unit, UnitProfile
from thuocdo.web.access import LoginRequired, login_redirect, readable_unit_or_deny


def home(request):
    """Toàn quốc: the 34 provinces (public reference data)."""
    provinces = (
        Unit.objects.filter(level=Level.PROVINCE)
        .annotate(commune_count=Count("children", filter=Q(children__level=Level.COMMUNE)))
        .order_by("code")
    )
    commune_count = Unit.objects.filter(level=Level.COMMUNE).count()
    return render(request, "web/home.html", {"provinces": provinces, "commune_count": commune_count})


def unit_page(request, code: str):
    """A province's, agency's or commune's page."""
    try:
        unit = readable_unit_or_deny(request, code)
    except LoginRequired:
        return login_redirect(request)
    profile = UnitProfile.objects.filter(unit=unit).first() or UnitProfile(unit=unit)
    context = {
        "unit": unit,
        "ancestors": _ancestors(unit),
        "children": unit.children.order_by("code") if unit.level != Level.COMMUNE else [],
        "profile_form": UnitProfileForm(instance=profile),
        "can_write": may_write(Actor.for_user(request.user), unit),
    }
    return render(request, "web/unit.html", context)


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


def permission_denied(request, exception=None):
    return render(request, "web/403.html", {"message": str(exception) if exception else ""}, status=403)


def _ancestors(unit: Unit) -> list[Unit]:
    chain = []
    parent = unit.parent
    while parent is not None:
        chain.append(parent)
        parent = parent.parent
    return list(reversed(chain))

"""Page access helpers: every unit page goes through the permission module."""

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from thuocdo.accounts.permissions import Actor, may_read
from thuocdo.units.models import Unit


class LoginRequired(Exception):
    """Raised for an anonymous visitor on a page that needs an account."""


def readable_unit_or_deny(request, code: str) -> Unit:
    """The unit with `code`, if the logged-in user may read it; PermissionDenied otherwise."""
    if not request.user.is_authenticated:
        raise LoginRequired
    unit = get_object_or_404(Unit.objects.select_related("parent"), code=code)
    if not may_read(Actor.for_user(request.user), unit):
        raise PermissionDenied(f"Tài khoản của bạn không được xem dữ liệu của {unit.name}.")
    return unit


def login_redirect(request):
    return redirect_to_login(request.get_full_path())

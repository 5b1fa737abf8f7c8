"""What a locked-out login sees, and the audit row it leaves (django-axes hooks, see settings)."""

from axes.signals import user_locked_out
from django.conf import settings
from django.dispatch import receiver
from django.shortcuts import render

from thuocdo.accounts.actions import record_login_lockout


def lockout_response(request, original_response=None, credentials=None):
    """The Vietnamese lockout page (AXES_LOCKOUT_CALLABLE), 429 with Retry-After.

    axes 8.3.1 passes its arguments in a different order from an async middleware chain; nothing
    here depends on them.
    """
    seconds = int(settings.AXES_COOLOFF_TIME.total_seconds())
    response = render(request, "accounts/locked_out.html", {"minutes": max(1, seconds // 60)},
                      status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(seconds)
    return response


@receiver(user_locked_out, dispatch_uid="thuocdo.accounts.audit_login_lockout")
def audit_login_lockout(sender, request, username, ip_address, **kwargs):
    record_login_lockout(username or "", ip_address or "", request.path if request is not None else "")

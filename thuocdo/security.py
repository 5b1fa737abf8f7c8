"""Response hardening that is not a library's job: one log line per denial, no stored copies of signed-in pages.

The Content-Security-Policy (django-csp), HSTS and Secure cookies (Django's SecurityMiddleware) and the
login throttle (django-axes) are configured in settings; ADR 0008 says why and how.
"""

import logging

from django.http import HttpRequest, HttpResponseBase
from django.utils.deprecation import MiddlewareMixin

from thuocdo.accounts.permissions import Actor

denial_logger = logging.getLogger("thuocdo.security")

SIGNED_IN_CACHE_CONTROL = "private, no-store"


def log_denial(request: HttpRequest, response: HttpResponseBase, reason: object = None) -> HttpResponseBase:
    """Log a refused request as one line (who, method, path, unit, reason) and return the response.

    Django would log the same 403 again, with the whole traceback of the PermissionDenied behind it
    (`django.request`, once per denial); the flag it checks, `_has_been_logged`, stops that.
    """
    reason_text = str(reason) if reason is not None else ""
    denial_logger.warning(
        "Denied %s %s %s: user=%s unit=%s%s",
        response.status_code, request.method, _one_line(request.path), _one_line(_who(request)),
        _one_line(_unit_code(request)) or "-", f" reason={_one_line(reason_text)}" if reason_text else "",
    )
    response._has_been_logged = True
    return response


class DenialLogMiddleware(MiddlewareMixin):
    """Log a 403 that a view returned itself (no PermissionDenied raised) the same one-line way.

    Must come after AuthenticationMiddleware: the line names the signed-in user.
    """

    def process_response(self, request, response):
        if response.status_code == 403 and not getattr(response, "_has_been_logged", False):
            log_denial(request, response)
        return response


class SignedInNoStoreMiddleware(MiddlewareMixin):
    """`Cache-Control: private, no-store` on every answer to a signed-in user or an API token.

    Officials share office computers: a page with a unit's figures and the user's name must not stay in
    the browser's disk cache or a proxy after logout. Public pages (anonymous) and static files (served
    by WhiteNoise before this middleware) keep their caching. A response that already chose a private
    policy keeps it: live fragments answer `private, no-cache` so that an unchanged one is a 304.
    Event streams are skipped: they set `no-cache` themselves, and reading the user here would hold a
    database connection for as long as the stream stays open.
    """

    def process_response(self, request, response):
        if response.get("Content-Type", "").startswith("text/event-stream"):
            return response
        if not _signed_in(request):
            return response
        directives = {part.split("=", 1)[0].strip().lower() for part in response.get("Cache-Control", "").split(",")}
        if {"private", "no-store"} & directives:
            return response
        response["Cache-Control"] = SIGNED_IN_CACHE_CONTROL
        return response


def _signed_in(request: HttpRequest) -> bool:
    if "HTTP_AUTHORIZATION" in request.META:
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


def _who(request: HttpRequest) -> str:
    # django-ninja puts the authenticated Actor (a user or a token) on request.auth.
    actor = getattr(request, "auth", None)
    if isinstance(actor, Actor) and actor.user is None:
        return actor.label
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        role = getattr(user, "role", "")
        return f"{user.get_username()} ({role})" if role else user.get_username()
    return "anonymous"


def _unit_code(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    code = match.kwargs.get("code", "") if match is not None else ""
    return str(code or request.GET.get("unit", ""))


def _one_line(text: str) -> str:
    # A path or a login name comes from the client: a newline in it must not forge a second log line.
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)

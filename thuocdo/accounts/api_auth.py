"""Authentication for the API: a bearer token (source systems) or a session (pages, officials)."""

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from thuocdo.accounts.models import ApiToken
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tokens import hash_secret


class TokenAuth(HttpBearer):
    """`Authorization: Bearer td_…`; a revoked or unknown token is refused (401)."""

    def authenticate(self, request, token: str) -> Actor | None:
        api_token = ApiToken.objects.filter(token_hash=hash_secret(token), revoked_at__isnull=True).first()
        if api_token is None:
            return None
        # One UPDATE per minute at most: a busy source system should not write on every call.
        now = timezone.now()
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        return Actor.for_token(api_token)


class UserSessionAuth(SessionAuth):
    """A logged-in user's session cookie (CSRF-checked for writes)."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return Actor.for_user(user) if user else None


API_AUTH = [TokenAuth(), UserSessionAuth()]

"""Writes on accounts and tokens. Each is one transaction with its audit row."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from thuocdo.accounts import audit
from thuocdo.accounts.choices import Role, Scope
from thuocdo.accounts.models import ApiToken, AuditEntry, User
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tokens import hash_secret, new_secret
from thuocdo.units.models import Unit


class TokenError(ValueError):
    """A token request that cannot be carried out (unknown unit or scope, duplicate name)."""


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str


def create_api_token(actor: Actor, name: str, unit_codes: list[str], scopes: list[str]) -> IssuedToken:
    """Issue a token for a source system; the secret is returned once and stored only hashed."""
    valid_scopes = set(Scope.values)
    bad_scopes = [s for s in scopes if s not in valid_scopes]
    if bad_scopes:
        raise TokenError(
            f"Quyền không hợp lệ: {', '.join(bad_scopes)} (hợp lệ: {', '.join(sorted(valid_scopes))})"
        )
    if not unit_codes:
        raise TokenError("Cần ít nhất một mã đơn vị (--units).")
    units = list(Unit.objects.filter(code__in=unit_codes))
    missing = sorted(set(unit_codes) - {u.code for u in units})
    if missing:
        raise TokenError(f"Không có đơn vị mã: {', '.join(missing)}")
    if ApiToken.objects.filter(name=name).exists():
        raise TokenError(f"Đã có mã truy cập tên {name!r}.")
    secret = new_secret()
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name, prefix=secret[:10], token_hash=hash_secret(secret), scopes=sorted(set(scopes)),
            created_by=actor.user,
        )
        token.units.set(units)
        audit.record(
            actor, "accounts.create_token", "ApiToken", token.pk,
            after={"name": name, "units": sorted(unit_codes), "scopes": token.scopes, "prefix": token.prefix},
        )
    return IssuedToken(token=token, secret=secret)


def revoke_api_token(actor: Actor, name: str) -> ApiToken:
    """Revoke a token by name; it stops working at once. Revoking twice is an error."""
    with transaction.atomic():
        try:
            token = ApiToken.objects.select_for_update().get(name=name)
        except ApiToken.DoesNotExist as exc:
            raise TokenError(f"Không có mã truy cập tên {name!r}.") from exc
        if token.revoked_at is not None:
            raise TokenError(f"Mã truy cập {name!r} đã bị thu hồi lúc {token.revoked_at:%Y-%m-%d %H:%M}.")
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor, "accounts.revoke_token", "ApiToken", token.pk,
            before={"revoked_at": None}, after={"revoked_at": token.revoked_at.isoformat()},
        )
    return token


def ensure_user(
    actor: Actor, username: str, password: str, role: Role, unit: Unit, *, full_name: str = ""
) -> tuple[User, bool]:
    """Create the user if missing, or bring role/unit/password in line; returns (user, created)."""
    with transaction.atomic():
        user = User.objects.filter(username=username).first()
        created = user is None
        before = None if created else {"role": user.role, "unit": user.unit_id}
        if created:
            user = User(username=username)
        changed = created or user.role != role or user.unit_id != unit.code or not user.check_password(password)
        if not changed:
            return user, False
        user.role = role
        user.unit = unit
        user.first_name = full_name
        # Central admins run the admin site (units, users, tokens, audit).
        user.is_staff = user.is_superuser = role == Role.CENTRAL_ADMIN
        user.set_password(password)
        user.save()
        audit.record(
            actor, "accounts.ensure_user", "User", user.pk, unit_code=unit.code,
            before=before, after={"role": user.role, "unit": unit.code},
        )
    return user, created


def record_login_lockout(username: str, ip_address: str, path: str) -> AuditEntry:
    """Audit a login the throttle refused (django-axes): which login name, from which address, on which form.

    The actor is the system (no one is signed in); the row names the login name tried, which may not
    exist. Written once for the attempt that reaches the limit and once for each attempt while locked.
    """
    username = username[:150]
    with transaction.atomic():
        return audit.record(
            Actor.system(), "accounts.login_locked_out", "User", username[:100],
            after={"username": username, "ip_address": ip_address, "path": path[:200]},
        )

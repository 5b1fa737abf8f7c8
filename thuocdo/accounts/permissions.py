"""The one place that answers "may this user or token read / write this unit".

Every view and API route goes through `may_read` / `may_write` (or the
`require_*` helpers that raise `PermissionDenied`). A province covers its
communes and agencies; the nation covers everything.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from thuocdo.accounts.choices import ActorKind, Role
from thuocdo.accounts.models import ApiToken, User
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit

READ_ALL_ROLES = {Role.CENTRAL_ADMIN.value, Role.CENTRAL_VIEWER.value}
WRITE_ROLES = {Role.CENTRAL_ADMIN.value, Role.PROVINCE_OFFICER.value, Role.COMMUNE_OFFICER.value}


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user, an API token, or the system itself (commands, jobs)."""

    kind: str
    user: User | None = None
    token: ApiToken | None = None

    @classmethod
    def for_user(cls, user: User) -> Actor:
        return cls(ActorKind.USER, user=user)

    @classmethod
    def for_token(cls, token: ApiToken) -> Actor:
        return cls(ActorKind.TOKEN, token=token)

    @classmethod
    def system(cls) -> Actor:
        return cls(ActorKind.SYSTEM)

    @property
    def label(self) -> str:
        if self.user is not None:
            return self.user.username
        if self.token is not None:
            return f"token:{self.token.name}"
        return "system"

    @cached_property
    def _token_units(self) -> list[Unit]:
        return list(self.token.units.all()) if self.token is not None else []

    @cached_property
    def _assigned_units(self) -> list[Unit]:
        return list(self.user.assigned_units.all()) if self.user is not None else []


def _covered_by_any(roots: list[Unit], unit: Unit) -> bool:
    return any(root.covers(unit) for root in roots)


def may_read(actor: Actor, unit: Unit) -> bool:
    """True when the actor may read the unit's data (its own scope, or a unit inside it)."""
    if actor.kind == ActorKind.SYSTEM:
        return True
    if actor.token is not None:
        return actor.token.is_active and _covered_by_any(actor._token_units, unit)
    user = actor.user
    if user is None or not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser or user.role in READ_ALL_ROLES:
        return True
    if user.role == Role.INSPECTOR:
        return _covered_by_any(actor._assigned_units, unit)
    return user.unit is not None and user.unit.covers(unit)


def may_write(actor: Actor, unit: Unit, scope: str | None = None) -> bool:
    """True when the actor may change the unit's data; a token also needs `scope`."""
    if actor.kind == ActorKind.SYSTEM:
        return True
    if actor.token is not None:
        return (
            actor.token.is_active
            and scope is not None
            and scope in actor.token.scopes
            and _covered_by_any(actor._token_units, unit)
        )
    user = actor.user
    if user is None or not user.is_active or not user.is_authenticated:
        return False
    if user.is_superuser or user.role == Role.CENTRAL_ADMIN:
        return True
    if user.role not in WRITE_ROLES:
        return False
    return user.unit is not None and user.unit.covers(unit)


def require_read(actor: Actor, unit: Unit) -> None:
    """Raise PermissionDenied unless the actor may read the unit."""
    if not may_read(actor, unit):
        raise PermissionDenied(f"Không có quyền xem dữ liệu của {unit.name} ({unit.code}).")


def require_write(actor: Actor, unit: Unit, scope: str | None = None) -> None:
    """Raise PermissionDenied unless the actor may write the unit (with `scope` for tokens)."""
    if not may_write(actor, unit, scope):
        raise PermissionDenied(f"Không có quyền cập nhật dữ liệu của {unit.name} ({unit.code}).")


def readable_units(actor: Actor) -> QuerySet[Unit]:
    """The units the actor may read, as one queryset (for lists and searches)."""
    units = Unit.objects.all()
    if actor.kind == ActorKind.SYSTEM:
        return units
    if actor.token is not None:
        roots = actor._token_units if actor.token.is_active else []
    else:
        user = actor.user
        if user is None or not user.is_active or not user.is_authenticated:
            return units.none()
        if user.is_superuser or user.role in READ_ALL_ROLES:
            return units
        roots = actor._assigned_units if user.role == Role.INSPECTOR else ([user.unit] if user.unit else [])
    return units.filter(_scope_filter(roots))


def _scope_filter(roots: list[Unit]) -> Q:
    query = Q(pk__in=[])
    for root in roots:
        if root.level == Level.NATIONAL:
            return Q()
        query |= Q(code=root.code)
        if root.level == Level.PROVINCE:
            query |= Q(province_code=root.code)
    return query

"""Writes on the unit registry. Each is one transaction with its audit row."""

from django.db import transaction
from django.forms.models import model_to_dict

from thuocdo.accounts import audit
from thuocdo.accounts.choices import Scope
from thuocdo.accounts.permissions import Actor, require_write
from thuocdo.units.models import Unit, UnitProfile

PROFILE_FIELDS = ("office_address", "phone", "email", "head_name", "office_hours")


def update_unit_profile(actor: Actor, unit: Unit, changes: dict[str, str]) -> UnitProfile:
    """Change a unit's contact card; refused (PermissionDenied) outside the actor's scope."""
    require_write(actor, unit, Scope.UNITS_WRITE)
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Trường không hợp lệ: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        profile, _ = UnitProfile.objects.select_for_update().get_or_create(unit=unit)
        before = model_to_dict(profile, fields=PROFILE_FIELDS)
        for field, value in changes.items():
            setattr(profile, field, value)
        profile.full_clean()
        profile.save()
        after = model_to_dict(profile, fields=PROFILE_FIELDS)
        audit.record(
            actor,
            "units.update_profile",
            "UnitProfile",
            unit.code,
            unit_code=unit.code,
            before=before,
            after=after,
        )
    return profile

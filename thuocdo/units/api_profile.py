"""API for a unit's contact card: the registry's one unit-scoped write."""

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from thuocdo.accounts.permissions import require_read
from thuocdo.api_schemas import errors
from thuocdo.units.actions import update_unit_profile
from thuocdo.units.models import Unit, UnitProfile

router = Router(tags=["Thông tin liên hệ của đơn vị"])


class ProfileOut(Schema):
    unit_code: str
    office_address: str
    phone: str
    email: str
    head_name: str
    office_hours: str


class ProfilePatch(Schema):
    office_address: str | None = None
    phone: str | None = None
    email: str | None = None
    head_name: str | None = None
    office_hours: str | None = None


def _out(unit: Unit, profile: UnitProfile) -> dict:
    return {
        "unit_code": unit.code,
        "office_address": profile.office_address,
        "phone": profile.phone,
        "email": profile.email,
        "head_name": profile.head_name,
        "office_hours": profile.office_hours,
    }


@router.get("/{code}/profile", response={200: ProfileOut, **errors(401, 403, 404)},
            summary="Thông tin liên hệ của một đơn vị")
def get_profile(request, code: str):
    unit = get_object_or_404(Unit, code=code)
    require_read(request.auth, unit)
    return _out(unit, UnitProfile.objects.filter(unit=unit).first() or UnitProfile(unit=unit))


@router.patch(
    "/{code}/profile",
    response={200: ProfileOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Cập nhật thông tin liên hệ (quyền ghi đơn vị; mã truy cập cần units:write)",
)
def patch_profile(request, code: str, payload: ProfilePatch):
    unit = get_object_or_404(Unit, code=code)
    changes = payload.model_dump(exclude_none=True)
    try:
        profile = update_unit_profile(request.auth, unit, changes)
    except ValidationError as exc:
        raise HttpError(422, "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())) from exc
    return _out(unit, profile)

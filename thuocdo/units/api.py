"""Units API: list and search, old-address conversion, one unit.

The registry of names and codes is public reference data: any authenticated
caller (the API's default auth) may read all of it, so there is no unit scoping here.
"""

from django.http import Http404
from ninja import Query, Router, Status

from thuocdo.api_schemas import errors
from thuocdo.units.models import Unit
from thuocdo.units.queries import AddressNotUnderstood, convert_address, search_units
from thuocdo.units.schemas import UnitFilters, UnitOut

router = Router(tags=["Đơn vị hành chính"])


@router.get(
    "",
    response={200: list[UnitOut], **errors(401, 422)},
    summary="Danh sách hoặc tìm kiếm đơn vị hành chính",
)
def list_units(request, filters: Query[UnitFilters]):
    """With `q`: best matches first (see `search_units`); without: units by code, by province/level."""
    units = Unit.objects.all()
    if filters.level:
        units = units.filter(level=filters.level)
    end = filters.offset + filters.limit
    if filters.q:
        return search_units(filters.q, province=filters.province, limit=end, units_qs=units)[filters.offset :]
    if filters.province:
        units = units.filter(province_code=filters.province)
    return units.order_by("code")[filters.offset : end]


# Declared before /{code}, which would otherwise take "convert" for a unit code.
@router.get(
    "/convert",
    response={200: list[UnitOut], **errors(400, 401, 422)},
    summary="Đổi địa chỉ cũ (trước 1/7/2025) sang xã mới",
)
def convert(request, address: str):
    """New communes for an old address, best first; a divided old commune lists its default part first."""
    try:
        return Status(200, convert_address(address))
    except AddressNotUnderstood as exc:
        return Status(400, {"detail": str(exc), "param": "address"})


@router.get(
    "/{code}",
    response={200: UnitOut, **errors(401, 404)},
    summary="Một đơn vị hành chính theo mã",
)
def get_unit(request, code: str):
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise Http404(f"Không có đơn vị hành chính mã “{code}”.")
    return unit

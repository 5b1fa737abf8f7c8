"""Procedure catalogue API: `GET /api/v1/procedures?q=&province=&level=` and `/procedures/{code}`.

The catalogue, and when and how completely a province published it, are public reference data
(the national portal shows them to anyone): any authenticated caller (the API's default auth) may
read all of it, as with the unit registry, so there is no unit scoping here.
"""

from datetime import date

from django.http import Http404
from ninja import Field, Query, Router, Schema

from thuocdo.api_schemas import errors
from thuocdo.procedures.choices import OnlineLevel, ProcedureLevel
from thuocdo.procedures.models import Procedure
from thuocdo.procedures.queries import province_publications, search_procedures
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level

router = Router(tags=["Thủ tục hành chính"])

PROVINCE = r"^\d{2}$"


class ProcedureOut(Schema):
    """One procedure of the national catalogue."""

    code: str = Field(description="Mã thủ tục, ví dụ “1.001612”.")
    name: str = Field(description="Tên thủ tục.")
    field: str = Field(description="Lĩnh vực.")
    level: ProcedureLevel = Field(description="Cấp thực hiện: province (cấp tỉnh) hoặc commune (cấp xã).")
    processing_days: int | None = Field(description="Thời hạn giải quyết theo quy định (ngày làm việc).")
    online_level: OnlineLevel = Field(description="Dịch vụ công trực tuyến: full, partial hoặc none.")
    has_fee: bool = Field(description="Có phí, lệ phí.")
    data_replaceable: bool = Field(description="Có thành phần hồ sơ thay được bằng dữ liệu sẵn có.")
    certified_copy: bool = Field(description="Là dịch vụ chứng thực bản sao điện tử từ bản chính.")


class PublicationOut(Schema):
    """A province's publication of the procedure."""

    province_code: str = Field(description="Mã tỉnh công bố.")
    publish_due: date = Field(description="Hạn công bố.")
    published_on: date | None = Field(description="Ngày công bố (trống: chưa công bố).")
    update_due: date | None = Field(description="Hạn cập nhật (trống: không phải cập nhật).")
    updated_on: date | None = Field(description="Ngày cập nhật.")
    content_full: bool = Field(description="Nội dung công khai đầy đủ.")


class ProcedureDetailOut(ProcedureOut):
    publications: list[PublicationOut] = Field(description="Công bố của tỉnh `province` (khi có tham số này).")


class ProcedureFilters(Schema):
    """Query parameters of the procedure list."""

    q: str | None = Field(None, max_length=200, description="Mã hoặc tên cần tìm; không phân biệt dấu, hoa thường.")
    province: str | None = Field(None, pattern=PROVINCE, description="Chỉ thủ tục tỉnh có mã này công bố.")
    level: ProcedureLevel | None = Field(None, description="Chỉ thủ tục ở cấp này.")
    limit: int = Field(50, ge=1, le=500, description="Số kết quả tối đa.")
    offset: int = Field(0, ge=0, le=100000, description="Bỏ qua bấy nhiêu kết quả đầu (phân trang).")


def _require_province(code: str) -> None:
    unit = units_by_code().get(code)
    if unit is None or unit.level != Level.PROVINCE:
        raise Http404(f"Không có tỉnh mã “{code}”.")


@router.get("", response={200: list[ProcedureOut], **errors(401, 404, 422)},
            summary="Danh sách hoặc tìm kiếm thủ tục hành chính")
def list_procedures(request, filters: Query[ProcedureFilters]):
    """By code; `q` matches code and name without accents; `province` keeps the procedures it publishes."""
    if filters.province:
        _require_province(filters.province)
    rows = search_procedures(filters.q, filters.province, filters.level)
    return rows[filters.offset : filters.offset + filters.limit]


@router.get("/{code}", response={200: ProcedureDetailOut, **errors(401, 404, 422)},
            summary="Một thủ tục hành chính theo mã")
def get_procedure(request, code: str, province: str | None = Query(None, pattern=PROVINCE)):
    procedure = Procedure.objects.filter(code=code).first()
    if procedure is None:
        raise Http404(f"Không có thủ tục hành chính mã “{code[:40]}” trong danh mục.")
    publications = []
    if province:
        _require_province(province)
        publications = province_publications(code, province)
    return {**{f: getattr(procedure, f) for f in ProcedureOut.model_fields}, "publications": publications}

"""Scores API: rankings, explanations and the dossiers behind a number."""

from datetime import datetime
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from thuocdo.accounts.permissions import readable_units, require_read
from thuocdo.errors import InvalidParameter
from thuocdo.evaluation.attribution import as_json as change_json
from thuocdo.evaluation.attribution import attribute_change
from thuocdo.evaluation.explain import dossier_page, dossiers_behind, explain
from thuocdo.evaluation.periods import bounded, parse_period, shown
from thuocdo.evaluation.queries import as_json, ranking
from thuocdo.evaluation.store import UnknownFramework, current_framework
from thuocdo.units.models import Unit

router = Router(tags=["Đánh giá, xếp hạng"])
LEVELS = ("province", "agency", "commune")


class ScoresQuery(Schema):
    framework: str = "qd766"
    level: str = "province"
    parent: str | None = None
    period: str
    procedure: str = ""


class UnitRef(Schema):
    code: str
    name: str
    level: str


class FrameworkRef(Schema):
    code: str
    version: int


class CoverageOut(Schema):
    status: str = Field(..., description="full (mọi chỉ số có số liệu), partial, not_applicable (không phát sinh: "
                                           "không xếp hạng), no_data")
    covered: float = Field(..., description="điểm tối đa của các chỉ số có số liệu: tổng điểm là trên số này")
    groups_with_data: int
    groups: int
    without_data: list[str] = Field(..., description="tên các nhóm chưa có số liệu")
    label: str = Field(..., description="ví dụ “18,72 / 20 điểm có số liệu · 1/6 nhóm” hoặc “74,30 / 100”")


class ScoreOut(Schema):
    unit: UnitRef
    framework: FrameworkRef
    total: float | None
    max: float | None
    grade: str | None
    rank: int | None
    change: float | None
    groups: dict[str, float | None]
    official: dict[str, float | None]
    coverage: CoverageOut | None = Field(None, description="phần điểm có số liệu; thứ hạng chỉ so các đơn vị "
                                                             "cùng phạm vi số liệu")


class ScoresOut(Schema):
    period: str
    label: str
    scores: list[ScoreOut]


class PeriodRef(Schema):
    code: str
    label: str
    from_: str = Field(..., alias="from")
    to: str


class MetricValueOut(Schema):
    code: str
    value: float | None
    records: bool = Field(..., description="true: /dossiers lists the dossiers behind this number")


class IndicatorOut(Schema):
    code: str
    name: str
    rule: str
    status: str
    max: float | None
    points: float | None
    numerator: float | None
    denominator: float | None
    ratio: float | None
    estimate: bool
    label: str | None
    source: str = Field("", description="Nguồn cho điểm: Cổng DVCQG hay số liệu của Thước Đo (ghi chú nguồn dự phòng).")
    live_points: float | None = Field(None, description="Điểm từ số liệu của Thước Đo khi điểm chính lấy từ Cổng "
                                                      "(đối chiếu nguồn); null nếu không có.")
    differs: bool = Field(False, description="Hai nguồn lệch nhau quá 0,01 điểm: vấn đề chất lượng dữ liệu.")
    metrics: list[MetricValueOut]


class GroupOut(Schema):
    code: str
    name: str
    max: float | None
    points: float | None
    official: float | None
    indicators: list[IndicatorOut]


class ExplainOut(Schema):
    unit: UnitRef
    framework: FrameworkRef
    period: PeriodRef
    total: float | None
    max: float | None
    grade: str | None
    complete: bool
    groups: list[GroupOut]


class DossierOut(Schema):
    unit_code: str
    dossier_code: str
    procedure_code: str
    channel: int
    accepted_at: datetime | None
    due_at: datetime | None
    extended_due_at: datetime | None
    ended_at: datetime | None
    outcome: str
    supplements: int


class DossiersOut(Schema):
    unit: str
    metric: str
    period: str
    count: int
    page: int
    pages: int
    dossiers: list[DossierOut]


class ChangeLineOut(Schema):
    kind: str = Field(..., description="contributor, others, remainder, unattributed, given, rounding")
    label: str
    amount: float | None
    code: str
    name: str
    part: str
    numerator: float | None
    denominator: float | None
    shortfall: float | None = Field(..., description="denominator − numerator: for on-time dossiers, the late ones")
    count: int


class IndicatorChangeOut(Schema):
    code: str
    name: str
    status: str
    status_before: str
    points: float | None
    points_before: float | None
    change: float | None
    ratio: float | None
    ratio_before: float | None
    note: str
    lines: list[ChangeLineOut]


class GroupChangeOut(Schema):
    code: str
    name: str
    points: float | None
    points_before: float | None
    change: float | None
    rounding: float | None
    indicators: list[IndicatorChangeOut]


class ChangeOut(Schema):
    unit: UnitRef
    framework: FrameworkRef
    period: PeriodRef
    against: PeriodRef
    total: float | None
    total_before: float | None
    change: float | None
    by: str = Field(..., description="what an indicator splits into: procedure, commune or province")
    reason: str
    notes: list[str]
    summary: str
    groups: list[GroupChangeOut]


class ErrorOut(Schema):
    detail: str


class InvalidParameterOut(Schema):
    detail: str = Field(..., description="«tham số»: lý do, bằng tiếng Việt")
    param: str = Field(..., description="the query parameter at fault, as sent: period, level, metric…")


class ValidationOut(Schema):
    # Ninja's own validation errors (a missing or non-integer parameter) are a list.
    detail: list[dict[str, Any]]


ERRORS = {400: InvalidParameterOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ValidationOut, 503: ErrorOut}


def _framework(code: str):
    try:
        return current_framework(code)[1]
    except UnknownFramework as exc:
        raise HttpError(404, str(exc)) from exc


@router.get("/scores", response={200: ScoresOut, **ERRORS},
            summary="Điểm, xếp loại, thứ hạng của các đơn vị một cấp trong một kỳ")
def get_scores(request, q: Query[ScoresQuery]):
    period = bounded(parse_period(q.period))
    framework = _framework(q.framework)
    if q.level not in LEVELS:
        raise InvalidParameter("level", f"Phải là province, agency hoặc commune, không phải {shown(q.level)}")
    parent = get_object_or_404(Unit, code=q.parent) if q.parent else None
    readable = set(readable_units(request.auth).values_list("code", flat=True))
    rows = ranking(framework, q.level, parent, period, q.procedure)
    return {"period": period.code, "label": period.label,
            "scores": [as_json(r) for r in rows if r.unit.code in readable]}


@router.get("/scores/{code}/explain", response={200: ExplainOut, **ERRORS}, by_alias=True,
            summary="Giải thích điểm của một đơn vị (cả toàn quốc, VN): nhóm → chỉ số → số liệu → hồ sơ")
def get_explain(request, code: str, period: str, framework: str = "qd766", procedure: str = ""):
    unit = get_object_or_404(Unit, code=code)
    require_read(request.auth, unit)
    return explain(_framework(framework), unit, bounded(parse_period(period)), procedure)


@router.get("/scores/{code}/dossiers", response={200: DossiersOut, **ERRORS},
            summary="Các hồ sơ đứng sau một số liệu (50 hồ sơ mỗi trang; trang ngoài khoảng: trang gần nhất)")
def get_dossiers(request, code: str, metric: str, period: str, page: int = 1):
    unit = get_object_or_404(Unit, code=code)
    require_read(request.auth, unit)
    span = bounded(parse_period(period))
    rows = dossiers_behind(unit, metric, span.start, span.end)
    return {"unit": unit.code, "metric": metric, "period": span.code, **dossier_page(rows, page)}


@router.get("/scores/{code}/change", response={200: ChangeOut, **ERRORS}, by_alias=True,
            summary="Vì sao điểm thay đổi: thay đổi so với kỳ trước (hoặc `against`) theo chỉ số và thủ tục, xã, tỉnh")
def get_change(request, code: str, period: str, against: str = "", framework: str = "qd766"):
    unit = get_object_or_404(Unit, code=code)
    require_read(request.auth, unit)
    span = bounded(parse_period(period))
    earlier = bounded(parse_period(against, param="against"), "against") if against.strip() else None
    return change_json(attribute_change(_framework(framework), unit, span, earlier))

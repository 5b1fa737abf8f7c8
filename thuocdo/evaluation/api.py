"""Scores API: rankings, explanations and the dossiers behind a number."""

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from thuocdo.accounts.permissions import readable_units, require_read
from thuocdo.evaluation.explain import dossier_page, dossiers_behind, explain
from thuocdo.evaluation.periods import PeriodError, parse_period
from thuocdo.evaluation.queries import as_json, ranking
from thuocdo.evaluation.store import UnknownFramework, current_framework
from thuocdo.units.models import Unit

router = Router(tags=["Đánh giá, xếp hạng"])


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


class ScoresOut(Schema):
    period: str
    label: str
    scores: list[ScoreOut]


class ErrorOut(Schema):
    detail: str


def _period(text: str):
    try:
        return parse_period(text)
    except PeriodError as exc:
        raise HttpError(422, f"period: {exc}") from exc


def _framework(code: str):
    try:
        return current_framework(code)[1]
    except UnknownFramework as exc:
        raise HttpError(404, str(exc)) from exc


@router.get("/scores", response={200: ScoresOut, 404: ErrorOut, 422: ErrorOut},
            summary="Điểm, xếp loại, thứ hạng của các đơn vị một cấp trong một kỳ")
def get_scores(request, q: Query[ScoresQuery]):
    period = _period(q.period)
    framework = _framework(q.framework)
    if q.level not in ("province", "agency", "commune"):
        raise HttpError(422, "level: phải là province, agency hoặc commune")
    parent = get_object_or_404(Unit, code=q.parent) if q.parent else None
    readable = set(readable_units(request.auth).values_list("code", flat=True))
    rows = ranking(framework, q.level, parent, period, q.procedure)
    return {"period": period.code, "label": period.label,
            "scores": [as_json(r) for r in rows if r.unit.code in readable]}


@router.get("/scores/{code}/explain", summary="Giải thích điểm của một đơn vị: chỉ số → số liệu → hồ sơ")
def get_explain(request, code: str, period: str, framework: str = "qd766", procedure: str = ""):
    unit = get_object_or_404(Unit, code=code)
    require_read(request.auth, unit)
    return explain(_framework(framework), unit, _period(period), procedure)


@router.get("/scores/{code}/dossiers", summary="Các hồ sơ đứng sau một số liệu (50 hồ sơ mỗi trang)")
def get_dossiers(request, code: str, metric: str, period: str, page: int = 1):
    unit = get_object_or_404(Unit, code=code)
    require_read(request.auth, unit)
    span = _period(period)
    try:
        rows = dossiers_behind(unit, metric, span.start, span.end)
    except ValueError as exc:
        raise HttpError(422, f"metric: {exc}") from exc
    return {"unit": unit.code, "metric": metric, "period": span.code, **dossier_page(rows, page)}

"""API for the metric store: read totals over a range; write figures from other sources."""

from datetime import date
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from thuocdo.accounts.api_auth import TokenAuth
from thuocdo.accounts.permissions import require_read
from thuocdo.metrics.actions import record_metric_values
from thuocdo.metrics.queries import metric_totals
from thuocdo.units.models import Unit

router = Router(tags=["Số liệu chỉ tiêu"])


class MetricsQuery(Schema):
    unit: str
    from_: date = Field(..., alias="from")
    to: date
    codes: str | None = None
    procedure: str = ""


class MetricsOut(Schema):
    unit: str
    from_: date = Field(..., alias="from")
    to: date
    metrics: dict[str, float]


class ErrorOut(Schema):
    detail: str


class InvalidOut(Schema):
    # Ninja's own validation errors are a list; HttpError(422, "…") gives a sentence.
    detail: str | list[dict[str, Any]]


class ValuesIn(Schema):
    values: list[Any] = Field(..., max_length=10_000)


class ValueRejection(Schema):
    index: int
    errors: list[str]


class ValuesOut(Schema):
    stored: int
    rejected: list[ValueRejection]


@router.get("/metrics", response={200: MetricsOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: InvalidOut},
            by_alias=True, summary="Số liệu của một đơn vị trong một khoảng ngày")
def get_metrics(request, filters: Query[MetricsQuery]):
    unit = get_object_or_404(Unit, code=filters.unit)
    require_read(request.auth, unit)
    if filters.to < filters.from_:
        raise HttpError(422, "to: phải không sớm hơn from")
    wanted = [c.strip() for c in filters.codes.split(",") if c.strip()] if filters.codes else None
    try:
        totals = metric_totals(unit, filters.from_, filters.to, wanted, filters.procedure)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    return {"unit": unit.code, "from": filters.from_, "to": filters.to, "metrics": dict(sorted(totals.items()))}


@router.post("/metric-values", response={200: ValuesOut, 401: ErrorOut, 422: InvalidOut}, auth=TokenAuth(),
             summary="Gửi số liệu từ nguồn khác (báo cáo định kỳ, cổng quốc gia); cần quyền metrics:write")
def post_values(request, payload: ValuesIn):
    return record_metric_values(request.auth, payload.values, default_source=request.auth.token.name)

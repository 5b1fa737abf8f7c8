"""API for the metric store: read totals over a range; write figures from other sources."""

from datetime import date
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from thuocdo.accounts.api_auth import TokenAuth
from thuocdo.accounts.permissions import require_read
from thuocdo.api_schemas import errors
from thuocdo.errors import InvalidParameter
from thuocdo.metrics.actions import record_metric_values
from thuocdo.metrics.periods import check_window
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


class ValuesIn(Schema):
    values: list[Any] = Field(..., max_length=10_000)


class ValueRejection(Schema):
    index: int
    errors: list[str]


class ValuesOut(Schema):
    stored: int
    rejected: list[ValueRejection]


@router.get("/metrics", response={200: MetricsOut, **errors(400, 401, 403, 404, 422)},
            by_alias=True, summary="Số liệu của một đơn vị trong một khoảng ngày")
def get_metrics(request, filters: Query[MetricsQuery]):
    unit = get_object_or_404(Unit, code=filters.unit)
    require_read(request.auth, unit)
    if filters.to < filters.from_:
        raise InvalidParameter("to", "phải không sớm hơn from")
    check_window(filters.from_, filters.to)  # 400 naming from or to outside 2000–2100 (metrics/periods.py)
    wanted = [c.strip() for c in filters.codes.split(",") if c.strip()] if filters.codes else None
    try:
        totals = metric_totals(unit, filters.from_, filters.to, wanted, filters.procedure)
    except ValueError as exc:
        raise HttpError(422, str(exc)) from exc
    return {"unit": unit.code, "from": filters.from_, "to": filters.to, "metrics": dict(sorted(totals.items()))}


@router.post("/metric-values", response={200: ValuesOut, **errors(400, 401, 403, 413, 422)}, auth=TokenAuth(),
             summary="Gửi số liệu từ nguồn khác (báo cáo định kỳ, cổng quốc gia); cần quyền metrics:write")
def post_values(request, payload: ValuesIn):
    return record_metric_values(request.auth, payload.values, default_source=request.auth.token.name)

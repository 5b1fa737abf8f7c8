"""Writes on the metric store from sources other than the dossier stream."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from thuocdo.accounts import audit
from thuocdo.accounts.choices import Scope
from thuocdo.accounts.permissions import Actor, may_write
from thuocdo.db import select_existing, upsert_replace
from thuocdo.metrics import changes, codes
from thuocdo.metrics.definitions import OutOfBounds, to_stored
from thuocdo.metrics.models import MetricInput
from thuocdo.metrics.periods import out_of_window
from thuocdo.metrics.rollup import apply_deltas
from thuocdo.units.cache import units_by_code

METRIC_CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
INPUT_TABLE = MetricInput._meta.db_table
DOSSIER_PREFIX = "dossier."
INPUT_KEY = ("province_code", "source", "unit_code", "metric", "procedure_code", "day")


class MetricValueIn(BaseModel):
    """One figure: unit, metric code, local day, value, source (and optionally a procedure)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    unit_code: str = Field(min_length=2, max_length=16)
    metric: str = Field(min_length=3, max_length=80)
    day: date
    # Decimal, not float: "0.1" stays 0.1 on its way to the integer stored (definitions.to_stored).
    value: Decimal = Field(allow_inf_nan=False)
    source: str | None = Field(default=None, min_length=1, max_length=100)
    procedure_code: str = Field(default="", max_length=40)


def _errors(exc: ValidationError) -> list[str]:
    # A row that is not an object has no field to name: call it "row".
    return [f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg']}" for e in exc.errors(include_url=False)]


def record_metric_values(
    actor: Actor, rows: Iterable[object], *, default_source: str | None = None
) -> dict:
    """Store figures from reports or imports; the latest value per (source, unit, metric, day) wins.

    A replay changes nothing; a corrected value moves the store by the difference. Bad rows
    come back with their reasons and never cost the good ones. A value must keep its metric's
    bounds (`definitions`); it is stored as an exact integer of the metric's smallest unit.
    """
    units = units_by_code()  # the registry, cached per process (not a query per batch)
    rejected, good = [], {}
    for index, raw in enumerate(rows):
        try:
            row = MetricValueIn.model_validate(raw)
        except ValidationError as exc:
            rejected.append({"index": index, "errors": _errors(exc)})
            continue
        source = default_source or row.source
        unit = units.get(row.unit_code)
        errors = []
        if not source:
            errors.append("source: thiếu nguồn số liệu")
        if (outside := out_of_window(row.day)) is not None:
            errors.append(f"day: {outside}")
        if unit is None or not unit.province_code:
            errors.append(f"unit_code: không có đơn vị mã {row.unit_code}")
        elif not may_write(actor, unit, Scope.METRICS_WRITE):
            errors.append(f"unit_code: không có quyền gửi số liệu cho đơn vị {row.unit_code}")
        if not METRIC_CODE.match(row.metric):
            errors.append("metric: mã chỉ tiêu chỉ gồm chữ thường, số, '_' và '.', ví dụ report.staff.quota")
        elif row.metric.startswith(DOSSIER_PREFIX):  # reserved for the dossier stream, known code or not
            errors.append(f"metric: {row.metric} được tính từ sự kiện hồ sơ, không nhận giá trị trực tiếp"
                          if row.metric in codes.DOSSIER_CODES or row.metric in codes.FACT_CODES else
                          f"metric: mã bắt đầu bằng '{DOSSIER_PREFIX}' dành cho số liệu tính từ sự kiện hồ sơ")
        else:
            try:
                stored = to_stored(row.metric, row.value)
            except OutOfBounds as exc:
                errors.append(f"value: {exc}")
        if errors:
            rejected.append({"index": index, "errors": errors})
            continue
        key = (unit.province_code, source, unit.code, row.metric, row.procedure_code, row.day)
        good[key] = stored  # within one batch, the last row for a key wins
    if not good:  # nothing to store: no audit row, as for a batch of dossier events with no valid row
        return {"stored": 0, "rejected": rejected}
    with transaction.atomic():
        previous = {
            (r[0], r[1], r[2], r[3], r[4], _as_date(r[5])): r[6]
            for r in select_existing(INPUT_TABLE, INPUT_KEY, list(good), (*INPUT_KEY, "value"))
        }
        deltas: Counter = Counter()
        for key, value in good.items():
            province, _source, unit_code, metric, procedure, day = key
            deltas[(province, unit_code, procedure, metric, day)] += value - previous.get(key, 0)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        upsert_replace(INPUT_TABLE, INPUT_KEY, (*INPUT_KEY, "value", "updated_at"),
                       [(*key, value, now) for key, value in good.items()])
        moved = apply_deltas(deltas.items())
        audit.record(actor, "metrics.record_values", "MetricInput", f"{len(good)} rows",
                     after={"stored": len(good), "rejected": len(rejected)})
        changes.record(moved)
    return {"stored": len(good), "rejected": rejected}


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))

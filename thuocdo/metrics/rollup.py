"""Moving the metric store: a delta on a commune's day moves its month, its province and the nation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date

from thuocdo.db import upsert_add
from thuocdo.metrics.models import Grain, MetricValue
from thuocdo.units.choices import NATIONAL_CODE

KEY_COLUMNS = ("province_code", "unit_code", "metric", "procedure_code", "grain", "start")

# (province_code, unit_code, procedure_code, metric, day) -> delta
Delta = tuple[str, str, str, str, date]


def expand(deltas: Iterable[tuple[Delta, float]]) -> Counter:
    """Turn per-unit day deltas into every row they move: day and month; unit, province and nation.

    Per-procedure rows are kept at month grain and for the unit itself only: a province's or the
    nation's figure for one procedure sums its units' month rows; drill-down by procedure over
    loose days reads the dossiers. Rows for all procedures together exist at both grains.
    """
    rows: Counter = Counter()
    day_grain, month_grain = Grain.DAY.value, Grain.MONTH.value
    for (province, unit, procedure, metric, day), value in deltas:
        if not value:
            continue
        month = day.replace(day=1)
        if procedure:
            rows[(province, unit, metric, procedure, month_grain, month)] += value
        rows[(province, unit, metric, "", day_grain, day)] += value
        rows[(province, unit, metric, "", month_grain, month)] += value
        if unit != province:
            rows[(province, province, metric, "", day_grain, day)] += value
            rows[(province, province, metric, "", month_grain, month)] += value
        rows[("", NATIONAL_CODE, metric, "", day_grain, day)] += value
        rows[("", NATIONAL_CODE, metric, "", month_grain, month)] += value
    return rows


def apply_deltas(deltas: Iterable[tuple[Delta, float]]) -> set[str]:
    """Add the deltas to the store (inside the caller's transaction); returns the unit codes moved."""
    rows = expand(deltas)
    table = MetricValue._meta.db_table
    upsert_add(table, KEY_COLUMNS, "value", ((*key, value) for key, value in rows.items() if value))
    return {key[1] for key, value in rows.items() if value}

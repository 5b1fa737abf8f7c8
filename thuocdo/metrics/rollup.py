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

    Per-procedure rows are kept at month grain only (drill-down by procedure over days reads
    the dossiers themselves); rows for all procedures together exist at both grains.
    """
    rows: Counter = Counter()
    for (province, unit, procedure, metric, day), value in deltas:
        if not value:
            continue
        month = day.replace(day=1)
        targets = [(province, unit)]
        if unit != province:
            targets.append((province, province))
        targets.append(("", NATIONAL_CODE))
        for prov, code in targets:
            rows[(prov, code, metric, "", Grain.DAY.value, day)] += value
            rows[(prov, code, metric, "", Grain.MONTH.value, month)] += value
            if procedure:
                rows[(prov, code, metric, procedure, Grain.MONTH.value, month)] += value
    return rows


def apply_deltas(deltas: Iterable[tuple[Delta, float]]) -> set[str]:
    """Add the deltas to the store (inside the caller's transaction); returns the unit codes moved."""
    rows = expand(deltas)
    table = MetricValue._meta.db_table
    upsert_add(table, KEY_COLUMNS, "value", ((*key, value) for key, value in rows.items() if value))
    return {key[1] for key, value in rows.items() if value}

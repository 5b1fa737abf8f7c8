"""Metric values become exact integers of each metric's smallest unit; whole-period values must be finite.

- `MetricInput.value`: float → round half up (value × scale), the scale of the metric's kind as
  `thuocdo.metrics.definitions` gives it today (frozen below: a migration must not change when
  that module does). Rows no integer can hold (Infinity, NaN, beyond ±2^63) are deleted: only the
  defect this fixes (issue 9) could store them. Finite rows outside the new bounds are kept and
  `thuocdo metrics check` reports them.
- `MetricValue.value`: dossier rows are whole counts already (floats below 2^53) and are cast. The
  rows of every other metric are derived from the inputs alone: they are recomputed from the
  converted inputs (day and month × unit, province, nation), as `thuocdo metrics rebuild` would,
  which also removes the Infinity rows.
- `PeriodValue`: rows beyond ±10^15 (Infinity; NaN on PostgreSQL) are deleted before the check.

Backwards: the inverse (value / scale as floats), rows deleted stay deleted.
"""

import math
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations, models

# The kinds' scales on 2026-12-03 (definitions.KINDS): count 1; hours, amount, percent 1,000; ratio 10^6.
_SCALES = {"hours": 1_000, "amount": 1_000, "percent": 1_000, "ratio": 1_000_000}
_INT64 = 2**63 - 1
_BATCH = 5_000  # rows per bulk statement: well under SQLite's 32,766 parameters (9 columns)


def _scale(metric):
    last = metric.rsplit(".", 1)[-1]
    for suffix, scale in _SCALES.items():
        if last == suffix or last.endswith(f"_{suffix}"):
            return scale
    return 1


def _to_int(metric, value):
    """The stored integer for a float, or None when no 64-bit integer can hold it."""
    if value is None or not math.isfinite(value) or abs(value) * _scale(metric) >= _INT64:
        return None
    return int((Decimal(repr(value)) * _scale(metric)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _to_float(metric, value):
    return value / _scale(metric)


def _recompute_other_metrics(apps, inputs, column):
    """Replace the store rows of non-dossier metrics by the roll-up of the inputs (rollup.expand, frozen).

    `inputs` hold integers (summed exactly); `column(metric, total)` gives what the column stores.
    """
    MetricValue = apps.get_model("metrics", "MetricValue")
    MetricValue.objects.exclude(metric__startswith="dossier.").delete()
    rows = Counter()
    for province, unit, metric, procedure, day, value in inputs:
        month = day.replace(day=1)
        if procedure:
            rows[(province, unit, metric, procedure, "m", month)] += value
        for grain, start in (("d", day), ("m", month)):
            rows[(province, unit, metric, "", grain, start)] += value
            if unit != province:
                rows[(province, province, metric, "", grain, start)] += value
            rows[("", "VN", metric, "", grain, start)] += value
    MetricValue.objects.bulk_create(
        [MetricValue(province_code=p, unit_code=u, metric=m, procedure_code=proc, grain=g, start=s,
                     value=column(m, v))
         for (p, u, m, proc, g, s), v in rows.items() if v],
        batch_size=_BATCH,
    )


def _convert(apps, forwards):
    MetricInput = apps.get_model("metrics", "MetricInput")
    changed, gone, inputs = [], [], []
    for row in MetricInput.objects.order_by("pk").iterator(chunk_size=_BATCH):
        integer = _to_int(row.metric, row.value) if forwards else int(row.value)
        if integer is None:
            gone.append(row.pk)
            continue
        row.value = integer if forwards else _to_float(row.metric, integer)
        changed.append(row)
        inputs.append((row.province_code, row.unit_code, row.metric, row.procedure_code, row.day, integer))
    for start in range(0, len(gone), _BATCH):
        MetricInput.objects.filter(pk__in=gone[start : start + _BATCH]).delete()
    MetricInput.objects.bulk_update(changed, ["value"], batch_size=_BATCH)
    _recompute_other_metrics(apps, inputs, (lambda metric, total: total) if forwards else _to_float)


def forwards(apps, schema_editor):
    _convert(apps, forwards=True)
    PeriodValue = apps.get_model("metrics", "PeriodValue")
    PeriodValue.objects.filter(models.Q(value__gt=10.0**15) | models.Q(value__lt=-(10.0**15))).delete()


def backwards(apps, schema_editor):
    _convert(apps, forwards=False)


class Migration(migrations.Migration):

    dependencies = [
        ("metrics", "0002_period_values"),
    ]

    operations = [
        # Runs on the float columns both ways: forwards before they become integers, backwards after.
        migrations.RunPython(forwards, backwards),
        migrations.AlterField(
            model_name="metricinput",
            name="value",
            field=models.BigIntegerField(verbose_name="giá trị (đơn vị nhỏ nhất)"),
        ),
        migrations.AlterField(
            model_name="metricvalue",
            name="value",
            field=models.BigIntegerField(default=0, verbose_name="giá trị (đơn vị nhỏ nhất)"),
        ),
        migrations.AddConstraint(
            model_name="periodvalue",
            constraint=models.CheckConstraint(
                condition=models.Q(("value__gte", -1e15), ("value__lte", 1e15)), name="period_value_finite"
            ),
        ),
    ]

"""Metric values become exact integers of each metric's smallest unit; whole-period values must be finite.

Set-based SQL throughout (SQLite and PostgreSQL): no row passes through Python, so the time and
memory do not grow with the table beyond what the database itself needs.

1. `MetricInput`: rows outside their metric's bounds as `thuocdo.metrics.definitions` gives them
   today (frozen below: a migration must not change when that module does) are deleted: not
   finite (Infinity, NaN), out of range (5e18, a negative count, 150 %) or a fractional count
   (2.5). They could only be stored through the defect this fixes (issue 9) and no integer of the
   new column could hold all of them. Their number per metric is printed, so the operator sees
   what went. The rest are converted in place, per kind: value = round half up (value × scale).
2. `MetricValue`: rows of the dossier stream (the exact stream codes, frozen below) are whole counts
   already and are kept untouched. Every other row is derived from the inputs alone: those rows are
   deleted (which also removes their Infinity/NaN) and, once the columns are integers, recomputed
   from the converted inputs by INSERT … SELECT … GROUP BY, as `rollup.expand` moves the store (day
   and month rows for the unit, its province and the nation; per-procedure rows at month grain for
   the unit itself only), i.e. what `thuocdo metrics rebuild` would write.
3. `PeriodValue`: rows beyond ±10^15 (Infinity; NaN on PostgreSQL) are deleted (count printed)
   before the check constraint is added.

Backwards: the columns become floats again and the converted inputs and recomputed store rows are
divided by their scale; deleted rows stay deleted.
"""

import sys

from django.db import migrations, models

# The stream codes on 2026-12-03 (thuocdo.metrics.codes.STREAM_CODES): the store rows the dossier
# stream writes. Every other metric's store rows are recomputed from the inputs. Not the prefix
# `dossier.`: an input may have used another `dossier.*` code (`dossier.custom`) before the prefix
# was reserved, and its rows are derived from inputs like any other.
STREAM_CODES = (
    "dossier.received", "dossier.received.online", "dossier.received.direct", "dossier.received.postal",
    "dossier.resolved", "dossier.resolved.early", "dossier.resolved.on_time", "dossier.resolved.late",
    "dossier.ended.withdrawn", "dossier.ended.stopped", "dossier.ended.refused",
)
NATIONAL_CODE = "VN"

# The definitions on 2026-12-03 (definitions.KINDS and DEFINITIONS): (scale, minimum, maximum) per input.
COUNT = (1, 0, 1_000_000_000)
SUFFIX_KINDS = {
    "hours": (1_000, 0, 100_000),
    "amount": (1_000, 0, 10_000_000),
    "ratio": (1_000_000, 0, 1),
    "percent": (1_000, 0, 100),
}
NARROW = {"report.bank_account.opened": (1, 0, 1), "report.office.adequate": (1, 0, 1)}


def _classes():
    """(SQL condition on `metric`, its parameters, (scale, minimum, maximum)) for every metric class.

    A metric named in NARROW has its own bounds; else its code's last part is `<kind>` or ends with
    `_<kind>` (compared case-sensitively, as definitions.definition does: not with SQLite's LIKE);
    anything else is a count. The conditions are disjoint and cover every code.
    """
    narrow = list(NARROW)
    in_narrow = f"metric IN ({', '.join(['%s'] * len(narrow))})"
    not_narrow = f"metric NOT IN ({', '.join(['%s'] * len(narrow))})"
    suffixes = []
    for kind in SUFFIX_KINDS:
        # The last len(kind) + 1 characters: `.hours` or `_hours` (SUBSTR from 1, as both databases count).
        ends = f"SUBSTR(metric, LENGTH(metric) - {len(kind)}) = %s"
        suffixes.append((f"(metric = %s OR {ends} OR {ends})", [kind, f".{kind}", f"_{kind}"]))
    assert len(set(NARROW.values())) == 1, "NARROW metrics with different bounds need one class each"
    classes = [(in_narrow, narrow, next(iter(NARROW.values())))]
    for (condition, params), bounds in zip(suffixes, SUFFIX_KINDS.values(), strict=True):
        classes.append((f"{not_narrow} AND {condition}", [*narrow, *params], bounds))
    any_suffix = " OR ".join(condition for condition, _ in suffixes)
    classes.append((f"{not_narrow} AND NOT ({any_suffix})", [*narrow, *(p for _, ps in suffixes for p in ps)], COUNT))
    return classes


def _outside(scale, minimum, maximum):
    """SQL true for a float `value` outside the bounds (NaN included: it is not <= anything on PostgreSQL)."""
    whole = " OR value <> ROUND(value)" if scale == 1 else ""
    return f"(value IS NULL OR NOT (value >= {minimum} AND value <= {maximum}){whole})"


def _names(apps, schema_editor):
    quote = schema_editor.quote_name
    return {name: quote(apps.get_model("metrics", name)._meta.db_table)
            for name in ("MetricInput", "MetricValue", "PeriodValue")}


def _say(text):
    sys.stdout.write(f"\n  metrics.0003: {text}")
    sys.stdout.flush()


def bound_and_scale_inputs(apps, schema_editor):
    """Delete (and count) the inputs outside their bounds, then scale the others to integers, per kind."""
    tables = _names(apps, schema_editor)
    postgres = schema_editor.connection.vendor == "postgresql"
    removed = []
    with schema_editor.connection.cursor() as cursor:
        for condition, params, (scale, minimum, maximum) in _classes():
            where = f"{condition} AND {_outside(scale, minimum, maximum)}"
            cursor.execute(f"SELECT metric, COUNT(*) FROM {tables['MetricInput']} WHERE {where} GROUP BY metric",
                           params)
            removed += cursor.fetchall()
            cursor.execute(f"DELETE FROM {tables['MetricInput']} WHERE {where}", params)
            if scale != 1:
                # Round half up (values are >= 0 now): PostgreSQL rounds numeric half away from zero, its
                # float round is the platform's (to even); the cast keeps the float's 15 significant digits.
                scaled = f"ROUND(CAST(value AS numeric) * {scale})" if postgres else f"ROUND(value * {scale})"
                cursor.execute(f"UPDATE {tables['MetricInput']} SET value = {scaled} WHERE {condition}", params)
    if removed:
        listed = ", ".join(f"{metric} ({count})" for metric, count in sorted(removed))
        _say(f"đã xoá {sum(c for _, c in removed)} giá trị MetricInput ngoài giới hạn của chỉ tiêu "
             f"(không hữu hạn, ngoài khoảng hoặc số đếm lẻ): {listed}")


def unscale(apps, schema_editor):
    """Backwards: divide the inputs and the recomputed (non-stream) store rows by their scale, as floats."""
    tables = _names(apps, schema_editor)
    stream = ", ".join(["%s"] * len(STREAM_CODES))
    with schema_editor.connection.cursor() as cursor:
        for condition, params, (scale, _minimum, _maximum) in _classes():
            if scale == 1:
                continue
            cursor.execute(f"UPDATE {tables['MetricInput']} SET value = value / {scale}.0 WHERE {condition}", params)
            cursor.execute(f"UPDATE {tables['MetricValue']} SET value = value / {scale}.0 "
                           f"WHERE metric NOT IN ({stream}) AND {condition}", [*STREAM_CODES, *params])


def drop_derived_rows(apps, schema_editor):
    """Delete the store rows not written by the dossier stream, and the whole-period values beyond ±10^15."""
    tables = _names(apps, schema_editor)
    stream = ", ".join(["%s"] * len(STREAM_CODES))
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {tables['MetricValue']} WHERE metric NOT IN ({stream})", STREAM_CODES)
        beyond = "value IS NULL OR NOT (value >= -1e15 AND value <= 1e15)"  # NaN too, on PostgreSQL
        cursor.execute(f"SELECT metric, COUNT(*) FROM {tables['PeriodValue']} WHERE {beyond} GROUP BY metric")
        removed = cursor.fetchall()
        cursor.execute(f"DELETE FROM {tables['PeriodValue']} WHERE {beyond}")
    if removed:
        listed = ", ".join(f"{metric} ({count})" for metric, count in sorted(removed))
        _say(f"đã xoá {sum(c for _, c in removed)} giá trị PeriodValue không hữu hạn hoặc ngoài ±10^15: {listed}")


def roll_up_inputs(apps, schema_editor):
    """Recompute the non-stream store rows from the (integer) inputs: rollup.expand as INSERT … SELECT."""
    tables = _names(apps, schema_editor)
    if schema_editor.connection.vendor == "postgresql":
        month = "CAST(DATE_TRUNC('month', day) AS date)"
    else:
        month = "DATE(day, 'start of month')"
    stream = ", ".join(["%s"] * len(STREAM_CODES))
    columns = "province_code, unit_code, metric, procedure_code, grain, start, value"
    statements = []
    for grain, start in (("d", "day"), ("m", month)):
        # The unit itself (a province's own inputs are its province row, below).
        statements.append((f"province_code, unit_code, metric, '', '{grain}', {start}",
                           "unit_code <> province_code", f"province_code, unit_code, metric, {start}"))
        # Its province: every input of the province, its own included.
        statements.append((f"province_code, province_code, metric, '', '{grain}', {start}",
                           "1 = 1", f"province_code, metric, {start}"))
        # The nation.
        statements.append((f"'', '{NATIONAL_CODE}', metric, '', '{grain}', {start}", "1 = 1", f"metric, {start}"))
    # One procedure: month grain, the unit itself only.
    statements.append((f"province_code, unit_code, metric, procedure_code, 'm', {month}",
                       "procedure_code <> ''", f"province_code, unit_code, metric, procedure_code, {month}"))
    with schema_editor.connection.cursor() as cursor:
        for select, where, group in statements:
            cursor.execute(
                f"INSERT INTO {tables['MetricValue']} ({columns}) "
                f"SELECT {select}, SUM(value) FROM {tables['MetricInput']} "
                f"WHERE metric NOT IN ({stream}) AND {where} GROUP BY {group} HAVING SUM(value) <> 0",
                STREAM_CODES,
            )


class Migration(migrations.Migration):

    dependencies = [
        ("metrics", "0002_period_values"),
    ]

    operations = [
        # Forwards on the float columns; backwards after they became floats again.
        migrations.RunPython(bound_and_scale_inputs, unscale),
        # Backwards: the recomputed rows are kept (unscaled by the step above), the deleted stay deleted.
        migrations.RunPython(drop_derived_rows, migrations.RunPython.noop),
        # Only whole numbers within ±2^63 are left in both columns: the casts cannot fail or round.
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
        # Sums of integers: exact on both databases. Backwards: nothing to do (see unscale).
        migrations.RunPython(roll_up_inputs, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="periodvalue",
            constraint=models.CheckConstraint(
                condition=models.Q(("value__gte", -1e15), ("value__lte", 1e15)), name="period_value_finite"
            ),
        ),
    ]

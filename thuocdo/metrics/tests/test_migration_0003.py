"""Migration metrics/0003: float values → exact bounded integers, on SQLite and PostgreSQL alike."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from thuocdo.metrics.definitions import to_stored
from thuocdo.metrics.rollup import expand

BEFORE = [("metrics", "0002_period_values")]
AFTER = [("metrics", "0003_exact_bounded_values")]
PROVINCE, COMMUNE, OTHER = "25", "08494", "08872"
SEP3, SEP4, SEP5, SEP1 = date(2026, 9, 3), date(2026, 9, 4), date(2026, 9, 5), date(2026, 9, 1)
INF = float("inf")

# (unit, metric, procedure, day, float value before) → stored integer after, or None: deleted.
INPUTS = {
    (COMMUNE, "report.staff.quota", "", SEP3): (2.0, 2),
    (COMMUNE, "report.staff.quota", "", SEP4): (INF, None),
    (COMMUNE, "report.big.count", "", SEP3): (5e18, None),
    (OTHER, "report.big.count", "", SEP3): (5e18, None),
    (COMMUNE, "report.staff.quota", "1.000001", SEP5): (2.5, None),  # a fractional count
    (COMMUNE, "report.internet.service_hours", "", SEP3): (0.1 + 0.2, 300),
    (PROVINCE, "report.internet.service_hours", "", SEP3): (1.5, 1_500),  # the province's own input
    (OTHER, "report.internet.service_hours", "", SEP4): (-1.0, None),
    (OTHER, "x.paid_amount", "1.000001", SEP4): (2.0005, 2_001),  # rounded half up
    (OTHER, "x.share.ratio", "", SEP5): (0.25, 250_000),
    (OTHER, "x.share.percent", "", SEP5): (150.0, None),
    (OTHER, "report.office.adequate", "", SEP5): (2.0, None),  # narrower than a count: 0 or 1
    (COMMUNE, "dossier.custom", "1.000001", SEP3): (4.0, 4),  # not a stream code: rolled up like the others
}
STREAM_ROW = (PROVINCE, COMMUNE, "dossier.received", "", "d", SEP3)


def _executor() -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    return executor


def _migrate(targets) -> MigrationExecutor:
    executor = _executor()
    executor.migrate(targets)
    return _executor()


def _seed(apps):
    MetricInput = apps.get_model("metrics", "MetricInput")
    MetricValue = apps.get_model("metrics", "MetricValue")
    PeriodValue = apps.get_model("metrics", "PeriodValue")
    for (unit, metric, procedure, day), (value, _after) in INPUTS.items():
        MetricInput.objects.create(province_code=PROVINCE, unit_code=unit, metric=metric, procedure_code=procedure,
                                   day=day, value=value, source="report")
    province, unit, metric, procedure, grain, start = STREAM_ROW
    MetricValue.objects.create(province_code=province, unit_code=unit, metric=metric, procedure_code=procedure,
                               grain=grain, start=start, value=7.0)
    # Store rows the old float store held: recomputed, including keys the roll-up writes again.
    for metric, value in (("report.staff.quota", INF), ("dossier.custom", 4.0), ("report.big.count", 1e19)):
        MetricValue.objects.create(province_code=PROVINCE, unit_code=COMMUNE, metric=metric, procedure_code="",
                                   grain="m", start=SEP1, value=value)
    MetricValue.objects.create(province_code="", unit_code="VN", metric="dossier.custom", procedure_code="",
                               grain="d", start=SEP3, value=4.0)
    for metric, value in (("portal766.progress.total", 3.5), ("portal766.progress.bad", INF)):
        PeriodValue.objects.create(province_code=PROVINCE, unit_code=PROVINCE, metric=metric, start=SEP1,
                                   end=date(2026, 9, 30), value=value, source="portal766")


@pytest.mark.django_db(transaction=True)
def test_values_become_exact_bounded_integers_and_the_store_is_recomputed(capsys):
    try:
        executor = _migrate(BEFORE)
        _seed(executor.loader.project_state(BEFORE).apps)
        capsys.readouterr()
        executor = _migrate(AFTER)
        printed = capsys.readouterr().out
        apps = executor.loader.project_state(AFTER).apps
        MetricInput = apps.get_model("metrics", "MetricInput")
        MetricValue = apps.get_model("metrics", "MetricValue")
        PeriodValue = apps.get_model("metrics", "PeriodValue")

        kept = {key: after for key, (_before, after) in INPUTS.items() if after is not None}
        inputs = {(r.unit_code, r.metric, r.procedure_code, r.day): r.value for r in MetricInput.objects.all()}
        assert inputs == kept
        assert all(type(value) is int for value in inputs.values())
        assert kept[(COMMUNE, "report.internet.service_hours", "", SEP3)] == to_stored(
            "report.internet.service_hours", "0.3")

        store = {(r.province_code, r.unit_code, r.metric, r.procedure_code, r.grain, r.start): r.value
                 for r in MetricValue.objects.all()}
        assert all(type(value) is int for value in store.values())
        rolled = expand(((PROVINCE, unit, procedure, metric, day), value)
                        for (unit, metric, procedure, day), value in kept.items())
        assert store == {STREAM_ROW: 7, **{key: value for key, value in rolled.items() if value}}
        # Spelled out for two metrics, so the test does not only trust rollup.expand.
        hours = {key[:2] + key[3:]: value for key, value in store.items() if key[2] == "report.internet.service_hours"}
        assert hours == {
            (PROVINCE, COMMUNE, "", "d", SEP3): 300, (PROVINCE, COMMUNE, "", "m", SEP1): 300,
            (PROVINCE, PROVINCE, "", "d", SEP3): 1_800, (PROVINCE, PROVINCE, "", "m", SEP1): 1_800,
            ("", "VN", "", "d", SEP3): 1_800, ("", "VN", "", "m", SEP1): 1_800,
        }
        custom = {key[:2] + key[3:]: value for key, value in store.items() if key[2] == "dossier.custom"}
        assert custom == {
            (PROVINCE, COMMUNE, "1.000001", "m", SEP1): 4,
            (PROVINCE, COMMUNE, "", "d", SEP3): 4, (PROVINCE, COMMUNE, "", "m", SEP1): 4,
            (PROVINCE, PROVINCE, "", "d", SEP3): 4, (PROVINCE, PROVINCE, "", "m", SEP1): 4,
            ("", "VN", "", "d", SEP3): 4, ("", "VN", "", "m", SEP1): 4,
        }
        assert not any(key[2] == "report.big.count" for key in store)

        assert list(PeriodValue.objects.values_list("metric", "value")) == [("portal766.progress.total", 3.5)]
        assert ("đã xoá 7 giá trị MetricInput ngoài giới hạn của chỉ tiêu (không hữu hạn, ngoài khoảng hoặc số đếm "
                "lẻ): report.big.count (2), report.internet.service_hours (1), report.office.adequate (1), "
                "report.staff.quota (2), x.share.percent (1)") in printed
        assert "đã xoá 1 giá trị PeriodValue không hữu hạn hoặc ngoài ±10^15: portal766.progress.bad (1)" in printed

        # Backwards: floats in the metric's own unit again; what was deleted stays deleted.
        executor = _migrate(BEFORE)
        apps = executor.loader.project_state(BEFORE).apps
        back = {(r.unit_code, r.metric, r.procedure_code, r.day): r.value
                for r in apps.get_model("metrics", "MetricInput").objects.all()}
        assert back == {key: before for key, (before, after) in INPUTS.items() if after is not None} | {
            (COMMUNE, "report.internet.service_hours", "", SEP3): 0.3,
            (OTHER, "x.paid_amount", "1.000001", SEP4): 2.001,
        }
        values = {(r.unit_code, r.metric, r.grain, r.start): r.value
                  for r in apps.get_model("metrics", "MetricValue").objects.filter(procedure_code="")}
        assert values[(PROVINCE, "report.internet.service_hours", "m", SEP1)] == 1.8
        assert values[(COMMUNE, "dossier.received", "d", SEP3)] == 7
    finally:
        _migrate(_executor().loader.graph.leaf_nodes())

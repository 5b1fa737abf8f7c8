"""The bulk SQL helpers (thuocdo/db.py) on whichever database the suite runs on."""

from datetime import date

import pytest

from thuocdo.db import select_existing, statement_sizes, update_by_id, upsert_add, upsert_replace
from thuocdo.dossiers.models import Dossier
from thuocdo.metrics.models import MetricInput, MetricValue

pytestmark = pytest.mark.django_db
TABLE = Dossier._meta.db_table
KEY = ("province_code", "unit_code", "dossier_code")


def dossier(code: str, outcome: str = "pending", supplements: int = 0) -> tuple:
    return ("25", code, "08494", "", 1, None, None, None, None, supplements, None, None, outcome, None, None, "[]")


COLUMNS = ("province_code", "dossier_code", "unit_code", "procedure_code", "channel", "accepted_at", "due_at",
           "extended_due_at", "paused_since", "supplements", "ended_at", "end_status", "outcome", "accepted_day",
           "ended_day", "events")


def test_select_existing_finds_exactly_the_keys_asked_for_across_statements(monkeypatch):
    upsert_replace(TABLE, KEY, COLUMNS, [dossier(f"HS-{i}") for i in range(25)])
    wanted = [("25", "08494", f"HS-{i}") for i in range(0, 40, 3)] + [("25", "08497", "HS-0"), ("01", "08494", "HS-3")]
    found = select_existing(TABLE, KEY, wanted, ("dossier_code", "outcome"))
    assert sorted(found) == sorted((f"HS-{i}", "pending") for i in range(0, 25, 3))


def test_select_existing_matches_date_key_columns():
    MetricInput.objects.create(province_code="25", unit_code="08494", metric="staff.count", procedure_code="",
                               day=date(2026, 8, 3), value=4, source="bc")
    key = ("unit_code", "metric", "day")
    assert select_existing(MetricInput._meta.db_table, key, [("08494", "staff.count", date(2026, 8, 3))],
                           ("value",)) == [(4.0,)]
    assert select_existing(MetricInput._meta.db_table, key, [("08494", "staff.count", date(2026, 8, 4))],
                           ("value",)) == []


def test_update_by_id_sets_only_the_named_columns_with_any_column_set_in_one_transaction():
    upsert_replace(TABLE, KEY, COLUMNS, [dossier("A"), dossier("B"), dossier("C")])
    ids = dict(Dossier.objects.values_list("dossier_code", "id"))
    assert update_by_id(TABLE, ("events",), [('[[1, 2, "x/1", -1, 0, ""]]', ids["A"])]) == 1
    assert update_by_id(TABLE, ("outcome", "supplements"), [("late", 2, ids["B"]), ("on_time", 1, ids["C"])]) == 2
    assert update_by_id(TABLE, ("events",), [("[]", ids["C"]), ("[]", max(ids.values()) + 1)]) == 1
    assert update_by_id(TABLE, ("events",), []) == 0
    rows = Dossier.objects.order_by("dossier_code").values_list("dossier_code", "outcome", "supplements", "events")
    assert list(rows) == [
        ("A", "pending", 0, [[1, 2, "x/1", -1, 0, ""]]),
        ("B", "late", 2, []),
        ("C", "on_time", 1, []),
    ]


def test_upsert_add_adds_to_existing_counters_and_inserts_missing_ones():
    table = MetricValue._meta.db_table
    key = ("province_code", "unit_code", "metric", "procedure_code", "grain", "start")
    upsert_add(table, key, "value", [("25", "08494", "dossier.received", "", "d", date(2026, 8, 3), 2)])
    upsert_add(table, key, "value", [("25", "08494", "dossier.received", "", "d", date(2026, 8, 3), 3),
                                     ("25", "08494", "dossier.received", "", "d", date(2026, 8, 4), 1)])
    assert sorted(MetricValue.objects.values_list("start", "value")) == [(date(2026, 8, 3), 5), (date(2026, 8, 4), 1)]


def test_multi_row_statements_come_in_few_sizes_so_the_statement_cache_stays_small():
    assert statement_sizes(0, 3) == []
    assert statement_sizes(5, 3) == [4, 1]
    assert statement_sizes(8192 * 2 + 1234, 3) == [8192, 8192, 1024, 128, 64, 16, 2]
    assert statement_sizes(3000, 11) == [2048, 512, 256, 128, 32, 16, 8]
    sizes = {size for n in range(1, 30_000, 7) for size in statement_sizes(n, 3)}
    assert sizes == {1 << bit for bit in range(14)}  # 14 shapes whatever the batch lengths
    assert all(sum(statement_sizes(n, 11)) == n for n in range(0, 10_000, 13))

"""Large inputs read and checked in a second process (dossiers/feeder.py) give exactly the inline result."""

import json
from functools import partial

import pytest
from django.core.management import CommandError, call_command

from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events, ingest_dossier_events_from
from thuocdo.dossiers.feeder import FeederError, file_source
from thuocdo.dossiers.models import DossierEvent
from thuocdo.dossiers.readers import read_rows
from thuocdo.dossiers.tests.factories import clear_store, dossier_states, metric_rows, stream
from thuocdo.dossiers.tests.sources import failing_source

pytestmark = pytest.mark.django_db


def events_file(tmp_path, rows, extra_lines=()):
    path = tmp_path / "su-kien.jsonl"
    path.write_text("\n".join([*(json.dumps(r, ensure_ascii=False) for r in rows), *extra_lines]) + "\n")
    return path


def audited_batches() -> list[tuple]:
    rows = AuditEntry.objects.filter(action="dossiers.ingest").order_by("id").values_list("object_id", "after")
    return list(rows)


def test_the_feeder_ingests_a_file_exactly_as_rows_given_inline(tmp_path):
    rows = stream(120, seed=8)
    bad = [json.dumps({**rows[5], "status": 11}), "{khong phai json", json.dumps(rows[9])]
    path = events_file(tmp_path, rows, bad)

    through_feeder, totals = ingest_dossier_events_from(Actor.system(), file_source(path), batch_size=97)
    stored = (metric_rows(), dossier_states(), audited_batches())
    clear_store()
    AuditEntry.objects.filter(action="dossiers.ingest").delete()
    inline = ingest_dossier_events(Actor.system(), read_rows(path), batch_size=97)

    assert totals is None  # a file reports nothing at its end; a simulation reports its totals
    assert through_feeder.as_dict() == inline.as_dict()
    assert through_feeder.accepted == len(rows) and through_feeder.duplicates == 1
    assert [r["index"] for r in through_feeder.rejected] == [len(rows), len(rows) + 1]
    assert (metric_rows(), dossier_states(), audited_batches()) == stored
    assert len(stored[2]) == -(-(len(rows) + 3) // 97)  # one audited transaction per chunk of 97 rows


def test_a_source_failing_midway_keeps_the_chunks_before_and_reports_the_error(tmp_path):
    rows = stream(40, seed=3)
    with pytest.raises(FeederError, match="OSError: ổ đĩa không đọc được"):
        ingest_dossier_events_from(Actor.system(), partial(failing_source, rows), batch_size=50)
    # Every full chunk read before the failure was committed; the partial one was never sent.
    assert DossierEvent.objects.count() == (len(rows) // 50) * 50


def test_the_command_reports_an_unreadable_file_type_without_a_traceback(tmp_path):
    path = tmp_path / "su-kien.txt"
    path.write_text("x")
    with pytest.raises(CommandError, match=r"^Không đọc được tệp su-kien.txt: chỉ nhận .jsonl, .csv hoặc .xlsx$"):
        call_command("ingest", "dossier-events", str(path))


def test_a_simulation_generated_in_the_feeder_returns_its_totals():
    from datetime import date

    from thuocdo.dossiers.simulation import Simulation
    from thuocdo.units.models import Unit

    units = list(Unit.objects.filter(province_code="25", level__in=["commune", "province"])
                 .values_list("code", "province_code", "level", "type"))
    args = (date(2026, 8, 3), 1, 0.05, 4, units)
    summary, totals = ingest_dossier_events_from(Actor.system(), partial(Simulation, *args, now=None))
    expected = Simulation(*args, now=None)
    events = list(expected.events())
    assert totals == expected.totals
    assert summary.accepted + summary.duplicates + len(summary.rejected) == len(events) == totals.events


def test_a_writer_error_stops_the_feeder_at_once_and_keeps_the_chunks_before(tmp_path, monkeypatch):
    import multiprocessing

    from thuocdo.dossiers import actions

    rows = stream(60, seed=11)
    path = events_file(tmp_path, rows)
    real_apply, calls = actions.apply_batch, []

    def failing_second(events, now):
        calls.append(len(events))
        if len(calls) == 2:
            raise RuntimeError("đĩa đầy")
        return real_apply(events, now)

    monkeypatch.setattr(actions, "apply_batch", failing_second)
    with pytest.raises(RuntimeError, match="đĩa đầy"):
        ingest_dossier_events_from(Actor.system(), file_source(path), batch_size=50)
    assert multiprocessing.active_children() == []
    assert DossierEvent.objects.count() == 50

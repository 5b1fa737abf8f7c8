"""Data migrations of the dossiers app convert what earlier versions stored, exactly."""

import importlib

from thuocdo.dossiers.ontime import NO_DUE, classify_compact, to_micros
from thuocdo.dossiers.tests.test_ontime import at

compact_events = importlib.import_module("thuocdo.dossiers.migrations.0002_compact_events_in_micros")


def test_events_stored_as_iso_text_become_compact_microsecond_events():
    old = [
        ["2026-08-10T08:00:00+07:00", 2, "2026-08-14T17:00:00+07:00", 2, "motcua-25/1", "1.001234"],
        ["2026-08-12T01:30:00.250000+00:00", 9, None, None, "motcua-25/2", ""],
    ]
    new = [compact_events._convert(e) for e in old]
    assert new == [
        [to_micros(at("2026-08-10T08:00:00+07:00")), 2, "motcua-25/1", to_micros(at("2026-08-14T17:00:00+07:00")), 2,
         "1.001234"],
        [1786498200250000, 9, "motcua-25/2", NO_DUE, 0, ""],
    ]
    # Already converted rows are left as they are (the migration can run over a half-converted table).
    assert [compact_events._convert(e) for e in new] == new
    assert classify_compact(new).outcome == "early"
    # And back (`migrate dossiers 0001`): the same instants, in UTC.
    assert [compact_events._revert(e) for e in new] == [
        ["2026-08-10T01:00:00+00:00", 2, "2026-08-14T10:00:00+00:00", 2, "motcua-25/1", "1.001234"],
        ["2026-08-12T01:30:00.250000+00:00", 9, None, None, "motcua-25/2", ""],
    ]

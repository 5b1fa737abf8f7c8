"""Dossier rows keep their events in the engine's compact form, with times in microseconds.

Before: [occurred ISO, status, due ISO | None, channel | None, "source/event_id", procedure]
After:  [occurred µs, status, "source/event_id", due µs | -1, channel | 0, procedure]
(see `thuocdo.dossiers.ontime.Compact`). Parsing ISO text for every stored event on every
re-classification dominated the ingest path.
"""

from datetime import UTC, datetime, timedelta

from django.db import migrations

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)


def _micros(text):
    return (datetime.fromisoformat(text) - _EPOCH) // _US


def _convert(event):
    if not isinstance(event[0], str):
        return event
    occurred, status, due, channel, event_id, procedure = event
    return [_micros(occurred), status, event_id, _micros(due) if due else -1, channel or 0, procedure]


def _iso(us):
    return (_EPOCH + timedelta(microseconds=us)).isoformat()


def _revert(event):
    if isinstance(event[0], str):
        return event
    occurred, status, event_id, due, channel, procedure = event
    return [_iso(occurred), status, _iso(due) if due != -1 else None, channel or None, event_id, procedure]


def _rewrite(apps, convert):
    Dossier = apps.get_model("dossiers", "Dossier")
    batch = []
    for dossier in Dossier.objects.only("id", "events").iterator(chunk_size=5000):
        dossier.events = [convert(e) for e in dossier.events]
        batch.append(dossier)
        if len(batch) == 5000:
            Dossier.objects.bulk_update(batch, ["events"])
            batch = []
    Dossier.objects.bulk_update(batch, ["events"])


def forwards(apps, schema_editor):
    _rewrite(apps, _convert)


def backwards(apps, schema_editor):
    _rewrite(apps, _revert)


class Migration(migrations.Migration):
    dependencies = [("dossiers", "0001_events_and_dossiers")]

    operations = [migrations.RunPython(forwards, backwards)]

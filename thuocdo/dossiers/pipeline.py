"""Applying a batch of valid events: raw facts, dossier states and metric deltas, in one transaction.

Per batch (not per event): one query finds replays, one bulk insert stores the new events,
one query loads the dossiers they touch, each dossier is re-classified from its whole event
set, and the metric store moves by the difference between old and new classifications.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from thuocdo.db import adapt_datetime, insert_returning_new, is_postgres, select_existing, upsert_replace
from thuocdo.dossiers.contributions import contributions, difference
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import Status, StatusEvent, classify
from thuocdo.dossiers.validation import ValidEvent
from thuocdo.metrics.rollup import apply_deltas

EVENT_TABLE = DossierEvent._meta.db_table
DOSSIER_TABLE = Dossier._meta.db_table
EVENT_COLUMNS = (
    "province_code", "source", "event_id", "dossier_code", "procedure_code", "unit_code", "status", "channel",
    "occurred_at", "due_at", "received_at",
)
DOSSIER_COLUMNS = (
    "province_code", "dossier_code", "unit_code", "procedure_code", "channel", "accepted_at", "due_at",
    "extended_due_at", "paused_since", "supplements", "ended_at", "end_status", "outcome", "events",
)


@dataclass
class BatchResult:
    accepted: int = 0
    duplicates: int = 0
    units: set[str] = field(default_factory=set)


# A stored event: [occurred ISO, status, due ISO | None, channel | None, event_id, unit, procedure]
def _compact(e: ValidEvent) -> list:
    return [
        e.occurred_at.isoformat(), e.status, e.due_at.isoformat() if e.due_at else None, e.channel,
        e.event_id, e.unit_code, e.procedure_code,
    ]


def _status_event(c: list) -> StatusEvent:
    return StatusEvent(
        status=c[1], occurred_at=datetime.fromisoformat(c[0]),
        due_at=datetime.fromisoformat(c[2]) if c[2] else None, channel=c[3], event_id=f"{c[4]}",
    )


def _owner(compact: list[list]) -> tuple[str, str]:
    """The dossier's unit and procedure: those of its acceptance, else of its first event (set-determined)."""
    ordered = sorted(compact, key=lambda c: (datetime.fromisoformat(c[0]), c[1], c[4]))
    anchor = next((c for c in ordered if c[1] == Status.ACCEPTED), ordered[0])
    procedure = anchor[6] or next((c[6] for c in ordered if c[6]), "")
    return anchor[5], procedure


def _lock_provinces(provinces: set[str]) -> None:
    """Serialise concurrent batches of one province (PostgreSQL); SQLite has one writer anyway."""
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        for province in sorted(provinces):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"thuocdo.ingest.{province}"])


def store_new_events(events: list[ValidEvent], now: datetime) -> tuple[list[ValidEvent], int]:
    """Insert the events not seen before; returns them and the number of replays skipped."""
    unique: dict[tuple, ValidEvent] = {}
    for e in events:
        unique.setdefault((e.province_code, e.source, e.event_id), e)
    received = adapt_datetime(now)
    inserted = insert_returning_new(
        EVENT_TABLE, EVENT_COLUMNS, ("province_code", "source", "event_id"),
        [
            (e.province_code, e.source, e.event_id, e.dossier_code, e.procedure_code, e.unit_code, e.status,
             e.channel, adapt_datetime(e.occurred_at), adapt_datetime(e.due_at), received)
            for e in unique.values()
        ],
    )
    new = [unique[key] for key in inserted]
    return new, len(events) - len(new)


def apply_to_dossiers(new: list[ValidEvent]) -> set[str]:
    """Re-classify every dossier the new events touch and move the metric store; returns units moved."""
    by_dossier: dict[tuple[str, str], list[list]] = defaultdict(list)
    for e in new:
        by_dossier[(e.province_code, e.dossier_code)].append(_compact(e))
    if not by_dossier:
        return set()
    stored = {
        (row[0], row[1]): (json.loads(row[2]) if isinstance(row[2], str) else row[2])
        for row in select_existing(
            DOSSIER_TABLE, ("province_code", "dossier_code"), list(by_dossier),
            ("province_code", "dossier_code", "events"),
        )
    }
    deltas: Counter = Counter()
    rows = []
    adapt = adapt_datetime
    for (province, dossier_code), added in by_dossier.items():
        old_events = stored.get((province, dossier_code))
        old = []
        if old_events:
            old_state = classify(_status_event(c) for c in old_events)
            old = [(province, *c) for c in contributions(old_state, *_owner(old_events))]
        merged = (old_events or []) + added
        state = classify(_status_event(c) for c in merged)
        unit_code, procedure_code = _owner(merged)
        new_rows = [(province, *c) for c in contributions(state, unit_code, procedure_code)]
        deltas.update(difference(old, new_rows))
        rows.append((
            province, dossier_code, unit_code, procedure_code, int(state.channel), adapt(state.accepted_at),
            adapt(state.due_at), adapt(state.extended_due_at), adapt(state.paused_since), state.supplements,
            adapt(state.ended_at), int(state.end_status) if state.end_status else None, state.outcome.value,
            json.dumps(merged, ensure_ascii=False),
        ))
    upsert_replace(DOSSIER_TABLE, ("province_code", "dossier_code"), DOSSIER_COLUMNS, rows)
    return apply_deltas(deltas.items())


def apply_batch(events: list[ValidEvent], now: datetime) -> BatchResult:
    """Store and apply one batch of valid events; the caller holds the transaction."""
    _lock_provinces({e.province_code for e in events})
    new, duplicates = store_new_events(events, now)
    units = apply_to_dossiers(new)
    return BatchResult(accepted=len(new), duplicates=duplicates, units=units)

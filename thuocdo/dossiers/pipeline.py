"""Applying a batch of valid events: raw facts, dossier states and metric deltas, in one transaction.

Per batch (not per event): one query finds replays, one bulk insert stores the new events,
one query loads the dossiers they touch, each dossier is re-classified from its whole event
set, and the metric store moves by the difference between old and new classifications.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection

from thuocdo.db import datetime_adapter, insert_returning_new, is_postgres, select_existing, upsert_replace
from thuocdo.dossiers.contributions import contributions, contributions_of
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import Status, StatusEvent, classify, local_date
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
    "extended_due_at", "paused_since", "supplements", "ended_at", "end_status", "outcome", "accepted_day",
    "ended_day", "events",
)
DOSSIER_KEY = ("province_code", "unit_code", "dossier_code")
# What a stored dossier row gives back: its events and what it currently counts for.
_STORED = ("events", "procedure_code", "channel", "accepted_day", "ended_day", "outcome", "end_status")


@dataclass
class BatchResult:
    accepted: int = 0
    duplicates: int = 0
    units: set[str] = field(default_factory=set)


# A stored event: [occurred ISO, status, due ISO | None, channel | None, "source/event_id", procedure]
def _compact(e: ValidEvent) -> list:
    return [
        e.occurred_at.isoformat(), e.status, e.due_at.isoformat() if e.due_at else None, e.channel,
        f"{e.source}/{e.event_id}", e.procedure_code,
    ]


def _status_event(c: list) -> StatusEvent:
    """The engine's view of a stored event; its id carries the source (ids are unique per source only)."""
    return StatusEvent(
        status=c[1], occurred_at=datetime.fromisoformat(c[0]),
        due_at=datetime.fromisoformat(c[2]) if c[2] else None, channel=c[3], event_id=c[4],
    )


def _procedure(compact: list[list], events: list[StatusEvent]) -> str:
    """The acceptance's procedure code, else the earliest event's that has one (set-determined)."""
    with_code = [
        (e.status != Status.ACCEPTED, e.occurred_at, e.event_id, c[5])
        for c, e in zip(compact, events, strict=True)
        if c[5]
    ]
    return min(with_code)[3] if with_code else ""


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


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
    adapt_datetime = datetime_adapter()
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
    """Re-classify every dossier the new events touch and move the metric store; returns units moved.

    A dossier is (province, unit, dossier code): a source can only ever move the dossiers of the
    units it may write, whatever codes it sends.
    """
    by_dossier: dict[tuple[str, str, str], list[list]] = defaultdict(list)
    for e in new:
        by_dossier[(e.province_code, e.unit_code, e.dossier_code)].append(_compact(e))
    if not by_dossier:
        return set()
    stored = {
        tuple(row[:3]): row[3:]
        for row in select_existing(DOSSIER_TABLE, DOSSIER_KEY, list(by_dossier), (*DOSSIER_KEY, *_STORED))
    }
    deltas: Counter = Counter()
    rows = []
    adapt = datetime_adapter()
    for key, added in by_dossier.items():
        province, unit_code, dossier_code = key
        old_events: list = []
        previous = stored.get(key)
        if previous is not None:
            events_json, procedure, channel, accepted_day, ended_day, outcome, end_status = previous
            old_events = json.loads(events_json) if isinstance(events_json, str) else events_json
            for c in contributions_of(unit_code, procedure, channel, _day(accepted_day), _day(ended_day), outcome,
                                      end_status):
                deltas[(province, *c)] -= 1
        merged = old_events + added
        events = [_status_event(c) for c in merged]
        state = classify(events)
        procedure_code = _procedure(merged, events)
        for c in contributions(state, unit_code, procedure_code):
            deltas[(province, *c)] += 1
        rows.append((
            province, dossier_code, unit_code, procedure_code, int(state.channel), adapt(state.accepted_at),
            adapt(state.due_at), adapt(state.extended_due_at), adapt(state.paused_since), state.supplements,
            adapt(state.ended_at), int(state.end_status) if state.end_status else None, state.outcome.value,
            local_date(state.accepted_at) if state.accepted_at else None,
            local_date(state.ended_at) if state.ended_at else None,
            json.dumps(merged, ensure_ascii=False),
        ))
    upsert_replace(DOSSIER_TABLE, DOSSIER_KEY, DOSSIER_COLUMNS, rows)
    return apply_deltas((k, v) for k, v in deltas.items() if v)


def apply_batch(events: list[ValidEvent], now: datetime) -> BatchResult:
    """Store and apply one batch of valid events; the caller holds the transaction."""
    _lock_provinces({e.province_code for e in events})
    new, duplicates = store_new_events(events, now)
    units = apply_to_dossiers(new)
    return BatchResult(accepted=len(new), duplicates=duplicates, units=units)

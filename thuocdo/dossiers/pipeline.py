"""Applying a batch of valid events: raw facts, dossier states and metric deltas, in one transaction.

Per batch (not per event): one query finds replays, one bulk insert stores the new events,
one query loads the dossiers they touch, each dossier is re-classified from its whole event
set, and the metric store moves by the difference between old and new classifications.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from django.db import connection

from thuocdo.db import (
    datetime_adapter,
    insert_returning_new,
    is_postgres,
    micros_adapter,
    select_existing,
    update_by_id,
    upsert_replace,
)
from thuocdo.dossiers.contributions import contributions_of, day_of, state_days
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import (
    NO_DUE,
    StatusEvent,
    classify_compact,
    from_micros,
)
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
# A dossier's derived state: every column but its key and its events.
_STATE_COLUMNS = DOSSIER_COLUMNS[3:-1]
_ACCEPTED_DAY, _ENDED_DAY = _STATE_COLUMNS.index("accepted_day"), _STATE_COLUMNS.index("ended_day")
# What a stored dossier row gives back: its id, its events and its state.
_STORED = ("id", "events", *_STATE_COLUMNS)


@dataclass
class BatchResult:
    accepted: int = 0
    duplicates: int = 0
    units: set[str] = field(default_factory=set)


def compact_event(e: ValidEvent) -> list:
    """How a dossier row keeps one of its events: the engine's compact form (see `ontime.Compact`).

    Its id carries the source: event ids are unique per source only.
    """
    return [
        e.occurred_us, e.status, f"{e.source}/{e.event_id}", e.due_us if e.due_us is not None else NO_DUE,
        e.channel or 0, e.procedure_code,
    ]


def status_event(c: Sequence) -> StatusEvent:
    """The readable form of a stored compact event."""
    return StatusEvent(
        status=c[1], occurred_at=from_micros(c[0]), due_at=from_micros(c[3]) if c[3] != NO_DUE else None,
        channel=c[4] or None, event_id=c[2],
    )


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
    adapt = micros_adapter()
    received = datetime_adapter()(now)
    inserted = insert_returning_new(
        EVENT_TABLE, EVENT_COLUMNS, ("province_code", "source", "event_id"),
        [
            (e.province_code, e.source, e.event_id, e.dossier_code, e.procedure_code, e.unit_code, e.status,
             e.channel, adapt(e.occurred_us), adapt(e.due_us), received)
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
        by_dossier[(e.province_code, e.unit_code, e.dossier_code)].append(compact_event(e))
    if not by_dossier:
        return set()
    stored = {
        tuple(row[:3]): row[3:]
        for row in select_existing(DOSSIER_TABLE, DOSSIER_KEY, list(by_dossier), (*DOSSIER_KEY, *_STORED))
    }
    deltas: Counter = Counter()
    inserts, updates, event_updates = [], [], []
    adapt = micros_adapter()
    loads, dumps = orjson.loads, orjson.dumps
    for key, added in by_dossier.items():
        province, unit_code, dossier_code = key
        previous = stored.get(key)
        if previous is not None:
            row_id, events_json, *old_state = previous
            old_state[_ACCEPTED_DAY] = day_of(old_state[_ACCEPTED_DAY])
            old_state[_ENDED_DAY] = day_of(old_state[_ENDED_DAY])
            procedure, channel, *_, end_status, outcome, accepted_day, ended_day = old_state
            for c in contributions_of(unit_code, procedure, channel, accepted_day, ended_day, outcome, end_status):
                deltas[(province, *c)] -= 1
            added = (loads(events_json) if isinstance(events_json, str) else events_json) + added
        state = classify_compact(added)
        accepted_day, ended_day = state_days(state)
        for c in contributions_of(unit_code, state.procedure_code, state.channel, accepted_day, ended_day,
                                  state.outcome, state.end_status):
            deltas[(province, *c)] += 1
        new_state = (
            state.procedure_code, state.channel, adapt(state.accepted_at), adapt(state.due_at),
            adapt(state.extended_due_at), adapt(state.paused_since), state.supplements, adapt(state.ended_at),
            state.end_status, state.outcome.value, accepted_day, ended_day,
        )
        events = dumps(added).decode()
        if previous is None:
            inserts.append((province, dossier_code, unit_code, *new_state, events))
        elif list(new_state) == old_state:
            # Most events (processing, a result returned after "processed") leave the class as it
            # was: rewrite the event list only, so none of the table's indexes is touched.
            event_updates.append((events, row_id))
        else:
            updates.append((*new_state, events, row_id))
    upsert_replace(DOSSIER_TABLE, DOSSIER_KEY, DOSSIER_COLUMNS, inserts)
    update_by_id(DOSSIER_TABLE, _STATE_COLUMNS + ("events",), updates)
    update_by_id(DOSSIER_TABLE, ("events",), event_updates)
    return apply_deltas((k, v) for k, v in deltas.items() if v)


def apply_batch(events: list[ValidEvent], now: datetime) -> BatchResult:
    """Store and apply one batch of valid events; the caller holds the transaction."""
    _lock_provinces({e.province_code for e in events})
    new, duplicates = store_new_events(events, now)
    units = apply_to_dossiers(new)
    return BatchResult(accepted=len(new), duplicates=duplicates, units=units)

"""Applying a batch of valid events: raw facts, dossier states and metric deltas, in one transaction.

Per batch (not per event): one INSERT … ON CONFLICT DO NOTHING RETURNING stores the new events
and tells replays apart, one query loads the dossiers they touch, each dossier is re-classified
from its whole event set, its row is written (inserted; only its event list when its class did not
change; else updated by id), and the metric store moves by the difference between old and new
classifications.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import orjson
from django.db import connection

from thuocdo.db import (
    insert_returning_new,
    is_postgres,
    micros_adapter,
    micros_from_db,
    select_existing,
    update_by_id,
    upsert_replace,
)
from thuocdo.dossiers.contributions import contributions_of, day_of, state_days, sync_deadline_us, synced_on_time
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import NO_ARRIVAL, NO_DUE, classify_compact, to_micros
from thuocdo.dossiers.validation import ValidEvent, encode_facts
from thuocdo.metrics.rollup import apply_deltas

EVENT_TABLE = DossierEvent._meta.db_table
DOSSIER_TABLE = Dossier._meta.db_table
EVENT_COLUMNS = (
    "province_code", "source", "event_id", "dossier_code", "procedure_code", "unit_code", "status", "channel",
    "occurred_at", "due_at", "facts", "received_at",
)
DOSSIER_COLUMNS = (
    "province_code", "dossier_code", "unit_code", "procedure_code", "channel", "accepted_at", "due_at",
    "extended_due_at", "paused_since", "supplements", "ended_at", "end_status", "outcome", "accepted_day",
    "ended_day", "facts", "synced", "events",
)
DOSSIER_KEY = ("province_code", "unit_code", "dossier_code")
# A dossier's derived state: every column but its key and its events.
_STATE_COLUMNS = DOSSIER_COLUMNS[3:-1]
_ACCEPTED_DAY, _ENDED_DAY = _STATE_COLUMNS.index("accepted_day"), _STATE_COLUMNS.index("ended_day")
_TIME_COLUMNS = [
    i for i, c in enumerate(_STATE_COLUMNS) if Dossier._meta.get_field(c).get_internal_type() == "DateTimeField"
]
# What a stored dossier row gives back: its id, its events and its state.
_STORED = ("id", "events", *_STATE_COLUMNS)


def _comparable(stored: list) -> list:
    """A stored state in the engine's terms (times in µs, days as dates), to compare with a new one."""
    for i in _TIME_COLUMNS:
        stored[i] = micros_from_db(stored[i])
    stored[_ACCEPTED_DAY] = day_of(stored[_ACCEPTED_DAY])
    stored[_ENDED_DAY] = day_of(stored[_ENDED_DAY])
    return stored


@dataclass
class BatchResult:
    accepted: int = 0
    duplicates: int = 0
    units: set[str] = field(default_factory=set)
    # Events whose id was already taken (stored, or earlier in the batch) by other content.
    conflicts: list[tuple[ValidEvent, list[str]]] = field(default_factory=list)


# What makes two events with one id "the same event": everything but the source and the id.
_CONTENT_COLUMNS = ("dossier_code", "procedure_code", "unit_code", "status", "channel", "occurred_at", "due_at",
                    "facts")


def _content(e: ValidEvent) -> tuple:
    return (e.dossier_code, e.procedure_code, e.unit_code, e.status, e.channel, e.occurred_us, e.due_us, e.facts)


def _stored_facts(value) -> str:
    """An event's stored facts (JSON text, a dict or null) as `encode_facts` text."""
    return encode_facts(orjson.loads(value) if isinstance(value, str | bytes) else value or {})


def _differences(a: tuple, b: tuple) -> list[str]:
    return [name for name, x, y in zip(_CONTENT_COLUMNS, a, b, strict=True) if x != y]


def compact_event(e: ValidEvent, arrived_us: int | None = None) -> list:
    """How a dossier row keeps one of its events: the engine's compact form (see `ontime.Compact`).

    Its id carries the source: event ids are unique per source only. `arrived_us` is when it reached
    us (the event's own `arrived_us` if it says so).
    """
    arrived = e.arrived_us if e.arrived_us is not None else arrived_us
    return [
        e.occurred_us, e.status, f"{e.source}/{e.event_id}", e.due_us if e.due_us is not None else NO_DUE,
        e.channel or 0, e.procedure_code, e.facts, arrived if arrived is not None else NO_ARRIVAL,
    ]


def _lock_provinces(provinces: set[str]) -> None:
    """Serialise concurrent batches of one province (PostgreSQL); SQLite has one writer anyway."""
    if not is_postgres():
        return
    with connection.cursor() as cursor:
        for province in sorted(provinces):
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"thuocdo.ingest.{province}"])


def store_new_events(
    events: list[ValidEvent], now: datetime
) -> tuple[list[ValidEvent], int, list[tuple[ValidEvent, list[str]]]]:
    """Insert the events not seen before; returns them, the number of replays skipped and the conflicts.

    One id is one event: its content is what was stored first (earlier, or by the first copy in this
    batch). Every other copy with that content is a replay (a duplicate, changing nothing); every copy
    with other content is a conflict, reported and never silently dropped.
    """
    unique: dict[tuple, ValidEvent] = {}
    for e in events:
        unique.setdefault((e.province_code, e.source, e.event_id), e)
    adapt = micros_adapter()
    received = adapt(to_micros(now))
    inserted = insert_returning_new(
        EVENT_TABLE, EVENT_COLUMNS, ("province_code", "source", "event_id"),
        [
            (e.province_code, e.source, e.event_id, e.dossier_code, e.procedure_code, e.unit_code, e.status,
             e.channel, adapt(e.occurred_us), adapt(e.due_us), e.facts or None,
             received if e.arrived_us is None else adapt(e.arrived_us))
            for e in unique.values()
        ],
    )
    new = [unique[key] for key in inserted]
    if len(new) == len(events):  # the usual batch: every id new, each once
        return new, 0, []
    # What each id means: the batch's first copy where that was stored now, else what was stored before
    # (one indexed lookup of the ids that were taken; rare).
    winner = {key: _content(unique[key]) for key in inserted}
    taken = set(inserted)
    replayed = [key for key in unique if key not in taken]
    for row in select_existing(EVENT_TABLE, ("province_code", "source", "event_id"), replayed,
                               ("province_code", "source", "event_id", *_CONTENT_COLUMNS)):
        winner[tuple(row[:3])] = (*row[3:8], micros_from_db(row[8]), micros_from_db(row[9]), _stored_facts(row[10]))
    stored_now = {id(unique[key]) for key in inserted}
    duplicates, conflicts = 0, []
    for e in events:
        if id(e) in stored_now:
            continue
        meant = winner[(e.province_code, e.source, e.event_id)]
        content = _content(e)
        if content == meant:
            duplicates += 1
        else:
            conflicts.append((e, _differences(meant, content)))
    return new, duplicates, conflicts


def apply_to_dossiers(new: list[ValidEvent], arrived_us: int | None = None) -> set[str]:
    """Re-classify every dossier the new events touch and move the metric store; returns units moved.

    A dossier is (province, unit, dossier code): a source can only ever move the dossiers of the
    units it may write, whatever codes it sends. `arrived_us`: when the events reached us.
    """
    by_dossier: dict[tuple[str, str, str], list[list]] = defaultdict(list)
    for e in new:
        by_dossier[(e.province_code, e.unit_code, e.dossier_code)].append(compact_event(e, arrived_us))
    if not by_dossier:
        return set()
    stored = {
        tuple(row[:3]): row[3:]
        for row in select_existing(DOSSIER_TABLE, DOSSIER_KEY, list(by_dossier), (*DOSSIER_KEY, *_STORED))
    }
    deltas: Counter = Counter()
    deadline = sync_deadline_us()
    inserts, updates, event_updates = [], [], []
    adapt = micros_adapter()
    loads, dumps = orjson.loads, orjson.dumps
    for key, added in by_dossier.items():
        province, unit_code, dossier_code = key
        previous = stored.get(key)
        if previous is not None:
            row_id, events_json, *old_state = previous
            old_state = _comparable(old_state)
            added = (loads(events_json) if isinstance(events_json, str) else events_json) + added
        state = classify_compact(added)
        accepted_day, ended_day = state_days(state)
        synced = synced_on_time(state.sync_lag, deadline)
        new_state = [
            state.procedure_code, state.channel, state.accepted_at, state.due_at, state.extended_due_at,
            state.paused_since, state.supplements, state.ended_at, state.end_status, state.outcome.value,
            accepted_day, ended_day, state.facts, synced,
        ]
        events = dumps(added).decode()
        if previous is not None and new_state == old_state:
            # Most events (processing, a result returned after "processed") leave the class as it
            # was: rewrite the event list only, so none of the table's indexes is touched, and the
            # store does not move (the same state counts the same).
            event_updates.append((events, row_id))
            continue
        if previous is not None:
            procedure, channel, *_, end_status, outcome, old_accepted, old_ended, facts, was_synced = old_state
            for c in contributions_of(unit_code, procedure, channel, old_accepted, old_ended, outcome, end_status,
                                      facts, was_synced):
                deltas[(province, *c)] -= 1
        for c in contributions_of(unit_code, state.procedure_code, state.channel, accepted_day, ended_day,
                                  state.outcome, state.end_status, state.facts, synced):
            deltas[(province, *c)] += 1
        for i in _TIME_COLUMNS:
            new_state[i] = adapt(new_state[i])
        if previous is None:
            inserts.append((province, dossier_code, unit_code, *new_state, events))
        else:
            updates.append((*new_state, events, row_id))
    upsert_replace(DOSSIER_TABLE, DOSSIER_KEY, DOSSIER_COLUMNS, inserts)
    update_by_id(DOSSIER_TABLE, _STATE_COLUMNS + ("events",), updates)
    update_by_id(DOSSIER_TABLE, ("events",), event_updates)
    return apply_deltas((k, v) for k, v in deltas.items() if v)


def apply_batch(events: list[ValidEvent], now: datetime) -> BatchResult:
    """Store and apply one batch of valid events; the caller holds the transaction."""
    _lock_provinces({e.province_code for e in events})
    new, duplicates, conflicts = store_new_events(events, now)
    units = apply_to_dossiers(new, to_micros(now))
    return BatchResult(accepted=len(new), duplicates=duplicates, units=units, conflicts=conflicts)

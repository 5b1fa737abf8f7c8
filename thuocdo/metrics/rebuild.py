"""Rebuilding the derived tables (dossier states, metric store) from raw facts, and checking them.

The metric store is derived: `rebuild` recomputes it from the raw events and the other sources'
inputs, resuming where it stopped (FillState); `check` recomputes in memory and compares, and
checks every stored input against its metric's bounds (a rebuild faithfully sums a bad input).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

from django.db import transaction

from thuocdo.dossiers.contributions import contributions
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import classify_compact, to_micros
from thuocdo.dossiers.pipeline import apply_to_dossiers, compact_event
from thuocdo.dossiers.validation import ValidEvent, encode_facts
from thuocdo.metrics import changes
from thuocdo.metrics.definitions import from_stored, stored_problem
from thuocdo.metrics.models import FillState, MetricInput, MetricValue
from thuocdo.metrics.rollup import apply_deltas, expand
from thuocdo.units.cache import units_by_code

REBUILD = "metrics.rebuild"
# 20,000 events per transaction: about 10 MB of Python objects; a kill loses at most one chunk of work.
CHUNK = 20_000
_EVENT_FIELDS = ("id", "province_code", "source", "event_id", "dossier_code", "procedure_code", "unit_code",
                 "status", "channel", "occurred_at", "due_at", "facts", "received_at")


def _valid(row: tuple) -> ValidEvent:
    _id, province, source, event_id, dossier, procedure, unit, status, channel, occurred, due, facts, arrived = row
    return ValidEvent(source, event_id, dossier, procedure, unit, province, status, channel, to_micros(occurred),
                      to_micros(due) if due is not None else None, facts=encode_facts(facts or {}),
                      arrived_us=to_micros(arrived))


def _input_deltas() -> list:
    rows = MetricInput.objects.values_list("province_code", "unit_code", "procedure_code", "metric", "day", "value")
    return [((p, u, proc, m, d), v) for p, u, proc, m, d, v in rows.iterator(chunk_size=5000)]


def rebuild(progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute dossiers and metrics from raw events; resumable. Returns the number of events replayed."""
    state, _ = FillState.objects.get_or_create(name=REBUILD)
    if state.done or state.last_id == 0:
        with transaction.atomic():
            MetricValue.objects.all().delete()
            Dossier.objects.all().delete()
            FillState.objects.filter(name=REBUILD).update(last_id=0, done=False)
        state.refresh_from_db()
    total = DossierEvent.objects.count()
    replayed = DossierEvent.objects.filter(id__lte=state.last_id).count()
    while True:
        rows = list(
            DossierEvent.objects.filter(id__gt=state.last_id).order_by("id").values_list(*_EVENT_FIELDS)[:CHUNK]
        )
        if not rows:
            break
        with transaction.atomic():
            apply_to_dossiers([_valid(r) for r in rows])
            state.last_id = rows[-1][0]
            FillState.objects.filter(name=REBUILD).update(last_id=state.last_id)
        replayed += len(rows)
        if progress:
            progress(replayed, total)
    with transaction.atomic():
        apply_deltas(_input_deltas())
        FillState.objects.filter(name=REBUILD).update(done=True)
        # Every figure may have moved: every unit's maintained scores are recomputed.
        changes.record(units_by_code())
    return replayed


def _dossier_groups() -> Iterator[list[tuple]]:
    rows = DossierEvent.objects.order_by("province_code", "unit_code", "dossier_code", "id").values_list(
        *_EVENT_FIELDS
    )
    current: list[tuple] = []
    for row in rows.iterator(chunk_size=CHUNK):
        if current and (row[1], row[6], row[4]) != (current[0][1], current[0][6], current[0][4]):
            yield current
            current = []
        current.append(row)
    if current:
        yield current


def expected_store() -> tuple[Counter, dict[tuple[str, str], str]]:
    """Recompute, in memory, every metric row and every dossier's outcome from the raw facts."""
    deltas: Counter = Counter()
    outcomes: dict[tuple[str, str, str], str] = {}
    for group in _dossier_groups():
        state = classify_compact([compact_event(_valid(r)) for r in group])
        province, unit = group[0][1], group[0][6]
        outcomes[(province, unit, group[0][4])] = state.outcome.value
        for c in contributions(state, unit):
            deltas[(province, *c)] += 1
    for key, value in _input_deltas():
        deltas[key] += value
    return expand(deltas.items()), outcomes


def input_problems() -> list[str]:
    """Stored inputs outside their metric's bounds (or not whole numbers of its smallest unit)."""
    rows = MetricInput.objects.order_by("source", "unit_code", "metric", "procedure_code", "day").values_list(
        "source", "unit_code", "metric", "procedure_code", "day", "value")
    problems = []
    for source, unit, metric, procedure, day, value in rows.iterator(chunk_size=5000):
        if (why := stored_problem(metric, value)) is not None:
            problems.append(f"đầu vào {source}/{unit}/{metric}/{procedure}/{day}: lưu {_shown(metric, value)}, {why}")
    return problems


def _shown(metric: str, stored) -> str:
    # Not an int only if written past Django (SQLite keeps a REAL in an integer column): show it as it is.
    return str(from_stored(metric, stored) if isinstance(stored, int) else stored)


def check(limit: int = 50) -> list[str]:
    """Check the inputs' bounds, then compare the stored metric rows and dossier outcomes with a recomputation.

    Returns the problems: inputs out of bounds, rows that differ (integers compare exactly), outcomes.
    """
    problems = input_problems()
    expected, outcomes = expected_store()
    stored: dict = {}
    for row in MetricValue.objects.values_list(
        "province_code", "unit_code", "metric", "procedure_code", "grain", "start", "value"
    ).iterator(chunk_size=20000):
        if row[6]:
            stored[row[:6]] = row[6]
    for key in sorted(set(expected) | set(stored), key=lambda k: tuple(map(str, k))):
        want, have = expected.get(key, 0), stored.get(key, 0)
        if want != have or not isinstance(have, int):
            metric = key[2]
            problems.append(f"{'/'.join(map(str, key))}: lưu {_shown(metric, have)}, tính lại {_shown(metric, want)}")
    rows = Dossier.objects.values_list("province_code", "unit_code", "dossier_code", "outcome")
    stored_outcomes = {(p, u, d): o for p, u, d, o in rows.iterator()}
    for key in sorted(set(outcomes) | set(stored_outcomes)):
        if outcomes.get(key) != stored_outcomes.get(key):
            problems.append(f"hồ sơ {'/'.join(key)}: lưu {stored_outcomes.get(key)}, tính lại {outcomes.get(key)}")
    return problems[:limit] if limit else problems

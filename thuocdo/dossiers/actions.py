"""Ingesting dossier events: validate, store, classify, move the metrics, notify — per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.db import transaction
from django.utils import timezone

from thuocdo.accounts import audit
from thuocdo.accounts.choices import Scope
from thuocdo.accounts.permissions import Actor, may_write
from thuocdo.dossiers.feeder import CheckedFeed, RowSource
from thuocdo.dossiers.pipeline import apply_batch
from thuocdo.dossiers.validation import CheckedChunk, ValidEvent, check_chunk
from thuocdo.metrics import changes
from thuocdo.units.cache import units_by_code
from thuocdo.units.models import Unit

# 5,000 events ≈ 2 MB of rows; one transaction each keeps SQLite's lock short and memory flat.
BATCH_SIZE = 5000
# Files and simulations: larger transactions touch each dossier and metric row fewer times
# (9,200 → 18,200 events/s on SQLite from 5,000 to 50,000 in one measurement), but hold SQLite's
# write lock longer: API requests arriving meanwhile wait, and answer 503 after SQLITE_BUSY_TIMEOUT_MS
# (5 s; thuocdo.overload). 10,000 keeps one transaction near 1.5–2 s at national scale: measured with
# 4 API clients posting during a file ingest, API p95 1.3–1.5 s at 10,000 against 2.1–2.2 s at 20,000,
# for a file ingest 16 % slower (37.7 s against 32.6 s for the same file; issue 10).
FILE_BATCH_SIZE = 10_000


@dataclass
class IngestSummary:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


def unit_provinces() -> dict[str, str]:
    """Every commune, agency and province code → its province code."""
    return {code: unit.province_code for code, unit in units_by_code().items() if unit.province_code}


def _permitted(actor: Actor, units: dict[str, Unit]) -> Callable[[str], bool]:
    cache: dict[str, bool] = {}

    def check(code: str) -> bool:
        if code not in cache:
            cache[code] = may_write(actor, units[code], Scope.DOSSIERS_WRITE)
        return cache[code]

    return check


def ingest_dossier_events(
    actor: Actor,
    rows: Iterable[object],
    *,
    default_source: str | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> IngestSummary:
    """Validate and ingest events; each batch is durable (committed) before the next is read.

    Bad rows are returned with a reason per field and never cost the good rows beside them.
    Rows for units the actor may not write are rejected as forbidden. A replay is a duplicate.
    """
    units = unit_provinces()
    permitted = _permitted(actor, units_by_code())

    def checked() -> Iterator[CheckedChunk]:
        iterator = iter(rows)
        index = 0
        while chunk := list(islice(iterator, batch_size)):
            yield check_chunk(chunk, index, units=units, permitted=permitted, default_source=default_source,
                              now=timezone.now())
            index += len(chunk)

    return apply_chunks(actor, checked(), progress)


def ingest_dossier_events_from(
    actor: Actor,
    source: RowSource,
    *,
    default_source: str | None = None,
    batch_size: int = FILE_BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    arrival: bool = False,
) -> tuple[IngestSummary, object]:
    """The same for a large input (a file, a simulation), read and validated in a second process.

    `source` is a picklable callable returning the rows (see `feeder`). While this process writes
    one batch, the other reads and checks the next. Returns the summary and what the source
    reported at its end (a simulation's totals), if anything. With `arrival` (the simulator replaying
    a history), each row's `delivered_at` is when it reached us; nothing a client sends may say so.
    """
    units = units_by_code()
    permitted = frozenset(code for code, unit in units.items() if may_write(actor, unit, Scope.DOSSIERS_WRITE))
    feed = CheckedFeed(
        source, units=unit_provinces(), permitted=permitted, default_source=default_source, batch_size=batch_size,
        arrival=arrival,
    )
    summary = apply_chunks(actor, feed, progress)
    return summary, feed.result


def apply_chunks(
    actor: Actor, chunks: Iterable[CheckedChunk], progress: Callable[[int], None] | None = None
) -> IngestSummary:
    """Store each checked chunk in its own transaction, audited, then announce the units it moved."""
    summary = IngestSummary()
    iterator = iter(chunks)
    try:
        for chunk in iterator:
            _apply_chunk(actor, chunk, summary)
            if progress:
                progress(chunk.size)
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:  # a feeder's generator: stop its process now, even on an error
            close()
    return summary


def _conflict(event: ValidEvent, fields: list[str]) -> dict:
    """A rejected row for an event id already received with other content."""
    return {"index": event.index, "event_id": event.event_id, "errors": [
        f"event_id: đã nhận với nội dung khác ({', '.join(fields)}); gửi sự kiện mới với mã sự kiện mới"]}


def _apply_chunk(actor: Actor, chunk: CheckedChunk, summary: IngestSummary) -> None:
    """Store one checked chunk in its own transaction, audited; announce the units it moved after commit."""
    summary.rejected.extend(chunk.rejected)
    if chunk.events:
        with transaction.atomic():
            result = apply_batch(chunk.events, timezone.now())
            conflicts = [_conflict(event, fields) for event, fields in result.conflicts]
            audit.record(
                actor, "dossiers.ingest", "DossierEventBatch", f"{chunk.first}-{chunk.first + chunk.size - 1}",
                after={"accepted": result.accepted, "duplicates": result.duplicates,
                       "rejected": len(chunk.rejected) + len(conflicts)},
            )
            changes.record(result.units)
        if conflicts:
            summary.rejected.extend(conflicts)
            summary.rejected.sort(key=lambda r: r["index"])
        summary.accepted += result.accepted
        summary.duplicates += result.duplicates

"""Ingesting dossier events: validate, store, classify, move the metrics, notify — per batch."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import islice

from django.db import transaction
from django.utils import timezone

from thuocdo.accounts import audit
from thuocdo.accounts.choices import Scope
from thuocdo.accounts.permissions import Actor, may_write
from thuocdo.dossiers.pipeline import apply_batch
from thuocdo.dossiers.readers import UnreadableRow
from thuocdo.dossiers.validation import check_row
from thuocdo.metrics.notify import publish_after_commit
from thuocdo.units.cache import units_by_code
from thuocdo.units.models import Unit

# 5,000 events ≈ 2 MB of rows; one transaction each keeps SQLite's lock short and memory flat.
BATCH_SIZE = 5000


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
    summary = IngestSummary()
    iterator = iter(rows)
    index = 0
    while True:
        chunk = list(islice(iterator, batch_size))
        if not chunk:
            break
        now = timezone.now()
        valid = []
        for raw in chunk:
            if isinstance(raw, UnreadableRow):
                summary.rejected.append({"index": index, "event_id": None, "errors": [raw["_error"]]})
            else:
                event, errors = check_row(raw, units=units, default_source=default_source, now=now)
                if event is not None and not permitted(event.unit_code):
                    errors = [f"unit_code: không có quyền gửi sự kiện cho đơn vị {event.unit_code}"]
                    event = None
                if event is None:
                    event_id = raw.get("event_id") if isinstance(raw, dict) else None
                    summary.rejected.append(
                        {"index": index, "event_id": str(event_id) if event_id is not None else None,
                         "errors": errors}
                    )
                else:
                    valid.append(event)
            index += 1
        if valid:
            with transaction.atomic():
                result = apply_batch(valid, now)
                audit.record(
                    actor, "dossiers.ingest", "DossierEventBatch", f"{index - len(chunk)}-{index - 1}",
                    after={"accepted": result.accepted, "duplicates": result.duplicates,
                           "rejected": len(chunk) - len(valid)},
                )
                publish_after_commit(result.units)
            summary.accepted += result.accepted
            summary.duplicates += result.duplicates
        if progress:
            progress(len(chunk))
    return summary

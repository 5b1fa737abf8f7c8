"""Building dossier status events (the event contract's dicts) for ingest tests."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import Status
from thuocdo.metrics import codes
from thuocdo.metrics.models import MetricValue
from thuocdo.metrics.queries import metric_totals
from thuocdo.units.models import Unit

# Phú Thọ (25) with Xã Lâm Thao and Xã Phú Mỹ; Hồ Chí Minh City (79) with Phường Phú Mỹ.
PHU_THO, LAM_THAO, PHU_MY = "25", "08494", "08236"
HCMC, PHUONG_PHU_MY = "79", "26704"
NATION = "VN"

ICT = timezone(timedelta(hours=7))
SOURCE = "mot-cua-thu-nghiem"


def at(day: str, hhmm: str = "09:00", tz: timezone = ICT) -> str:
    """An ISO-8601 moment with its UTC offset: `at("2026-09-01", "17:30")` → 2026-09-01T17:30:00+07:00."""
    return datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=tz).isoformat()


def event(
    dossier: str,
    status: int,
    occurred_at: str,
    *,
    unit: str = LAM_THAO,
    due_at: str | None = None,
    channel: int | None = None,
    procedure: str | None = None,
    event_id: str | None = None,
    source: str | None = SOURCE,
) -> dict:
    """One event dict; the event id defaults to dossier/status/moment, so rebuilding it gives a replay."""
    row = {
        "event_id": event_id or f"{dossier}/{status}/{occurred_at}",
        "dossier_code": dossier,
        "unit_code": unit,
        "status": status,
        "occurred_at": occurred_at,
    }
    if source is not None:
        row["source"] = source
    if due_at is not None:
        row["due_at"] = due_at
    if channel is not None:
        row["channel"] = channel
    if procedure is not None:
        row["procedure_code"] = procedure
    return row


def accepted(dossier: str, occurred_at: str, due_at: str, **kwargs) -> dict:
    """The acceptance (status 2, Được tiếp nhận) with its promised return date."""
    return event(dossier, Status.ACCEPTED, occurred_at, due_at=due_at, **kwargs)


def lifecycle(dossier: str, accepted_at: str, due_at: str, steps: list[tuple[int, str]], **kwargs) -> list[dict]:
    """The acceptance, then `steps` as (status, moment), all for one dossier and unit."""
    unit_kwargs = {k: v for k, v in kwargs.items() if k in ("unit", "procedure", "source")}
    rows = [accepted(dossier, accepted_at, due_at, **kwargs)]
    rows += [event(dossier, status, moment, **unit_kwargs) for status, moment in steps]
    return rows


# Units of the generated stream: two communes and the province itself in Phú Thọ, one ward in HCMC.
STREAM_UNITS = (LAM_THAO, LAM_THAO, PHU_MY, PHU_THO, PHUONG_PHU_MY)
PROCEDURES = ("1.001234", "1.004567", "2.000889", "")


def _moment(start: datetime, rng: random.Random, max_hours: int) -> datetime:
    return start + timedelta(minutes=rng.randrange(30, max_hours * 60))


def stream(dossiers: int, *, seed: int, first_day: date = date(2026, 8, 24), days: int = 20) -> list[dict]:
    """Events of `dossiers` dossiers accepted over `days` days, with every kind of lifecycle.

    Deterministic for a seed. About 4.7 events per dossier: returned with or without "processed",
    one or two supplements, withdrawals, stops, refusals at intake and after, and pending ones.
    Every moment falls within about six weeks of `first_day` (all in the past for the default).
    """
    rng = random.Random(seed)
    rows: list[dict] = []
    for n in range(dossiers):
        code = f"H{seed}-{n:05d}"
        unit = rng.choice(STREAM_UNITS)
        procedure = rng.choice(PROCEDURES) or None
        channel = rng.choice((None, 1, 2, 2, 3))
        day = first_day + timedelta(days=rng.randrange(days))
        start = datetime(day.year, day.month, day.day, 7, 30, tzinfo=ICT) + timedelta(minutes=rng.randrange(600))
        common = {"unit": unit, "procedure": procedure}
        rows.append(event(code, Status.REGISTERED, (start - timedelta(minutes=20)).isoformat(), channel=channel,
                          **common))
        kind = rng.random()
        if kind < 0.06:  # refused at intake: never counted as received
            rows.append(event(code, Status.REFUSED, start.isoformat(), **common))
            continue
        due = start + timedelta(days=rng.choice((1, 3, 5, 7)), hours=rng.choice((0, 2, 8)))
        rows.append(accepted(code, start.isoformat(), due.isoformat(), channel=channel, **common))
        moment = _moment(start, rng, 24)
        rows.append(event(code, Status.PROCESSING, moment.isoformat(), **common))
        if kind < 0.25:  # one supplement request, sometimes two
            for _ in range(1 if rng.random() < 0.8 else 2):
                moment = _moment(moment, rng, 48)
                rows.append(event(code, Status.SUPPLEMENT_REQUESTED, moment.isoformat(), **common))
                moment = _moment(moment, rng, 72)
                rows.append(event(code, Status.PROCESSING, moment.isoformat(), **common))
        end = _moment(moment, rng, 24 * 8)
        if 0.25 <= kind < 0.35:
            ending = rng.choice((Status.WITHDRAWN, Status.STOPPED, Status.REFUSED))
            rows.append(event(code, ending, end.isoformat(), **common))
        elif kind < 0.85:
            if rng.random() < 0.85:
                rows.append(event(code, Status.PROCESSED, end.isoformat(), **common))
            returned = end + timedelta(hours=rng.randrange(1, 30))
            rows.append(event(code, Status.RETURNED, returned.isoformat(), **common))
        # else: still being processed
    return rows


def shuffled(rows: list[dict], seed: int) -> list[dict]:
    """The same rows in another arrival order."""
    copy = list(rows)
    random.Random(seed).shuffle(copy)
    return copy


def chunks(rows: list[dict], size: int) -> Iterator[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# --- reading the store back -------------------------------------------------------------------------

# Short names for the metric codes, so that an expectation reads `counts(received=1, early=1)`.
SHORT_CODES = {
    "received": "dossier.received",
    "online": "dossier.received.online",
    "direct": "dossier.received.direct",
    "postal": "dossier.received.postal",
    "resolved": "dossier.resolved",
    "early": "dossier.resolved.early",
    "on_time": "dossier.resolved.on_time",
    "late": "dossier.resolved.late",
    "withdrawn": "dossier.ended.withdrawn",
    "stopped": "dossier.ended.stopped",
    "refused": "dossier.ended.refused",
    "pending": "dossier.pending",
    "within": "dossier.pending.within_deadline",
    "overdue": "dossier.pending.overdue",
}


def counts(**named: int) -> dict[str, int]:
    """Every dossier metric, zero unless named: what `metric_totals` answers for a unit and range."""
    unknown = set(named) - set(SHORT_CODES)
    assert not unknown, f"unknown short names {unknown}"
    return {code: named.get(short, 0) for short, code in SHORT_CODES.items()}


def totals(unit_code: str, start: str, end: str | None = None) -> dict:
    """`metric_totals` of one unit over [start, end] (ISO dates; one day when `end` is omitted).

    The on-time counts only: the sync-field counts (`metrics.codes.FACT_CODES`) have tests of their own.
    """
    return without_facts(
        metric_totals(Unit.objects.get(code=unit_code), date.fromisoformat(start), date.fromisoformat(end or start)))


def without_facts(found: dict) -> dict:
    """Metric totals without the sync-field counts (`metrics.codes.FACT_CODES`)."""
    return {code: value for code, value in found.items() if code not in codes.FACT_CODES}


def metric_rows(*, nonzero: bool = True) -> list[tuple]:
    """The whole metric store as sorted tuples (rows moved back to zero are left out unless asked)."""
    rows = MetricValue.objects.values_list(
        "province_code", "unit_code", "metric", "procedure_code", "grain", "start", "value"
    )
    return sorted(r for r in rows if r[6] or not nonzero)


def dossier_states() -> list[tuple]:
    """Every dossier's derived state (not its stored event list, whose text form depends on the path)."""
    return sorted(Dossier.objects.values_list(
        "province_code", "dossier_code", "unit_code", "procedure_code", "channel", "accepted_at", "due_at",
        "extended_due_at", "paused_since", "supplements", "ended_at", "end_status", "outcome",
    ))


def clear_store() -> None:
    """Forget every event, dossier and metric row (to ingest the same facts again another way)."""
    DossierEvent.objects.all().delete()
    Dossier.objects.all().delete()
    MetricValue.objects.all().delete()


def two_communes_in_september() -> list[dict]:
    """Xã Lâm Thao: two dossiers, both in time. Xã Phú Mỹ: one in time, one late (Phú Thọ, 25; September 2026)."""
    return [
        accepted("LT-1", at("2026-09-01"), at("2026-09-10", "17:00"), unit=LAM_THAO),
        event("LT-1", Status.PROCESSED, at("2026-09-03"), unit=LAM_THAO),
        accepted("LT-2", at("2026-09-02"), at("2026-09-10", "17:00"), unit=LAM_THAO, channel=2),
        event("LT-2", Status.PROCESSED, at("2026-09-10", "16:00"), unit=LAM_THAO),
        accepted("PM-1", at("2026-09-01"), at("2026-09-10", "17:00"), unit=PHU_MY),
        event("PM-1", Status.PROCESSED, at("2026-09-04"), unit=PHU_MY),
        accepted("PM-2", at("2026-09-01"), at("2026-09-05", "17:00"), unit=PHU_MY),
        event("PM-2", Status.PROCESSED, at("2026-09-08"), unit=PHU_MY),
    ]

"""National simulator of dossier events (mô phỏng hồ sơ toàn quốc): `generate_events(...)`.

The stream is generated day by day. At the start of a day every unit's new dossiers are
planned whole (simulation_lifecycle), given delivery times with the imperfections of
simulation_delivery, and parked, as one small `bytes` each, in a buffer bucketed by the hour
of their next delivery. Then the day's hours are played: each hour's events are sorted by
delivery time, formatted as dicts and yielded, and each dossier moves to the bucket of its
next event. Memory therefore holds only dossiers in flight (about 120 bytes each), never
the stream. After the last day the buffer drains: dossiers registered in the period live
on until they end or until `now`, whichever comes first.

Deterministic: every unit-day draws from random.Random(f"{seed}/{day}/{unit}") (seeded
through SHA-512, independent of PYTHONHASHSEED), and every ordering has a total key.

Rates of the imperfections (constants in simulation_delivery): LATE_DELIVERY_RATE,
OUT_OF_ORDER_RATE, DUPLICATE_RATE, MALFORMED_RATE; of the lifecycle paths: in
simulation_lifecycle.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from thuocdo.dossiers.simulation_calendar import DAY, EPOCH_DATE, ICT, WorkCalendar, day_number, to_seconds
from thuocdo.dossiers.simulation_data import FIELDS, HOLIDAY_FACTOR, PROCEDURES, WEEKDAY_FACTORS
from thuocdo.dossiers.simulation_delivery import (
    DUPLICATE_RATE,
    KIND_DUPLICATE,
    LATE_DELIVERY_RATE,
    MALFORMED_KINDS,
    MALFORMED_RATE,
    OUT_OF_ORDER_RATE,
    break_row,
    deliveries,
    pack,
    unpack_header,
    unpack_row,
)
from thuocdo.dossiers.simulation_facts import UnitRates, acceptance_facts, result_facts, return_facts, unit_rates
from thuocdo.dossiers.simulation_lifecycle import plan_dossier
from thuocdo.dossiers.simulation_units import (
    UnitRow,
    build_profiles,
    dossier_on_time,
    new_dossiers,
    province_online_share,
)

__all__ = [
    "DUPLICATE_RATE",
    "LATE_DELIVERY_RATE",
    "MALFORMED_KINDS",
    "MALFORMED_RATE",
    "OUT_OF_ORDER_RATE",
    "DayReport",
    "Simulation",
    "Totals",
    "generate_events",
]

EARLIEST_START = date(2025, 7, 1)  # the two-tier units start work on 1 July 2025
# How far past the last day the working calendar reaches: the longest lifecycle (20 working days,
# two supplements of up to 20 days, a late tail with a mean of 5.5 working days) stays well inside.
CALENDAR_MARGIN_DAYS = 400


@dataclass(frozen=True, slots=True)
class DayReport:
    """What one simulated day produced: dossiers registered, events delivered (for progress lines)."""

    day: date
    dossiers: int
    events: int
    draining: bool  # after the last day: no new dossiers, the ones in flight finish


@dataclass(slots=True)
class Totals:
    dossiers: int = 0
    events: int = 0
    duplicates: int = 0
    malformed: int = 0


def report_day(day: DayReport) -> None:
    """A progress line per simulated day, on a terminal only (module level: a feeder process runs it)."""
    if sys.stderr.isatty():
        label = f"{day.day.isoformat()} (xử lý tiếp)" if day.draining else day.day.isoformat()
        sys.stderr.write(f"Ngày {label}: {day.dossiers:,} hồ sơ, {day.events:,} sự kiện\n".replace(",", "."))


# Events that carry sync fields: acceptance (fees, digitisation), processed (result), returned (rating).
_FACT_STATUSES = frozenset({2, 9, 10})


class Simulation:
    """One run of the simulator; iterate it (or `events()`) once, read `totals` after."""

    def __init__(
        self,
        start: date,
        days: int,
        scale: float,
        seed: int,
        units: list[UnitRow],
        now: datetime | None = None,
        on_day: Callable[[DayReport], None] | None = None,
        arrival: bool = False,
    ):
        if start < EARLIEST_START:
            raise ValueError("start: phải từ ngày 01/07/2025, khi chính quyền hai cấp bắt đầu hoạt động")
        if days < 0 or scale <= 0:
            raise ValueError("days phải ≥ 0 và scale phải > 0")
        self.start, self.days, self.scale, self.seed = start, days, scale, seed
        self.profiles = build_profiles(units)
        self.limit = to_seconds(now if now is not None else datetime.now(ICT))
        self.on_day = on_day
        self.cal = WorkCalendar(start - timedelta(days=7), start + timedelta(days=days + CALENDAR_MARGIN_DAYS))
        self.buckets: dict[int, list] = {}  # delivery hour → [blob, next row index, blob, index, …]
        self.totals = Totals()
        self._short_dates: dict[int, str] = {}
        # With `arrival` (an ingest replaying history) each event says when it was delivered (`delivered_at`).
        self.arrival = arrival
        self._rates: dict[int, UnitRates] = {}

    def __iter__(self) -> Iterator[dict]:
        return self.events()

    def events(self) -> Iterator[dict]:
        """The event dicts in delivery order."""
        for offset in range(self.days):
            day = self.start + timedelta(days=offset)
            day_start = day_number(day) * DAY
            if day_start > self.limit:
                break
            dossiers = self._register(day, day_start)
            yield from self._play_day(day, dossiers, draining=False)
        while self.buckets:
            first_hour = min(self.buckets)
            yield from self._play_day(EPOCH_DATE + timedelta(days=first_hour // 24), 0, draining=True)

    def _play_day(self, day: date, dossiers: int, draining: bool) -> Iterator[dict]:
        first_hour = day_number(day) * 24
        count = 0
        for hour in range(first_hour, first_hour + 24):
            for event in self._play_hour(hour):
                count += 1
                yield event
        self.totals.events += count
        if self.on_day:
            self.on_day(DayReport(day, dossiers, count, draining))

    def _register(self, day: date, day_start: int) -> int:
        """Plan the day's new dossiers of every unit and park them in the buffer; returns how many."""
        factor = HOLIDAY_FACTOR if self.cal.is_holiday(day) else WEEKDAY_FACTORS[day.weekday()]
        if factor == 0:
            return 0
        shares: dict[str, float] = {}
        count = 0
        for index, unit in enumerate(self.profiles):
            if unit.province_code not in shares:
                shares[unit.province_code] = province_online_share(unit.province_code, day)
            rng = random.Random(f"{self.seed}/{day.isoformat()}/{unit.code}")
            todays = new_dossiers(rng, unit, day_start, factor, day.weekday(), self.scale, shares[unit.province_code])
            for seq, (registered, channel, procedure) in enumerate(todays, start=1):
                if registered > self.limit:
                    break
                spec = PROCEDURES[procedure]
                events, due = plan_dossier(
                    rng,
                    self.cal,
                    registered,
                    channel or 1,
                    spec.legal_days,
                    FIELDS[spec.field],
                    dossier_on_time(unit, procedure),
                )
                rows = [row for row in deliveries(rng, events) if row[0] <= self.limit]
                if not rows:
                    continue
                blob = pack((registered, index, seq, procedure, channel, due), rows)
                self._park(blob, 0, rows[0][0] // 3600)
                count += 1
        self.totals.dossiers += count
        return count

    def _park(self, blob: bytes, index: int, hour: int) -> None:
        bucket = self.buckets.get(hour)
        if bucket is None:
            bucket = self.buckets[hour] = []
        bucket.append(blob)
        bucket.append(index)

    def _play_hour(self, hour: int) -> Iterator[dict]:
        bucket = self.buckets.pop(hour, None)
        if not bucket:
            return
        due_now = []
        for k in range(0, len(bucket), 2):
            blob, i = bucket[k], bucket[k + 1]
            header = unpack_header(blob)
            count = header[6]
            while i < count:
                row = unpack_row(blob, i)
                if row[0] // 3600 != hour:
                    self._park(blob, i, row[0] // 3600)
                    break
                # (delivered, unit, registered, seq, row): unique, so the sort never compares further.
                due_now.append(((row[0], header[1], header[0], header[2], i), header, row))
                i += 1
        del bucket
        due_now.sort()
        for _, header, row in due_now:
            yield self._format(header, row)

    def _facts(self, unit_index: int, unit_code: str, dossier_code: str, procedure: int, status: int) -> dict:
        rates = self._rates.get(unit_index)
        if rates is None:
            rates = self._rates[unit_index] = unit_rates(self.seed, unit_code)
        if status == 2:
            return acceptance_facts(self.seed, dossier_code, PROCEDURES[procedure].field, rates)
        if status == 9:
            return result_facts(self.seed, dossier_code, rates)
        return return_facts(self.seed, dossier_code, rates)

    def _format(self, header: tuple, row: tuple) -> dict:
        registered, unit_index, seq, procedure, channel, due, _ = header
        _, occurred, status, kind, number = row
        unit = self.profiles[unit_index]
        day = registered // DAY
        short = self._short_dates.get(day)
        if short is None:
            short = self._short_dates[day] = (EPOCH_DATE + timedelta(days=day)).strftime("%y%m%d")
        code = f"{unit.code}-{short}-{seq:05d}"
        event = {
            "source": unit.source,
            "event_id": f"{code}.{number}",
            "dossier_code": code,
            "procedure_code": PROCEDURES[procedure].code,
            "unit_code": unit.code,
            "status": status,
        }
        if channel:
            event["channel"] = channel
        event["occurred_at"] = self.cal.iso(occurred)
        if status == 2:
            event["due_at"] = self.cal.iso(due)
        if status in _FACT_STATUSES:
            event.update(self._facts(unit_index, unit.code, code, procedure, status))
        if self.arrival:
            event["delivered_at"] = self.cal.iso(row[0])
        if kind == KIND_DUPLICATE:
            self.totals.duplicates += 1
        elif kind > KIND_DUPLICATE:
            self.totals.malformed += 1
            break_row(event, kind)
        return event


def generate_events(
    start: date,
    days: int,
    scale: float,
    seed: int,
    units: list[UnitRow],
    now: datetime | None = None,
) -> Iterator[dict]:
    """Simulated dossier events of `units`, registered over `days` days from `start`, in delivery order.

    Scale 1.0 is the whole country (about 180,000 dossiers on a working day). Events not yet
    delivered at `now` (default: the real now) are left out, so recent dossiers stay pending.
    Same arguments → the same events, byte for byte.
    """
    return Simulation(start, days, scale, seed, units, now=now).events()

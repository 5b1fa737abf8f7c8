"""How simulated events reach us: delays, reordering, re-sends, broken rows — and compact buffering.

Giao nhận sự kiện. A one-stop system syncs every few minutes; at the small rates below an event
comes late, after its successor, twice, or is followed by a malformed row. A dossier waiting
in the buffer is one `bytes` object (about 100 bytes), not a list of dicts.
"""

from __future__ import annotations

import random
import struct

from thuocdo.dossiers.simulation_calendar import between

NORMAL_DELAY = (2, 600)  # seconds between an event and its delivery, normally
LATE_DELIVERY_RATE = 0.01  # of events, delivered 1–72 hours after they happened
OUT_OF_ORDER_RATE = 0.005  # of dossiers with 3+ events, one event delivered after the next one
DUPLICATE_RATE = 0.004  # of events, sent again unchanged (same event_id) 1 minute–6 hours later
MALFORMED_RATE = 0.0005  # of events, followed by one broken row of a kind below, equally likely
MALFORMED_KINDS = ("status_unknown", "unit_unknown", "due_missing", "date_impossible", "status_type")
KIND_NORMAL, KIND_DUPLICATE = 0, 1  # kinds 2… are MALFORMED_KINDS in order

# A dossier: registered at, unit index, sequence of the day, procedure index, channel (0 = not sent),
# due time (0 = not accepted), event count; then per event: delivered at, occurred at, status, kind, number.
HEADER = struct.Struct("<IHIBBIB")
EVENT = struct.Struct("<IIBBB")


def deliveries(rng: random.Random, events: list[tuple[int, int]]) -> list[tuple[int, int, int, int, int]]:
    """(delivered, occurred, status, kind, number) for each event and each re-sent or broken copy."""
    delivered = []
    for t, _ in events:
        if rng.random() < LATE_DELIVERY_RATE:
            delivered.append(t + int(3600 * 72 ** rng.random()))
        else:
            delivered.append(t + between(rng, *NORMAL_DELAY))
    if len(events) >= 3 and rng.random() < OUT_OF_ORDER_RATE:
        i = int(rng.random() * (len(events) - 1))
        delivered[i] = max(delivered[i], delivered[i + 1] + between(rng, 1, 600))
    rows = []
    for number, ((t, status), at) in enumerate(zip(events, delivered, strict=True), start=1):
        rows.append((at, t, status, KIND_NORMAL, number))
        extra = rng.random()
        if extra < DUPLICATE_RATE:
            rows.append((at + between(rng, 60, 6 * 3600), t, status, KIND_DUPLICATE, number))
        elif extra < DUPLICATE_RATE + MALFORMED_RATE:
            rows.append((at + 1, t, status, 2 + int(rng.random() * len(MALFORMED_KINDS)), number))
    return rows


def pack(header: tuple, rows: list[tuple[int, int, int, int, int]]) -> bytes:
    """One dossier as bytes, its rows in delivery order."""
    rows.sort()
    return HEADER.pack(*header, len(rows)) + b"".join(EVENT.pack(*row) for row in rows)


def unpack_header(blob: bytes) -> tuple:
    return HEADER.unpack_from(blob, 0)


def unpack_row(blob: bytes, index: int) -> tuple[int, int, int, int, int]:
    return EVENT.unpack_from(blob, HEADER.size + index * EVENT.size)


def break_row(row: dict, kind: int) -> dict:
    """Turn a copy of a good row into the malformed row of `kind`, with an event_id of its own."""
    row["event_id"] += "x"
    name = MALFORMED_KINDS[kind - 2]
    if name == "status_unknown":
        row["status"] = 12
    elif name == "unit_unknown":
        row["unit_code"] = "99999"
    elif name == "due_missing":
        row["status"] = 2
        row.pop("due_at", None)
    elif name == "date_impossible":
        row["occurred_at"] = "2026-02-30T10:00:00+07:00"
    else:
        row["status"] = "hai"
    return row

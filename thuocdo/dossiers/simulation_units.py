"""The simulated units: each unit's volume, punctuality and online habit, and its new dossiers of a day.

A unit's character comes from its code alone (random.Random seeded with the code), so every
run and every seed describes the same country; the seed only drives the day-to-day draws.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from thuocdo.dossiers.simulation_data import (
    COMMUNE_ON_TIME_RANGE,
    COMMUNE_ON_TIME_SIGMA,
    COMMUNE_VOLUME_SIGMA,
    DAILY_NOISE_SIGMA,
    DEFAULT_COMMUNE_VOLUME,
    DEFAULT_PROVINCE,
    FIELDS,
    ONLINE_KNOTS,
    ONLINE_OFFSET_SIGMA,
    ONLINE_RAMP,
    POSTAL_SHARE,
    PROCEDURES,
    PROVINCES,
    TYPE_VOLUME,
    UNIT_VOLUME_OVERRIDES,
)

IN_PERSON, ONLINE, POSTAL = 1, 2, 3
CHANNEL_NOT_SENT_RATE = 0.10  # in-person dossiers whose system leaves `channel` out (missing = 1)

UnitRow = tuple[str, str, str, str]  # (code, province_code, level, type)


@dataclass(frozen=True, slots=True)
class UnitProfile:
    """One simulated unit: a commune, or a province's departments (unit code = province code)."""

    code: str
    province_code: str
    source: str
    volume: float  # dossiers on an average working day at scale 1
    on_time: float  # probability that a dossier of a neutral field ends on time
    online_offset: float  # added to the province's online share
    procedures: tuple[int, ...]  # indices into PROCEDURES for this level
    cum_weights: tuple[float, ...]


def _catalogue(level: str) -> tuple[tuple[int, ...], tuple[float, ...]]:
    indices = tuple(i for i, p in enumerate(PROCEDURES) if p.level == level)
    return indices, tuple(accumulate(PROCEDURES[i].weight for i in indices))


def build_profiles(units: list[UnitRow]) -> list[UnitProfile]:
    """Profiles of the communes and provinces among `units`, sorted by code; other levels are ignored.

    A province's commune volume is split over its communes by a log-normal weight, scaled so that
    a subset of a province's communes gets the subset's share, and all of them the whole.
    """
    rows = sorted(u for u in units if u[2] in ("commune", "province"))
    traits: dict[str, tuple[float, float, float]] = {}
    weights_by_province: dict[str, list[float]] = {}
    for code, province, level, kind in rows:
        rng = random.Random(f"don-vi/{code}")
        weight = math.exp(rng.gauss(0, COMMUNE_VOLUME_SIGMA)) * TYPE_VOLUME.get(kind, 1.0)
        profile = PROVINCES.get(province, DEFAULT_PROVINCE)
        low, high = COMMUNE_ON_TIME_RANGE
        on_time = min(high, max(low, rng.gauss(profile.commune_on_time, COMMUNE_ON_TIME_SIGMA)))
        traits[code] = (weight, on_time, rng.gauss(0, ONLINE_OFFSET_SIGMA))
        if level == "commune" and code not in UNIT_VOLUME_OVERRIDES:
            weights_by_province.setdefault(province, []).append(weight)
    catalogues = {level: _catalogue(level) for level in ("commune", "province")}
    profiles = []
    for code, province, level, _ in rows:
        weight, on_time, offset = traits[code]
        known = PROVINCES.get(province)
        if level == "province":
            volume = known.weekday_volume * known.department_share if known else DEFAULT_COMMUNE_VOLUME * 10
            on_time = known.department_on_time if known else DEFAULT_PROVINCE.department_on_time
            offset = 0.0
        elif code in UNIT_VOLUME_OVERRIDES:
            volume = UNIT_VOLUME_OVERRIDES[code][1]
        elif known:
            pinned = sum(v for p, v in UNIT_VOLUME_OVERRIDES.values() if p == province)
            communes_volume = known.weekday_volume * (1 - known.department_share) - pinned
            present = weights_by_province[province]
            others = known.communes - sum(1 for p, _ in UNIT_VOLUME_OVERRIDES.values() if p == province)
            volume = communes_volume * weight / (others * sum(present) / len(present))
        else:
            present = weights_by_province[province]
            volume = DEFAULT_COMMUNE_VOLUME * weight / (sum(present) / len(present))
        indices, cum = catalogues[level]
        profiles.append(UnitProfile(code, province, f"motcua-{province}", volume, on_time, offset, indices, cum))
    return profiles


def province_online_share(province: str, day: date) -> float:
    """The province's online share on `day`: its July 2025 knots, else the default ramp."""
    knots = ONLINE_KNOTS.get(province)
    if knots is None:
        profile = PROVINCES.get(province, DEFAULT_PROVINCE)
        knots = ((ONLINE_RAMP[0], profile.online_from), (ONLINE_RAMP[1], profile.online_to))
    if day <= knots[0][0]:
        return knots[0][1]
    for (d0, s0), (d1, s1) in zip(knots, knots[1:], strict=False):
        if day <= d1:
            return s0 + (s1 - s0) * (day - d0).days / (d1 - d0).days
    return knots[-1][1]


def new_dossiers(
    rng: random.Random,
    unit: UnitProfile,
    day_start: int,
    day_factor: float,
    weekday: int,
    scale: float,
    online_share: float,
) -> list[tuple[int, int, int]]:
    """The unit's dossiers registered on one day: (time, channel, procedure index), in time order.

    Channel 0 means in person with the channel left out of the events.
    """
    expected = unit.volume * day_factor * scale * math.exp(rng.gauss(0, DAILY_NOISE_SIGMA) - DAILY_NOISE_SIGMA**2 / 2)
    count = int(expected)
    if rng.random() < expected - count:
        count += 1
    share = min(0.98, max(0.02, online_share + unit.online_offset))
    counter_closes = 11.5 if weekday >= 5 else 17.0  # weekend counters open in the morning only
    dossiers = []
    for _ in range(count):
        if rng.random() < share:
            channel, hour = ONLINE, rng.triangular(6.0, 23.5, 10.0)
        else:
            channel = POSTAL if rng.random() < POSTAL_SHARE else IN_PERSON
            hour = rng.triangular(7.5, counter_closes, 9.5)
            if channel == IN_PERSON and rng.random() < CHANNEL_NOT_SENT_RATE:
                channel = 0
        procedure = unit.procedures[bisect_right(unit.cum_weights, rng.random() * unit.cum_weights[-1])]
        dossiers.append((day_start + int(hour * 3600), channel, procedure))
    dossiers.sort()
    return dossiers


def dossier_on_time(unit: UnitProfile, procedure: int) -> float:
    """Probability that this unit ends a dossier of this procedure on time (field-adjusted)."""
    return min(0.99, max(0.40, unit.on_time + FIELDS[PROCEDURES[procedure].field].on_time_delta))

"""Day-by-day metric values of many units (trends, loads against their usual level)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from statistics import median

from thuocdo.metrics.definitions import from_stored
from thuocdo.metrics.models import Grain, MetricValue

Series = dict[str, dict[date, dict[str, float]]]


def daily_values(unit_codes: Iterable[str], start: date, end: date, metrics: Iterable[str]) -> Series:
    """unit code → local day → metric → value, from the day rows over [start, end] (all procedures).

    A day with no row is absent: for the dossier stream that means 0.
    """
    out: Series = defaultdict(lambda: defaultdict(dict))
    rows = MetricValue.objects.filter(
        unit_code__in=list(unit_codes), grain=Grain.DAY, start__gte=start, start__lte=end, procedure_code="",
        metric__in=list(metrics),
    ).values_list("unit_code", "start", "metric", "value")
    for unit_code, day, metric, value in rows:
        out[unit_code][day][metric] = from_stored(metric, value)
    return out


def days(start: date, end: date) -> list[date]:
    """Every day of [start, end], in order."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def daily_median(by_day: dict[date, dict[str, float]], metric: str, start: date, end: date) -> float:
    """The median of a stream metric's daily values over [start, end], a day without a row counting 0."""
    return float(median(by_day.get(day, {}).get(metric, 0) for day in days(start, end)))

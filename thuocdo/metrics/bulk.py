"""Metric values of many units at once, for scoring a whole level in a few queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from thuocdo.dossiers.models import Dossier
from thuocdo.dossiers.ontime import Outcome
from thuocdo.metrics import codes
from thuocdo.metrics.models import Grain, MetricValue, PeriodValue
from thuocdo.metrics.periods import split_range
from thuocdo.metrics.queries import end_of_day
from thuocdo.units.models import Unit

Values = dict[str, dict[str, float]]


def _range_filter(start: date, end: date) -> Q:
    months, loose = split_range(start, end)
    where = Q(grain=Grain.MONTH, start__in=months) if months else Q(pk__in=[])
    for first, last in loose:
        where |= Q(grain=Grain.DAY, start__gte=first, start__lte=last)
    return where


def stored_values(unit_codes: list[str], start: date, end: date, metrics: Iterable[str]) -> Values:
    """Summed store rows (all procedures) per unit over [start, end], for the given metrics."""
    out: Values = defaultdict(dict)
    metrics = [m for m in metrics if m not in codes.PENDING_CODES]
    if not metrics:
        return out
    rows = (
        MetricValue.objects.filter(_range_filter(start, end), unit_code__in=unit_codes, procedure_code="",
                                   metric__in=metrics)
        .values_list("unit_code", "metric")
        .annotate(total=Sum("value"))
    )
    for unit_code, metric, total in rows:
        out[unit_code][metric] = total
    return out


def period_values(unit_codes: list[str], start: date, end: date, metrics: Iterable[str], procedure: str = "") -> Values:
    """Figures given for exactly this period (portal imports)."""
    out: Values = defaultdict(dict)
    rows = PeriodValue.objects.filter(
        unit_code__in=unit_codes, start=start, end=end, procedure_code=procedure, metric__in=list(metrics)
    ).values_list("unit_code", "metric", "value")
    for unit_code, metric, value in rows:
        out[unit_code][metric] = value
    return out


def provinces_with_stream() -> set[str]:
    """Provinces whose one-stop system sends dossier events: for them, no row means zero, not "no data"."""
    return set(
        MetricValue.objects.filter(metric=codes.RECEIVED, grain=Grain.MONTH, unit_code=F("province_code"))
        .values_list("province_code", flat=True)
        .distinct()
    )


def pending_values(units: list[Unit], end: date) -> Values:
    """dossier.pending[.within_deadline|.overdue] per unit at the end of the range (now, if it reaches today).

    One grouped count for all units; at a past moment, dossiers that had supplements are re-read
    from their events (the same rule as `metrics.queries.pending_counts`, for many units at once).
    """
    out: Values = defaultdict(dict)
    as_of = end_of_day(end)
    unit_codes = [u.code for u in units]
    if as_of >= timezone.now():
        now = timezone.now()
        base = Dossier.objects.filter(outcome=Outcome.PENDING, unit_code__in=unit_codes)
        overdue_q = (
            Q(supplements__gte=2)
            | Q(paused_since__isnull=True, extended_due_at__lt=now)
            | Q(paused_since__isnull=False, extended_due_at__lt=F("paused_since"))
        )
        counted = base.values("unit_code").annotate(total=Count("pk"), overdue=Count("pk", filter=overdue_q))
        extra: dict[str, tuple[int, int]] = {}
    else:
        base = Dossier.objects.filter(unit_code__in=unit_codes, accepted_at__lte=as_of).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=as_of)
        )
        counted = base.filter(supplements=0).values("unit_code").annotate(
            total=Count("pk"), overdue=Count("pk", filter=Q(extended_due_at__lt=as_of))
        )
        extra = _past_with_supplements(base.filter(supplements__gt=0), as_of)
    totals = {row["unit_code"]: (row["total"], row["overdue"]) for row in counted}
    for code in set(totals) | set(extra):
        total, overdue = totals.get(code, (0, 0))
        more_total, more_overdue = extra.get(code, (0, 0))
        total, overdue = total + more_total, overdue + more_overdue
        out[code] = {codes.PENDING: total, codes.PENDING_OVERDUE: overdue, codes.PENDING_WITHIN: total - overdue}
    return out


def _past_with_supplements(rows, as_of) -> dict[str, tuple[int, int]]:
    from thuocdo.metrics.queries import overdue_at

    found: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for unit_code, events in rows.values_list("unit_code", "events").iterator(chunk_size=2000):
        found[unit_code][0] += 1
        found[unit_code][1] += overdue_at(events, as_of)
    return {code: (t, o) for code, (t, o) in found.items()}


def unit_values(units: list[Unit], start: date, end: date, metrics: frozenset[str], procedure: str = "") -> Values:
    """Every metric a framework needs, per unit: stream sums, pending counts and whole-period figures.

    A stream metric is 0 (not "no data") for a unit whose province sends dossier events.
    """
    codes_list = [u.code for u in units]
    values: Values = defaultdict(dict)
    stream = [m for m in metrics if m.startswith("dossier.")]
    if stream and not procedure:
        streaming = provinces_with_stream()
        for code, got in stored_values(codes_list, start, end, stream).items():
            values[code].update(got)
        if any(m in codes.PENDING_CODES for m in stream):
            for code, got in pending_values([u for u in units if u.province_code in streaming], end).items():
                values[code].update(got)
        for unit in units:
            if unit.province_code in streaming or unit.code in values:
                for metric in stream:
                    values[unit.code].setdefault(metric, 0)
    others = [m for m in metrics if not m.startswith("dossier.")]
    if others:
        if not procedure:
            for code, got in stored_values(codes_list, start, end, others).items():
                values[code].update(got)
        for code, got in period_values(codes_list, start, end, others, procedure).items():
            values[code].update(got)
    return values

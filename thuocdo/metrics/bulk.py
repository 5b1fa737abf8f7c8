"""Metric values of many units at once, for scoring a whole level in a few queries."""

from __future__ import annotations

import contextlib
import threading
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from thuocdo.dossiers.models import Dossier
from thuocdo.dossiers.ontime import Outcome
from thuocdo.metrics import codes, providers
from thuocdo.metrics.definitions import from_stored
from thuocdo.metrics.models import Grain, MetricValue, PeriodValue
from thuocdo.metrics.periods import split_range
from thuocdo.metrics.queries import end_of_day, overdue_now
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit

Values = dict[str, dict[str, float]]
_FACT_CODES = frozenset(codes.FACT_CODES)


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
        out[unit_code][metric] = from_stored(metric, total)
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


_memo = threading.local()


@contextlib.contextmanager
def memoised():
    """Within the block (in this thread), `provinces_with_stream` and `pending_values` are read once per
    distinct question: a score refresh asks them again for each of its 14 hot periods, though "pending
    now" is the same for every period that reaches today (≈ 0.5 s of its 1 s round on the demo data)."""
    outer = getattr(_memo, "answers", None)
    if outer is None:
        _memo.answers = {}
    try:
        yield
    finally:
        if outer is None:
            _memo.answers = None


def _remembered(key: tuple, compute):
    answers = getattr(_memo, "answers", None)
    if answers is None:
        return compute()
    if key not in answers:
        answers[key] = compute()
    return answers[key]


def provinces_with_stream() -> set[str]:
    return set(_remembered(("stream",), _provinces_with_stream))


def _provinces_with_stream() -> set[str]:
    """Provinces whose one-stop system sends dossier events: for them, no row means zero, not "no data"."""
    # Named province codes let the (unit_code, grain, start) index answer: without them this scanned
    # every row of the store (0.4 s with a national quarter loaded, twice per ranking).
    provinces = [code for code, unit in units_by_code().items() if unit.level == Level.PROVINCE]
    return set(
        MetricValue.objects.filter(unit_code__in=provinces, grain=Grain.MONTH, metric=codes.RECEIVED,
                                   unit_code=F("province_code"))
        .values_list("province_code", flat=True)
        .distinct()
    )


def pending_values(units: list[Unit], end: date) -> Values:
    """dossier.pending[.within_deadline|.overdue] per unit at the end of the range (now, if it reaches today).

    A commune or agency counts its own dossiers, a province every dossier of the province, the
    nation all of them: one grouped count per kind. At a past moment, dossiers that had supplements
    are re-read from their events (the same rule as `metrics.queries.pending_counts`).
    """
    as_of = end_of_day(end)
    current = as_of >= timezone.now()
    key = ("pending", "now" if current else as_of, frozenset(u.code for u in units))
    found = _remembered(key, lambda: _pending_values(units, as_of, current))
    out: Values = defaultdict(dict)
    for code, got in found.items():
        out[code] = dict(got)
    return out


def _pending_values(units: list[Unit], as_of, current: bool) -> Values:
    out: Values = defaultdict(dict)
    by_level = defaultdict(list)
    for unit in units:
        by_level[unit.level].append(unit.code)
    counts: dict[str, tuple[int, int]] = {}
    own = by_level[Level.COMMUNE] + by_level[Level.AGENCY]
    if own:
        counts.update(_pending_grouped(Q(unit_code__in=own), "unit_code", as_of, current))
    if by_level[Level.PROVINCE]:
        counts.update(_pending_grouped(Q(province_code__in=by_level[Level.PROVINCE]), "province_code", as_of, current))
    for code in by_level[Level.NATIONAL]:
        counts[code] = _pending_grouped(Q(), None, as_of, current).get(None, (0, 0))
    for code, (total, overdue) in counts.items():
        out[code] = {codes.PENDING: total, codes.PENDING_OVERDUE: overdue, codes.PENDING_WITHIN: total - overdue}
    return out


def _pending_grouped(scope: Q, key: str | None, as_of, current: bool) -> dict:
    """(pending, overdue) per value of `key` (None: one total) for the dossiers in `scope`."""
    if current:
        now = timezone.now()
        base = Dossier.objects.filter(scope, outcome=Outcome.PENDING)
        overdue_q = overdue_now(now)
        plain, extra = base, {}
    else:
        base = Dossier.objects.filter(scope, accepted_at__lte=as_of).filter(
            Q(ended_at__isnull=True) | Q(ended_at__gt=as_of)
        )
        plain = base.filter(supplements=0)
        overdue_q = Q(extended_due_at__lt=as_of)
        extra = _past_with_supplements(base.filter(supplements__gt=0), as_of, key)
    if key is None:
        got = plain.aggregate(total=Count("pk"), overdue=Count("pk", filter=overdue_q))
        totals = {None: (got["total"], got["overdue"])}
    else:
        rows = plain.values(key).annotate(total=Count("pk"), overdue=Count("pk", filter=overdue_q))
        totals = {row[key]: (row["total"], row["overdue"]) for row in rows}
    for code, (more_total, more_overdue) in extra.items():
        total, overdue = totals.get(code, (0, 0))
        totals[code] = (total + more_total, overdue + more_overdue)
    return totals


def _past_with_supplements(rows, as_of, key: str | None) -> dict:
    from thuocdo.metrics.queries import overdue_at

    found: dict = defaultdict(lambda: [0, 0])
    fields = (key, "events") if key else ("events",)
    for row in rows.values_list(*fields).iterator(chunk_size=2000):
        code, events = (row[0], row[1]) if key else (None, row[0])
        found[code][0] += 1
        found[code][1] += overdue_at(events, as_of)
    return {code: (t, o) for code, (t, o) in found.items()}


def unit_values(units: list[Unit], start: date, end: date, metrics: frozenset[str], procedure: str = "") -> Values:
    """Every metric a framework needs, per unit: stream sums, pending counts and whole-period figures.

    A stream metric is 0 (not "no data") for a unit whose province sends dossier events.
    """
    codes_list = [u.code for u in units]
    values: Values = defaultdict(dict)
    if not procedure:
        got_provided, answered = providers.provided(units, start, end, metrics)
        for code, got in got_provided.items():
            values[code].update(got)
        metrics = metrics - answered
    facts = [m for m in metrics if m in _FACT_CODES]
    stream = [m for m in metrics if m.startswith("dossier.") and m not in _FACT_CODES]
    if (stream or facts) and not procedure:
        streaming = provinces_with_stream()
        # Every fact count when any is asked for: a count's zero depends on its denominators (`fill_fact_zeros`).
        for code, got in stored_values(codes_list, start, end, stream + (list(_FACT_CODES) if facts else [])).items():
            values[code].update(got)
        if any(m in codes.PENDING_CODES for m in stream):
            for code, got in pending_values([u for u in units if u.province_code in streaming], end).items():
                values[code].update(got)
        for unit in units:
            if unit.province_code in streaming or unit.code in values:
                for metric in stream:
                    values[unit.code].setdefault(metric, 0)
        if facts:  # a fact no dossier carried stays "no data"; a known one with no "yes" is 0
            unasked = _FACT_CODES.difference(facts)
            for got in values.values():
                codes.fill_fact_zeros(got, _FACT_CODES)
                for metric in unasked.intersection(got):
                    del got[metric]
    others = [m for m in metrics if not m.startswith("dossier.")]
    if others:
        if not procedure:
            for code, got in stored_values(codes_list, start, end, others).items():
                values[code].update(got)
        for code, got in period_values(codes_list, start, end, others, procedure).items():
            values[code].update(got)
    return values

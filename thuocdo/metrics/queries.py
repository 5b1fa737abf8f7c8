"""Reading the metric store: totals over any date range, and pending dossiers as of a moment."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, Sum
from django.utils import timezone

from thuocdo.dossiers.models import Dossier
from thuocdo.dossiers.ontime import LOCAL_TZ, Outcome
from thuocdo.metrics import codes
from thuocdo.metrics.definitions import from_stored
from thuocdo.metrics.models import Grain, MetricValue
from thuocdo.metrics.periods import split_range
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit


def end_of_day(day: date) -> datetime:
    """The last instant of a local day (the moment a range ending that day is measured at)."""
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=LOCAL_TZ) - timedelta(microseconds=1)


def stored_totals(unit: Unit, start: date, end: date, metrics: list[str] | None = None,
                  procedure: str = "") -> dict[str, int | float]:
    """Sum the stored metrics of a unit over [start, end]: whole months from month rows, edges from day rows.

    Counts come back as ints; hours, amounts, ratios and percents as floats of their exact integer sum.
    """
    months, loose = split_range(start, end)
    if procedure and loose:
        raise ValueError("Số liệu theo thủ tục được lưu theo tháng: hãy chọn khoảng gồm trọn các tháng.")
    where = Q(grain=Grain.MONTH, start__in=months) if months else Q(pk__in=[])
    for first, last in loose:
        where |= Q(grain=Grain.DAY, start__gte=first, start__lte=last)
    if procedure and unit.level in (Level.NATIONAL, Level.PROVINCE):
        # Per-procedure rows exist for the units themselves only (see rollup.expand): sum them.
        rows = MetricValue.objects.filter(where, scope_filter(unit), procedure_code=procedure)
    else:
        rows = MetricValue.objects.filter(where, unit_code=unit.code, procedure_code=procedure)
    if metrics is not None:
        rows = rows.filter(metric__in=metrics)
    totals = rows.values("metric").annotate(total=Sum("value")).values_list("metric", "total")
    return {m: from_stored(m, v) for m, v in totals}


def scope_filter(unit: Unit) -> Q:
    """Rows of fact tables (unit_code, province_code) that belong to a unit: itself, a province's, or all."""
    if unit.level == Level.NATIONAL:
        return Q()
    if unit.level == Level.PROVINCE:
        return Q(province_code=unit.code)
    return Q(unit_code=unit.code)


def overdue_now(now: datetime) -> Q:
    """Pending dossiers overdue at `now`: a second supplement request, or the (extended) due time passed —
    for a dossier waiting for the applicant's supplement, passed before the pause began (the clock is stopped).
    """
    return (
        Q(supplements__gte=2)
        | Q(paused_since__isnull=True, extended_due_at__lt=now)
        | Q(paused_since__isnull=False, extended_due_at__lt=F("paused_since"))
    )


def pending_counts(unit: Unit, as_of: datetime | None = None) -> dict[str, int]:
    """Dossiers accepted by `as_of` and not ended by then, split into within deadline and overdue.

    Overdue: a second supplement request, or the (extended) due time passed — for a dossier
    waiting for the applicant's supplement, passed before the pause began (the clock is stopped).
    `as_of=None` means now.
    """
    current = as_of is None
    as_of = timezone.now() if current else as_of
    base = Dossier.objects.filter(scope_filter(unit), accepted_at__lte=as_of).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=as_of)
    )
    if current:
        # Now: the dossier rows hold the current state, overdue is a range count on the due index.
        base = base.filter(outcome=Outcome.PENDING)
        overdue = base.filter(overdue_now(as_of)).count()
        total = base.count()
    else:
        overdue, total = _pending_in_the_past(base, as_of)
    return {codes.PENDING: total, codes.PENDING_OVERDUE: overdue, codes.PENDING_WITHIN: total - overdue}


def overdue_at(events: list, as_of: datetime) -> bool:
    """Whether a dossier with supplements, still being processed at `as_of`, was overdue then.

    Who is pending follows the stored end (as the resolved counts do); whether it was overdue is
    re-derived from its events up to `as_of`.
    """
    from thuocdo.dossiers.ontime import PendingClass, expand_state, pending_class, state_at_compact, to_micros

    state = expand_state(state_at_compact(events, to_micros(as_of)))
    if state.outcome == Outcome.PENDING:
        return pending_class(state, as_of) == PendingClass.OVERDUE
    # An end event the final state does not count (e.g. a withdrawal before the "processed"):
    # the dossier was still being processed; overdue if its due time had passed.
    return state.supplements >= 2 or (state.extended_due_at is not None and state.extended_due_at < as_of)


def _pending_in_the_past(base, as_of: datetime) -> tuple[int, int]:
    """Pending at a past moment: plain dossiers by a range count, those with supplements one by one."""
    plain = base.filter(supplements=0)
    total = plain.count()
    overdue = plain.filter(extended_due_at__lt=as_of).count()
    for events in base.filter(supplements__gt=0).values_list("events", flat=True).iterator(chunk_size=2000):
        total += 1
        overdue += overdue_at(events, as_of)
    return overdue, total


def metric_totals(unit: Unit, start: date, end: date, metrics: list[str] | None = None,
                  procedure: str = "") -> dict[str, float]:
    """Every metric of a unit over [start, end]; pending counts are measured at the range's end (or now)."""
    totals = stored_totals(unit, start, end, metrics, procedure)
    # The dossier stream counts every day: no row means zero. Other sources' gaps stay "no data".
    for code in codes.STREAM_CODES:
        if metrics is None or code in metrics:
            totals.setdefault(code, 0)
    codes.fill_fact_zeros(totals, codes.FACT_CODES if metrics is None else metrics)
    wanted_pending = [m for m in codes.PENDING_CODES if metrics is None or m in metrics]
    if wanted_pending and not procedure:
        range_end = end_of_day(end)
        pending = pending_counts(unit, None if range_end >= timezone.now() else range_end)
        totals.update({m: pending[m] for m in wanted_pending})
    return totals

"""The dossiers behind a number, with "pending now" read as the tiles read it (the current state)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from thuocdo.dossiers.models import Dossier
from thuocdo.dossiers.ontime import Outcome
from thuocdo.evaluation.explain import dossiers_behind
from thuocdo.evaluation.periods import Period
from thuocdo.metrics import codes
from thuocdo.metrics.queries import overdue_now, scope_filter
from thuocdo.units.models import Unit


def pending_now(unit: Unit, metric: str) -> QuerySet[Dossier]:
    """Dossiers pending right now (all, within deadline, or overdue), by the rule `pending_counts` counts with."""
    now = timezone.now()
    rows = Dossier.objects.filter(scope_filter(unit), outcome=Outcome.PENDING)
    overdue = overdue_now(now)
    if metric == codes.PENDING_OVERDUE:
        rows = rows.filter(overdue)
    elif metric == codes.PENDING_WITHIN:
        rows = rows.exclude(overdue)
    return rows.order_by("extended_due_at", "dossier_code")


def behind(unit: Unit, metric: str, period: Period) -> QuerySet[Dossier]:
    """The dossiers a metric counts for the unit over the period; pending ones as of now if the period reaches today."""
    if metric in codes.PENDING_CODES and period.end >= timezone.localdate():
        return pending_now(unit, metric)
    return dossiers_behind(unit, metric, period.start, period.end)

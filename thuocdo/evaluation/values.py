"""What a score is computed from: the metric values of many units over a period, read in bulk."""

from __future__ import annotations

from collections.abc import Iterable

from thuocdo.evaluation.frameworks import Framework
from thuocdo.evaluation.periods import Period
from thuocdo.metrics import codes
from thuocdo.metrics.bulk import Values, pending_values, provinces_with_stream, unit_values
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit


def scoring_level(unit: Unit) -> str:
    """The framework level a unit is scored at: the nation is scored like a province, from its own totals.

    Frameworks name indicators for provinces, agencies and communes; the nation's figures (rolled up
    from every province) answer the same questions a province's do.
    """
    return Level.PROVINCE if unit.level == Level.NATIONAL else unit.level


def scoring_values(framework: Framework, units: list[Unit], period: Period, procedure: str = "") -> Values:
    """Every metric the framework needs, per unit, over the period (one bulk read for all of them)."""
    return scoring_values_for(framework.metrics, units, period, procedure)


def scoring_values_for(metrics: Iterable[str], units: list[Unit], period: Period, procedure: str = "") -> Values:
    """These metrics, per unit, over the period (one bulk read for all of them).

    The nation's pending dossiers are counted over every province once any province sends its
    dossier stream (the store's rule for provinces, `metrics.bulk.unit_values`, reads the nation's
    own province code, which it has none of).
    """
    metrics = frozenset(metrics)
    values = unit_values(units, period.start, period.end, metrics, procedure)
    nation = [u for u in units if u.level == Level.NATIONAL]
    if nation and not procedure and metrics.intersection(codes.PENDING_CODES) and provinces_with_stream():
        for code, got in pending_values(nation, period.end).items():
            values.setdefault(code, {}).update(got)
    return values

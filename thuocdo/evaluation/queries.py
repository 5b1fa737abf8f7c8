"""Scores for units and periods: gather the metrics, score, rank, compare with the previous period."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from thuocdo.evaluation import score_rows
from thuocdo.evaluation.coverage import Coverage, coverage_of, measured, rank_units
from thuocdo.evaluation.frameworks import Framework
from thuocdo.evaluation.models import OfficialScore
from thuocdo.evaluation.periods import Period
from thuocdo.evaluation.scoring import UnitScore, change, score_unit
from thuocdo.evaluation.values import scoring_level, scoring_values, scoring_values_for  # noqa: F401 (re-exported)
from thuocdo.metrics.bulk import Values
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit


@dataclass
class ScoreRow:
    """One unit's line in a ranking."""

    unit: Unit
    score: UnitScore
    rank: int | None
    change: Decimal | None
    official: dict[str, float]
    coverage: Coverage | None = None  # what the score rests on (points with data, groups without)


def peers(level: str, parent: Unit | None) -> list[Unit]:
    """The units ranked together: a level, within a province when `parent` is one."""
    units = Unit.objects.filter(level=level).order_by("code")
    if parent is not None and parent.level == Level.PROVINCE:
        units = units.filter(province_code=parent.code)
    return list(units)


def score_units(framework: Framework, units: list[Unit], period: Period, procedure: str = "",
                values: Values | None = None) -> dict[str, UnitScore]:
    """Score each unit for the period from the metric store (or from `values` already read for them)."""
    if values is None:
        values = scoring_values(framework, units, period, procedure)
    return {u.code: score_unit(framework, scoring_level(u), values.get(u.code, {})) for u in units}


def official_scores(units: list[Unit], framework_code: str, period: Period, procedure: str = "") -> dict:
    """The published group points (điểm chính thức) per unit for exactly this period."""
    rows = OfficialScore.objects.filter(
        Q(indicator_code=""), unit_code__in=[u.code for u in units], framework_code=framework_code,
        start=period.start, end=period.end, procedure_code=procedure,
    ).values_list("unit_code", "group_code", "points")
    out: dict[str, dict[str, float]] = {}
    for unit_code, group, points in rows:
        out.setdefault(unit_code, {})[group] = points
    return out


def ranking(framework: Framework, level: str, parent: Unit | None, period: Period, procedure: str = "",
            with_change: bool = True) -> list[ScoreRow]:
    """The units of a level (within `parent`) scored, ranked (ties share a rank) and compared.

    All procedures together: read from the maintained score rows (`score_rows`), ranks included when
    the units asked are a peer group (the provinces; a province's communes or agencies); one procedure:
    computed here, as the rows keep all procedures only.
    """
    units = peers(level, parent)
    if procedure:
        current = score_units(framework, units, period, procedure)
        previous = score_units(framework, units, period.previous(), procedure) if with_change else {}
    else:
        current = score_rows.stored_scores(framework, units, period)
        previous = score_rows.stored_scores(framework, units, period.previous()) if with_change else {}
    if not procedure and (level == Level.PROVINCE or (parent is not None and parent.level == Level.PROVINCE)):
        ranks = {code: score.rank for code, score in current.items()}
    else:
        ranks = rank_units(framework, current)  # on the same coverage, as the stored ranks
    official = official_scores(units, framework.code, period, procedure)
    coverages = {u.code: coverage_of(framework, current[u.code]) for u in units}
    rows = [
        ScoreRow(u, current[u.code], ranks[u.code],
                 change(current[u.code].total, previous[u.code].total)
                 if previous and comparable(framework, previous[u.code], coverages[u.code]) else None,
                 official.get(u.code, {}), coverages[u.code])
        for u in units
    ]
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.unit.code))
    return rows


def comparable(framework: Framework, previous, now: Coverage) -> bool:
    """A change is shown only between scores of the same coverage (the same groups and points with data):
    a jump from "/ 20 điểm có số liệu" to "/ 88" is new data, not better service."""
    return has_scored(previous) and coverage_of(framework, previous).key == now.key


def has_scored(score: UnitScore) -> bool:
    """True when at least one indicator had data and a denominator: else the period said nothing.

    A period where every indicator was "not applicable" totals 0 points (domain.md §3); a change
    against it would read as a jump from 0, so there is no change then.
    """
    if isinstance(score, score_rows.StoredScore):
        return score.scored
    return measured(score)


def as_json(row: ScoreRow) -> dict:
    """The shape `thuocdo scores --json` and the API print for one unit."""
    score = row.score
    return {
        "unit": {"code": row.unit.code, "name": row.unit.name, "level": row.unit.level},
        "framework": {"code": score.framework, "version": score.version},
        "total": _num(score.total),
        "max": _num(score.max_points),
        "grade": score.grade,
        "rank": row.rank,
        "change": _num(row.change),
        "groups": {code: _num(points) for code, points in score.points_by_group.items()},
        "official": {code: _num(points) for code, points in row.official.items()},
        "coverage": row.coverage.as_json() if row.coverage is not None else None,
    }


def _num(value) -> float | None:
    return None if value is None else float(value)

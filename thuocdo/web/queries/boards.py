"""Rankings with their figures: the 34 provinces, a province's communes and agencies, worst lists."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.utils import timezone

from thuocdo.evaluation.coverage import Coverage, coverage_of, shared_ranks
from thuocdo.evaluation.queries import has_scored, ranking
from thuocdo.evaluation.score_rows import StoredScore, stored_marks, stored_ranks, stored_scores
from thuocdo.evaluation.scoring import UnitScore, change
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit
from thuocdo.web.cache import FIGURES, SCORES, cached
from thuocdo.web.picker import Choice
from thuocdo.web.queries.figures import Figures, many_figures, overdue_now
from thuocdo.web.queries.trends import Trend, on_time_sparks

WORST_SIZE = 10
NATION = "VN"


@dataclass(frozen=True)
class BoardRow:
    """One unit's line: rank and score for the period, the comparison period's score, its figures."""

    unit: Unit
    rank: int | None
    total: Decimal | None
    max_points: Decimal
    grade: str | None
    compare_total: Decimal | None
    change: Decimal | None
    figures: Figures
    overdue: int | None = None
    spark: Trend | None = None
    coverage: Coverage | None = None  # what the score rests on (points with data, groups without)
    shared: int = 0  # units of the same coverage holding this rank (1: alone)


class Mark(NamedTuple):
    """What the map needs of a score (a UnitScore pickles to ~1.7 KB; this to a few bytes)."""

    total: Decimal | None
    grade: str | None


def marks(scores: dict[str, UnitScore | StoredScore]) -> dict[str, Mark]:
    return {code: Mark(score.total, score.grade) for code, score in scores.items()}


@dataclass(frozen=True)
class ProvinceBoard:
    """A province's page data: its communes and agencies ranked, and the worst lists."""

    communes: list[BoardRow]
    agencies: list[BoardRow]
    worst_on_time: list[BoardRow]
    most_overdue: list[BoardRow]
    heaviest_load: list[BoardRow]
    marks: dict[str, Mark]
    at: datetime


def _rows(choice: Choice, level: str, parent: Unit | None) -> tuple[list[BoardRow], dict[str, UnitScore]]:
    ranked = ranking(choice.framework, level, parent, choice.period, with_change=False)
    units = [r.unit for r in ranked]
    before = _totals(choice, level, parent, units) if choice.compare else {}
    figures = many_figures([u.code for u in units], choice.period.start, choice.period.end)
    covers, shared = coverages(choice, ranked)
    rows = []
    for r in ranked:
        previous, previous_key = before.get(r.unit.code, (None, None))
        # A change only between scores of the same coverage: more data is not better service.
        moved = change(r.score.total, previous) if previous_key == covers[r.unit.code].key else None
        rows.append(BoardRow(r.unit, r.rank, r.score.total, r.score.max_points, r.score.grade, previous,
                             moved, figures[r.unit.code], coverage=covers[r.unit.code], shared=shared[r.unit.code]))
    return rows, {r.unit.code: r.score for r in ranked}


def coverages(choice: Choice, ranked: list) -> tuple[dict[str, Coverage], dict[str, int]]:
    """Each ranked unit's coverage, and how many units of the same coverage share its rank."""
    covers = {r.unit.code: coverage_of(choice.framework, r.score) for r in ranked}
    shared = shared_ranks({code: cover.key for code, cover in covers.items()}, {r.unit.code: r.rank for r in ranked})
    return covers, shared


def _totals(choice: Choice, level: str, parent: Unit | None, units: list[Unit]) -> dict[str, tuple]:
    """(total, coverage key) of the comparison period, from the maintained score rows (moved by SCORES of the
    parent)."""

    def compute() -> dict[str, tuple]:
        # A period where nothing was scored has no total to compare with (see evaluation.queries.has_scored).
        scores = stored_scores(choice.framework, units, choice.compare)
        return {code: (score.total, coverage_of(choice.framework, score).key) if has_scored(score) else (None, None)
                for code, score in scores.items()}

    return cached("compared", parent.code if parent else NATION, (*choice.key, level, timezone.localdate()), compute,
                  kinds=(SCORES,))


def provinces(choice: Choice) -> tuple[list[BoardRow], datetime]:
    """The 34 provinces ranked, with their figures and an 8-week on-time trend (cached per change of VN)."""

    def compute() -> tuple[list[BoardRow], datetime]:
        rows, _scores = _rows(choice, Level.PROVINCE, None)
        codes = [r.unit.code for r in rows]
        # The trend lines move with the figures only (≈ 20 ms for the 34 over 8 weeks of day rows).
        sparks = cached("sparks", NATION, (timezone.localdate(),), lambda: on_time_sparks(codes, timezone.localdate()))
        return [_with(r, spark=sparks[r.unit.code]) for r in rows], timezone.now()

    return cached("provinces", NATION, (*choice.key, timezone.localdate()), compute, kinds=(FIGURES, SCORES))


def province(choice: Choice, unit: Unit) -> ProvinceBoard:
    """A province's communes and agencies ranked, with overdue counts and worst lists (cached per change)."""

    def compute() -> ProvinceBoard:
        communes, scores = _rows(choice, Level.COMMUNE, unit)
        agencies, agency_scores = _rows(choice, Level.AGENCY, unit)
        late = overdue_now([r.unit for r in communes + agencies])
        communes = [_with(r, overdue=late[r.unit.code]) for r in communes]
        agencies = [_with(r, overdue=late[r.unit.code]) for r in agencies]
        return ProvinceBoard(communes, agencies, *worst(communes + agencies), marks({**scores, **agency_scores}),
                             timezone.now())

    return cached("province", unit.code, (*choice.key, timezone.localdate()), compute, kinds=(FIGURES, SCORES))


def worst(rows: list[BoardRow]) -> tuple[list[BoardRow], list[BoardRow], list[BoardRow]]:
    """Lowest on-time rate (units that resolved something), most overdue now, most received per day."""
    resolved = [r for r in rows if r.figures.on_time_rate is not None]
    on_time = sorted(resolved, key=lambda r: (r.figures.on_time_rate, -r.figures.resolved, r.unit.code))
    overdue = sorted((r for r in rows if r.overdue), key=lambda r: (-r.overdue, r.unit.code))
    load = sorted((r for r in rows if r.figures.received), key=lambda r: (-r.figures.received, r.unit.code))
    return on_time[:WORST_SIZE], overdue[:WORST_SIZE], load[:WORST_SIZE]


def layer_communes(choice: Choice, communes: list[Unit]) -> tuple[dict[str, Figures], dict[str, int], dict[str, Mark]]:
    """Figures, overdue counts and score marks of one province's communes: one layer of the national map.

    Three grouped reads over the province's communes only (≈ 100 of them), so a change in one commune
    redraws its province's layer and not the country's 3,321 dots.
    """
    codes = [u.code for u in communes]
    marks = stored_marks(choice.framework, communes, choice.period)
    return (many_figures(codes, choice.period.start, choice.period.end), overdue_now(communes),
            {code: Mark(*mark) for code, mark in marks.items()})


def public_board(choice: Choice, parent: Unit | None) -> list[BoardRow]:
    """The public scoreboard: provinces, or one province's communes, ranked (score and grade only)."""
    level = Level.PROVINCE if parent is None else Level.COMMUNE

    def compute() -> list[BoardRow]:
        ranked = ranking(choice.framework, level, parent, choice.period, with_change=False)
        empty = Figures()
        covers, shared = coverages(choice, ranked)
        return [BoardRow(r.unit, r.rank, r.score.total, r.score.max_points, r.score.grade, None, None, empty,
                         coverage=covers[r.unit.code], shared=shared[r.unit.code]) for r in ranked]

    return cached("public", parent.code if parent else NATION, (*choice.key, timezone.localdate()), compute,
                  kinds=(SCORES,))


def commune_rank(choice: Choice, unit: Unit) -> tuple[int | None, int]:
    """The commune's rank among its province's communes (or agencies) and how many there are (score rows).

    The whole peer group is asked for, not the one row: a group only partly stored (a refresh writes the
    units it was told about) is then completed and ranked again, as `ranking` would.
    """
    if unit.parent is None or unit.parent.level != Level.PROVINCE:
        return None, 0
    group = [u for u in units_by_code().values() if u.level == unit.level and u.province_code == unit.parent.code]
    return stored_ranks(choice.framework, group, choice.period)[unit.code]


def _with(row: BoardRow, **changes) -> BoardRow:
    return replace(row, **changes)

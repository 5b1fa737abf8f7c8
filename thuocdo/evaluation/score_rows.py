"""Scores as a maintained view (ADR 0010): stored rows per (framework version, period, unit), kept current.

Readers (rankings, the API, pages, exports, the public board) ask `stored_scores`; it answers from the
`Score` rows, computing any missing peer group once and storing it. Writers mark the units they moved
(`metrics.changes.record`, in their own transaction); `refresh()` recomputes the marked units and their
parents for the hot periods, deletes their rows for any other period (recomputed when next asked), and
re-ranks only the peer groups they belong to, on the same coverage (`coverage`). Nothing here decides a score: it is
`scoring.score_unit` on the values `queries.scoring_values_for` reads, as before; only where it is kept.

Who runs `refresh()`:
  - a server started with `thuocdo serve` runs the refresher thread (`evaluation.refresher`): woken by
    every FIGURES notice, it refreshes within milliseconds and sends a SCORES notice for the live pages;
  - everywhere else (tests, the console) a read refreshes what is marked before it reads, so a write is
    always seen by the next read (`READ_REFRESHES`).

Counts that move with the clock alone — a pending dossier passing its due time — are caught by
`sweep_overdue`: units with a pending dossier that fell due after their rows were computed are marked.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar

from django.db import connection, transaction
from django.db.models import Max, Min
from django.utils import timezone

from thuocdo.dossiers.models import Dossier
from thuocdo.dossiers.ontime import Outcome
from thuocdo.evaluation.coverage import measured, rank_on_coverage, stored_key
from thuocdo.evaluation.frameworks import Framework
from thuocdo.evaluation.models import FrameworkVersion, Score
from thuocdo.evaluation.periods import Period
from thuocdo.evaluation.scoring import Status, UnitScore, score_unit
from thuocdo.evaluation.store import UnknownFramework, current_framework
from thuocdo.evaluation.values import scoring_level, scoring_values_for
from thuocdo.metrics import bulk, changes, notify
from thuocdo.metrics.bulk import Values
from thuocdo.metrics.models import FillState
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import NATIONAL_CODE, Level
from thuocdo.units.models import Unit

logger = logging.getLogger(__name__)
T = TypeVar("T")

# Reads refresh marked units first unless a refresher thread does it (set by `evaluation.refresher`).
READ_REFRESHES = True
_refreshing = threading.Lock()  # one refresh at a time in a process (the refresher takes a Redis lock too)


@dataclass(slots=True)
class StoredScore:
    """A unit's score as read from its row: what boards and rankings need, the breakdown on demand."""

    definition: Framework
    level: str
    total: Decimal | None
    max_points: Decimal
    grade: str | None
    complete: bool
    scored: bool
    coverage: Decimal
    points_by_group: dict[str, Decimal | None]
    values: dict[str, float]
    rank: int | None
    peers: int
    computed_at: datetime

    @property
    def framework(self) -> str:
        return self.definition.code

    @property
    def version(self) -> int:
        return self.definition.version

    @property
    def groups(self):
        """Every group with its indicators (the pure score of the stored values, as the row was computed)."""
        return self.breakdown().groups

    def breakdown(self) -> UnitScore:
        return score_unit(self.definition, self.level, self.values)


def hot_periods(today: date) -> list[Period]:
    """The periods kept scored at all times: those the pages offer first, and the Decree 09 windows."""
    year, week, _day = today.isocalendar()
    this_week = Period.for_week(year, week)
    month = Period.for_month(today.year, today.month)
    quarter = Period.for_quarter(today.year, (today.month - 1) // 3 + 1)
    window_month = today if today.day < 15 else (today.replace(day=1) + timedelta(days=32))
    report_month = Period.report_month(window_month.year, window_month.month)
    report_quarter = Period.report_quarter(window_month.year, (window_month.month - 1) // 3 + 1)
    report_year_of = today.year + 1 if (today.month, today.day) >= (12, 15) else today.year
    found: dict[tuple[date, date], Period] = {}
    for period in (Period.for_day(today), this_week, this_week.previous(), month, month.previous(), quarter,
                   quarter.previous(), Period.for_year(today.year), Period.rolling(7, today),
                   Period.rolling(30, today), report_month, report_month.previous(), report_quarter,
                   Period.report_year(report_year_of)):
        found.setdefault((period.start, period.end), period)
    return list(found.values())


def kept_frameworks(today: date | None = None) -> list[Framework]:
    """The version of each framework in force today (the versions pages and the API score with)."""
    found = []
    for code in FrameworkVersion.objects.values_list("code", flat=True).distinct().order_by("code"):
        try:
            found.append(current_framework(code, today)[1])
        except UnknownFramework:
            continue
    return found


def peer_group(unit: Unit) -> str:
    """The group a unit is ranked in: provinces nationally, communes and agencies within their province."""
    if unit.level == Level.NATIONAL:
        return ""
    return NATIONAL_CODE if unit.level == Level.PROVINCE else unit.province_code


def stored_scores(framework: Framework, units: list[Unit], period: Period) -> dict[str, StoredScore]:
    """Each unit's score for the period, from its row; a missing peer group is computed once and stored."""
    return {code: _stored(framework, row) for code, row in _complete(framework, units, period, _read).items()}


def stored_marks(framework: Framework, units: list[Unit], period: Period) -> dict[str, tuple[Decimal | None, str]]:
    """(total, grade) of each unit for the period, as `stored_scores` would give them, reading only those two.

    The national map colours 3,321 dots by grade: whole rows (values and groups as JSON) cost ≈ 0.5 s to
    read there, these two columns a tenth of it.
    """
    return _complete(framework, units, period, _read_marks)


def stored_ranks(framework: Framework, units: list[Unit], period: Period) -> dict[str, tuple[int | None, int]]:
    """(rank, peers) of each unit for the period, as `stored_scores` would give them, reading only those two."""
    return _complete(framework, units, period, _read_ranks)


def _complete(framework: Framework, units: list[Unit], period: Period, read: Callable[..., dict[str, T]]
              ) -> dict[str, T]:
    """`read` of these units' rows; the peer groups of units with no row are computed, stored and read."""
    if READ_REFRESHES:
        refresh(eager=False)
    codes = [u.code for u in units]
    rows = read(framework, period, codes)
    missing = [u for u in units if u.code not in rows]
    if missing:
        _fill_groups(framework, period, missing)
        rows = read(framework, period, codes)
    return rows


def _read_marks(framework: Framework, period: Period, codes: list[str]) -> dict[str, tuple[Decimal | None, str]]:
    return {code: (total, grade or None) for code, total, grade in _columns(framework, period, codes, "total", "grade")}


def _read_ranks(framework: Framework, period: Period, codes: list[str]) -> dict[str, tuple[int | None, int]]:
    return {code: (rank, peers) for code, rank, peers in _columns(framework, period, codes, "rank", "peers")}


def _columns(framework: Framework, period: Period, codes: list[str], *columns: str) -> list[tuple]:
    """(unit code, *columns) of these units' rows for the period, 900 codes a query."""
    found: list[tuple] = []
    for first in range(0, len(codes), 900):
        found += Score.objects.filter(framework_code=framework.code, version=framework.version, start=period.start,
                                      end=period.end, unit_code__in=codes[first:first + 900]
                                      ).values_list("unit_code", *columns)
    return found


def stored_score(framework: Framework, unit: Unit, period: Period) -> StoredScore:
    return stored_scores(framework, [unit], period)[unit.code]


def refresh(*, eager: bool = True, notify_pages: bool = True) -> list[str]:
    """Serve the marks: recompute the marked units' rows, re-rank, drop their other rows; returns the units.

    `eager` (the refresher thread): the hot periods of every framework in force are recomputed at once,
    with any unit of their peer groups not stored yet. Not eager (a read that refreshes first: tests, the
    console): the marked units' rows are only deleted, and the read that follows computes what it asks
    for, peer group by peer group — the same scores, without scoring periods nobody reads.
    A refresh already running in this process is not waited for: its caller is served the rows as they are.
    """
    if not _refreshing.acquire(blocking=False):
        return []
    try:
        sweep_overdue()
        marks = changes.pending()
        if not marks:
            return []
        registry = units_by_code()
        codes = changes.with_ancestors(code for code, _token in marks)
        units = [registry[code] for code in sorted(codes) if code in registry]
        if eager:
            _recompute_hot(units)
        with transaction.atomic():
            stale = Score.objects.filter(unit_code__in=[u.code for u in units])
            (stale.filter(hot=False) if eager else stale).delete()
            changes.clear(marks)
        if notify_pages:
            notify.publish([u.code for u in units], notify.SCORES)
        return [u.code for u in units]
    finally:
        _refreshing.release()


def _recompute_hot(units: list[Unit]) -> int:
    """Recompute the units' rows for every hot period and framework in force; returns rows written.

    One period at a time: its values read once for every framework, scored outside any transaction,
    then stored in a short one (SQLite's write lock is held only to store; memory holds one period of
    rows, whatever the number of units marked — after a national load, all of them).
    """
    today = timezone.localdate()
    frameworks = kept_frameworks(today)
    metrics = frozenset().union(*(framework.metrics for framework in frameworks))
    written = 0
    periods = hot_periods(today)
    # A peer group must be whole to be ranked: its units not stored yet for a period join in.
    missing = [(framework, _missing_peers(framework, periods, units)) for framework in frameworks]
    with bulk.memoised():  # "pending now" and the streaming provinces: read once, not once per period
        for period in periods:
            joining = [(framework, peers[(period.start, period.end)]) for framework, peers in missing]
            written += _recompute_period(units, joining, metrics, period)
    return written


def _recompute_period(units: list[Unit], joining: list[tuple[Framework, list[Unit]]], metrics: frozenset[str],
                      period: Period) -> int:
    """One hot period: its values read once for every framework, scored, then stored in one short transaction."""
    memo: dict = {}
    now = timezone.now()
    computed = []
    for framework, peers in joining:
        scored = units + peers
        values = _values_once(metrics, scored, period, memo)
        computed.append((framework, _compute(framework, period, scored, hot=True, now=now, values=values)))
    written = 0
    with transaction.atomic():
        for framework, rows in computed:
            written += _store(framework, period, rows)
    return written


def sweep_overdue(now: datetime | None = None) -> int:
    """Mark the units with a pending dossier that fell due after their hot rows were computed; returns how many.

    Due times are the only figures that move with nothing written: a dossier passes its (extended) due
    time while it is pending and not paused for a supplement (`metrics.queries.overdue_now`).
    """
    now = now or timezone.now()
    oldest = Score.objects.filter(hot=True, end__gte=timezone.localdate()).aggregate(at=Min("computed_at"))["at"]
    if oldest is None:
        return 0
    provinces = [code for code, unit in units_by_code().items() if unit.level == Level.PROVINCE]
    due = dict(
        Dossier.objects.filter(province_code__in=provinces, outcome=Outcome.PENDING, paused_since__isnull=True,
                               extended_due_at__gt=oldest, extended_due_at__lte=now)
        .values_list("unit_code").annotate(last=Max("extended_due_at"))
    )
    if not due:
        return 0
    computed = dict(Score.objects.filter(hot=True, unit_code__in=list(due)).values_list("unit_code")
                    .annotate(at=Min("computed_at")))
    late = [code for code, last in due.items() if code in computed and last > computed[code]]
    if late:
        with transaction.atomic():
            changes.mark(changes.with_ancestors(late))
    return len(late)


REBUILD = "scores.rebuild"


def rebuild(periods: Iterable[Period] | None = None, frameworks: Iterable[Framework] | None = None,
            progress=None, *, resume: bool = False) -> int:
    """Recompute every unit's rows for the periods (default: the hot ones) of the frameworks (default: those
    in force), one (framework, period) step at a time, each in its own transaction. Returns rows written.

    With `resume`, a rebuild that was interrupted goes on after its last finished step (the steps are
    the same as long as the date and the frameworks are); otherwise it starts from the first.
    """
    today = timezone.localdate()
    everything = periods is None and frameworks is None
    marks = changes.pending() if everything else []  # a rebuild of every hot row serves what is marked now
    periods = list(periods) if periods is not None else hot_periods(today)
    frameworks = list(frameworks) if frameworks is not None else kept_frameworks(today)
    hot = {(p.start, p.end) for p in hot_periods(today)}
    units = list(units_by_code().values())
    steps = [(framework, period) for framework in frameworks for period in periods]
    state, _created = FillState.objects.get_or_create(name=REBUILD)
    first = state.last_id if resume and not state.done and state.last_id < len(steps) else 0
    FillState.objects.filter(name=REBUILD).update(last_id=first, done=False)
    written = 0
    for done, (framework, period) in enumerate(steps[first:], start=first + 1):
        rows = _compute(framework, period, units, hot=(period.start, period.end) in hot, now=timezone.now())
        with transaction.atomic():
            written += _store(framework, period, rows)
            FillState.objects.filter(name=REBUILD).update(last_id=done)
        if progress:
            progress(done, len(steps), framework, period)
    with transaction.atomic():
        FillState.objects.filter(name=REBUILD).update(done=True)
        if marks:
            Score.objects.filter(unit_code__in={code for code, _token in marks}, hot=False).delete()
            changes.clear(marks)
    return written


@dataclass
class Difference:
    unit_code: str
    framework: str
    period: str
    field: str
    stored: object
    computed: object


def check(periods: Iterable[Period] | None = None, frameworks: Iterable[Framework] | None = None) -> list[Difference]:
    """Compare the stored rows with a fresh computation (totals, grades, groups, ranks); returns the differences.

    A missing row is no difference: rows are computed when first asked for (or by `rebuild`).
    """
    today = timezone.localdate()
    periods = list(periods) if periods is not None else hot_periods(today)
    frameworks = list(frameworks) if frameworks is not None else kept_frameworks(today)
    units = list(units_by_code().values())
    found: list[Difference] = []
    for framework in frameworks:
        for period in periods:
            fresh = {row.unit_code: row for row in _compute(framework, period, units, hot=True, now=timezone.now())}
            _rank_in_memory(fresh.values())
            stored = _read(framework, period, list(fresh))
            for code, row in fresh.items():
                have = stored.get(code)
                if have is None:
                    continue
                for name in ("total", "grade", "complete", "groups", "rank"):
                    if _comparable(getattr(have, name)) != _comparable(getattr(row, name)):
                        found.append(Difference(code, framework.code, period.code, name, getattr(have, name),
                                                getattr(row, name)))
    return found


# ---------------------------------------------------------------------------------------------------------


def _read(framework: Framework, period: Period, codes: list[str]) -> dict[str, Score]:
    rows: dict[str, Score] = {}
    for first in range(0, len(codes), 900):
        for row in Score.objects.filter(framework_code=framework.code, version=framework.version, start=period.start,
                                        end=period.end, unit_code__in=codes[first:first + 900]):
            rows[row.unit_code] = row
    return rows


def _stored(framework: Framework, row: Score) -> StoredScore:
    return StoredScore(
        framework, row.level, row.total, row.max_points, row.grade or None, row.complete, row.scored, row.coverage,
        {code: None if points is None else Decimal(points) for code, points in row.groups.items()},
        row.values, row.rank, row.peers, row.computed_at,
    )


def _missing_peers(framework: Framework, periods: list[Period], units: list[Unit]
                   ) -> dict[tuple[date, date], list[Unit]]:
    """Per period, the units of these units' peer groups that have no row for this framework version.

    One read for all the periods (a refresh asked once per period: ≈ 0.3 s of its round)."""
    wanted = {(peer_group(u), u.level) for u in units if peer_group(u)}
    asked = {u.code for u in units}
    group = [u for u in units_by_code().values() if (peer_group(u), u.level) in wanted and u.code not in asked]
    spans = [(p.start, p.end) for p in periods]
    if not group:
        return {span: [] for span in spans}
    stored: set[tuple[str, date, date]] = set()
    codes = [u.code for u in group]
    starts = sorted({start for start, _end in spans})
    for first in range(0, len(codes), 900):  # codes only: whole rows (values and groups as JSON) cost 20×
        stored.update(Score.objects.filter(framework_code=framework.code, version=framework.version,
                                           start__in=starts, unit_code__in=codes[first:first + 900])
                      .values_list("unit_code", "start", "end"))
    return {(start, end): [u for u in group if (u.code, start, end) not in stored] for start, end in spans}


def _values_once(metrics: frozenset[str], units: list[Unit], period: Period, memo: dict) -> Values:
    """The values of these units for the period, read once per set of units within one refresh."""
    key = (period.start, period.end, frozenset(u.code for u in units))
    if key not in memo:
        memo[key] = scoring_values_for(metrics, units, period)
    return memo[key]


def _fill_groups(framework: Framework, period: Period, missing: list[Unit]) -> None:
    """Compute and store every unit of the peer groups these units belong to (ranks need the whole group)."""
    registry = units_by_code().values()
    wanted = {(peer_group(u), u.level) for u in missing}
    units = [u for u in registry if (peer_group(u), u.level) in wanted]
    hot = any(period.start == p.start and period.end == p.end for p in hot_periods(timezone.localdate()))
    rows = _compute(framework, period, units, hot=hot, now=timezone.now())
    with transaction.atomic():
        _store(framework, period, rows)


def _compute(framework: Framework, period: Period, units: list[Unit], *, hot: bool, now: datetime,
             values: Values | None = None) -> list[Score]:
    wanted = framework.metrics
    if values is None:
        values = scoring_values_for(wanted, units, period)
    rows = []
    for unit in units:
        level = scoring_level(unit)
        got = values.get(unit.code, {})
        score = score_unit(framework, level, got)
        covered = sum((ind.max_points for group in score.groups.values() for ind in group.indicators
                       if ind.status is not Status.NO_DATA), Decimal(0))
        rows.append(Score(
            framework_code=framework.code, version=framework.version, unit_code=unit.code, level=level,
            peer_group=peer_group(unit), start=period.start, end=period.end, total=score.total,
            max_points=score.max_points, grade=score.grade or "", complete=score.complete,
            scored=measured(score, framework),  # nothing measured: không phát sinh, ranked apart (coverage.measured)
            coverage=(covered / score.max_points).quantize(Decimal("0.000001")) if score.max_points else Decimal(0),
            groups={code: None if points is None else str(points) for code, points in score.points_by_group.items()},
            values={metric: _plain(value) for metric, value in got.items() if metric in wanted},
            hot=hot, computed_at=now,
        ))
    return rows


def _store(framework: Framework, period: Period, rows: list[Score]) -> int:
    """Upsert the rows of one framework and period, then re-rank their peer groups (inside a transaction)."""
    if not rows:
        return 0
    Score.objects.bulk_create(
        rows, batch_size=500, update_conflicts=True,
        unique_fields=["framework_code", "version", "start", "end", "unit_code"],
        update_fields=["level", "peer_group", "total", "max_points", "grade", "complete", "scored", "coverage",
                       "groups", "values", "hot", "computed_at"],
    )
    _rerank(framework, period, {(row.peer_group, row.level) for row in rows if row.peer_group})
    return len(rows)


def _rerank(framework: Framework, period: Period, groups: set[tuple[str, str]]) -> None:
    """Rank the peer groups on the same coverage (`coverage.rank_on_coverage`) and store the ranks that changed.

    Within a peer group, a unit is ranked only among units with the same groups with data and the same
    points covered (ties share a rank: 1, 1, 3); `peers` is how many are ranked together. No total, or
    nothing measured (không phát sinh): no rank, no peers. Four narrow columns of ≈ 150 rows a province.
    """
    if not groups:
        return
    found = (
        Score.objects.filter(framework_code=framework.code, version=framework.version, start=period.start,
                             end=period.end, peer_group__in={group for group, _level in groups},
                             level__in={level for _group, level in groups})
        .values_list("pk", "peer_group", "level", "total", "scored", "coverage", "max_points", "groups", "rank",
                     "peers")
    )
    keys, totals, stored = {}, {}, {}
    for pk, group, level, total, scored, covered, max_points, points, rank, peers in found:
        if (group, level) not in groups:
            continue
        key = stored_key(total, scored, covered, max_points, points)
        keys[pk] = None if key is None else (group, level, key)
        totals[pk], stored[pk] = total, (rank, peers)
    changed = [(rank, peers, pk) for pk, (rank, peers) in rank_on_coverage(keys, totals).items()
               if (rank, peers) != stored[pk]]
    if changed:  # plain UPDATEs by key: Django's bulk_update builds a CASE per row (0.8 s a refresh)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {Score._meta.db_table} SET rank = %s, peers = %s WHERE id = %s", changed)


def _rank_in_memory(rows: Iterable[Score]) -> None:
    """The ranks `_rerank` would give, for rows not stored (the check's fresh computation)."""
    rows = list(rows)
    keys, totals = {}, {}
    for index, row in enumerate(rows):
        key = stored_key(row.total, row.scored, row.coverage, row.max_points, row.groups) if row.peer_group else None
        keys[index] = None if key is None else (row.peer_group, row.level, key)
        totals[index] = row.total
    for index, (rank, peers) in rank_on_coverage(keys, totals).items():
        rows[index].rank, rows[index].peers = rank, peers


def _plain(value) -> float | int:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _comparable(value):
    if isinstance(value, Decimal):
        return value.normalize()
    if isinstance(value, dict):
        return {k: None if v is None else Decimal(v).normalize() for k, v in value.items()}
    if value == "":
        return None
    return value

"""Coverage of a score (phần điểm có số liệu): how much of it rests on data, and which units are ranked together.

A score is shown out of the points its data covers, never out of the framework's maximum as if the
missing groups were zero: "18,72 / 20 điểm có số liệu · 1/6 nhóm" (partial) or "74,30 / 100" (full).
A unit with nothing to measure in the period is "không phát sinh": neither 0 nor full marks, and not
ranked. Units are ranked only against units of the same coverage (ADR 0010, "Ranking on the same
coverage"): the same groups with data and the same points covered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TypeVar

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from thuocdo.evaluation.frameworks import Framework, Rule
from thuocdo.evaluation.scoring import Status, UnitScore
from thuocdo.metrics import providers

Key = TypeVar("Key", bound=Hashable)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Coverage:
    """What a score rests on: points, the points its data covers, the groups with and without data."""

    total: Decimal | None
    covered: Decimal  # maximum points of the indicators with data ("not applicable" ones included)
    max_points: Decimal
    grade: str | None
    with_data: tuple[str, ...]  # names of the groups with data, in the framework's order
    without_data: tuple[str, ...]  # names of the groups with none
    idle: bool  # không phát sinh: nothing measured in the period, though some indicator had data (0 received)
    group_codes: tuple[str, ...] = ()  # codes of the groups with data (the ranking's partition)

    @property
    def groups(self) -> int:
        return len(self.with_data) + len(self.without_data)

    @property
    def full(self) -> bool:
        """Every indicator of every group has data: the score is out of the framework's maximum."""
        return not self.idle and self.total is not None and not self.without_data and self.covered >= self.max_points

    @property
    def partial(self) -> bool:
        return not self.idle and self.total is not None and not self.full

    @property
    def key(self) -> tuple | None:
        """Units with the same key are ranked together; None: not ranked (không phát sinh, or no data)."""
        if self.idle or self.total is None:
            return None
        return self.group_codes, self.covered

    def label(self) -> str:
        """"74,30 / 100", "18,72 / 20 điểm có số liệu · 1/6 nhóm", "không phát sinh" or "chưa có số liệu"."""
        if self.idle:
            return _("không phát sinh")
        if self.total is None:
            return _("chưa có số liệu")
        if self.full:
            return f"{fmt(self.total, 2)} / {fmt(self.max_points)}"
        return _("%(total)s / %(covered)s điểm có số liệu · %(n)s/%(all)s nhóm") % {
            "total": fmt(self.total, 2), "covered": fmt_points(self.covered), "n": len(self.with_data),
            "all": self.groups}

    def missing(self) -> str:
        """Which data is missing: "Chưa có số liệu: Công khai, minh bạch; Thanh toán trực tuyến"; "" if none."""
        if self.idle:
            return _("Không có hồ sơ hay số liệu nào để chấm trong kỳ: không tính điểm, không xếp hạng.")
        if self.total is None or self.full:
            return ""
        if self.without_data:
            return _("Chưa có số liệu: %(groups)s") % {"groups": "; ".join(self.without_data)}
        return _("Một số chỉ số chưa có số liệu (%(covered)s/%(max)s điểm có số liệu)") % {
            "covered": fmt_points(self.covered), "max": fmt(self.max_points)}

    def as_json(self) -> dict:
        """The coverage fields of the API and `thuocdo scores --json`."""
        return {
            "status": "not_applicable" if self.idle else "no_data" if self.total is None
            else "full" if self.full else "partial",
            "covered": float(self.covered), "groups_with_data": len(self.with_data), "groups": self.groups,
            "without_data": list(self.without_data), "label": self.label(),
        }


def coverage_of(framework: Framework, score) -> Coverage:
    """The coverage of a score: a UnitScore, or a stored row (`score_rows.StoredScore`, read from its columns)."""
    groups = framework.groups_for(score.level)
    by_group = score.points_by_group
    with_data = tuple(g for g in groups if by_group.get(g.code) is not None)
    without = tuple(g.name for g in groups if by_group.get(g.code) is None)
    if isinstance(score, UnitScore):
        covered = sum((ind.max_points for group in score.groups.values() for ind in group.indicators
                       if ind.status is not Status.NO_DATA), Decimal(0))
        idle = not measured(score, framework)
    else:  # a stored row: `coverage` is the share of the maximum with data, `scored` whether anything was measured
        covered = score.coverage * score.max_points
        idle = not score.scored
    idle = idle and score.total is not None  # no data at all is "chưa có số liệu", not "không phát sinh"
    return Coverage(score.total, covered.quantize(_CENT, rounding=ROUND_HALF_UP), score.max_points, score.grade,
                    tuple(g.name for g in with_data), without, idle, tuple(sorted(g.code for g in with_data)))


def stored_key(total: Decimal | None, scored: bool, coverage: Decimal, max_points: Decimal,
               groups: Mapping[str, object]) -> tuple | None:
    """`Coverage.key` from a stored row's columns (the ranking reads those, not whole rows)."""
    if total is None or not scored:
        return None
    covered = (coverage * max_points).quantize(_CENT, rounding=ROUND_HALF_UP)
    return tuple(sorted(code for code, points in groups.items() if points is not None)), covered


def measured(score: UnitScore, framework: Framework | None = None) -> bool:
    """True when some indicator was measured: scored from a non-zero denominator (or a given value).

    An indicator "not applicable", without data, or whose points only a zero denominator decided (a unit
    that received nothing gets the zero rule's 0 or full points) measured nothing: a unit whose
    indicators are all like that had nothing to measure in the period (không phát sinh). With the
    framework, an indicator scored only from standing facts shared by many units (the province's
    published catalogue, `metrics.providers.is_standing`) measured nothing of the unit either.
    """
    specs = framework.indicator_specs if framework is not None else {}
    return any(_measured(ind, specs.get(ind.code) if specs else None)
               for group in score.groups.values() for ind in group.indicators)


def _measured(part, spec=None) -> bool:
    if part.status is not Status.SCORED:
        return False
    parts = getattr(part, "parts", ())
    if parts:
        specs = spec.parts if spec is not None and len(spec.parts) == len(parts) else (None,) * len(parts)
        return any(_measured(p, s) for p, s in zip(parts, specs, strict=True))
    if spec is not None and _standing(spec, part.source):
        return False
    return not part.zero_denominator


def _standing(spec, source: int | None) -> bool:
    """Whether the source that scored this rule reads standing facts only."""
    if source is None:
        return False
    if getattr(spec, "rule", None) is Rule.GIVEN:
        expressions = [spec.value, *(value for value, _ in spec.value_fallbacks)]
        metrics = expressions[source].metrics if source < len(expressions) else frozenset()
    else:
        metrics = spec.sources[source].metrics if source < len(spec.sources) else frozenset()
    return bool(metrics) and all(providers.is_standing(metric) for metric in metrics)


def rank_on_coverage(keys: Mapping[Key, tuple | None], totals: Mapping[Key, Decimal | None]
                     ) -> dict[Key, tuple[int | None, int]]:
    """(rank, units ranked together) of each unit, ranked only among units with the same coverage key.

    Highest total first; equal totals share a rank and the next is skipped (1, 1, 3). A unit whose key
    is None is not ranked: (None, 0).
    """
    partitions: dict[tuple, list[Key]] = {}
    for unit, key in keys.items():
        if key is not None and totals.get(unit) is not None:
            partitions.setdefault(key, []).append(unit)
    found: dict[Key, tuple[int | None, int]] = {unit: (None, 0) for unit in keys}
    for members in partitions.values():
        ordered = sorted(members, key=lambda unit: totals[unit], reverse=True)
        previous, current = None, 0
        for position, unit in enumerate(ordered, start=1):
            if totals[unit] != previous:
                previous, current = totals[unit], position
            found[unit] = (current, len(members))
    return found


def shared_ranks(keys: Mapping[Key, tuple | None], ranks: Mapping[Key, int | None]) -> dict[Key, int]:
    """How many units hold each unit's rank in its coverage (1: it holds the rank alone; 0: not ranked)."""
    counts = Counter((keys[unit], rank) for unit, rank in ranks.items() if rank is not None)
    return {unit: counts[(keys[unit], rank)] if rank is not None else 0 for unit, rank in ranks.items()}


def fmt(value, places: int = 0) -> str:
    """A number in the active language, rounded half up: 18.72 → "18,72" (as `web.numbers.fmt`)."""
    exact = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    return number_format(exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), decimal_pos=places,
                         force_grouping=True)


def fmt_points(value: Decimal) -> str:
    """Points covered: whole as "20", else with two decimals ("17,50")."""
    return fmt(value) if value == value.to_integral_value() else fmt(value, 2)


def rank_units(framework: Framework, scores: Mapping[Key, object]) -> dict[Key, int | None]:
    """Ranks of scores computed in memory (one procedure, or units that are no peer group), on the same coverage."""
    keys = {unit: coverage_of(framework, score).key for unit, score in scores.items()}
    found = rank_on_coverage(keys, {unit: score.total for unit, score in scores.items()})
    return {unit: rank for unit, (rank, _peers) in found.items()}

"""Scoring (chấm điểm): a framework's rules applied to one unit's metric values; grades, ranks, changes.

Pure functions over `frameworks.Framework` and a mapping of metric code → value; nothing here reads
the database. Arithmetic is exact: a rule's points are computed with one Decimal division at 60
digits, then rounded half-up to the framework's decimals (2 for QĐ 766) per indicator and per
composite part, and a group's points are the sum of those rounded points, as the national portal
does. A metric with no value makes its indicator "no data" (None), never 0.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import StrEnum
from typing import TypeVar

from thuocdo.evaluation.expressions import ZeroDenominator
from thuocdo.evaluation.frameworks import Framework, Group, Indicator, Level, Part, Rule, ZeroRule

_EXACT = Context(prec=60, rounding=ROUND_HALF_UP)  # counts up to 10^20 divide exactly where the result terminates
_RATIO_PLACES = Decimal("0.000001")
_PLACES = [Decimal(1).scaleb(-decimals) for decimals in range(7)]  # frameworks round to 0–6 decimals
Key = TypeVar("Key", bound=Hashable)


class Status(StrEnum):
    """The outcome of one indicator or part for one unit."""

    SCORED = "scored"
    NOT_APPLICABLE = "not_applicable"  # zero denominator under the not_applicable rule: null, 0 points
    NO_DATA = "no_data"  # a metric it reads has no value: not counted at all, never 0


# Score records are built by the thousand (3,321 communes × 20 indicators): plain slotted dataclasses,
# about twice as fast to build as frozen ones. Treat them as read-only.
@dataclass(slots=True, kw_only=True)
class PartScore:
    """One rule applied to one unit: the ratio behind it and the (rounded) points it gives."""

    code: str
    status: Status
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    ratio: Decimal | None = None  # numerator / denominator, 6 decimals; None without a ratio
    points: Decimal | None = None  # None when not applicable or no data
    zero_denominator: bool = False  # the denominator was 0 and the zero rule decided the points
    source: int | None = None  # which source gave the ratio: 0 the main one, 1 the first fallback, …


@dataclass(slots=True, kw_only=True)
class IndicatorScore(PartScore):
    """One indicator's score for one unit; a composite one also lists its parts."""

    name: str
    max_points: Decimal
    rule: Rule
    estimate: bool = False
    label: str = ""
    parts: tuple[PartScore, ...] = ()


@dataclass(slots=True)
class GroupScore:
    """One group's points for one unit: the sum of its indicators' rounded points, None if none has data."""

    code: str
    name: str
    max_points: Decimal
    points: Decimal | None
    indicators: tuple[IndicatorScore, ...]


@dataclass(frozen=True)
class UnitScore:
    """A unit's score under one framework version: groups, total, maximum and grade."""

    framework: str
    version: int
    level: Level
    groups: dict[str, GroupScore]
    total: Decimal | None  # sum of the groups that have data; None if none has
    max_points: Decimal
    complete: bool  # every group has data; a grade needs that
    grade: str | None
    points_by_group: dict[str, Decimal | None] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "points_by_group", {code: group.points for code, group in self.groups.items()})


def round_half_up(value: Decimal | int | float | str, decimals: int = 2) -> Decimal:
    """Round half away from zero to `decimals` places, as the portal does (2.675 → 2.68).

    A float is read through its shortest text (repr), so 2.675 means 2.675, not its binary neighbour.
    """
    number = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    return number.quantize(_PLACES[decimals], rounding=ROUND_HALF_UP, context=_EXACT)


def score_unit(framework: Framework, level: Level | str, values: Mapping[str, float | None]) -> UnitScore:
    """Score one unit of this level from its metric values (metric code → value; missing or None = no data)."""
    level = Level(level)
    groups = {group.code: _score_group(group, level, values, framework.decimals) for group in
              framework.groups_for(level)}
    known = [group.points for group in groups.values() if group.points is not None]
    total = sum(known, Decimal(0)) if known else None
    max_points = framework.max_points(level)
    complete = len(known) == len(groups) and bool(groups)
    return UnitScore(framework.code, framework.version, level, groups, total, max_points, complete,
                     grade(framework, total, max_points) if complete else None)


def grade(framework: Framework, total: Decimal | float | None, max_points: Decimal | float) -> str | None:
    """Return the grade (xếp loại) for this total; bands are on 100 points, scaled to `max_points`."""
    if total is None or not max_points:
        return None
    on_100 = _EXACT.divide(_EXACT.multiply(_decimal(total), 100), _decimal(max_points))
    return next((band.label for band in framework.grades if on_100 >= band.minimum), None)


def rank(scores: Mapping[Key, Decimal | float | None]) -> dict[Key, int | None]:
    """Rank by points, highest first; equal points share a rank and the next rank is skipped (1, 1, 3).

    A unit with no score (None) gets no rank.
    """
    present = [(_decimal(value), key) for key, value in scores.items() if value is not None]
    ordered = sorted(present, key=lambda item: item[0], reverse=True)  # stable: ties keep the input order
    ranks: dict[Key, int | None] = {key: None for key in scores}
    previous, current = None, 0
    for position, (value, key) in enumerate(ordered, start=1):
        if value != previous:
            previous, current = value, position
        ranks[key] = current
    return ranks


def change(current: Decimal | float | None, previous: Decimal | float | None) -> Decimal | None:
    """Return current − previous points (the change against the previous period), None if either is missing."""
    if current is None or previous is None:
        return None
    return _decimal(current) - _decimal(previous)


def _score_group(group: Group, level: Level, values: Mapping[str, float | None], decimals: int) -> GroupScore:
    indicators = tuple(_score_indicator(indicator, values) for indicator in group.indicators_for(level))
    scored = [item.points or Decimal(0) for item in indicators if item.status is not Status.NO_DATA]
    points = round_half_up(sum(scored, Decimal(0)), decimals) if scored else None
    return GroupScore(group.code, group.name, group.max_points, points, indicators)


def _score_indicator(indicator: Indicator, values: Mapping[str, float | None]) -> IndicatorScore:
    common = {"code": indicator.code, "name": indicator.name, "max_points": indicator.max_points,
              "rule": indicator.rule, "estimate": indicator.estimate, "label": indicator.label}
    if indicator.rule is Rule.GIVEN:
        try:
            value = indicator.value.evaluate(values)
        except ZeroDenominator:
            value = None
        if value is None or not math.isfinite(value):
            return IndicatorScore(status=Status.NO_DATA, **common)
        return IndicatorScore(status=Status.SCORED, points=round_half_up(value, indicator.decimals), **common)
    if indicator.rule is Rule.COMPOSITE:
        parts = tuple(_score_ratio(part, values, indicator.decimals) for part in indicator.parts)
        statuses = {part.status for part in parts}
        if Status.NO_DATA in statuses:
            return IndicatorScore(status=Status.NO_DATA, parts=parts, **common)
        if statuses == {Status.NOT_APPLICABLE}:
            return IndicatorScore(status=Status.NOT_APPLICABLE, parts=parts, **common)
        points = min(indicator.max_points, sum((part.points or Decimal(0) for part in parts), Decimal(0)))
        return IndicatorScore(status=Status.SCORED, points=round_half_up(points, indicator.decimals),
                              parts=parts, **common)
    return _score_ratio(indicator, values, indicator.decimals, IndicatorScore, common)


def _score_ratio(rule: Indicator | Part, values: Mapping[str, float | None], decimals: int,
                 kind: type[PartScore] = PartScore, common: dict | None = None) -> PartScore:
    """Apply a linear, threshold or capped_linear rule to the first source that has all its values."""
    common = common or {"code": rule.code}
    chosen = next((found for found in (_ratio_of(index, source, values) for index, source in enumerate(rule.sources))
                   if found is not None), None)
    if chosen is None:
        return kind(status=Status.NO_DATA, **common)
    index, numerator, denominator = chosen
    if numerator is None or not denominator:  # a zero denominator, or a division by zero inside one
        zero = rule.zero_denominator
        points = {ZeroRule.FULL: rule.max_points, ZeroRule.ZERO: Decimal(0)}.get(zero)
        status = Status.NOT_APPLICABLE if zero is ZeroRule.NOT_APPLICABLE else Status.SCORED
        return kind(status=status, numerator=numerator, denominator=denominator,
                         points=None if points is None else round_half_up(points, decimals),
                    zero_denominator=True, source=index, **common)
    top = rule.max_points
    # Products of counts and maxima stay far below 28 digits, so they are exact in the default context;
    # the one division runs at 60 digits, exact wherever the result terminates (ties round correctly).
    if rule.rule is Rule.THRESHOLD:
        raw = min(top, _EXACT.divide(top * numerator, denominator * rule.threshold))
    else:
        raw = _EXACT.divide(top * numerator, denominator)
        if rule.rule is Rule.CAPPED_LINEAR:
            raw = min(top, raw)
    ratio = (numerator / denominator).quantize(_RATIO_PLACES, rounding=ROUND_HALF_UP)
    return kind(status=Status.SCORED, numerator=numerator, denominator=denominator, ratio=ratio,
                points=round_half_up(raw, decimals), source=index, **common)


_NO_DATA = object()


def _ratio_of(index: int, source, values: Mapping[str, float | None]) -> tuple | None:
    """Return (index, numerator, denominator) for a source whose values are all there, else None."""
    numerator, denominator = _evaluate(source.numerator, values), _evaluate(source.denominator, values)
    return None if numerator is _NO_DATA or denominator is _NO_DATA else (index, numerator, denominator)


def _evaluate(expression, values: Mapping[str, float | None]):
    """Return the expression's value as a Decimal, None after a division by zero, _NO_DATA if undefined."""
    try:
        value = expression.evaluate(values)
    except ZeroDenominator:
        return None
    if value is None or not math.isfinite(value):
        return _NO_DATA
    return _decimal(value)


def _decimal(value: Decimal | int | float) -> Decimal:
    if isinstance(value, float):
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    return Decimal(value)

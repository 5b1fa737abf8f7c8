"""Scoring (chấm điểm): a framework's rules applied to one unit's metric values; grades, ranks, changes.

Pure functions over `frameworks.Framework` and a mapping of metric code → value; nothing here reads
the database. Arithmetic is exact: a rule's points are computed with one Decimal division at 60
digits, then rounded half-up to the framework's decimals (2 for QĐ 766) per indicator and per
composite part, and a group's points are the sum of those rounded points, as the national portal
does. A metric with no value makes its indicator "no data" (None), never 0.

Speed (3,321 communes per ranking): a framework and level are turned once into a plan, one closure
per indicator with its expressions compiled (`Expression.compile`; a lone metric is read straight
from the values), and score records are built without their dataclass `__init__`. The plan is kept
while the Framework object lives (frameworks are immutable); the arithmetic is the one described
above, operation for operation, so the scores are the same to the last digit.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field, fields
from decimal import ROUND_HALF_UP, Context, Decimal
from enum import StrEnum
from typing import TypeVar

from thuocdo.evaluation.expressions import Expression, Metric, ZeroDenominator
from thuocdo.evaluation.frameworks import Framework, Indicator, Level, Part, Rule, ZeroRule

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
    code, version, level, groups_plan, max_points, bands = _plan(framework, level)
    groups: dict[str, GroupScore] = {}
    known = []
    for group_code, name, group_max, place, scorers in groups_plan:
        indicators = tuple([scorer(values) for scorer in scorers])
        points = None  # the sum of the rounded points of the indicators with data (not applicable: 0), rounded
        for item in indicators:
            if item.status is not _NO_DATA_STATUS:
                points = (_ZERO if points is None else points) + (item.points or _ZERO)
        if points is not None:
            points = points.quantize(place, rounding=ROUND_HALF_UP, context=_EXACT)
            known.append(points)
        group = groups[group_code] = _new(GroupScore)
        group.code, group.name, group.max_points, group.points, group.indicators = (
            group_code, name, group_max, points, indicators)
    total = sum(known, Decimal(0)) if known else None
    complete = len(known) == len(groups) and bool(groups)
    label = None
    if complete and max_points:  # grade(), with the bands and the maximum read once per plan
        on_100 = _EXACT.divide(_EXACT.multiply(total, 100), max_points)
        label = next((band_label for minimum, band_label in bands if on_100 >= minimum), None)
    return UnitScore(code, version, level, groups, total, max_points, complete, label)


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


_NO_DATA = object()  # an operand whose metrics do not all have a value
_SCORED, _NOT_APPLICABLE, _NO_DATA_STATUS = Status.SCORED, Status.NOT_APPLICABLE, Status.NO_DATA
_Scorer = Callable[[Mapping[str, float | None]], PartScore]
_new = object.__new__
_ZERO = Decimal(0)

# The records are built field by field (object.__new__ and slot stores are ~3× faster than the
# keyword-only __init__); every field is set, defaults included. Keep these lists in step.
_PART_FIELDS = ("code", "status", "numerator", "denominator", "ratio", "points", "zero_denominator", "source")
_INDICATOR_FIELDS = (*_PART_FIELDS, "name", "max_points", "rule", "estimate", "label", "parts")
_GROUP_FIELDS = ("code", "name", "max_points", "points", "indicators")
if (tuple(item.name for item in fields(PartScore)) != _PART_FIELDS
        or tuple(item.name for item in fields(IndicatorScore)) != _INDICATOR_FIELDS
        or tuple(item.name for item in fields(GroupScore)) != _GROUP_FIELDS):
    raise RuntimeError("scoring: PartScore/IndicatorScore/GroupScore fields changed; update where they are built")

# Plans per framework object: id → (weak reference, {level argument: plan}); an entry goes with its framework.
_PLANS: dict[int, tuple[weakref.ref, dict]] = {}


def _plan(framework: Framework, level: Level | str) -> tuple:
    """Return (code, version, level, groups, max_points, grade bands) for this framework and level, made once."""
    entry = _PLANS.get(id(framework))
    if entry is None or entry[0]() is not framework:
        key = id(framework)

        def forget(reference: weakref.ref, key: int = key) -> None:
            if _PLANS.get(key, (None,))[0] is reference:
                del _PLANS[key]

        entry = _PLANS[key] = (weakref.ref(framework, forget), {})
    plans = entry[1]
    plan = plans.get(level)
    if plan is None:
        plan = plans[level] = _make_plan(framework, Level(level))
    return plan


def _make_plan(framework: Framework, level: Level) -> tuple:
    groups = tuple(
        (group.code, group.name, group.max_points, _PLACES[framework.decimals],
         tuple(_compile_indicator(indicator) for indicator in group.indicators_for(level)))
        for group in framework.groups_for(level)
    )
    bands = tuple((band.minimum, band.label) for band in framework.grades)
    return framework.code, framework.version, level, groups, framework.max_points(level), bands


def _compile_indicator(indicator: Indicator) -> _Scorer:
    """Return a function of the values that gives this indicator's IndicatorScore."""
    extra = (indicator.name, indicator.max_points, indicator.rule, indicator.estimate, indicator.label)
    make, max_points, place = _maker(indicator.code, extra), indicator.max_points, _PLACES[indicator.decimals]
    if indicator.rule is Rule.GIVEN:
        # The value, then each fallback (a score computed from our own data where the portal gave none).
        values_of = tuple(expression.compile() for expression in
                          (indicator.value, *(value for value, _ in indicator.value_fallbacks)))
        isfinite = math.isfinite

        def given(values: Mapping[str, float | None]) -> IndicatorScore:
            for index, value_of in enumerate(values_of):
                try:
                    value = value_of(values)
                except ZeroDenominator:
                    value = None
                if value is None or not isfinite(value):
                    continue
                # round_half_up(value): a float is read through its repr
                points = Decimal(repr(value)).quantize(place, rounding=ROUND_HALF_UP, context=_EXACT)
                return make(_SCORED, points=points, source=index)
            return make(_NO_DATA_STATUS)

        return given
    if indicator.rule is Rule.COMPOSITE:
        part_scorers = tuple(_compile_ratio(part, indicator.decimals, part.code) for part in indicator.parts)

        def composite(values: Mapping[str, float | None]) -> IndicatorScore:
            parts = tuple([scorer(values) for scorer in part_scorers])
            points, applicable = _ZERO, not parts  # no parts: scored, 0
            for part in parts:
                status = part.status
                if status is _NO_DATA_STATUS:
                    return make(_NO_DATA_STATUS, parts=parts)
                if status is not _NOT_APPLICABLE:
                    applicable = True
                points = points + (part.points or _ZERO)
            if not applicable:  # every part not applicable
                return make(_NOT_APPLICABLE, parts=parts)
            if not points < max_points:  # min(max_points, points), which keeps max_points on a tie
                points = max_points
            return make(_SCORED, points=points.quantize(place, rounding=ROUND_HALF_UP, context=_EXACT), parts=parts)

        return composite
    return _compile_ratio(indicator, indicator.decimals, indicator.code, extra)


def _maker(code: str, extra: tuple | None = None) -> Callable[..., PartScore]:
    """Return a builder of this indicator's (with `extra`: name, max, rule, estimate, label) or part's records."""
    kind = PartScore if extra is None else IndicatorScore

    def make(status: Status, numerator: Decimal | None = None, denominator: Decimal | None = None,
             ratio: Decimal | None = None, points: Decimal | None = None, zero_denominator: bool = False,
             source: int | None = None, parts: tuple[PartScore, ...] = ()) -> PartScore:
        score = _new(kind)
        score.code, score.status, score.numerator, score.denominator = code, status, numerator, denominator
        score.ratio, score.points, score.zero_denominator, score.source = ratio, points, zero_denominator, source
        if extra is not None:
            score.name, score.max_points, score.rule, score.estimate, score.label = extra
            score.parts = parts
        return score

    return make


def _compile_ratio(rule: Indicator | Part, decimals: int, code: str, extra: tuple | None = None) -> _Scorer:
    """Return a function applying a linear, threshold or capped_linear rule to the first source with all its values.

    The points: max × numerator / denominator (÷ threshold, capped at max for threshold and capped_linear).
    Products of counts and maxima stay far below 28 digits, so they are exact in the default context; the
    one division runs at 60 digits, exact wherever the result terminates (ties round correctly).
    """
    make = _maker(code, extra)
    zero = rule.zero_denominator
    zero_points = {ZeroRule.FULL: rule.max_points, ZeroRule.ZERO: Decimal(0)}.get(zero)
    zero_points = None if zero_points is None else round_half_up(zero_points, decimals)
    zero_status = _NOT_APPLICABLE if zero is ZeroRule.NOT_APPLICABLE else _SCORED
    top, threshold, place = rule.max_points, rule.threshold, _PLACES[decimals]
    is_threshold, is_capped = rule.rule is Rule.THRESHOLD, rule.rule is Rule.CAPPED_LINEAR
    divide = _EXACT.divide
    if not all(isinstance(source.numerator, Metric) and isinstance(source.denominator, Metric)
               for source in rule.sources):
        return _compile_ratio_of_expressions(rule, make, zero_status, zero_points, place)
    pairs = tuple((index, source.numerator.code, source.denominator.code) for index, source in enumerate(rule.sources))
    kind = PartScore if extra is None else IndicatorScore
    new, known, read = _new, _READ.get, _read

    def score(values: Mapping[str, float | None]) -> PartScore:
        get = values.get
        for index, numerator_code, denominator_code in pairs:
            # Each metric read as _operand() reads it, None standing for _NO_DATA (there is no division here).
            numerator = get(numerator_code)
            if numerator is not None:
                number = known(numerator := float(numerator))
                numerator = read(numerator) if number is None else number
            denominator = get(denominator_code)
            if denominator is not None:
                number = known(denominator := float(denominator))
                denominator = read(denominator) if number is None else number
            if numerator is None or denominator is None:
                continue  # the next source, if any
            if not denominator:
                return make(zero_status, numerator, denominator, None, zero_points, True, index)
            if is_threshold:
                raw = divide(top * numerator, denominator * threshold)
                if not raw < top:  # min(top, raw), which keeps top on a tie
                    raw = top
            else:
                raw = divide(top * numerator, denominator)
                if is_capped and not raw < top:
                    raw = top
            result = new(kind)
            result.code = code
            result.status = _SCORED
            result.numerator = numerator
            result.denominator = denominator
            result.ratio = (numerator / denominator).quantize(_RATIO_PLACES, rounding=ROUND_HALF_UP)
            result.points = raw.quantize(place, rounding=ROUND_HALF_UP, context=_EXACT)
            result.zero_denominator = False
            result.source = index
            if extra is not None:
                result.name, result.max_points, result.rule, result.estimate, result.label = extra
                result.parts = ()
            return result
        return make(_NO_DATA_STATUS)

    return score


def _compile_ratio_of_expressions(rule: Indicator | Part, make: Callable[..., PartScore], zero_status: Status,
                                  zero_points: Decimal | None, place: Decimal) -> _Scorer:
    """_compile_ratio for sources with expressions other than a lone metric (sums, fallbacks, constants)."""
    sources = tuple((index, _operand(source.numerator), _operand(source.denominator))
                    for index, source in enumerate(rule.sources))
    top, threshold = rule.max_points, rule.threshold
    is_threshold, is_capped = rule.rule is Rule.THRESHOLD, rule.rule is Rule.CAPPED_LINEAR
    divide = _EXACT.divide

    def score(values: Mapping[str, float | None]) -> PartScore:
        for index, numerator_of, denominator_of in sources:
            numerator, denominator = numerator_of(values), denominator_of(values)  # both, as the original did
            if numerator is _NO_DATA or denominator is _NO_DATA:
                continue  # the next source, if any
            if numerator is None or not denominator:  # a zero denominator, or a division by zero inside one
                return make(zero_status, numerator, denominator, None, zero_points, True, index)
            if is_threshold:
                raw = min(top, divide(top * numerator, denominator * threshold))
            else:
                raw = divide(top * numerator, denominator)
                if is_capped:
                    raw = min(top, raw)
            ratio = (numerator / denominator).quantize(_RATIO_PLACES, rounding=ROUND_HALF_UP)
            return make(_SCORED, numerator, denominator, ratio,
                        raw.quantize(place, rounding=ROUND_HALF_UP, context=_EXACT), False, index)
        return make(_NO_DATA_STATUS)

    return score


def _operand(expression: Expression) -> Callable[[Mapping[str, float | None]], Decimal | None | object]:
    """Return a function of the values giving the expression's value as a Decimal (a float read exactly:
    an integral one as an int, any other through its repr), None after a division by zero, _NO_DATA if
    a metric has no value or the result is not finite."""
    if isinstance(expression, Metric):  # most operands: one metric, read straight from the values
        code, known = expression.code, _READ.get

        def metric(values: Mapping[str, float | None]) -> Decimal | object:
            value = values.get(code)
            if value is None:
                return _NO_DATA
            value = float(value)
            number = known(value)
            if number is None:
                number = _read(value)
            return _NO_DATA if number is None else number

        return metric
    evaluate = expression.compile()
    if not expression.metrics:  # a constant (float arithmetic, never raising but for ZeroDenominator): once
        constant = _evaluate(evaluate, {})
        return lambda values: constant
    return lambda values: _evaluate(evaluate, values)


def _evaluate(evaluate: Callable[[Mapping[str, float | None]], float | None],
              values: Mapping[str, float | None]) -> Decimal | None | object:
    """Return the expression's value as a Decimal, None after a division by zero, _NO_DATA if undefined."""
    try:
        value = evaluate(values)
    except ZeroDenominator:
        return None
    if value is None or not math.isfinite(value):
        return _NO_DATA
    return _decimal(value)


def _decimal(value: Decimal | int | float) -> Decimal:
    if isinstance(value, float):
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    return Decimal(value)


# A float metric value → its Decimal, as _decimal reads it, remembered: the same counts come back unit
# after unit, and a dict hit is ~3× cheaper than the conversion. Equal floats convert alike (0.0 and
# -0.0 both give Decimal(0)); non-finite ones are never stored. At most _READ_MAX entries (a few MB).
_READ: dict[float, Decimal] = {}
_READ_MAX = 20_000


def _read(value: float) -> Decimal | None:
    """Return _decimal(value) for a finite float, None for inf and nan; remember it while there is room."""
    if value.is_integer():
        number = Decimal(int(value))
    elif math.isfinite(value):
        number = Decimal(repr(value))
    else:
        return None
    if len(_READ) < _READ_MAX:
        _READ[value] = number
    return number

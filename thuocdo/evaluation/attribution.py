"""Why did the score change (vì sao điểm thay đổi): a unit's change between two periods, line by line.

The change in the total is split into its indicators (each indicator's change = its points now − its
points in the period compared against, as scored), and each ratio indicator's change into its
contributors: procedures for a commune or agency, communes for a province, provinces for the nation
(`contributors.py`). With r0 = N0/D0 the earlier ratio and (n_i, d_i) a contributor's counts now,

    c_i = M × (n_i − r0 × d_i) / D1          (÷ threshold too for a threshold rule)

and Σ c_i = M × (N1/D1 − r0): the change the ratio alone makes, before caps and rounding. What the
split leaves out of N1 and D1 is one "phần còn lại" line computed the same way, so the split is
always whole. Lines are the five largest |c_i|, one line for the others, and, when a cap, a threshold
or rounding made the points move by something else, one line "làm tròn / giới hạn điểm": the lines
of an indicator sum exactly to its change, and the indicators' changes to the group's and the
total's (Decimal arithmetic, rounded as the framework rounds). ADR 0012 says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from thuocdo.evaluation.contributors import Contributors, contributors
from thuocdo.evaluation.frameworks import Framework, Indicator, Part, Rule
from thuocdo.evaluation.periods import Period
from thuocdo.evaluation.queries import has_scored
from thuocdo.evaluation.scoring import (
    _EXACT,
    _NO_DATA,
    PartScore,
    Status,
    UnitScore,
    _operand,
    round_half_up,
    score_unit,
)
from thuocdo.evaluation.values import scoring_level, scoring_values
from thuocdo.units.models import Unit

TOP = 5  # contributors named per indicator; the rest are one line
_ZERO = Decimal(0)
ROUNDING_LABEL = "làm tròn / giới hạn điểm"
REMAINDER_LABEL = {"procedure": "hồ sơ không ghi mã thủ tục", "commune": "hồ sơ của cấp tỉnh, không thuộc xã nào",
                   "province": "phần còn lại"}


@dataclass
class Line:
    """One line of an indicator's change: a contributor, the others, the remainder, or an adjustment.

    kind: contributor | others | remainder | unattributed | given | rounding. `amount` is in points,
    rounded as the framework rounds. A contributor's numerator and denominator are its counts in the
    period asked (for on-time dossiers, denominator − numerator are its late ones).
    """

    kind: str
    label: str
    amount: Decimal
    code: str = ""
    name: str = ""
    part: str = ""
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    count: int = 0  # "others": how many contributors it holds

    @property
    def shortfall(self) -> Decimal | None:
        """Denominator − numerator: what did not count (late dossiers for the on-time indicator)."""
        if self.numerator is None or self.denominator is None:
            return None
        return self.denominator - self.numerator


@dataclass
class IndicatorChange:
    """One indicator's points in both periods, its change and the lines that make it up."""

    code: str
    name: str
    status: str
    status_before: str
    points: Decimal | None
    points_before: Decimal | None
    change: Decimal
    ratio: Decimal | None = None
    ratio_before: Decimal | None = None
    note: str = ""
    lines: list[Line] = field(default_factory=list)


@dataclass
class GroupChange:
    """One group's points in both periods and its change: the sum of its indicators' (plus group rounding)."""

    code: str
    name: str
    points: Decimal | None
    points_before: Decimal | None
    change: Decimal
    indicators: list[IndicatorChange]
    rounding: Decimal = _ZERO  # the group's own rounding, when its decimals are fewer than its indicators'


@dataclass
class Attribution:
    """A unit's score change between `period` and `against`, by group, indicator and contributor."""

    unit: Unit
    framework: Framework
    period: Period
    against: Period
    total: Decimal | None
    total_before: Decimal | None
    change: Decimal | None  # None: one of the periods has nothing scored (reason says which)
    by: str
    groups: list[GroupChange] = field(default_factory=list)
    reason: str = ""
    notes: list[str] = field(default_factory=list)


def attribute_change(framework: Framework, unit: Unit, period: Period, against: Period | None = None) -> Attribution:
    """Split the unit's score change from `against` (default: the previous period of the same kind) to `period`."""
    against = against or period.previous()
    level = scoring_level(unit)
    now = score_unit(framework, level, scoring_values(framework, [unit], period).get(unit.code, {}))
    before = score_unit(framework, level, scoring_values(framework, [unit], against).get(unit.code, {}))
    split = _LazySplit(unit, period, framework)
    result = Attribution(unit, framework, period, against, now.total, before.total, None, split.kind)
    missing = [p.label for p, s in ((period, now), (against, before)) if s.total is None or not has_scored(s)]
    if missing:
        result.reason = ("Không so sánh được: không có số liệu hoặc không phát sinh hồ sơ trong "
                         + " và ".join(missing) + ".")
        return result
    result.groups = [_group_change(framework, now, before, code, split) for code in now.groups]
    result.change = now.total - before.total
    for group in result.groups:
        if (group.points is None) != (group.points_before is None):
            when = period.label if group.points is not None else against.label
            result.notes.append(f"Nhóm {group.name} chỉ có số liệu trong {when}: điểm của nhóm tính cả vào thay đổi.")
    return result


class _LazySplit:
    """The contributors, read once and only if an indicator needs them."""

    def __init__(self, unit: Unit, period: Period, framework: Framework):
        self.unit, self.period, self.metrics = unit, period, framework.metrics
        self.kind = {"national": "province", "province": "commune"}.get(unit.level, "procedure")
        self._got: Contributors | None = None

    def noun(self) -> str:
        """What a contributor is called in an "others" line."""
        return {"procedure": "thủ tục", "commune": "đơn vị", "province": "tỉnh"}[self.kind]

    def get(self) -> Contributors:
        if self._got is None:
            self._got = contributors(self.unit, self.period, self.metrics)
        return self._got


def _group_change(framework: Framework, now: UnitScore, before: UnitScore, code: str, split: _LazySplit) -> GroupChange:
    group_now, group_before = now.groups[code], before.groups[code]
    specs = {item.code: item for item in framework.group(code).indicators}
    indicators = [
        _indicator_change(specs[item.code], item, old, split)
        for item, old in zip(group_now.indicators, group_before.indicators, strict=True)
    ]
    change = (group_now.points or _ZERO) - (group_before.points or _ZERO)
    rounding = change - sum((i.change for i in indicators), _ZERO)
    return GroupChange(code, group_now.name, group_now.points, group_before.points, change, indicators, rounding)


def _indicator_change(spec: Indicator, now: PartScore, before: PartScore, split: _LazySplit) -> IndicatorChange:
    change = (now.points or _ZERO) - (before.points or _ZERO)
    result = IndicatorChange(spec.code, spec.name, str(now.status), str(before.status), now.points, before.points,
                             change, now.ratio, before.ratio)
    no_data = [now.status is Status.NO_DATA, before.status is Status.NO_DATA]
    if all(no_data):
        result.note = "chưa có số liệu ở cả hai kỳ"
        return result
    if any(no_data):
        result.note = "chưa có số liệu kỳ này" if no_data[0] else "chưa có số liệu kỳ so sánh"
        result.lines = [Line("unattributed", result.note + ": không phân tích", change)] if change else []
        return result
    if spec.rule is Rule.GIVEN:
        result.lines = [Line("given", "điểm công bố, không có số liệu gốc để phân tích", change)] if change else []
        return result
    if spec.rule is Rule.COMPOSITE:
        exact = [line for part, part_now, part_before in zip(spec.parts, now.parts, before.parts, strict=True)
                 for line in _ratio_lines(part, part_now, part_before, split, part.name)]
    else:
        exact = _ratio_lines(spec, now, before, split)
    if not exact and now.status is Status.NOT_APPLICABLE and before.status is Status.NOT_APPLICABLE:
        result.note = "không phát sinh ở cả hai kỳ"
    result.lines = _shown_lines(exact, change, spec.decimals, split.noun())
    return result


def _ratio_lines(rule: Indicator | Part, now: PartScore, before: PartScore, split: _LazySplit,
                 part: str = "") -> list[Line]:
    """The exact (unrounded) lines of one ratio rule's change; see the module docstring."""
    moved = (now.points or _ZERO) - (before.points or _ZERO)
    if now.status is not Status.SCORED or before.status is not Status.SCORED or now.zero_denominator \
            or before.zero_denominator:
        if not moved:
            return []
        return [Line("unattributed", "mẫu số bằng 0 ở một kỳ (quy tắc mẫu số 0 quyết định điểm): không phân tích",
                     moved, part=part)]
    top = rule.max_points / rule.threshold if rule.rule is Rule.THRESHOLD else rule.max_points
    earlier = _EXACT.divide(before.numerator, before.denominator)
    scale = _EXACT.divide(top, now.denominator)

    def amount(n: Decimal, d: Decimal) -> Decimal:
        return _EXACT.multiply(scale, _EXACT.subtract(n, _EXACT.multiply(earlier, d)))

    source = rule.sources[now.source]
    found = split.get()
    lines: list[Line] = []
    n_rest, d_rest = now.numerator, now.denominator
    if found.covers(source.metrics):
        numerator_of, denominator_of = _operand(source.numerator), _operand(source.denominator)
        for code, values in found.values.items():
            if found.missing_is_zero:
                values = _zero_filled(values, source.metrics)
            n, d = numerator_of(values), denominator_of(values)
            if n is _NO_DATA or d is _NO_DATA or n is None or d is None:
                continue  # no value for it: left to the remainder
            n_rest, d_rest = n_rest - n, d_rest - d
            name = found.names.get(code, "")
            label = (f"thủ tục {code} {name}".strip() if found.kind == "procedure" else name or code)
            lines.append(Line("contributor", label, amount(n, d), code=code, name=name, part=part,
                              numerator=n, denominator=d))
        label = REMAINDER_LABEL[found.kind]
    else:
        label = found.why_not()
    if n_rest or d_rest:
        lines.append(Line("remainder", label, amount(n_rest, d_rest), part=part, numerator=n_rest, denominator=d_rest))
    return lines


def _zero_filled(values: Mapping[str, float], metrics: frozenset[str]) -> dict[str, float]:
    return {**{metric: 0 for metric in metrics}, **values}


def _shown_lines(exact: list[Line], change: Decimal, decimals: int, noun: str) -> list[Line]:
    """The top contributors by |amount|, one line for the others, the rest as they are; rounded; the
    rounding/cap line makes them sum to `change` exactly."""
    named = sorted((line for line in exact if line.kind == "contributor" and line.amount),
                   key=lambda line: (-abs(line.amount), line.code))
    shown = named[:TOP]
    rest = named[TOP:]
    if rest:
        shown.append(Line("others", f"{len(rest)} {noun} khác",
                          sum((line.amount for line in rest), _ZERO), count=len(rest),
                          numerator=sum((line.numerator for line in rest), _ZERO),
                          denominator=sum((line.denominator for line in rest), _ZERO)))
    shown += [line for line in exact if line.kind != "contributor" and line.amount]
    for line in shown:
        line.amount = round_half_up(line.amount, decimals)
    shown = [line for line in shown if line.amount]
    gap = change - sum((line.amount for line in shown), _ZERO)
    if gap:
        shown.append(Line("rounding", ROUNDING_LABEL, gap))
    return shown


# What a line says about its counts, per indicator: the words for denominator − numerator.
_SHORTFALL_WORDS = {"DOSSIER_ON_TIME": "hồ sơ trễ hạn"}
_SHORTFALL_DEFAULT = "trường hợp chưa đạt"


def as_json(result: Attribution) -> dict:
    """The shape the API and `thuocdo scores change --json` give."""
    return {
        "unit": {"code": result.unit.code, "name": result.unit.name, "level": result.unit.level},
        "framework": {"code": result.framework.code, "version": result.framework.version},
        "period": _period_json(result.period), "against": _period_json(result.against),
        "total": _num(result.total), "total_before": _num(result.total_before), "change": _num(result.change),
        "by": result.by, "reason": result.reason, "notes": result.notes, "summary": summary(result),
        "groups": [{
            "code": g.code, "name": g.name, "points": _num(g.points), "points_before": _num(g.points_before),
            "change": _num(g.change), "rounding": _num(g.rounding),
            "indicators": [{
                "code": i.code, "name": i.name, "status": i.status, "status_before": i.status_before,
                "points": _num(i.points), "points_before": _num(i.points_before), "change": _num(i.change),
                "ratio": _num(i.ratio), "ratio_before": _num(i.ratio_before), "note": i.note,
                "lines": [{
                    "kind": line.kind, "label": line.label, "amount": _num(line.amount), "code": line.code,
                    "name": line.name, "part": line.part, "numerator": _num(line.numerator),
                    "denominator": _num(line.denominator), "shortfall": _num(line.shortfall), "count": line.count,
                } for line in i.lines],
            } for i in g.indicators],
        } for g in result.groups],
    }


def summary(result: Attribution) -> str:
    """One Vietnamese sentence: "−3,10 điểm: Tiến độ giải quyết −2,40 (thủ tục 1.004227 …: 41 hồ sơ trễ hạn), …".

    Groups that moved, largest change first; each names its largest contributor moving the same way.
    """
    if result.change is None:
        return result.reason
    parts = []
    for group in sorted((g for g in result.groups if g.change), key=lambda g: (-abs(g.change), g.code)):
        text = f"{group.name} {signed_points(group.change)}"
        lines = [(line, i.code) for i in group.indicators for line in i.lines
                 if line.kind == "contributor" and line.amount * group.change > 0]
        if lines:
            line, indicator = max(lines, key=lambda item: abs(item[0].amount))
            words = _SHORTFALL_WORDS.get(indicator, _SHORTFALL_DEFAULT)
            text += f" ({line.label}: {count_text(line.shortfall)} {words})"
        parts.append(text)
    head = f"{signed_points(result.change)} điểm"
    return f"{head}: {', '.join(parts)}" if parts else f"{head}: không chỉ số nào thay đổi"


def breakdown(result: Attribution) -> list[str]:
    """The lines under the summary, indented: each group and indicator that moved, then its lines with counts."""
    out = []
    for group in (g for g in result.groups if g.change or any(i.lines for i in g.indicators)):
        out.append(f"  {group.name}: {signed_points(group.change)}")
        for item in (i for i in group.indicators if i.change or i.lines):
            note = f" ({item.note})" if item.note else ""
            out.append(f"    {item.name}: {_points(item.points_before)} → {_points(item.points)}, "
                       f"{signed_points(item.change)}{note}")
            for line in item.lines:
                counts = (f" — {count_text(line.numerator)}/{count_text(line.denominator)}"
                          if line.denominator is not None else "")
                part = f"{line.part}: " if line.part else ""
                out.append(f"      {part}{line.label}: {signed_points(line.amount)}{counts}")
        if group.rounding:
            out.append(f"    làm tròn điểm nhóm: {signed_points(group.rounding)}")
    return out


def signed_points(value: Decimal) -> str:
    """−3.1 → "−3,10", 0.7 → "+0,70", 0 → "0,00" (two decimals, comma, a true minus sign)."""
    text = f"{abs(value):.2f}".replace(".", ",")
    return "0,00" if not value else ("−" if value < 0 else "+") + text


def count_text(value: Decimal | None) -> str:
    """1234 → "1.234"; 12.5 → "12,5" (Vietnamese grouping and decimal comma)."""
    if value is None:
        return "—"
    number = value.normalize() if value != value.to_integral_value() else value.to_integral_value()
    return f"{number:,f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def _points(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


def _period_json(period: Period) -> dict:
    return {"code": period.code, "label": period.label, "from": period.start.isoformat(),
            "to": period.end.isoformat()}


def _num(value) -> float | None:
    return None if value is None else float(value)

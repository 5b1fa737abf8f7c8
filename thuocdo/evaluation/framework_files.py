"""Framework YAML files: read one into `frameworks.Framework`, checking every field on the way.

A problem is refused with a FrameworkError naming the file, line and column, the indicator code,
the field and, for a bad expression, the position in it (the column points at the character too
when the expression is written on one line). See `presets/qd766.yaml` for the format.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

import yaml

from thuocdo.evaluation.expressions import Expression, ExpressionError, parse
from thuocdo.evaluation.frameworks import (
    DEFAULT_GRADES,
    ESTIMATE_LABEL,
    GIVEN_LABEL,
    PART_RULES,
    Framework,
    FrameworkError,
    GradeBand,
    Group,
    Indicator,
    Level,
    Part,
    Rule,
    Source,
    ZeroRule,
)

FRAMEWORK_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
ITEM_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")  # group, indicator and part codes: CKMB, PUBLISH_ON_TIME

_FRAMEWORK_KEYS = {"code", "name", "version", "valid_from", "description", "rounding", "grades", "groups"}
_GROUP_KEYS = {"code", "name", "max", "indicators"}
_RATIO_KEYS = {"numerator", "denominator", "fallbacks", "threshold", "zero_denominator"}
_PART_KEYS = {"code", "name", "max", "rule"} | _RATIO_KEYS
_INDICATOR_KEYS = _PART_KEYS | {"levels", "parts", "value", "estimate", "label", "source", "rounding"}
_ONLY_FOR = {"parts": {Rule.COMPOSITE}, "value": {Rule.GIVEN}, "threshold": {Rule.THRESHOLD},
             "numerator": PART_RULES, "denominator": PART_RULES, "fallbacks": PART_RULES | {Rule.GIVEN},
             "zero_denominator": PART_RULES}


class _Mapping(dict):
    """A YAML mapping that remembers where each of its values starts in the file."""

    marks: dict


class _Loader(yaml.SafeLoader):
    """Safe YAML loader whose mappings keep their values' positions and refuse duplicate keys."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode):
    loader.flatten_mapping(node)
    mapping = _Mapping()
    mapping.marks = {}
    yield mapping
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise yaml.constructor.ConstructorError(None, None, f"khóa '{key}' lặp lại", key_node.start_mark)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.marks[key] = (value_node.start_mark, getattr(value_node, "style", None))


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


class _Reader:
    """Reads one file; `fail` turns a problem into a FrameworkError with its place in the file."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, message: str, where: dict | None = None, key: str | None = None, *,
             indicator: str | None = None, field: str | None = None) -> None:
        line = column = None
        if where is not None and key in getattr(where, "marks", {}):
            mark = where.marks[key][0]
            line, column = mark.line + 1, mark.column + 1
        raise FrameworkError(message, origin=self.origin, indicator=indicator, field=field or key,
                             line=line, column=column)

    def mapping(self, value, allowed: set[str], required: set[str], parent: dict | None, key: str | None,
                indicator: str | None = None) -> _Mapping:
        if not isinstance(value, dict):
            self.fail("cần một bảng khóa: giá trị", parent, key, indicator=indicator)
        for name in sorted(set(value) - allowed, key=str):
            self.fail(f"khóa lạ '{name}'", value, name, indicator=indicator)
        for name in sorted(required - set(value)):
            self.fail(f"thiếu khóa '{name}'", parent, key, indicator=indicator, field=name)
        return value

    def items(self, where: dict, key: str, indicator: str | None = None) -> list:
        value = where.get(key)
        if not isinstance(value, list) or not value:
            self.fail("cần một danh sách không rỗng", where, key, indicator=indicator)
        return value

    def text(self, where: dict, key: str, pattern: re.Pattern | None = None, indicator: str | None = None,
             default: str | None = None) -> str:
        value = where.get(key, default)
        if not isinstance(value, str) or not value.strip() or (pattern and not pattern.match(value)):
            rule = f" dạng {pattern.pattern}" if pattern else ""
            self.fail(f"cần một chuỗi{rule}, gặp {value!r}", where, key, indicator=indicator)
        return value.strip()

    def number(self, where: dict, key: str, indicator: str | None = None, positive: bool = False) -> Decimal:
        value = where.get(key)
        try:
            if isinstance(value, bool):
                raise InvalidOperation
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or number < 0 or (positive and number == 0):
            self.fail(f"cần một số {'dương' if positive else 'không âm'}, gặp {value!r}", where, key,
                      indicator=indicator)
        return number

    def integer(self, where: dict, key: str, default: int, low: int, high: int, indicator: str | None = None) -> int:
        value = where.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.fail(f"cần một số nguyên từ {low} đến {high}, gặp {value!r}", where, key, indicator=indicator)
        return value

    def choice(self, where: dict, key: str, kind: type, default=None, indicator: str | None = None):
        value = where.get(key, default)
        try:
            return kind(value)
        except ValueError:
            names = ", ".join(member.value for member in kind)
            self.fail(f"'{value}' không thuộc {{{names}}}", where, key, indicator=indicator)

    def expression(self, where: dict, key: str, indicator: str | None, field: str) -> Expression:
        text = where.get(key)
        if isinstance(text, int | float) and not isinstance(text, bool):
            text = str(text)
        if not isinstance(text, str):
            self.fail(f"cần một biểu thức, gặp {text!r}", where, key, indicator=indicator, field=field)
        try:
            return parse(text)
        except ExpressionError as error:
            mark, style = where.marks[key]
            line, column = mark.line + 1, None
            if "\n" not in text.strip() and style in (None, "", '"', "'"):
                column = mark.column + 1 + error.position + (1 if style in ('"', "'") else 0)
            elif style in ("|", ">"):
                line += error.line  # a block scalar's text starts on the line after its indicator
            raise FrameworkError(error.message, origin=self.origin, indicator=indicator, field=field,
                                 position=error.position, line=line, column=column) from None


def parse_framework_text(text: str, origin: str = "") -> Framework:
    """Parse and check a framework given as YAML text (see the module docstring)."""
    reader = _Reader(origin)
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        raise FrameworkError(f"YAML không hợp lệ: {problem}", origin=origin, line=mark and mark.line + 1,
                             column=mark and mark.column + 1) from None
    top = reader.mapping(data, _FRAMEWORK_KEYS, {"code", "name", "version", "valid_from", "groups"}, None, None)
    decimals = reader.integer(top, "rounding", 2, 0, 6)
    groups, seen = [], set()
    for raw in reader.items(top, "groups"):
        group = _group(reader, raw, top, decimals, seen)
        if group.code in {other.code for other in groups}:
            reader.fail(f"nhóm {group.code} lặp lại", raw, "code")
        groups.append(group)
    valid_from = top["valid_from"]
    if isinstance(valid_from, str):
        try:
            valid_from = date.fromisoformat(valid_from)
        except ValueError:
            valid_from = None
    if not isinstance(valid_from, date):
        reader.fail(f"cần một ngày dạng YYYY-MM-DD, gặp {top['valid_from']!r}", top, "valid_from")
    return Framework(
        code=reader.text(top, "code", FRAMEWORK_CODE), name=reader.text(top, "name"),
        version=reader.integer(top, "version", 0, 0, 10**6), valid_from=valid_from, groups=tuple(groups),
        grades=_grades(reader, top), decimals=decimals, description=str(top.get("description") or "").strip(),
    )


def _grades(reader: _Reader, top: dict) -> tuple[GradeBand, ...]:
    if "grades" not in top:
        return DEFAULT_GRADES
    bands = []
    for raw in reader.items(top, "grades"):
        band = reader.mapping(raw, {"label", "min"}, {"label", "min"}, top, "grades")
        minimum = reader.number(band, "min")
        if minimum > 100 or (bands and minimum >= bands[-1].minimum):
            reader.fail("ngưỡng xếp loại phải giảm dần, từ 100 trở xuống (thang 100 điểm)", band, "min")
        bands.append(GradeBand(reader.text(band, "label"), minimum))
    if bands[-1].minimum != 0:
        reader.fail("xếp loại cuối cùng phải có min: 0 để điểm nào cũng có xếp loại", top, "grades")
    return tuple(bands)


def _group(reader: _Reader, raw, top: dict, decimals: int, seen: set[str]) -> Group:
    group = reader.mapping(raw, _GROUP_KEYS, _GROUP_KEYS, top, "groups")
    code = reader.text(group, "code", ITEM_CODE)
    indicators = []
    for item in reader.items(group, "indicators"):
        indicator = _indicator(reader, item, group, decimals)
        if indicator.code in seen:
            reader.fail(f"mã chỉ tiêu {indicator.code} lặp lại", item, "code", indicator=indicator.code)
        seen.add(indicator.code)
        indicators.append(indicator)
    result = Group(code, reader.text(group, "name"), reader.number(group, "max", positive=True), tuple(indicators))
    for level in Level:
        applying = result.indicators_for(level)
        total = sum((indicator.max_points for indicator in applying), Decimal(0))
        if applying and total != result.max_points:
            reader.fail(f"nhóm {code}: điểm tối đa của các chỉ tiêu cấp {level} cộng lại được {total}, "
                        f"khác điểm tối đa của nhóm ({result.max_points})", group, "max")
    return result


def _indicator(reader: _Reader, raw, group: dict, decimals: int) -> Indicator:
    hint = raw.get("code") if isinstance(raw, dict) and isinstance(raw.get("code"), str) else None
    item = reader.mapping(raw, _INDICATOR_KEYS, {"code", "name", "max", "rule"}, group, "indicators", hint)
    code = reader.text(item, "code", ITEM_CODE)
    rule = reader.choice(item, "rule", Rule, indicator=code)
    _check_fields_for_rule(reader, item, rule, code)
    levels = item.get("levels", [level.value for level in Level])
    known = {level.value for level in Level}
    if not isinstance(levels, list) or not levels or len(set(map(str, levels))) != len(levels) \
            or not set(map(str, levels)) <= known:
        reader.fail(f"levels cần một danh sách không rỗng, không lặp, trong {sorted(known)}", item, "levels",
                    indicator=code)
    estimate = item.get("estimate", False)
    if not isinstance(estimate, bool):
        reader.fail("estimate cần true hoặc false", item, "estimate", indicator=code)
    max_points = reader.number(item, "max", indicator=code)
    parts = ()
    if rule is Rule.COMPOSITE:
        parts = tuple(_part(reader, part, item, code) for part in reader.items(item, "parts", code))
        if len({part.code for part in parts}) != len(parts):
            reader.fail("mã phần lặp lại", item, "parts", indicator=code)
        if sum(part.max_points for part in parts) < max_points:
            reader.fail("các phần cộng lại không đạt được điểm tối đa", item, "parts", indicator=code)
    default_label = GIVEN_LABEL if rule is Rule.GIVEN else ESTIMATE_LABEL if estimate else ""
    return Indicator(
        code=code, name=reader.text(item, "name", indicator=code), max_points=max_points, rule=rule,
        levels=frozenset(Level(level) for level in levels), sources=_sources(reader, item, code, ""),
        threshold=_threshold(reader, item, rule, code),
        zero_denominator=reader.choice(item, "zero_denominator", ZeroRule, ZeroRule.NOT_APPLICABLE, code),
        parts=parts, value=reader.expression(item, "value", code, "value") if rule is Rule.GIVEN else None,
        estimate=estimate, label=reader.text(item, "label", indicator=code) if "label" in item else default_label,
        data_source=str(item.get("source") or "").strip(),
        decimals=reader.integer(item, "rounding", decimals, 0, 6, code),
        value_fallbacks=_value_fallbacks(reader, item, code) if rule is Rule.GIVEN else (),
    )


def _value_fallbacks(reader: _Reader, item: dict, code: str) -> tuple:
    """A given indicator's `fallbacks`: points from another expression when `value` has no data."""
    fallbacks = item.get("fallbacks", [])
    if not isinstance(fallbacks, list):
        reader.fail("fallbacks cần một danh sách", item, "fallbacks", indicator=code)
    found = []
    for index, raw in enumerate(fallbacks):
        fallback = reader.mapping(raw, {"value", "note"}, {"value"}, item, "fallbacks", indicator=code)
        found.append((reader.expression(fallback, "value", code, f"fallbacks[{index}].value"),
                      str(fallback.get("note") or "").strip()))
    return tuple(found)


def _part(reader: _Reader, raw, item: dict, code: str) -> Part:
    part = reader.mapping(raw, _PART_KEYS, {"code", "max", "rule"}, item, "parts", indicator=code)
    part_code = reader.text(part, "code", ITEM_CODE, indicator=code)
    rule = reader.choice(part, "rule", Rule, indicator=code)
    if rule not in PART_RULES:
        reader.fail(f"một phần chỉ dùng quy tắc {sorted(PART_RULES)}", part, "rule", indicator=code)
    _check_fields_for_rule(reader, part, rule, code)
    return Part(
        code=part_code, name=str(part.get("name") or part_code), rule=rule,
        max_points=reader.number(part, "max", indicator=code), sources=_sources(reader, part, code, f"{part_code}."),
        threshold=_threshold(reader, part, rule, code),
        zero_denominator=reader.choice(part, "zero_denominator", ZeroRule, ZeroRule.NOT_APPLICABLE, code),
    )


def _check_fields_for_rule(reader: _Reader, item: dict, rule: Rule, code: str) -> None:
    for key, rules in _ONLY_FOR.items():
        if key in item and rule not in rules:
            reader.fail(f"quy tắc {rule} không dùng khóa '{key}'", item, key, indicator=code)
    needed = {Rule.COMPOSITE: ["parts"], Rule.GIVEN: ["value"], Rule.THRESHOLD: ["threshold"]}.get(rule, [])
    for key in needed + (["numerator", "denominator"] if rule in PART_RULES else []):
        if key not in item:
            reader.fail(f"quy tắc {rule} cần khóa '{key}'", item, "rule", indicator=code, field=key)


def _threshold(reader: _Reader, item: dict, rule: Rule, code: str) -> Decimal | None:
    return reader.number(item, "threshold", indicator=code, positive=True) if rule is Rule.THRESHOLD else None


def _sources(reader: _Reader, item: dict, code: str, prefix: str) -> tuple[Source, ...]:
    if "numerator" not in item:
        return ()
    sources = [Source(reader.expression(item, "numerator", code, f"{prefix}numerator"),
                      reader.expression(item, "denominator", code, f"{prefix}denominator"))]
    fallbacks = item.get("fallbacks", [])
    if not isinstance(fallbacks, list):
        reader.fail("fallbacks cần một danh sách", item, "fallbacks", indicator=code)
    for index, raw in enumerate(fallbacks):
        field = f"{prefix}fallbacks[{index}]"
        fallback = reader.mapping(raw, {"numerator", "denominator", "note"}, {"numerator", "denominator"},
                                  item, "fallbacks", indicator=code)
        sources.append(Source(reader.expression(fallback, "numerator", code, f"{field}.numerator"),
                              reader.expression(fallback, "denominator", code, f"{field}.denominator"),
                              str(fallback.get("note") or "").strip()))
    return tuple(sources)

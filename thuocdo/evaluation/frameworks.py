"""Indicator frameworks (bộ chỉ số) as versioned data: plain dataclasses, loaded from YAML files.

A framework has groups (nhóm chỉ số); a group has indicators (chỉ tiêu). Each indicator says how
its points come from metric values: a rule (`linear`, `threshold`, `capped_linear`, `composite`,
`given`), a numerator and a denominator expression, what a zero denominator gives, and which unit
levels it applies to. The scoring rules are data: `scoring.py` has no code per indicator.
The file format and its checks live in `framework_files.py`; this module holds the data model.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from pathlib import Path

from thuocdo.evaluation.expressions import Expression

PRESETS = Path(__file__).resolve().parent / "presets"

GIVEN_LABEL = "điểm chính thức, công thức chưa công bố"
ESTIMATE_LABEL = "ước tính, công thức chưa công bố"


class Level(StrEnum):
    """The kind of unit an indicator applies to (cấp đơn vị)."""

    PROVINCE = "province"  # UBND tỉnh, thành phố
    AGENCY = "agency"  # sở, ban, ngành cấp tỉnh
    COMMUNE = "commune"  # UBND xã, phường, đặc khu


class Rule(StrEnum):
    """How an indicator's points follow from its ratio (numerator / denominator)."""

    LINEAR = "linear"  # max × ratio
    THRESHOLD = "threshold"  # max × min(1, ratio / threshold): full points from the threshold on
    CAPPED_LINEAR = "capped_linear"  # min(max, max × ratio)
    COMPOSITE = "composite"  # sum of parts, each rounded, at most max
    GIVEN = "given"  # a published score taken as is (điểm chính thức)


PART_RULES = frozenset({Rule.LINEAR, Rule.THRESHOLD, Rule.CAPPED_LINEAR})


class ZeroRule(StrEnum):
    """What a zero denominator gives (mẫu số bằng 0)."""

    FULL = "full"  # full points (e.g. a unit that received no feedback)
    ZERO = "zero"  # 0 points, counted
    NOT_APPLICABLE = "not_applicable"  # no score (null), 0 points, the group's maximum unchanged


class FrameworkError(ValueError):
    """A framework that cannot be used, naming the file, the indicator, the field and where in it."""

    def __init__(
        self, message: str, *, origin: str = "", indicator: str | None = None, field: str | None = None,
        position: int | None = None, line: int | None = None, column: int | None = None,
    ) -> None:
        self.message, self.origin, self.indicator, self.field = message, origin, indicator, field
        self.position, self.line, self.column = position, line, column  # position: in the expression, 0-based
        where = ":".join(str(part) for part in (origin, line, column) if part not in (None, ""))
        what = ", ".join(part for part in (indicator and f"chỉ tiêu {indicator}", field) if part)
        super().__init__(": ".join(part for part in (where, what, message) if part))


@dataclass(frozen=True)
class Source:
    """One way to get a ratio: a numerator and a denominator expression over metric codes."""

    numerator: Expression
    denominator: Expression
    note: str = ""

    @property
    def metrics(self) -> frozenset[str]:
        """Return the metric codes both expressions read."""
        return self.numerator.metrics | self.denominator.metrics


@dataclass(frozen=True)
class Part:
    """One term of a composite indicator, itself a rule over its own ratio (e.g. 6 × A of online payment)."""

    code: str
    name: str
    rule: Rule
    max_points: Decimal
    sources: tuple[Source, ...]
    threshold: Decimal | None = None
    zero_denominator: ZeroRule = ZeroRule.NOT_APPLICABLE

    @property
    def metrics(self) -> frozenset[str]:
        """Return every metric code this part may read."""
        return frozenset().union(*(source.metrics for source in self.sources))


@dataclass(frozen=True)
class Indicator:
    """One scored indicator (chỉ tiêu) of a group.

    `sources` are tried in order: the first whose metrics all have values gives the ratio (the
    portal's own counts first, the dossier stream as a fallback, for instance). A `given`
    indicator reads its points from `value`; a `composite` one sums its `parts`.
    """

    code: str
    name: str
    max_points: Decimal
    rule: Rule
    levels: frozenset[Level]
    sources: tuple[Source, ...] = ()
    threshold: Decimal | None = None
    zero_denominator: ZeroRule = ZeroRule.NOT_APPLICABLE
    parts: tuple[Part, ...] = ()
    value: Expression | None = None
    estimate: bool = False
    label: str = ""
    data_source: str = ""
    decimals: int = 2
    # A `given` indicator's other sources of points, tried in order when `value` has no data: (expression, note).
    value_fallbacks: tuple[tuple[Expression, str], ...] = ()

    @property
    def metrics(self) -> frozenset[str]:
        """Return every metric code this indicator may read."""
        found = frozenset().union(*(source.metrics for source in self.sources), *(p.metrics for p in self.parts),
                                  *(value.metrics for value, _ in self.value_fallbacks))
        return found | (self.value.metrics if self.value is not None else frozenset())


@dataclass(frozen=True)
class Group:
    """A group of indicators (nhóm chỉ số) with its maximum points."""

    code: str
    name: str
    max_points: Decimal
    indicators: tuple[Indicator, ...]
    _by_level: dict[Level, tuple[Indicator, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for level in Level:
            self._by_level[level] = tuple(item for item in self.indicators if level in item.levels)

    def indicators_for(self, level: Level | str) -> tuple[Indicator, ...]:
        """Return the indicators that apply to units of this level."""
        return self._by_level[Level(level)]


@dataclass(frozen=True)
class GradeBand:
    """A grade (xếp loại) reached from `minimum` points out of 100, scaled to the framework's maximum."""

    label: str
    minimum: Decimal


DEFAULT_GRADES = (
    GradeBand("Xuất sắc", Decimal(90)),
    GradeBand("Tốt", Decimal(80)),
    GradeBand("Khá", Decimal(65)),
    GradeBand("Trung bình", Decimal(50)),
    GradeBand("Yếu", Decimal(0)),
)


@dataclass(frozen=True)
class Framework:
    """One version of an indicator framework (bộ chỉ số), e.g. `qd766` version 1."""

    code: str
    name: str
    version: int
    valid_from: date
    groups: tuple[Group, ...]
    grades: tuple[GradeBand, ...] = DEFAULT_GRADES
    decimals: int = 2
    description: str = ""
    _by_code: dict[str, Group] = field(default_factory=dict, init=False, repr=False, compare=False)
    _by_level: dict[Level, tuple[Group, ...]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_code.update((group.code, group) for group in self.groups)
        for level in Level:
            self._by_level[level] = tuple(group for group in self.groups if group.indicators_for(level))

    def group(self, code: str) -> Group:
        """Return the group with this code (KeyError if there is none)."""
        return self._by_code[code]

    def groups_for(self, level: Level | str) -> tuple[Group, ...]:
        """Return the groups that have at least one indicator for this level."""
        return self._by_level[Level(level)]

    def max_points(self, level: Level | str) -> Decimal:
        """Return the framework's maximum for units of this level (100 for QĐ 766)."""
        return sum((group.max_points for group in self.groups_for(level)), Decimal(0))

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        """Return every indicator of every group, in file order."""
        return tuple(indicator for group in self.groups for indicator in group.indicators)

    @cached_property
    def indicator_specs(self) -> dict[str, Indicator]:
        """Every indicator by its code (computed once: scoring asks per unit)."""
        return {indicator.code: indicator for indicator in self.indicators}

    @cached_property
    def metrics(self) -> frozenset[str]:
        """Return every metric code the framework may read (what to fetch from the metric store).

        Computed once per framework object (it is immutable): scoring asks for it per unit.
        """
        return frozenset().union(*(indicator.metrics for indicator in self.indicators))


def parse_framework(text: str, origin: str = "") -> Framework:
    """Parse and check a framework given as YAML text, raising FrameworkError on the first problem."""
    from thuocdo.evaluation.framework_files import parse_framework_text  # it builds the classes above

    return parse_framework_text(text, origin)


def load_framework(path: str | Path) -> Framework:
    """Load and check a framework YAML file, raising FrameworkError on the first problem."""
    path = Path(path)
    return parse_framework(path.read_text(encoding="utf-8"), origin=path.name)


def load_preset(code: str) -> Framework:
    """Load a framework shipped with the project (`qd766`, `cqdp2c`)."""
    return load_framework(PRESETS / f"{code}.yaml")


def preset_paths() -> list[Path]:
    """Return the framework files shipped with the project, sorted by name."""
    return sorted(PRESETS.glob("*.yaml"))

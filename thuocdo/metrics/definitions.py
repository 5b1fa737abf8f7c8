"""Metric definitions: each metric's kind, its bounds per input and the exact form it is stored in.

Định nghĩa chỉ tiêu. Every figure is stored as a whole number of its kind's smallest unit
(`MetricValue.value`, `MetricInput.value` are integers), so sums in SQL are exact on SQLite and
PostgreSQL alike; `to_stored` (on the way in) and `from_stored` (on the way out) are the only
conversions (ADR 0007).

A metric's kind comes from `DEFINITIONS` if it is named there, else from its code's last part:
`hours`, `amount`, `ratio` or `percent`, or a name ending in `_hours`, `_amount`, `_ratio` or
`_percent` (`report.internet.service_hours`, `x.paid_amount`, `x.share.ratio`); anything else is a
count. Dossier metrics (`dossier.*`) and feedback metrics are counts.

Overflow: an input is at most 10^10 stored units (an amount of 10,000,000 triệu đồng at 1/1,000);
a signed 64-bit integer holds 9.2 × 10^18, i.e. 9.2 × 10^8 maximal inputs in one row. The largest
row, the nation's month of one metric, takes one input per (source, unit, procedure, day): 3,356
units × 31 days = 104,036 per source and procedure, so it would take more than 8,800 (source,
procedure) pairs each sending the maximum for every unit on every day of a month (88,000 for counts,
at most 10^9); the whole dossier stream adds ~4 × 10^6 a month. Past that, PostgreSQL refuses the
write ("bigint out of range") and SQLite turns the sum into a REAL, which `metrics check` (Python
integers, no overflow) reports.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.db import models


class Kind(models.TextChoices):
    """What a metric measures, which fixes its unit, bounds and decimals (loại chỉ tiêu)."""

    COUNT = "count", "số đếm"
    HOURS = "hours", "số giờ"
    AMOUNT = "amount", "số tiền (triệu đồng)"
    RATIO = "ratio", "tỷ lệ"
    PERCENT = "percent", "phần trăm"


@dataclass(frozen=True)
class Definition:
    """A metric's kind, the range one input may take (in the metric's own unit) and its stored scale.

    `scale` stored units make one unit of the metric: 1 for counts, 1,000 for hours (to 3.6 s),
    amounts in triệu đồng (to 1,000 đồng) and percents, 1,000,000 for ratios.
    """

    kind: Kind
    maximum: int
    scale: int
    minimum: int = 0

    @property
    def rule(self) -> str:
        """The rule in words, for rejections and `metrics check`."""
        whole = "là số nguyên " if self.kind == Kind.COUNT else ""
        return f"là {self.kind.label}, phải {whole}từ {_number(self.minimum)} đến {_number(self.maximum)}"


KINDS = {
    Kind.COUNT: Definition(Kind.COUNT, maximum=1_000_000_000, scale=1),
    Kind.HOURS: Definition(Kind.HOURS, maximum=100_000, scale=1_000),  # 11 years of clock time
    Kind.AMOUNT: Definition(Kind.AMOUNT, maximum=10_000_000, scale=1_000),  # 10,000 tỷ đồng
    Kind.RATIO: Definition(Kind.RATIO, maximum=1, scale=1_000_000),
    Kind.PERCENT: Definition(Kind.PERCENT, maximum=100, scale=1_000),
}

# Metrics whose range is narrower than their kind's (the cqdp2c preset's yes/no figures: 1 yes, 0 no).
DEFINITIONS = {
    "report.bank_account.opened": Definition(Kind.COUNT, maximum=1, scale=1),
    "report.office.adequate": Definition(Kind.COUNT, maximum=1, scale=1),
}


@lru_cache(maxsize=4096)  # codes are few (tens); the bound only keeps a stream of odd codes from growing it
def definition(metric: str) -> Definition:
    """The definition of a metric: named in DEFINITIONS, else from its code's suffix, else a count."""
    if metric in DEFINITIONS:
        return DEFINITIONS[metric]
    last = metric.rsplit(".", 1)[-1]
    for kind in (Kind.HOURS, Kind.AMOUNT, Kind.RATIO, Kind.PERCENT):
        if last == kind.value or last.endswith(f"_{kind.value}"):
            return KINDS[kind]
    return KINDS[Kind.COUNT]


class OutOfBounds(ValueError):
    """A figure outside its metric's range, or not a whole number for a count."""


def to_stored(metric: str, value: Decimal | int | str) -> int:
    """A figure in the metric's unit → the integer stored; raises OutOfBounds with the rule in words.

    Decimals beyond the kind's scale are rounded half up (1.2345 hours → 1,235 thousandths).
    """
    spec = definition(metric)
    number = Decimal(value)
    # Bounds first: quantizing 1E+999999999 would raise, and it is out of range anyway.
    if not number.is_finite() or not spec.minimum <= number <= spec.maximum:
        raise OutOfBounds(f"{metric} {spec.rule}")
    if spec.scale == 1 and number != number.to_integral_value():
        raise OutOfBounds(f"{metric} {spec.rule}")
    return int((number * spec.scale).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_stored(metric: str, stored: int) -> int | float:
    """A stored integer (or a sum of them) → the figure in the metric's unit: an int for counts."""
    scale = definition(metric).scale
    return stored if scale == 1 else stored / scale


def stored_problem(metric: str, stored: object) -> str | None:
    """Why a stored input breaks its metric's bounds (None if it keeps them); for `metrics check`."""
    spec = definition(metric)
    if isinstance(stored, int) and spec.minimum * spec.scale <= stored <= spec.maximum * spec.scale:
        return None
    return f"{metric} {spec.rule}"


def _number(value: int) -> str:
    return f"{value:,}".replace(",", ".")

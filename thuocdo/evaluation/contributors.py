"""Who contributes to a unit's figures (cho việc phân tích vì sao điểm thay đổi): its procedures or its units.

A commune's or agency's figures split by procedure (thủ tục): the metric store keeps per-procedure
rows at month grain for the unit itself (`metrics.rollup.expand`), so the split is exact for periods
made of whole months and is not made for others. Pending dossiers (`dossier.pending*`) are counted at
read time from the Dossier table, grouped by procedure the same way `metrics.bulk` counts them per unit.
A province's figures split by its communes and agencies, the nation's by its provinces: their own
scoring values, read in one bulk read (`values.scoring_values_for`).

What a split leaves out (dossiers without a procedure code, a province's own dossiers) is not lost:
the caller books the remainder of the unit's total as one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, Sum
from django.utils import timezone

from thuocdo.evaluation.periods import Period, whole_months
from thuocdo.evaluation.values import scoring_values_for
from thuocdo.metrics import codes
from thuocdo.metrics.bulk import _pending_grouped, provinces_with_stream
from thuocdo.metrics.definitions import from_stored
from thuocdo.metrics.models import Grain, MetricValue
from thuocdo.metrics.queries import end_of_day
from thuocdo.units.cache import units_by_code
from thuocdo.units.choices import Level
from thuocdo.units.models import Unit

BY_PROCEDURE, BY_COMMUNE, BY_PROVINCE = "procedure", "commune", "province"
NOT_WHOLE_MONTHS = "không phân tích được theo thủ tục cho kỳ này (chỉ phân tích theo thủ tục cho kỳ trọn tháng)"
NOT_BY_PROCEDURE = "nguồn số liệu của chỉ số này không chia theo thủ tục"


@dataclass
class Contributors:
    """The parts a unit's figures split into for one period: values per part, names, and what they cover.

    `covered` is the set of metrics the split has (a metric outside it cannot be split; `reason` says
    why); within it a part's missing metric counts 0 when `missing_is_zero` (store rows: no row, no
    dossiers), else the part has no value for it and is left to the remainder.
    """

    kind: str
    values: dict[str, dict[str, float]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    covered: frozenset[str] = frozenset()
    missing_is_zero: bool = False
    reason: str = ""

    def covers(self, metrics: frozenset[str]) -> bool:
        """True when every metric is split here."""
        return metrics <= self.covered

    def why_not(self) -> str:
        return self.reason or NOT_BY_PROCEDURE


def contributors(unit: Unit, period: Period, metrics: frozenset[str]) -> Contributors:
    """The split of the unit's figures for these metrics over the period (see the module docstring)."""
    if unit.level == Level.NATIONAL:
        parts = [u for u in units_by_code().values() if u.level == Level.PROVINCE]
        return _by_units(BY_PROVINCE, parts, period, metrics)
    if unit.level == Level.PROVINCE:
        parts = [u for u in units_by_code().values()
                 if u.province_code == unit.code and u.level in (Level.COMMUNE, Level.AGENCY)]
        return _by_units(BY_COMMUNE, parts, period, metrics)
    return _by_procedure(unit, period, metrics)


def _by_units(kind: str, parts: list[Unit], period: Period, metrics: frozenset[str]) -> Contributors:
    parts.sort(key=lambda u: u.code)
    values = scoring_values_for(metrics, parts, period)
    return Contributors(kind, {code: dict(got) for code, got in values.items()}, {u.code: u.name for u in parts},
                        frozenset(metrics))


def _by_procedure(unit: Unit, period: Period, metrics: frozenset[str]) -> Contributors:
    months = whole_months(period)
    if months is None:
        return Contributors(BY_PROCEDURE, reason=NOT_WHOLE_MONTHS)
    stored = sorted(m for m in metrics if m.startswith("dossier.") and m not in codes.PENDING_CODES)
    pending = [m for m in metrics if m in codes.PENDING_CODES]
    values: dict[str, dict[str, float]] = {}
    if stored:
        rows = (MetricValue.objects.filter(unit_code=unit.code, grain=Grain.MONTH, start__in=months, metric__in=stored)
                .exclude(procedure_code="").values_list("procedure_code", "metric").annotate(total=Sum("value")))
        for procedure, metric, total in rows:
            values.setdefault(procedure, {})[metric] = from_stored(metric, total)
    if pending and unit.province_code in provinces_with_stream():
        as_of = end_of_day(period.end)
        counted = _pending_grouped(Q(unit_code=unit.code), "procedure_code", as_of, as_of >= timezone.now())
        for procedure, (total, overdue) in counted.items():
            if procedure:  # dossiers without a procedure code stay in the remainder
                values.setdefault(procedure, {}).update({
                    codes.PENDING: total, codes.PENDING_OVERDUE: overdue, codes.PENDING_WITHIN: total - overdue})
    return Contributors(BY_PROCEDURE, values, procedure_names(sorted(values)), frozenset(stored + pending),
                        missing_is_zero=True)


def procedure_names(procedure_codes: list[str]) -> dict[str, str]:
    """Procedure code → name from the procedure catalogue, when the catalogue module exists (else none)."""
    try:
        from thuocdo.procedures.names import procedure_names as catalogue_names
    except ImportError:  # the catalogue (issue 11 §1) may not be installed yet: codes alone
        return {}
    return dict(catalogue_names(procedure_codes))

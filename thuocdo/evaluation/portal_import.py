"""Portal import (nhập kết quả đánh giá QĐ 766 từ Cổng Dịch vụ công quốc gia) into the metric store.

`import_portal766` reads one portal answer (`portal766.read_file`), finds our units for its rows,
stores every raw count as a whole-period value (`PeriodValue`, source `portal766`), stores the
portal's published points as `OfficialScore` rows, scores each unit with the QĐ 766 preset from the
stored counts alone and flags a difference over 0.01 points as a `DataQualityIssue`.

Matching never guesses:

- the province: the parent row's name ("UBND tỉnh Phú Thọ") without "UBND" and the type word,
  accent-insensitive, against our provinces; none or several → `PortalImportError`, nothing stored;
- a commune: its name without "UBND" and a trailing " - Tỉnh <province>" ("UBND xã Lâm Thao - Tỉnh
  Phú Thọ" → "xa lam thao"), accent- and case-insensitive, against the communes of that province,
  type word included (Xã X and Phường X are different units); several with the same accent-free
  name → the one whose accented name is equal, else unmatched. No fuzzy matching;
- a department (portal level PROVINCE, "Sở Công Thương - Tỉnh Phú Thọ") → an agency unit under the
  province: by code, else by accent-free name, else created when the row has a departmentCode.

Agency codes: `<province code>.<departmentCode after its first dot>`, so the portal's "H44.07" in
Phú Thọ (25) is unit "25.07" — stable across files and re-imports, at most 16 characters. The
transparency and satisfaction answers carry no departmentCode: their departments match existing
agencies by name, and one not seen before is reported unmatched (import a progress, payment,
online or digitisation answer first).

A re-import of the same file changes nothing; a corrected file replaces this source's values and
official points of the same endpoint for each unit it names, in the same period and procedure.
"""

from __future__ import annotations

import functools
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from thuocdo.accounts import audit
from thuocdo.accounts.choices import Scope
from thuocdo.accounts.permissions import Actor, require_write
from thuocdo.db import upsert_replace
from thuocdo.evaluation import portal766, reconcile
from thuocdo.evaluation.frameworks import GIVEN_LABEL, Level, load_preset
from thuocdo.evaluation.models import DataQualityIssue, OfficialScore
from thuocdo.evaluation.periods import Period
from thuocdo.evaluation.scoring import Status, score_unit
from thuocdo.evaluation.values import scoring_values_for
from thuocdo.metrics import changes
from thuocdo.metrics.models import PERIOD_VALUE_LIMIT, PeriodValue
from thuocdo.units import cache
from thuocdo.units.choices import REFORM_DATE, UnitType
from thuocdo.units.choices import Level as UnitLevel
from thuocdo.units.models import Unit
from thuocdo.units.text import fold_case, search_key, split_type_word

SOURCE = "portal766"
CROSS_SOURCE = "doi-chieu-nguon"  # data-quality issues of the cross-source reconciliation
FRAMEWORK = "qd766"
TOLERANCE = Decimal("0.01")
GIVEN_GROUPS = frozenset({"CLGQ"})  # online services: the formula is not public, the official score is used as given
_UBND = re.compile(r"^\s*(ubnd|[uủ][yỷ] ban nh[aâ]n d[aâ]n)\s+", re.IGNORECASE)
_DEPARTMENT_CODE = re.compile(r"^[^.\s]+\.([0-9A-Za-z][0-9A-Za-z.]*)$")
# Column names for bulk SQL, quoted as both databases take them: `end` is a reserved word in PostgreSQL.
VALUE_KEY = ('"province_code"', '"source"', '"unit_code"', '"metric"', '"procedure_code"', '"start"', '"end"')
OFFICIAL_KEY = ('"unit_code"', '"framework_code"', '"group_code"', '"indicator_code"', '"procedure_code"', '"start"',
                '"end"', '"source"')
_LEVEL_LABELS = {Level.PROVINCE: "tỉnh", Level.AGENCY: "sở, ngành", Level.COMMUNE: "xã, phường"}


class PortalImportError(ValueError):
    """A portal answer that cannot be imported at all (unknown province, bad procedure code)."""


@dataclass
class ImportResult:
    """What one import did: units matched and created, rows stored, issues, names left unmatched."""

    file: str
    endpoint: str
    group: str
    period: str
    start: date
    end: date
    procedure: str
    province: str
    communes_matched: int = 0
    agencies_matched: int = 0
    agencies_created: list[str] = field(default_factory=list)
    values_stored: int = 0  # rows the file gives for matched units, whether or not they changed
    values_changed: int = 0  # of those, new or with a different value
    values_removed: int = 0  # earlier rows of the same endpoint the file no longer gives
    official_scores_stored: int = 0
    compared: int = 0  # unit-group scores compared with the official ones
    issues: list[dict] = field(default_factory=list)
    # Cross-source: unit-group scores from our own data compared with the portal's, and the differences.
    reconciled: int = 0
    cross_source: list[dict] = field(default_factory=list)
    unmatched: list[dict] = field(default_factory=list)
    given: str = ""  # for CLGQ: the label saying the official score is used as given

    @property
    def units_matched(self) -> int:
        """Return the matched rows: the province, its agencies and its communes."""
        return 1 + self.agencies_matched + self.communes_matched

    def as_dict(self) -> dict:
        """Return the result as JSON-ready data."""
        data = asdict(self)
        data.update(start=self.start.isoformat(), end=self.end.isoformat(), units_matched=self.units_matched,
                     agencies_created=len(self.agencies_created), agency_codes_created=self.agencies_created)
        return data


def import_portal766(actor: Actor, path: str | Path, period: Period, procedure: str = "") -> ImportResult:
    """Import one portal QĐ 766 answer for a whole period (and one procedure, or all with "")."""
    procedure = procedure.strip()
    if len(procedure) > 40:
        raise PortalImportError(f"Mã thủ tục quá dài (tối đa 40 ký tự): {procedure!r}")
    answer = portal766.read_file(path)
    province = find_province(answer.province.name)
    require_write(actor, province, Scope.METRICS_WRITE)
    result = ImportResult(file=str(path), endpoint=answer.endpoint, group=answer.group, period=period.code,
                          start=period.start, end=period.end, procedure=procedure, province=province.code,
                          given=GIVEN_LABEL if answer.group in GIVEN_GROUPS else "")
    with transaction.atomic():
        matched = _match_rows(answer, province, result)
        if result.agencies_created:
            transaction.on_commit(cache.clear)
        _store_values(answer.endpoint, matched, province, period, procedure, result)
        _store_official(answer.group, matched, period, procedure, result)
        _compare(answer.endpoint, answer.group, matched, period, procedure, result)
        _reconcile(answer.group, matched, period, procedure, result)
        # The province's figures moved: its maintained scores (and its units') are recomputed.
        changes.record([province.code,
                        *Unit.objects.filter(province_code=province.code).values_list("code", flat=True)])
        audit.record(actor, "evaluation.import_portal766", "PortalImport",
                     f"{answer.endpoint}:{period.code}:{procedure or 'all'}", unit_code=province.code,
                     after={**result.as_dict(), "issues": len(result.issues)})
    return result


def find_province(name: str) -> Unit:
    """Return our province for the portal's parent row name ("UBND tỉnh Phú Thọ"), accent-insensitive."""
    wanted = _bare_key(name)
    found = [unit for unit in Unit.objects.filter(level=UnitLevel.PROVINCE)
             if split_type_word(unit.search_key)[1] == wanted]
    if len(found) != 1:
        raise PortalImportError(f"Không tìm thấy tỉnh, thành phố {name!r} trong danh mục đơn vị")
    return found[0]


def agency_code(province_code: str, department_code: str | None) -> str | None:
    """Return our code for a department: ("25", "H44.07") → "25.07"; None if the portal code has no usable suffix."""
    match = _DEPARTMENT_CODE.match(department_code or "")
    code = f"{province_code}.{match[1]}" if match else None
    return code if code and len(code) <= Unit._meta.get_field("code").max_length else None


def _bare_key(name: str) -> str:
    """Return the accent-free name without "UBND" and the type word: "UBND tỉnh Phú Thọ" → "phu tho"."""
    return split_type_word(search_key(_UBND.sub("", name)))[1]


def _own_name(name: str, province: Unit) -> str:
    """Return a row's name without "UBND" and a trailing " - Tỉnh <province>".

    "UBND xã Lâm Thao - Tỉnh Phú Thọ" → "xã Lâm Thao"; "Sở Công Thương - Tỉnh Phú Thọ" → "Sở Công Thương".
    """
    name = _UBND.sub("", name).strip()
    head, dash, tail = name.rpartition(" - ")
    if dash and split_type_word(search_key(tail))[1] == split_type_word(province.search_key)[1]:
        name = head.strip()
    return name


def _match_rows(answer: portal766.PortalAnswer, province: Unit, result: ImportResult) -> list[tuple]:
    """Return (unit, row) for every row matched to a unit; report the others in `result.unmatched`."""
    units = list(Unit.objects.filter(province_code=province.code, level__in=[UnitLevel.COMMUNE, UnitLevel.AGENCY]))
    communes, agencies_by_key, agencies_by_code = {}, {}, {}
    for unit in units:
        if unit.level == UnitLevel.COMMUNE:
            communes.setdefault(unit.search_key, []).append(unit)
        else:
            agencies_by_key.setdefault(unit.search_key, []).append(unit)
            agencies_by_code[unit.code] = unit
    matched, used = [(province, answer.province)], {province.code}
    for row in answer.rows[1:]:
        name = _own_name(row.name, province)
        if row.level is Level.COMMUNE:
            unit, reason = _pick(communes.get(search_key(name), []), name, "xã, phường")
        else:
            unit, reason = _agency(row, name, province, agencies_by_code, agencies_by_key, result)
        if unit is not None and unit.code in used:
            unit, reason = None, f"trùng đơn vị {unit.code} với một dòng khác trong tệp"
        if unit is None:
            result.unmatched.append({"name": row.name, "level": _LEVEL_LABELS[row.level], "reason": reason})
            continue
        used.add(unit.code)
        matched.append((unit, row))
        if row.level is Level.COMMUNE:
            result.communes_matched += 1
        else:
            result.agencies_matched += 1
    return matched


def _pick(candidates: list[Unit], name: str, kind: str) -> tuple[Unit | None, str]:
    """Return the one candidate, or the one whose accented name is equal; never a guess among several."""
    if len(candidates) > 1:
        candidates = [unit for unit in candidates if fold_case(unit.name) == fold_case(name)]
        if len(candidates) != 1:
            return None, f"nhiều {kind} cùng tên không dấu trong tỉnh"
    if not candidates:
        return None, f"không có {kind} tên này trong tỉnh"
    return candidates[0], ""


def _agency(row: portal766.PortalRow, name: str, province: Unit, by_code: dict, by_key: dict,
            result: ImportResult) -> tuple[Unit | None, str]:
    """Return the agency unit for a department row, creating it when the row has a departmentCode."""
    code = agency_code(province.code, row.code)
    if code in by_code:
        return by_code[code], ""
    unit, reason = _pick(by_key.get(search_key(name), []), name, "sở, ngành")
    if unit is not None or by_key.get(search_key(name)):
        return unit, reason
    if code is None:
        return None, "sở, ngành chưa có trong danh mục và dòng không có departmentCode để tạo mã"
    unit = Unit.objects.create(
        code=code, name=name, short_name=name, type=UnitType.AGENCY, level=UnitLevel.AGENCY, parent=province,
        province_code=province.code, search_key=search_key(name), valid_from=date.fromisoformat(REFORM_DATE),
    )
    cache.clear()
    by_code[code] = unit
    by_key.setdefault(unit.search_key, []).append(unit)
    result.agencies_created.append(code)
    return unit, ""


def _preset():
    """The QĐ 766 framework in force (the stored version an admin may have edited), else the shipped preset."""
    from thuocdo.evaluation.store import UnknownFramework, current_framework

    try:
        return current_framework(FRAMEWORK)[1]
    except UnknownFramework:
        return _shipped_preset()


@functools.cache
def _shipped_preset():
    """The shipped preset, parsed once per process (the YAML takes 0.1 s to read)."""
    return load_preset(FRAMEWORK)


def _now():
    """Return the current time as the datetime columns expect it (bulk SQL bypasses auto_now)."""
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _slice(model, period: Period, procedure: str, units: list[str]):
    """Return this source's rows of a model for these units, this period and this procedure."""
    return model.objects.filter(source=SOURCE, unit_code__in=units, start=period.start, end=period.end,
                                procedure_code=procedure)


def _store_values(endpoint: str, matched: list[tuple], province: Unit, period: Period, procedure: str,
                  result: ImportResult) -> None:
    """Store the raw counts as whole-period values, replacing this endpoint's earlier rows for these units."""
    prefix = f"{portal766.PREFIX}.{endpoint}."
    wanted = {(unit.code, metric): float(value) for unit, row in matched for metric, value in row.values.items()}
    for (unit_code, metric), value in wanted.items():
        # `portal766` refuses such numbers already; a row built otherwise must not reach the database check.
        if not abs(value) <= PERIOD_VALUE_LIMIT:
            raise portal766.PortalFormatError(
                f"{metric} của đơn vị {unit_code} phải là số hữu hạn, trong khoảng ±10^15, không phải {value!r}")
    existing = {(unit_code, metric): (pk, value) for pk, unit_code, metric, value in
                _slice(PeriodValue, period, procedure, [unit.code for unit, _ in matched])
                .filter(province_code=province.code, metric__startswith=prefix)
                .values_list("pk", "unit_code", "metric", "value")}
    now, start, end = _now(), period.start.isoformat(), period.end.isoformat()
    # Only new or different values are written, so a re-import of the same file changes no row.
    changed = [(province.code, SOURCE, unit_code, metric, procedure, start, end, value, now)
               for (unit_code, metric), value in wanted.items()
               if existing.get((unit_code, metric), (0, None))[1] != value]
    stale = [pk for key, (pk, _value) in existing.items() if key not in wanted]
    PeriodValue.objects.filter(pk__in=stale).delete()
    # Bulk SQL: the ORM's per-value work took 0.3 s for the largest answer (164 units × 13 counts).
    upsert_replace(PeriodValue._meta.db_table, VALUE_KEY, (*VALUE_KEY, '"value"', '"updated_at"'), changed)
    result.values_stored, result.values_changed, result.values_removed = len(wanted), len(changed), len(stale)


def _store_official(group: str, matched: list[tuple], period: Period, procedure: str, result: ImportResult) -> None:
    """Store the portal's published group points (and indicator points where shown) as official scores."""
    wanted = {}
    for unit, row in matched:
        points = {"": row.official.get(group), **row.official_indicators}
        wanted.update({(unit.code, indicator): float(value) for indicator, value in points.items()
                       if value is not None})
    existing = {(unit_code, indicator): (pk, points) for pk, unit_code, indicator, points in
                _slice(OfficialScore, period, procedure, [unit.code for unit, _ in matched])
                .filter(framework_code=FRAMEWORK, group_code=group)
                .values_list("pk", "unit_code", "indicator_code", "points")}
    now, start, end = _now(), period.start.isoformat(), period.end.isoformat()
    changed = [(unit_code, FRAMEWORK, group, indicator, procedure, start, end, SOURCE, points, now)
               for (unit_code, indicator), points in wanted.items()
               if existing.get((unit_code, indicator), (0, None))[1] != points]
    OfficialScore.objects.filter(pk__in=[pk for key, (pk, _) in existing.items() if key not in wanted]).delete()
    upsert_replace(OfficialScore._meta.db_table, OFFICIAL_KEY, (*OFFICIAL_KEY, '"points"', '"updated_at"'), changed)
    result.official_scores_stored = len(wanted)


def _reconcile(group: str, matched: list[tuple], period: Period, procedure: str, result: ImportResult) -> None:
    """Score each unit's group from our own data alone; flag one more than 0.01 point off the portal's.

    Only for all procedures together (our per-procedure figures are whole months, not the portal's slices).
    """
    codes = [unit.code for unit, _ in matched]
    _slice(DataQualityIssue, period, procedure, codes).filter(
        framework_code=FRAMEWORK, group_code=group, source=CROSS_SOURCE).delete()
    if procedure:
        return
    framework = _preset()
    values = scoring_values_for(framework.metrics, [unit for unit, _ in matched], period)
    issues = []
    for unit, row in matched:
        official = row.official.get(group)
        mine = reconcile.live_score(framework, row.level, values.get(unit.code, {})).groups[group]
        ours = mine.points
        if official is None or ours is None:
            continue
        result.reconciled += 1
        if not reconcile.differs(official, ours):
            continue
        nothing = all(item.status is not Status.SCORED for item in mine.indicators)
        message = (f"{unit.name}: nhóm {group} theo Cổng {official} điểm, theo số liệu của Thước Đo {ours} điểm "
                   f"(lệch {abs(Decimal(str(official)) - ours)})"
                   + ("; Thước Đo không nhận được hồ sơ nào của đơn vị trong kỳ" if nothing else ""))
        issues.append(DataQualityIssue(
            unit_code=unit.code, framework_code=FRAMEWORK, group_code=group, procedure_code=procedure,
            start=period.start, end=period.end, ours=float(ours), official=float(official), message=message[:500],
            source=CROSS_SOURCE,
        ))
        result.cross_source.append({"unit": unit.code, "group": group, "ours": str(ours), "official": str(official),
                                    "message": message})
    DataQualityIssue.objects.bulk_create(issues)


def _compare(endpoint: str, group: str, matched: list[tuple], period: Period, procedure: str,
             result: ImportResult) -> None:
    """Score each unit from its stored counts; flag a group more than 0.01 points off the official one."""
    codes = [unit.code for unit, _ in matched]
    _slice(DataQualityIssue, period, procedure, codes).filter(framework_code=FRAMEWORK, group_code=group).delete()
    if group in GIVEN_GROUPS:
        return
    stored: dict[str, dict[str, float]] = {code: {} for code in codes}
    for unit_code, metric, value in (_slice(PeriodValue, period, procedure, codes)
                                     .filter(metric__startswith=f"{portal766.PREFIX}.{endpoint}.")
                                     .values_list("unit_code", "metric", "value")):
        stored[unit_code][metric] = value
    framework, issues = _preset(), []
    for unit, row in matched:
        official = row.official.get(group)
        if official is None:
            continue
        ours = score_unit(framework, row.level, stored[unit.code]).groups[group].points
        result.compared += 1
        if ours is not None and abs(ours - official) <= TOLERANCE:
            continue
        message = (f"{unit.name}: nhóm {group} tính từ số liệu thô được {ours} điểm, Cổng công bố {official} điểm"
                   if ours is not None else f"{unit.name}: nhóm {group} không tính được từ số liệu thô, "
                   f"Cổng công bố {official} điểm")
        issues.append(DataQualityIssue(
            unit_code=unit.code, framework_code=FRAMEWORK, group_code=group, procedure_code=procedure,
            start=period.start, end=period.end, ours=None if ours is None else float(ours), official=float(official),
            message=message[:500], source=SOURCE,
        ))
        result.issues.append({"unit": unit.code, "group": group, "ours": None if ours is None else str(ours),
                              "official": str(official), "message": message})
    DataQualityIssue.objects.bulk_create(issues)

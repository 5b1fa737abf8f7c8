"""Reader of the national portal's QĐ 766 evaluation answers (Cổng Dịch vụ công quốc gia): pure, no database.

The portal answers in two shapes. A tree (`dvc-progress-tree`, `formality-online-payment-tree`,
`provide-online-tree`) has `data.parent` (the province) and `data.children`, each row carrying raw
counts as fields. An evaluation table (`transparency`, `dossier-digitized`, `handling-satisfaction`)
has `data.overview` (the province) and `data.evaluation`, each row listing `metrics` with a code,
numerator, denominator, ratio and score.

Metric codes given to the raw counts (all lowercase, as the metric store requires):

- tree row field `totalOnTime` → `portal766.<endpoint>.total_on_time` (camelCase → snake_case);
- table row indicator `PUBLISH_ON_TIME` → `portal766.<endpoint>.publish_on_time.numerator` and
  `….denominator`; other numeric fields of a table row (`totalPetitions`) as for a tree row;
- an indicator score that comes with no raw counts at all (ELECTRONIC_CERTIFIED_COPY; the online
  services score of communes and departments, whose rows carry nothing else) →
  `portal766.<endpoint>.<indicator>.score` and `portal766.online.score`: the framework takes it as given.

`<endpoint>` is `progress`, `payment`, `online`, `transparency`, `digitisation` or `satisfaction`.
The portal's own results (`score`, `totalScore`, `ratio`, `averageScore`, maxima, deltas) never
become metric values: they are returned apart as `official` (group code → points) and
`official_indicators` (indicator code → points, null when the portal shows none).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from thuocdo.evaluation.frameworks import Level

PREFIX = "portal766"
# Fields that are the portal's results or presentation, not raw counts.
RESULT_FIELDS = frozenset({"score", "totalScore", "ratio", "averageScore", "maxScore", "totalMaxScore",
                           "scoreDelta", "stt"})
_GROUP_BY_ENDPOINT = {"progress": "TDGQ", "payment": "TTTT", "online": "CLGQ", "transparency": "CKMB",
                      "digitisation": "MDSH", "satisfaction": "MDHL"}
_TABLE_ENDPOINTS = {"PUBLISH_ON_TIME": "transparency", "ORIGINAL_RESULT_AVAILABLE": "digitisation",
                    "DOSSIER_RECEIVING_SATISFACTION": "satisfaction"}
_CHILD_LEVELS = {"PROVINCE": Level.AGENCY, "COMMUNE": Level.COMMUNE}
# Every number of an answer is finite and within ±10^15, as the whole-period store requires
# (`metrics.models.PERIOD_VALUE_LIMIT`); JSON as Python reads it accepts Infinity and NaN.
NUMBER_LIMIT = 10**15


class PortalFormatError(ValueError):
    """A file that is not one of the portal's QĐ 766 evaluation answers."""


@dataclass(frozen=True)
class PortalRow:
    """One unit row of a portal answer: who it is, its raw counts as metric values, the portal's scores."""

    name: str  # as the portal writes it: "UBND xã Lâm Thao", "Sở Công Thương - Tỉnh Phú Thọ"
    portal_id: str  # the portal's departmentId
    code: str | None  # the portal's departmentCode (H44.100), absent from some endpoints
    level: Level  # province (the parent/overview row), agency (a PROVINCE department), commune
    values: dict[str, float]  # metric code → raw count
    official: dict[str, Decimal | None]  # group code → the portal's points
    official_indicators: dict[str, Decimal | None]  # indicator code → the portal's points
    quality: dict[str, str]  # indicator code → the portal's dataQualityStatus, where it gives one


@dataclass(frozen=True)
class PortalAnswer:
    """A whole answer: which endpoint and group it is, and its rows (the province first)."""

    endpoint: str
    group: str
    rows: tuple[PortalRow, ...]

    @property
    def province(self) -> PortalRow:
        """Return the parent (province) row."""
        return self.rows[0]


def metric_code(endpoint: str, *parts: str) -> str:
    """Return our metric code for a portal field: ('progress', 'totalOnTime') → portal766.progress.total_on_time."""
    return ".".join((PREFIX, endpoint, *(_snake(part) for part in parts)))


def read_file(path: str | Path) -> PortalAnswer:
    """Read a portal answer file (JSON)."""
    return read_answer(json.loads(Path(path).read_text(encoding="utf-8")))


def read_answer(answer: Mapping) -> PortalAnswer:
    """Read a parsed portal answer of either shape; PortalFormatError if it is neither."""
    data = answer.get("data") if isinstance(answer, Mapping) else None
    if not isinstance(data, Mapping):
        raise PortalFormatError("không phải câu trả lời của Cổng: thiếu 'data'")
    if isinstance(data.get("parent"), Mapping) and isinstance(data.get("children"), list):
        endpoint = _tree_endpoint(data["parent"])
        rows = [_tree_row(endpoint, data["parent"], Level.PROVINCE)]
        rows += [_tree_row(endpoint, child, _child_level(child.get("level"))) for child in data["children"]]
    elif isinstance(data.get("overview"), Mapping) and isinstance(data.get("evaluation"), list):
        endpoint = _table_endpoint(data["overview"])
        rows = [_table_row(endpoint, data["overview"], Level.PROVINCE)]
        rows += [_table_row(endpoint, row, _child_level(row.get("departmentLevel"))) for row in data["evaluation"]]
    else:
        raise PortalFormatError("không nhận ra dạng câu trả lời: cần parent/children hoặc overview/evaluation")
    return PortalAnswer(endpoint, _GROUP_BY_ENDPOINT[endpoint], tuple(rows))


def _tree_endpoint(parent: Mapping) -> str:
    if "totalOnTime" in parent:
        return "progress"
    if "totalDossierOnlinePaymentSuccess" in parent:
        return "payment"
    if "authorityCount" in parent or "channelTotalSum" in parent:
        return "online"
    raise PortalFormatError("cây không rõ loại: không có totalOnTime, totalDossierOnlinePaymentSuccess, authorityCount")


def _table_endpoint(overview: Mapping) -> str:
    codes = {metric.get("code") for metric in overview.get("metrics") or ()}
    for code, endpoint in _TABLE_ENDPOINTS.items():
        if code in codes:
            return endpoint
    raise PortalFormatError(f"bảng không rõ loại: chỉ tiêu {sorted(map(str, codes))}")


def _child_level(level: object) -> Level:
    try:
        return _CHILD_LEVELS[level]
    except KeyError:
        raise PortalFormatError(f"cấp đơn vị lạ: {level!r}") from None


def _identity(row: Mapping) -> dict:
    name = row.get("departmentName")
    if not isinstance(name, str) or not name.strip():
        raise PortalFormatError(f"dòng không có departmentName: {dict(row)!r:.200}")
    return {"name": name.strip(), "portal_id": str(row.get("departmentId") or ""), "code": row.get("departmentCode")}


def _counts(endpoint: str, row: Mapping) -> dict[str, float]:
    """Return the row's own numeric fields that are raw counts, as metric values."""
    return {metric_code(endpoint, key): _checked(row, key, value) for key, value in row.items()
            if key not in RESULT_FIELDS and _is_number(value)}


def _checked(row: Mapping, name: str, value: int | float) -> int | float:
    """Return a number of the answer, or PortalFormatError naming the field if it is not finite or too large."""
    # abs() first: math.isfinite cannot take an int beyond a float's range (10**400).
    if abs(value) > NUMBER_LIMIT or not math.isfinite(value):
        raise PortalFormatError(
            f"trường {name} của dòng {str(row.get('departmentName'))!r:.120} phải là số hữu hạn, "
            f"trong khoảng ±10^15, không phải {value!r:.40}"
        )
    return value


def _tree_row(endpoint: str, row: Mapping, level: Level) -> PortalRow:
    values = _counts(endpoint, row)
    official = _points(row, "totalScore" if "totalScore" in row else "score")
    if not values and official is not None:  # a score with no raw counts at all: kept, taken as given
        values[metric_code(endpoint, "score")] = float(official)
    group = _GROUP_BY_ENDPOINT[endpoint]
    return PortalRow(**_identity(row), level=level, values=values, official={group: official},
                     official_indicators={}, quality={})


def _table_row(endpoint: str, row: Mapping, level: Level) -> PortalRow:
    values = _counts(endpoint, row)
    official_indicators, quality = {}, {}
    for metric in row.get("metrics") or ():
        code = metric.get("code")
        if not isinstance(code, str):
            raise PortalFormatError(f"chỉ tiêu không có mã trong dòng {row.get('departmentName')!r}")
        official_indicators[code] = _points(row, f"{code}.score", metric.get("score"))
        for side in ("numerator", "denominator"):
            if _is_number(metric.get(side)):
                values[metric_code(endpoint, code, side)] = _checked(row, f"{code}.{side}", metric[side])
        raw = any(metric.get(side) is not None for side in ("numerator", "denominator"))
        if not raw and official_indicators[code] is not None:
            values[metric_code(endpoint, code, "score")] = metric["score"]
        if metric.get("dataQualityStatus"):
            quality[code] = str(metric["dataQualityStatus"])
    group = _GROUP_BY_ENDPOINT[endpoint]
    return PortalRow(**_identity(row), level=level, values=values, official={group: _points(row, "totalScore")},
                     official_indicators=official_indicators, quality=quality)


def _points(row: Mapping, name: str, value: object = None) -> Decimal | None:
    """Return the portal's points in field `name` of `row` (or `value` when given), None if not a number."""
    value = row.get(name) if value is None else value
    if not _is_number(value):
        return None
    _checked(row, name, value)
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _snake(name: str) -> str:
    """Return a portal field or indicator code in lowercase snake case (totalOnTime → total_on_time)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()

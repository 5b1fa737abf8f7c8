"""The dossiers behind a number: `/u/<code>/ho-so/?metric=dossier.resolved.late&period=2026-08&page=2`.

Filters (`procedure`, `status`, `days`) and the order (`sort`) come from the query string; a value the
list does not offer is ignored (the default is used), never an error.
"""

from urllib.parse import urlencode

from django.shortcuts import render
from django.utils import timezone

from thuocdo.dossiers.lists import MIN_DAYS, list_moment, procedures_in, refine
from thuocdo.dossiers.ontime import Channel, Outcome
from thuocdo.dossiers.reasons import standing, state_of
from thuocdo.errors import InvalidParameter
from thuocdo.evaluation.explain import dossier_page
from thuocdo.evaluation.periods import shown
from thuocdo.metrics import codes
from thuocdo.procedures.names import procedure_names
from thuocdo.units.cache import units_by_code
from thuocdo.units.models import Level
from thuocdo.web.access import LoginRequired, login_redirect, readable_unit_or_deny
from thuocdo.web.labels import METRIC_LABELS, OUTCOME_LABELS
from thuocdo.web.picker import choose
from thuocdo.web.queries.dossiers import behind

CHANNEL_LABELS = {Channel.IN_PERSON: "Trực tiếp", Channel.ONLINE: "Trực tuyến", Channel.POSTAL: "Bưu chính"}
PENDING_STATUSES = {"overdue": "Đang quá hạn", "within": "Đang trong hạn", "waiting": "Đang chờ bổ sung"}
ENDED_STATUSES = {"early": "Giải quyết trước hạn", "on_time": "Giải quyết đúng hạn", "late": "Giải quyết trễ hạn"}
ORDERS = {"urgent": "Quá hạn lâu nhất, sắp đến hạn trước", "received": "Tiếp nhận sớm nhất trước",
          "recent": "Tiếp nhận mới nhất trước"}
# Lists of pending dossiers, and of late ones, open on the most overdue first.
URGENT_FIRST = (*codes.PENDING_CODES, codes.RESOLVED_LATE)


def _statuses(metric: str) -> dict[str, str]:
    """The statuses a list can hold at its moment: pending ones, ended ones, or both (received)."""
    if metric in codes.PENDING_CODES:
        return PENDING_STATUSES
    if metric in codes.STREAM_CODES and not metric.startswith("dossier.received"):
        return ENDED_STATUSES
    return PENDING_STATUSES | ENDED_STATUSES


def _offered(value: str | None, offered) -> str:
    """`value` if it is one of `offered`, else "" (the default)."""
    return value if value in offered else ""


def _days(value: str | None) -> int:
    return int(value) if value in {str(n) for n in MIN_DAYS} else 0


def _unit_label(unit_code: str, units: dict, national: bool) -> str:
    unit = units.get(unit_code)
    if unit is None:
        return unit_code
    province = units.get(unit.province_code) if national and unit.province_code != unit.code else None
    return f"{unit.name} · {province.name}" if province else unit.name


def dossier_list(request, code: str):
    """One page of the dossiers a dossier metric counts for the unit and period, filtered and sorted."""
    try:
        unit = readable_unit_or_deny(request, code)
    except LoginRequired:
        return login_redirect(request)
    metric = request.GET.get("metric") or codes.PENDING_OVERDUE
    if metric not in codes.DOSSIER_CODES:
        raise InvalidParameter("metric", f"Không có chỉ tiêu hồ sơ {shown(metric)}")
    choice = choose(request.GET)
    try:
        page_number = max(int(request.GET.get("page", "1")), 1)
    except ValueError:  # not a number, or more than 4,300 digits: the first page
        page_number = 1
    as_of = list_moment(choice.period.end, timezone.now())
    rows = behind(unit, metric, choice.period)
    procedures = procedures_in(rows)
    statuses = _statuses(metric)
    chosen = {
        "procedure": _offered(request.GET.get("procedure"), set(procedures)),
        "status": _offered(request.GET.get("status"), statuses),
        "days": _days(request.GET.get("days")),
        "sort": _offered(request.GET.get("sort"), ORDERS) or ("urgent" if metric in URGENT_FIRST else "received"),
    }
    page = dossier_page(refine(rows, as_of, procedure=chosen["procedure"], status=chosen["status"],
                               min_days=chosen["days"], order=chosen["sort"]), page_number)
    names = procedure_names(set(procedures))
    units = units_by_code()
    national = unit.level == Level.NATIONAL
    for row in page["dossiers"]:
        row["procedure_name"] = names.get(row["procedure_code"], "")
        row["unit_name"] = _unit_label(row["unit_code"], units, national)
        row["channel_label"] = CHANNEL_LABELS.get(row["channel"], "")
        row["outcome_label"] = OUTCOME_LABELS.get(Outcome(row["outcome"]), row["outcome"])
        row["standing"] = standing(state_of(row), as_of)
    kept = {"metric": metric, "period": choice.period.code, **{k: v for k, v in chosen.items() if v}}
    return render(request, "web/dossiers.html", {
        "unit": unit, "choice": choice, "metric": metric, "metric_label": METRIC_LABELS.get(metric, metric),
        "page": page, "metrics": [(m, METRIC_LABELS[m]) for m in codes.DOSSIER_CODES], "as_of": as_of,
        "chosen": chosen, "query": urlencode(kept), "procedures": [(c, names.get(c, "")) for c in procedures],
        "statuses": statuses, "orders": ORDERS, "min_days": MIN_DAYS,
    })

"""The dossiers behind a number: `/u/<code>/ho-so/?metric=dossier.resolved.late&period=2026-08&page=2`."""

from django.shortcuts import render

from thuocdo.dossiers.ontime import Channel, Outcome
from thuocdo.errors import InvalidParameter
from thuocdo.evaluation.explain import dossier_page
from thuocdo.evaluation.periods import shown
from thuocdo.metrics import codes
from thuocdo.procedures.names import procedure_names
from thuocdo.web.access import LoginRequired, login_redirect, readable_unit_or_deny
from thuocdo.web.labels import METRIC_LABELS, OUTCOME_LABELS
from thuocdo.web.picker import choose
from thuocdo.web.queries.dossiers import behind

CHANNEL_LABELS = {Channel.IN_PERSON: "Trực tiếp", Channel.ONLINE: "Trực tuyến", Channel.POSTAL: "Bưu chính"}


def dossier_list(request, code: str):
    """One page of the dossiers a dossier metric counts for the unit and period."""
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
    page = dossier_page(behind(unit, metric, choice.period), page_number)
    names = procedure_names({row["procedure_code"] for row in page["dossiers"]})
    for row in page["dossiers"]:
        row["procedure_name"] = names.get(row["procedure_code"], "")
        row["channel_label"] = CHANNEL_LABELS.get(row["channel"], "")
        row["outcome_label"] = OUTCOME_LABELS.get(Outcome(row["outcome"]), row["outcome"])
    return render(request, "web/dossiers.html", {
        "unit": unit, "choice": choice, "metric": metric, "metric_label": METRIC_LABELS.get(metric, metric),
        "page": page, "metrics": [(m, METRIC_LABELS[m]) for m in codes.DOSSIER_CODES],
    })

"""Explanations: a score opens into its indicators, each into its metric values, each into records."""

from __future__ import annotations

from datetime import date

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet

from thuocdo.dossiers.models import Dossier
from thuocdo.dossiers.ontime import Outcome
from thuocdo.errors import InvalidParameter
from thuocdo.evaluation import reconcile
from thuocdo.evaluation.frameworks import Framework
from thuocdo.evaluation.periods import SHOWN_CHARS, Period
from thuocdo.evaluation.queries import _num, official_scores, score_units, scoring_level, scoring_values
from thuocdo.metrics import codes
from thuocdo.metrics.queries import end_of_day, scope_filter
from thuocdo.units.models import Unit

PAGE_SIZE = 50


def explain(framework: Framework, unit: Unit, period: Period, procedure: str = "") -> dict:
    """Every group and indicator of the unit's score with the numbers behind it (the nation's like a province's)."""
    read = scoring_values(framework, [unit], period, procedure)
    score = score_units(framework, [unit], period, procedure, values=read)[unit.code]
    values = read.get(unit.code, {})
    official = official_scores([unit], framework.code, period, procedure).get(unit.code, {})
    # Where the portal gave a figure, the one from our own data beside it (cross-source reconciliation).
    live = reconcile.live_score(framework, scoring_level(unit), values) if reconcile.portal_backed(values) else None
    pairs = reconcile.indicator_pairs(score, live) if live is not None else {}
    groups = []
    for group in score.groups.values():
        indicators = []
        for ind in group.indicators:
            spec = next(i for i in framework.group(group.code).indicators if i.code == ind.code)
            portal, ours = pairs.get(ind.code, (None, None))
            indicators.append({
                "code": ind.code, "name": ind.name, "rule": str(ind.rule), "status": str(ind.status),
                "max": _num(ind.max_points), "points": _num(ind.points), "numerator": _num(ind.numerator),
                "denominator": _num(ind.denominator), "ratio": _num(ind.ratio), "estimate": ind.estimate,
                "label": ind.label, "source": _source_note(spec, ind),
                "live_points": _num(ours), "differs": reconcile.differs(portal, ours),
                "metrics": [
                    {"code": m, "value": values.get(m), "records": m in codes.DOSSIER_CODES}
                    for m in sorted(spec.metrics)
                ],
            })
        groups.append({"code": group.code, "name": group.name, "max": _num(group.max_points),
                       "points": _num(group.points), "official": official.get(group.code), "indicators": indicators})
    return {
        "unit": {"code": unit.code, "name": unit.name, "level": unit.level},
        "framework": {"code": score.framework, "version": score.version},
        "period": {"code": period.code, "label": period.label, "from": period.start.isoformat(),
                   "to": period.end.isoformat()},
        "total": _num(score.total), "max": _num(score.max_points), "grade": score.grade, "complete": score.complete,
        "groups": groups,
    }


def _source_note(spec, scored) -> str:
    """Which source gave the indicator its points: the portal (first source) or a fallback's note."""
    if scored.source is None or scored.source == 0:
        return spec.data_source if scored.source == 0 else ""
    fallbacks = ([note for _, note in spec.value_fallbacks] if spec.value_fallbacks
                 else [source.note for source in spec.sources[1:]])
    index = scored.source - 1
    return fallbacks[index] if 0 <= index < len(fallbacks) else ""


def dossiers_behind(unit: Unit, metric: str, start: date, end: date) -> QuerySet[Dossier]:
    """The dossiers a dossier metric counts for a unit over [start, end] (the records behind the number).

    Any other metric is an InvalidParameter naming `metric`.
    """
    base = Dossier.objects.filter(scope_filter(unit))
    received = Q(accepted_day__gte=start, accepted_day__lte=end)
    ended = Q(ended_day__gte=start, ended_day__lte=end)
    channel = {codes.RECEIVED_DIRECT: 1, codes.RECEIVED_ONLINE: 2, codes.RECEIVED_POSTAL: 3}
    outcome = {codes.RESOLVED_EARLY: Outcome.EARLY, codes.RESOLVED_ON_TIME: Outcome.ON_TIME,
               codes.RESOLVED_LATE: Outcome.LATE}
    end_status = {codes.ENDED_WITHDRAWN: 7, codes.ENDED_STOPPED: 8, codes.ENDED_REFUSED: 3}
    if metric == codes.RECEIVED:
        rows = base.filter(received)
    elif metric in channel:
        rows = base.filter(received, channel=channel[metric])
    elif metric == codes.RESOLVED:
        rows = base.filter(ended)
    elif metric in outcome:
        rows = base.filter(ended, outcome=outcome[metric])
    elif metric in end_status:
        rows = base.filter(ended, end_status=end_status[metric])
    elif metric in codes.PENDING_CODES:
        as_of = end_of_day(end)
        rows = base.filter(accepted_at__lte=as_of).filter(Q(ended_at__isnull=True) | Q(ended_at__gt=as_of))
        if metric != codes.PENDING:
            overdue = Q(supplements__gte=2) | Q(extended_due_at__lt=as_of)
            rows = rows.filter(overdue if metric == codes.PENDING_OVERDUE else ~overdue)
    else:
        reason = "không phải chỉ tiêu hồ sơ: không có hồ sơ đứng sau số liệu này."
        raise InvalidParameter("metric", f"{metric[:SHOWN_CHARS]} {reason}")
    return rows.order_by("accepted_at", "dossier_code")


def dossier_page(rows: QuerySet[Dossier], page: int) -> dict:
    """One page of dossiers, newest questions first answered by plain fields."""
    paginator = Paginator(rows.values(
        "unit_code", "dossier_code", "procedure_code", "channel", "accepted_at", "due_at", "extended_due_at",
        "ended_at", "outcome", "supplements", "paused_since", "end_status",
    ), PAGE_SIZE)
    current = paginator.get_page(page)
    return {"count": paginator.count, "page": current.number, "pages": paginator.num_pages,
            "dossiers": list(current.object_list)}

"""Explanations: a score opens into its indicators, each into its metric values, each into records."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.core.paginator import Paginator
from django.db.models import Case, DateTimeField, DurationField, ExpressionWrapper, F, Q, QuerySet, Value, When
from django.db.models.functions import TruncDate

from thuocdo.dossiers.models import Dossier
from thuocdo.dossiers.ontime import LOCAL_TZ, Outcome, local_date
from thuocdo.errors import InvalidParameter
from thuocdo.evaluation.frameworks import Framework
from thuocdo.evaluation.periods import SHOWN_CHARS, Period
from thuocdo.evaluation.queries import _num, official_scores, score_units, scoring_values
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
    groups = []
    for group in score.groups.values():
        indicators = []
        for ind in group.indicators:
            spec = next(i for i in framework.group(group.code).indicators if i.code == ind.code)
            indicators.append({
                "code": ind.code, "name": ind.name, "rule": str(ind.rule), "status": str(ind.status),
                "max": _num(ind.max_points), "points": _num(ind.points), "numerator": _num(ind.numerator),
                "denominator": _num(ind.denominator), "ratio": _num(ind.ratio), "estimate": ind.estimate,
                "label": ind.label,
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


# Filters of a dossier list, each read as of the list's moment (`list_moment`).
LIST_STATUSES = ("overdue", "within", "waiting", "early", "on_time", "late")
LIST_MIN_DAYS = (1, 3, 5, 10, 30)
LIST_ORDERS = ("urgent", "received", "recent")


def list_moment(end: date, now: datetime) -> datetime:
    """The moment a list over a period ending `end` is read at: now, or the end of a past period's last day."""
    return min(now, end_of_day(end))


def _ended_by(as_of: datetime) -> Q:
    return Q(ended_at__lte=as_of)


def _pending_at(as_of: datetime) -> Q:
    return Q(ended_at__isnull=True) | Q(ended_at__gt=as_of)


def _overdue_at(as_of: datetime) -> Q:
    """Pending dossiers overdue at `as_of` (`ontime.pending_class`; a pause that began later did not run then)."""
    waiting = Q(paused_since__lte=as_of)
    not_waiting = Q(paused_since__isnull=True) | Q(paused_since__gt=as_of)
    return (Q(supplements__gte=2) | (not_waiting & Q(extended_due_at__lt=as_of))
            | (waiting & Q(extended_due_at__lt=F("paused_since"))))


def _status(name: str, as_of: datetime) -> Q:
    pending = _pending_at(as_of)
    return {
        "overdue": pending & _overdue_at(as_of),
        "within": pending & ~_overdue_at(as_of),
        "waiting": pending & Q(paused_since__lte=as_of),
        "early": _ended_by(as_of) & Q(outcome=Outcome.EARLY),
        "on_time": _ended_by(as_of) & Q(outcome=Outcome.ON_TIME),
        "late": _ended_by(as_of) & Q(outcome=Outcome.LATE),
    }[name]


def _due_at(as_of: datetime):
    """The due time as of `as_of`: pushed back by a supplement pause running then (`ontime.effective_due_at`)."""
    running = _pending_at(as_of) & Q(paused_since__lte=as_of)
    pushed = F("extended_due_at") + ExpressionWrapper(Value(as_of) - F("paused_since"), output_field=DurationField())
    return Case(When(running, then=pushed), default=F("extended_due_at"), output_field=DateTimeField())


def _at_least_days(days: int, as_of: datetime) -> Q:
    """At least `days` calendar days past the due date at `as_of` (`reasons.standing`'s days ≥ `days`).

    Needs the `due_plus_days` alias (the due date plus `days`, on the local calendar) for ended dossiers.
    """
    # Pending: the due time as of the moment falls before the first instant of (moment's date − days + 1).
    cutoff = datetime.combine(local_date(as_of) - timedelta(days=days - 1), time.min, tzinfo=LOCAL_TZ)
    pending = (Q(paused_since__isnull=True) | Q(paused_since__gt=as_of)) & Q(extended_due_at__lt=cutoff)
    waiting = Q(paused_since__lte=as_of, extended_due_at__lt=F("paused_since") + (cutoff - as_of))
    return (_pending_at(as_of) & (pending | waiting)) | (_ended_by(as_of) & Q(due_plus_days__lte=F("ended_day")))


def procedures_in(rows: QuerySet[Dossier]) -> list[str]:
    """The procedure codes of a list's dossiers, sorted (empty codes left out)."""
    found = rows.order_by().exclude(procedure_code="").values_list("procedure_code", flat=True).distinct()
    return sorted(found)


def refine(rows: QuerySet[Dossier], as_of: datetime, *, procedure: str = "", status: str = "", min_days: int = 0,
           order: str = "received") -> QuerySet[Dossier]:
    """A dossier list filtered by procedure, status and days past due at `as_of`, in `order`, all in SQL.

    `order` "urgent": most days past due first (then most days left last), dossiers without a due date
    at the end; "received": oldest accepted first; "recent": newest first. Values are checked by the caller.
    """
    if procedure:
        rows = rows.filter(procedure_code=procedure)
    if status:
        rows = rows.filter(_status(status, as_of))
    if min_days:
        plus = ExpressionWrapper(F("extended_due_at") + timedelta(days=min_days), output_field=DateTimeField())
        rows = rows.alias(due_plus_days=TruncDate(plus, tzinfo=LOCAL_TZ)).filter(_at_least_days(min_days, as_of))
    if order == "recent":
        return rows.order_by("-accepted_at", "dossier_code")
    if order != "urgent":
        return rows.order_by("accepted_at", "dossier_code")
    due = _due_at(as_of)
    stop = Case(When(_ended_by(as_of), then=F("ended_at")), default=Value(as_of), output_field=DateTimeField())
    # Calendar days first (what the list shows), then the exact time past due within a day.
    days = ExpressionWrapper(TruncDate(stop, tzinfo=LOCAL_TZ) - TruncDate(due, tzinfo=LOCAL_TZ),
                             output_field=DurationField())
    past = ExpressionWrapper(stop - due, output_field=DurationField())
    return rows.alias(days_past=days, time_past=past).order_by(
        F("days_past").desc(nulls_last=True), F("time_past").desc(nulls_last=True), "dossier_code")

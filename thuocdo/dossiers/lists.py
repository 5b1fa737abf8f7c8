"""Filtering and ordering a list of dossiers as of one moment, in SQL (procedure, status, days past due).

A list is read at one moment (`list_moment`: now, or the end of a past period). Days past the due date
are counted on the Vietnamese calendar exactly as `dossiers.reasons.standing` counts them, so a filter
"at least 5 days" and the order "most overdue first" agree with the days the page shows.

The days are computed by the database on whole seconds since 1970 (`EpochSeconds`, native on SQLite and
PostgreSQL): Django's date functions run as Python callbacks per row on SQLite, which cost ≈ 1 s over
50,000 dossiers; native arithmetic keeps a sorted page of a 100,000-dossier province under 0.3 s.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import BigIntegerField, Case, ExpressionWrapper, F, Func, Q, QuerySet, Value, When

from thuocdo.dossiers.models import Dossier
from thuocdo.dossiers.ontime import Outcome
from thuocdo.metrics.queries import end_of_day

STATUSES = ("overdue", "within", "waiting", "early", "on_time", "late")
MIN_DAYS = (1, 3, 5, 10, 30)
ORDERS = ("urgent", "received", "recent")
DAY = 86_400
# Vietnam has kept UTC+7 without daylight saving since 1975 (as `ontime.LOCAL_TZ` notes): a local date
# is a whole number of days from 1970-01-01 07:00 UTC.
LOCAL_OFFSET = 7 * 3600


class EpochSeconds(Func):
    """Whole seconds since 1970-01-01 UTC of a datetime (fractions dropped), computed by the database."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        # "%%%%s" reaches SQLite as strftime('%s', …): once for this template, once for the query's params.
        return self.as_sql(compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
                           **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS BIGINT)",
                           **extra)


def list_moment(end: date, now: datetime) -> datetime:
    """The moment a list over a period ending `end` is read at: now, or the end of a past period's last day."""
    return min(now, end_of_day(end))


def _ended_by(as_of: datetime) -> Q:
    return Q(ended_at__lte=as_of)


def _pending_at(as_of: datetime) -> Q:
    return Q(ended_at__isnull=True) | Q(ended_at__gt=as_of)


def _waiting_at(as_of: datetime) -> Q:
    """Pending and waiting for the applicant's supplement at `as_of` (a pause that began later did not run then)."""
    return _pending_at(as_of) & Q(paused_since__lte=as_of)


def _overdue_at(as_of: datetime) -> Q:
    """Pending dossiers overdue at `as_of`, by `ontime.pending_class`."""
    not_waiting = Q(paused_since__isnull=True) | Q(paused_since__gt=as_of)
    return (Q(supplements__gte=2) | (not_waiting & Q(extended_due_at__lt=as_of))
            | (Q(paused_since__lte=as_of) & Q(extended_due_at__lt=F("paused_since"))))


def _status(name: str, as_of: datetime) -> Q:
    pending = _pending_at(as_of)
    return {
        "overdue": pending & _overdue_at(as_of),
        "within": pending & ~_overdue_at(as_of),
        "waiting": _waiting_at(as_of),
        "early": _ended_by(as_of) & Q(outcome=Outcome.EARLY),
        "on_time": _ended_by(as_of) & Q(outcome=Outcome.ON_TIME),
        "late": _ended_by(as_of) & Q(outcome=Outcome.LATE),
    }[name]


def _with_days(rows: QuerySet[Dossier], as_of: datetime) -> QuerySet[Dossier]:
    """Alias `days_past` (calendar days past the due date at `as_of`) and `seconds_past` on the rows.

    Pending: from the due time as of the moment (pushed back by a running pause) to the moment;
    ended by then: from the (extended) due time to the end. Null without a due date.
    """
    moment = int(as_of.timestamp())
    due = EpochSeconds("extended_due_at")
    pushed = due + Value(moment) - EpochSeconds("paused_since")
    due_then = Case(When(_waiting_at(as_of), then=pushed), default=due, output_field=BigIntegerField())
    stop = Case(When(_ended_by(as_of), then=EpochSeconds("ended_at")), default=Value(moment),
                output_field=BigIntegerField())
    days = ExpressionWrapper((F("stop_s") + LOCAL_OFFSET) / DAY - (F("due_s") + LOCAL_OFFSET) / DAY,
                             output_field=BigIntegerField())
    return rows.alias(due_s=due_then, stop_s=stop).alias(
        days_past=days, seconds_past=ExpressionWrapper(F("stop_s") - F("due_s"), output_field=BigIntegerField()))


def procedures_in(rows: QuerySet[Dossier]) -> list[str]:
    """The procedure codes of a list's dossiers, sorted (empty codes left out)."""
    found = rows.order_by().exclude(procedure_code="").values_list("procedure_code", flat=True).distinct()
    return sorted(found)


def refine(rows: QuerySet[Dossier], as_of: datetime, *, procedure: str = "", status: str = "", min_days: int = 0,
           order: str = "received") -> QuerySet[Dossier]:
    """A dossier list filtered by procedure, status and days past due at `as_of`, in `order`, all in SQL.

    `status` one of STATUSES or "", `min_days` one of MIN_DAYS or 0, `order` one of ORDERS (the caller
    checks): "urgent" is most days past due first, then fewest days left, dossiers without a due date
    last; "received" oldest accepted first; "recent" newest first.
    """
    if procedure:
        rows = rows.filter(procedure_code=procedure)
    if status:
        rows = rows.filter(_status(status, as_of))
    if min_days or order == "urgent":
        rows = _with_days(rows, as_of)
    if min_days:
        rows = rows.filter(days_past__gte=min_days)
    if order == "recent":
        return rows.order_by("-accepted_at", "dossier_code")
    if order != "urgent":
        return rows.order_by("accepted_at", "dossier_code")
    return rows.order_by(F("days_past").desc(nulls_last=True), F("seconds_past").desc(nulls_last=True),
                         "dossier_code")

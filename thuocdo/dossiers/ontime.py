"""On-time engine for administrative-procedure dossiers (hồ sơ TTHC), domain.md §2.

Pure Python, no Django: the result depends only on the *set* of status events, never on their
arrival order. Decisions the rules leave open, taken here once:

- Order: events are deduplicated by ``event_id``, then sorted by (occurred_at, status, event_id).
  At one instant, status codes are taken in lifecycle order (acceptance 2 before a refusal 3,
  processing 4 before a supplement request 5); the event id settles whatever is left.
- Replays: one event id is one event. If two versions of an id differ, the one that sorts first
  (by the key above, then due_at, then channel) is kept, so arrival order still cannot matter.
- Acceptance: the earliest status 2. NgayHenTra comes from it, or, if it has none, from the
  earliest status 2 that has one; with none at all there is no deadline (ended → on time).
- End: any status 9, else any 10 (a result cannot be undone by clock skew), else the first
  8/3/7 *after* the acceptance in sorted order (before it, they belong to intake).
- Supplements: status-5 events after the acceptance and before the end. A pause runs from a 5 to
  the next event of another status (the end event included); back-to-back 5s make one pause but
  count as two requests. Events after the end are ignored.
- Paused pending dossier: the clock is stopped, so its class is frozen at the moment the pause
  began — within deadline unless the pause started after the (extended) due time. The running
  pause is not in ``extended_due_at`` (it depends on now); see ``effective_due_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import IntEnum, StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
except ZoneInfoNotFoundError:  # pragma: no cover - hosts without a tz database
    # Vietnam has kept UTC+7 without daylight saving since 1975.
    LOCAL_TZ = timezone(timedelta(hours=7), "ICT")


class Status(IntEnum):
    """Trạng thái hồ sơ (TrangThaiHoSo) as synced to the National Public Service Portal."""

    REGISTERED = 1
    ACCEPTED = 2
    REFUSED = 3
    PROCESSING = 4
    SUPPLEMENT_REQUESTED = 5
    PAYMENT_DUE = 6
    WITHDRAWN = 7
    STOPPED = 8
    PROCESSED = 9
    RETURNED = 10


STATUS_LABELS = {
    Status.REGISTERED: "Mới đăng ký",
    Status.ACCEPTED: "Được tiếp nhận",
    Status.REFUSED: "Không được tiếp nhận",
    Status.PROCESSING: "Đang xử lý",
    Status.SUPPLEMENT_REQUESTED: "Yêu cầu bổ sung giấy tờ",
    Status.PAYMENT_DUE: "Yêu cầu thực hiện nghĩa vụ tài chính",
    Status.WITHDRAWN: "Công dân yêu cầu rút hồ sơ",
    Status.STOPPED: "Dừng xử lý",
    Status.PROCESSED: "Đã xử lý xong",
    Status.RETURNED: "Đã trả kết quả",
}


class Channel(IntEnum):
    """Kênh thực hiện (KenhThucHien); a missing channel counts as in person."""

    IN_PERSON = 1
    ONLINE = 2
    POSTAL = 3


class Outcome(StrEnum):
    """Where a dossier stands under the on-time rule."""

    NOT_ACCEPTED = "not_accepted"
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    PENDING = "pending"


OUTCOME_LABELS = {
    Outcome.NOT_ACCEPTED: "Chưa được tiếp nhận",
    Outcome.EARLY: "Trước hạn",
    Outcome.ON_TIME: "Đúng hạn",
    Outcome.LATE: "Quá hạn",
    Outcome.PENDING: "Đang giải quyết",
}


class PendingClass(StrEnum):
    """Class of a dossier still being handled: Trong hạn / Quá hạn (form II.06a)."""

    WITHIN_DEADLINE = "within_deadline"
    OVERDUE = "overdue"


# A refusal, withdrawal or stop ends processing only after acceptance.
_LATE_ENDS = frozenset({Status.STOPPED, Status.REFUSED, Status.WITHDRAWN})


def _require_aware(name: str, value: datetime | None) -> None:
    """Refuse a time without a UTC offset (it cannot be placed on the local calendar)."""
    if value is not None and value.utcoffset() is None:
        raise ValueError(f"{name}: must carry a UTC offset")


@dataclass(frozen=True)
class StatusEvent:
    """One status change of one dossier, as sent by a one-stop system."""

    status: int
    occurred_at: datetime
    due_at: datetime | None
    channel: int | None
    event_id: str

    def __post_init__(self) -> None:
        """Check that both times are timezone-aware."""
        _require_aware("occurred_at", self.occurred_at)
        _require_aware("due_at", self.due_at)


@dataclass(frozen=True)
class DossierState:
    """A dossier's classification derived from its whole event set."""

    accepted_at: datetime | None
    channel: int
    due_at: datetime | None
    extended_due_at: datetime | None
    supplements: int
    ended_at: datetime | None
    end_status: int | None
    outcome: Outcome
    paused_since: datetime | None = None


def local_date(dt: datetime) -> date:
    """Return the calendar date of ``dt`` in Vietnam (Asia/Ho_Chi_Minh)."""
    return dt.astimezone(LOCAL_TZ).date()


def _sort_key(event: StatusEvent) -> tuple:
    """Return the total order used everywhere: time, then status, then event id."""
    return (event.occurred_at, event.status, event.event_id)


def _version_key(event: StatusEvent) -> tuple:
    """Order two versions of one event id, so the kept one does not depend on arrival order."""
    due = event.due_at.timestamp() if event.due_at else -1.0
    return (*_sort_key(event), due, event.channel or 0)


def _ordered(events: Iterable[StatusEvent]) -> list[StatusEvent]:
    """Deduplicate by event id and sort by the total order."""
    kept: dict[str, StatusEvent] = {}
    for event in events:
        current = kept.get(event.event_id)
        if current is None or _version_key(event) < _version_key(current):
            kept[event.event_id] = event
    return sorted(kept.values(), key=_sort_key)


def _first(events: Iterable[StatusEvent], statuses: Iterable[int]) -> StatusEvent | None:
    """Return the first event (in sorted order) whose status is one of ``statuses``."""
    wanted = frozenset(statuses)
    return next((e for e in events if e.status in wanted), None)


def _first_with_due(ordered: list[StatusEvent]) -> StatusEvent | None:
    """Return the earliest acceptance that carries a promised return date."""
    return next((e for e in ordered if e.status == Status.ACCEPTED and e.due_at is not None), None)


def _channel(events: list[StatusEvent], acceptance: StatusEvent | None) -> Channel:
    """Pick the channel: the acceptance's, else the earliest event's that has one, else in person."""
    if acceptance is not None and acceptance.channel is not None:
        return Channel(acceptance.channel)
    found = next((e.channel for e in events if e.channel is not None), None)
    return Channel(found) if found is not None else Channel.IN_PERSON


def classify(events: Iterable[StatusEvent]) -> DossierState:
    """Classify one dossier from the set of its status events (any order, replays allowed)."""
    ordered = _ordered(events)
    acceptance = _first(ordered, [Status.ACCEPTED])
    channel = _channel(ordered, acceptance)
    if acceptance is None:
        return DossierState(None, channel, None, None, 0, None, None, Outcome.NOT_ACCEPTED)

    start = ordered.index(acceptance)
    after = ordered[start + 1 :]
    due_source = acceptance if acceptance.due_at else _first_with_due(ordered)
    due = due_source.due_at if due_source else None
    end = (
        _first(ordered, [Status.PROCESSED]) or _first(ordered, [Status.RETURNED]) or _first(after, _LATE_ENDS)
    )
    window = after if end is None else ordered[start + 1 : ordered.index(end) + 1]

    supplements = 0
    paused: timedelta = timedelta(0)
    paused_since: datetime | None = None
    for event in window:
        if event.status == Status.SUPPLEMENT_REQUESTED:
            supplements += 1
            paused_since = paused_since or event.occurred_at
        elif paused_since is not None:
            paused += event.occurred_at - paused_since
            paused_since = None
    extended = due + paused if due is not None else None

    if end is None:
        outcome = Outcome.PENDING
    elif supplements >= 2:
        outcome = Outcome.LATE  # a second supplement request makes the dossier late
    elif extended is None:
        outcome = Outcome.ON_TIME  # no promised date, nothing to be late against
    elif local_date(end.occurred_at) < local_date(extended):
        outcome = Outcome.EARLY
    elif end.occurred_at <= extended:
        outcome = Outcome.ON_TIME
    else:
        outcome = Outcome.LATE
    return DossierState(
        accepted_at=acceptance.occurred_at,
        channel=channel,
        due_at=due,
        extended_due_at=extended,
        supplements=supplements,
        ended_at=end.occurred_at if end else None,
        end_status=Status(end.status) if end else None,
        outcome=outcome,
        paused_since=paused_since,
    )


def effective_due_at(state: DossierState, now: datetime) -> datetime | None:
    """Return the due time as of ``now``: the extended due plus a pause still running at ``now``."""
    if state.extended_due_at is None:
        return None
    if state.paused_since is None:
        return state.extended_due_at
    return state.extended_due_at + max(now - state.paused_since, timedelta(0))


def pending_class(state: DossierState, now: datetime) -> PendingClass | None:
    """Return within deadline / overdue for a pending dossier as of ``now``, else None.

    The flip needs no event: the same state turns overdue once ``now`` passes the due time.
    """
    _require_aware("now", now)
    if state.outcome != Outcome.PENDING:
        return None
    if state.supplements >= 2:
        return PendingClass.OVERDUE
    due = effective_due_at(state, now)
    if due is None or now <= due:
        return PendingClass.WITHIN_DEADLINE
    return PendingClass.OVERDUE


def state_at(events: Iterable[StatusEvent], as_of: datetime) -> DossierState:
    """Classify using only events that occurred at or before ``as_of`` (a range's end).

    Replays are resolved over the whole set first, so a version is chosen the same way as in
    ``classify``; pair the result with ``pending_class(state, as_of)``.
    """
    _require_aware("as_of", as_of)
    return classify(e for e in _ordered(events) if e.occurred_at <= as_of)

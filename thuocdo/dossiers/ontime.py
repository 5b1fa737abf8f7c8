"""On-time engine for administrative-procedure dossiers (hồ sơ TTHC), domain.md §2.

Pure Python, no Django: the result depends only on the *set* of status events, never on their
arrival order. Decisions the rules leave open, taken here once:

- Order: events are deduplicated by ``event_id``, then sorted by (occurred_at, status, event_id).
  The engine runs on compact tuples (integer microseconds, see ``Compact``); ``classify`` takes
  ``StatusEvent``s for readability and converts.
  At one instant, status codes are taken in lifecycle order (acceptance 2 before a refusal 3,
  processing 4 before a supplement request 5); the event id settles whatever is left.
- Replays: one event id is one event. If two versions of an id differ, the one that sorts first
  (by the key above, then due_at, then channel, then procedure code) is kept, so arrival order
  still cannot matter.
- Acceptance: the earliest status 2. NgayHenTra comes from it, or, if it has none, from the
  earliest status 2 that has one; with none at all there is no deadline (ended → on time).
- End: any status 9, else any 10 (a result cannot be undone by clock skew), else the first
  8/3/7 *after* the acceptance in sorted order (before it, they belong to intake).
- Supplements: status-5 events after the acceptance and before the end. A pause runs from a 5 to
  the next event of another status (the end event included); back-to-back 5s make one pause but
  count as two requests. Events after the end are ignored.
- Procedure code: the earliest acceptance's that has one, else that of the earliest event (by time,
  then event id, whatever its status) that has one.
- Paused pending dossier: the clock is stopped, so its class is frozen at the moment the pause
  began — within deadline unless the pause started after the (extended) due time. The running
  pause is not in ``extended_due_at`` (it depends on now); see ``effective_due_at``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from enum import IntEnum, StrEnum
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import orjson

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


# The engine works on compact events, so that the ingest path never builds datetimes:
#   (time, status, event id, due time or NO_DUE, channel or 0, procedure code or "",
#    sync fields as canonical JSON text or "", arrival time or NO_ARRIVAL)
# The last two are optional (events stored before issue 11 have six elements): their facts are
# none and their arrival unknown.
# with times as integer microseconds since 1970-01-01 UTC (exact, unlike float seconds).
# Their natural tuple order is the total order: time, then status, then event id; for two
# versions of one event id, then due time, channel and procedure code. Lists (as stored in JSON)
# sort the same.
Compact = tuple[int, int, str, int, int, str] | tuple[int, int, str, int, int, str, str, int]
NO_DUE = -1
NO_ARRIVAL = -1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
# Vietnam has kept UTC+7 without daylight saving since 1975, and the reform began in 2025, so the
# local day of an instant is arithmetic (test: the same as `local_date` across midnights).
_LOCAL_OFFSET_US = 7 * 3600 * 1_000_000
_DAY_US = 86_400 * 1_000_000
_LATE_END_CODES = frozenset(int(s) for s in _LATE_ENDS)


def to_micros(dt: datetime) -> int:
    """Microseconds since the Unix epoch of an aware datetime (exact)."""
    return (dt - _EPOCH) // _MICROSECOND


def from_micros(us: int) -> datetime:
    """The UTC datetime of a microsecond timestamp."""
    return _EPOCH + timedelta(microseconds=us)


def local_day_number(us: int) -> int:
    """Days since 1970-01-01 of the local (Asia/Ho_Chi_Minh) calendar date of an instant."""
    return (us + _LOCAL_OFFSET_US) // _DAY_US


class CompactState(NamedTuple):
    """A dossier's classification in compact form (times in microseconds, None when absent)."""

    accepted_at: int | None
    channel: int
    due_at: int | None
    extended_due_at: int | None
    supplements: int
    ended_at: int | None
    end_status: int | None
    outcome: Outcome
    paused_since: int | None
    procedure_code: str
    facts: str = ""  # the national sync fields, as canonical JSON text (see `dossier_facts`)
    sync_lag: int | None = None  # the longest any event took to reach us, in µs; None if any arrival is unknown


def compact(event: StatusEvent, procedure_code: str = "") -> Compact:
    """The engine's compact form of a status event."""
    due = to_micros(event.due_at) if event.due_at is not None else NO_DUE
    return (to_micros(event.occurred_at), int(event.status), event.event_id, due, event.channel or 0, procedure_code)


def _ordered(events: Iterable[Sequence]) -> list[Sequence]:
    """Sort by the total order and keep, per event id, the version that sorts first."""
    kept = []
    seen: set[str] = set()
    for event in sorted(events):
        if event[2] not in seen:
            seen.add(event[2])
            kept.append(event)
    return kept


def _procedure(ordered: list[Sequence]) -> str:
    """The earliest acceptance's procedure code, else the earliest (by time, then id) event's."""
    with_code = [(e[1] != Status.ACCEPTED, e[0], e[2], e[5]) for e in ordered if e[5]]
    return min(with_code)[3] if with_code else ""


def _facts_and_lag(ordered: list[Sequence]) -> tuple[str, int | None]:
    """The dossier's sync fields and its sync lag (see `CompactState`).

    Each field is set by the latest event, in the engine's order, that carries it (events after the
    end too: a rating comes with or after the result). The lag is the longest time any event took
    from occurring to reaching us (never below 0: a province's clock may run ahead of ours).
    """
    merged: dict | None = None
    lag: int | None = 0
    for event in ordered:
        if len(event) < 8:
            lag = None
            continue
        if event[6]:
            merged = orjson.loads(event[6]) if merged is None else {**merged, **orjson.loads(event[6])}
        if lag is not None:
            lag = None if event[7] == NO_ARRIVAL else max(lag, event[7] - event[0])
    facts = orjson.dumps(merged, option=orjson.OPT_SORT_KEYS).decode() if merged else ""
    return facts, lag


def dossier_facts(state: CompactState) -> dict:
    """The sync fields a classified dossier carries (field → value); an absent field is unknown."""
    return orjson.loads(state.facts) if state.facts else {}


def classify_compact(events: Iterable[Sequence]) -> CompactState:
    """Classify one dossier from the set of its compact events (any order, replays allowed)."""
    ordered = _ordered(events)
    start = next((i for i, e in enumerate(ordered) if e[1] == Status.ACCEPTED), None)
    procedure = _procedure(ordered)
    facts, lag = _facts_and_lag(ordered)
    if start is None:
        channel = next((e[4] for e in ordered if e[4]), Channel.IN_PERSON)
        return CompactState(None, channel, None, None, 0, None, None, Outcome.NOT_ACCEPTED, None, procedure,
                            facts, lag)

    acceptance = ordered[start]
    channel = acceptance[4] or next((e[4] for e in ordered if e[4]), Channel.IN_PERSON)
    due = acceptance[3]
    if due == NO_DUE:
        due = next((e[3] for e in ordered if e[1] == Status.ACCEPTED and e[3] != NO_DUE), NO_DUE)
    end = next((i for i, e in enumerate(ordered) if e[1] == Status.PROCESSED), None)
    if end is None:
        end = next((i for i, e in enumerate(ordered) if e[1] == Status.RETURNED), None)
    if end is None:
        end = next((i for i in range(start + 1, len(ordered)) if ordered[i][1] in _LATE_END_CODES), None)
    window = ordered[start + 1 :] if end is None else ordered[start + 1 : end + 1]

    supplements = 0
    paused = 0
    paused_since = None
    for event in window:
        if event[1] == Status.SUPPLEMENT_REQUESTED:
            supplements += 1
            if paused_since is None:
                paused_since = event[0]
        elif paused_since is not None:
            paused += event[0] - paused_since
            paused_since = None
    extended = due + paused if due != NO_DUE else None

    ended_at = ordered[end][0] if end is not None else None
    if ended_at is None:
        outcome = Outcome.PENDING
    elif supplements >= 2:
        outcome = Outcome.LATE  # a second supplement request makes the dossier late
    elif extended is None:
        outcome = Outcome.ON_TIME  # no promised date, nothing to be late against
    elif local_day_number(ended_at) < local_day_number(extended):
        outcome = Outcome.EARLY
    elif ended_at <= extended:
        outcome = Outcome.ON_TIME
    else:
        outcome = Outcome.LATE
    return CompactState(
        accepted_at=acceptance[0], channel=channel, due_at=due if due != NO_DUE else None, extended_due_at=extended,
        supplements=supplements, ended_at=ended_at, end_status=ordered[end][1] if end is not None else None,
        outcome=outcome, paused_since=paused_since, procedure_code=procedure, facts=facts, sync_lag=lag,
    )


def _micros_or_none(us: int | None) -> datetime | None:
    return from_micros(us) if us is not None else None


def expand_state(state: CompactState) -> DossierState:
    """The datetime form of a compact classification (times in UTC)."""
    return DossierState(
        accepted_at=_micros_or_none(state.accepted_at),
        channel=Channel(state.channel),
        due_at=_micros_or_none(state.due_at),
        extended_due_at=_micros_or_none(state.extended_due_at),
        supplements=state.supplements,
        ended_at=_micros_or_none(state.ended_at),
        end_status=Status(state.end_status) if state.end_status is not None else None,
        outcome=state.outcome,
        paused_since=_micros_or_none(state.paused_since),
    )


def classify(events: Iterable[StatusEvent]) -> DossierState:
    """Classify one dossier from the set of its status events (any order, replays allowed)."""
    return expand_state(classify_compact([compact(e) for e in events]))


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
    return expand_state(state_at_compact([compact(e) for e in events], to_micros(as_of)))


def state_at_compact(events: Iterable[Sequence], as_of: int) -> CompactState:
    """`state_at` on compact events, with ``as_of`` in microseconds."""
    return classify_compact([e for e in _ordered(events) if e[0] <= as_of])

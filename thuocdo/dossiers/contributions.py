"""What one dossier adds to the metric store: received on its acceptance day, resolved on its end day."""

from __future__ import annotations

from datetime import date

from thuocdo.dossiers.ontime import CompactState, Outcome, Status, local_day_number
from thuocdo.metrics import codes

_OUTCOME_METRIC = {
    Outcome.EARLY: codes.RESOLVED_EARLY,
    Outcome.ON_TIME: codes.RESOLVED_ON_TIME,
    Outcome.LATE: codes.RESOLVED_LATE,
}
_END_METRIC = {
    Status.WITHDRAWN: codes.ENDED_WITHDRAWN,
    Status.STOPPED: codes.ENDED_STOPPED,
    Status.REFUSED: codes.ENDED_REFUSED,
}

# (unit_code, procedure_code, metric, local day)
Contribution = tuple[str, str, str, date]


_DAYS: dict = {}
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def day_of(value) -> date | None:
    """A local day as a date, from a day number (days since 1970-01-01), a stored 'YYYY-MM-DD' or a date."""
    if value is None or isinstance(value, date):
        return value
    found = _DAYS.get(value)
    if found is None:
        found = _DAYS[value] = (
            date.fromordinal(_EPOCH_ORDINAL + value) if isinstance(value, int) else date.fromisoformat(value)
        )
    return found


def state_days(state: CompactState) -> tuple[date | None, date | None]:
    """The local days a classified dossier counts on: accepted, and ended."""
    accepted = day_of(local_day_number(state.accepted_at)) if state.accepted_at is not None else None
    ended = day_of(local_day_number(state.ended_at)) if state.ended_at is not None else None
    return accepted, ended


def contributions(state: CompactState, unit_code: str) -> list[Contribution]:
    """The counts one dossier puts in the store: received on its acceptance day, resolved on its end day."""
    accepted, ended = state_days(state)
    return contributions_of(unit_code, state.procedure_code, state.channel, accepted, ended, state.outcome,
                            state.end_status)


def contributions_of(
    unit_code: str, procedure_code: str, channel: int, accepted_day: date | None, ended_day: date | None,
    outcome: str, end_status: int | None,
) -> list[Contribution]:
    """The same, from a stored dossier row's columns (no need to re-classify its events)."""
    if accepted_day is None:
        return []
    rows = [
        (unit_code, procedure_code, codes.RECEIVED, accepted_day),
        (unit_code, procedure_code, codes.CHANNEL_METRIC[channel], accepted_day),
    ]
    if ended_day is not None:
        rows.append((unit_code, procedure_code, codes.RESOLVED, ended_day))
        rows.append((unit_code, procedure_code, _OUTCOME_METRIC[outcome], ended_day))
        end_metric = _END_METRIC.get(end_status)
        if end_metric:
            rows.append((unit_code, procedure_code, end_metric, ended_day))
    return rows

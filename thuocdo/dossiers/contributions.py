"""What one dossier adds to the metric store, and the difference when it is re-classified."""

from __future__ import annotations

from collections import Counter
from datetime import date

from thuocdo.dossiers.ontime import DossierState, Outcome, Status, local_date
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


def contributions(state: DossierState | None, unit_code: str, procedure_code: str) -> list[Contribution]:
    """The counts one dossier puts in the store: received on its acceptance day, resolved on its end day."""
    if state is None or state.accepted_at is None:
        return []
    return contributions_of(
        unit_code, procedure_code, int(state.channel), local_date(state.accepted_at),
        local_date(state.ended_at) if state.ended_at is not None else None, state.outcome, state.end_status,
    )


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


def difference(old: list[Contribution], new: list[Contribution]) -> Counter:
    """+1 for what the new state adds, −1 for what the old state no longer gives; zeros dropped."""
    delta = Counter(new)
    delta.subtract(Counter(old))
    return Counter({k: v for k, v in delta.items() if v})

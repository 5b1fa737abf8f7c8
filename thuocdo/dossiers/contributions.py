"""What one dossier adds to the metric store: received on its acceptance day, resolved on its end day."""

from __future__ import annotations

from datetime import date

import orjson
from django.conf import settings

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


def sync_deadline_us() -> int:
    """How long an event may take to reach us and still count as synced on time (DOSSIER_SYNC), in µs."""
    return settings.DOSSIER_SYNC_DEADLINE_HOURS * 3_600_000_000


def synced_on_time(sync_lag: int | None, deadline_us: int) -> bool | None:
    """Whether every event of a dossier reached us within the deadline; None when an arrival is unknown."""
    return None if sync_lag is None else sync_lag <= deadline_us


def contributions(state: CompactState, unit_code: str) -> list[Contribution]:
    """The counts one dossier puts in the store: received on its acceptance day, resolved on its end day."""
    accepted, ended = state_days(state)
    return contributions_of(unit_code, state.procedure_code, state.channel, accepted, ended, state.outcome,
                            state.end_status, state.facts, synced_on_time(state.sync_lag, sync_deadline_us()))


# A boolean sync field → (its "known" metric, its "yes" metric), counted on the acceptance day.
_ON_ACCEPTANCE = (
    ("inputs_digitised", codes.INPUTS_DIGITISED_KNOWN, codes.INPUTS_DIGITISED),
    ("data_reused", codes.DATA_REUSED_KNOWN, codes.DATA_REUSED),
    ("data_replaced_fully", codes.DATA_REPLACED_KNOWN, codes.DATA_REPLACED),
    ("vneid_verified", codes.VNEID_KNOWN, codes.VNEID),
)
_COMPLETED = frozenset({Status.PROCESSED, Status.RETURNED})


def contributions_of(
    unit_code: str, procedure_code: str, channel: int, accepted_day: date | None, ended_day: date | None,
    outcome: str, end_status: int | None, facts: str = "", synced: bool | None = None,
) -> list[Contribution]:
    """The same, from a stored dossier row's columns (no need to re-classify its events).

    `facts` is the dossier's sync fields as canonical JSON text, `synced` whether every event reached
    us within the sync deadline (None: unknown). Facts count only where known (`metrics.codes.FACT_PAIRS`);
    per procedure only where a reader needs it (the catalogue's fee-bearing procedures paid online).
    """
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
    if synced is not None:
        rows.append((unit_code, "", codes.SYNC_KNOWN, accepted_day))
        if synced:
            rows.append((unit_code, "", codes.SYNC_ON_TIME, accepted_day))
    if facts:
        rows.extend(_fact_rows(unit_code, procedure_code, accepted_day, ended_day, end_status, orjson.loads(facts)))
    return rows


def _fact_rows(unit_code: str, procedure_code: str, accepted_day: date, ended_day: date | None,
               end_status: int | None, facts: dict) -> list[Contribution]:
    # Per-procedure store rows cost a row each; only the catalogue's "fee-bearing procedures paid online"
    # reads one of these per procedure (`dossier.payment.online`). The others count for the unit alone.
    paid_procedure, procedure_code = procedure_code, ""
    rows = []
    fee = facts.get("fee_amount")
    if fee is not None:
        rows.append((unit_code, procedure_code, codes.FEE_KNOWN, accepted_day))
        if fee > 0:
            rows.append((unit_code, procedure_code, codes.FEE_BEARING, accepted_day))
            paid = facts.get("paid_online")
            if paid is not None:
                rows.append((unit_code, procedure_code, codes.PAYMENT_KNOWN, accepted_day))
                if paid:
                    rows.append((unit_code, paid_procedure, codes.PAYMENT_ONLINE, accepted_day))
    for name, known, yes in _ON_ACCEPTANCE:
        value = facts.get(name)
        if value is not None:
            rows.append((unit_code, procedure_code, known, accepted_day))
            if value:
                rows.append((unit_code, procedure_code, yes, accepted_day))
    electronic = facts.get("result_electronic")
    if electronic is not None and ended_day is not None and end_status in _COMPLETED:
        rows.append((unit_code, procedure_code, codes.RESULT_KNOWN, ended_day))
        if electronic:
            rows.append((unit_code, procedure_code, codes.RESULT_ELECTRONIC, ended_day))
    rating = facts.get("satisfaction")
    if rating is not None:
        day = ended_day or accepted_day
        rows.append((unit_code, procedure_code, codes.RATED, day))
        if rating >= 2:
            rows.append((unit_code, procedure_code, codes.RATED_SATISFIED, day))
    return rows

"""Metric codes. Other issues, tools and frameworks rely on these exact strings."""

RECEIVED = "dossier.received"
RECEIVED_ONLINE = "dossier.received.online"
RECEIVED_DIRECT = "dossier.received.direct"
RECEIVED_POSTAL = "dossier.received.postal"
RESOLVED = "dossier.resolved"
RESOLVED_EARLY = "dossier.resolved.early"
RESOLVED_ON_TIME = "dossier.resolved.on_time"
RESOLVED_LATE = "dossier.resolved.late"
# How processing ended, counted on the day it ended (a subset of dossier.resolved).
ENDED_WITHDRAWN = "dossier.ended.withdrawn"
ENDED_STOPPED = "dossier.ended.stopped"
ENDED_REFUSED = "dossier.ended.refused"
PENDING_WITHIN = "dossier.pending.within_deadline"
PENDING_OVERDUE = "dossier.pending.overdue"
PENDING = "dossier.pending"

# Counted from the dossier stream and kept in the metric store (day and month rows).
STREAM_CODES = (
    RECEIVED, RECEIVED_ONLINE, RECEIVED_DIRECT, RECEIVED_POSTAL,
    RESOLVED, RESOLVED_EARLY, RESOLVED_ON_TIME, RESOLVED_LATE,
    ENDED_WITHDRAWN, ENDED_STOPPED, ENDED_REFUSED,
)
# Computed at query time from the dossiers' state (they change with the clock, not with events).
PENDING_CODES = (PENDING, PENDING_WITHIN, PENDING_OVERDUE)
DOSSIER_CODES = STREAM_CODES + PENDING_CODES

CHANNEL_METRIC = {1: RECEIVED_DIRECT, 2: RECEIVED_ONLINE, 3: RECEIVED_POSTAL}

# What the national sync fields of dossier events say (issue 11 §2). Each fact is counted only where
# it is known: a field no event carried is unknown, never false. A numerator is counted among its
# denominator's dossiers, so a unit with known facts and no "yes" has 0, and a unit where no dossier
# carried the field has no value at all ("no data"), never 0.
SYNC_KNOWN = "dossier.sync.known"  # accepted dossiers whose every event's arrival time is known
SYNC_ON_TIME = "dossier.sync.on_time"  # … each event arrived within the sync deadline of occurring
PAYMENT_KNOWN = "dossier.payment.known"  # fee-bearing (fee_amount > 0) dossiers with paid_online known
PAYMENT_ONLINE = "dossier.payment.online"  # … paid online
FEE_KNOWN = "dossier.fee.known"  # dossiers whose fee_amount is known
FEE_BEARING = "dossier.fee.bearing"  # … with fee_amount > 0 (a financial obligation)
INPUTS_DIGITISED_KNOWN = "dossier.inputs_digitised.known"
INPUTS_DIGITISED = "dossier.inputs_digitised"
DATA_REUSED_KNOWN = "dossier.data_reused.known"
DATA_REUSED = "dossier.data_reused"
DATA_REPLACED_KNOWN = "dossier.data_replaced_fully.known"
DATA_REPLACED = "dossier.data_replaced_fully"
VNEID_KNOWN = "dossier.vneid_verified.known"
VNEID = "dossier.vneid_verified"
# Counted on the day processing ended, among dossiers completed with a result (processed or returned).
RESULT_KNOWN = "dossier.result_electronic.known"
RESULT_ELECTRONIC = "dossier.result_electronic"
# Applicants' ratings (1 not satisfied, 2 satisfied, 3 very satisfied), counted on the day processing
# ended (on the acceptance day while it has not ended).
RATED = "dossier.rated"
RATED_SATISFIED = "dossier.rated.satisfied"

# numerator → the denominator it is counted among
FACT_PAIRS = {
    SYNC_ON_TIME: SYNC_KNOWN,
    PAYMENT_ONLINE: PAYMENT_KNOWN,
    FEE_BEARING: FEE_KNOWN,
    INPUTS_DIGITISED: INPUTS_DIGITISED_KNOWN,
    DATA_REUSED: DATA_REUSED_KNOWN,
    DATA_REPLACED: DATA_REPLACED_KNOWN,
    VNEID: VNEID_KNOWN,
    RESULT_ELECTRONIC: RESULT_KNOWN,
    RATED_SATISFIED: RATED,
}
FACT_CODES = (*FACT_PAIRS.values(), *FACT_PAIRS)


# A denominator counted among another fact's dossiers: payment is known only for fee-bearing ones.
_NESTED = {PAYMENT_KNOWN: FEE_KNOWN}


def fill_fact_zeros(values: dict, wanted) -> None:
    """A known fact's count is 0, not "no data", where its denominator has a value (in place)."""
    for nested, outer in _NESTED.items():
        if nested in wanted and nested not in values and values.get(outer) is not None:
            values[nested] = 0
    for numerator, denominator in FACT_PAIRS.items():
        if numerator in wanted and numerator not in values and values.get(denominator) is not None:
            values[numerator] = 0

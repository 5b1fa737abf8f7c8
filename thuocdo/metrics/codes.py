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

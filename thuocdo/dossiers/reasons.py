"""Why a dossier is late or overdue, and by how many calendar days, as of a moment (pure: no Django).

A list of dossiers is read at one moment (now, or the end of a past period). At that moment a dossier
has either ended (its processing ended at or before the moment) or is pending. Days are counted on
the Vietnamese calendar (domain.md §2 counts by date):

- pending: the moment's date minus the date of its due time as of the moment
  (`ontime.effective_due_at`: a running supplement pause pushes the due time back);
- ended: the end's date minus the (extended) due date.

Positive: days past the due date ("quá hạn 3 ngày", "trễ 2 ngày"); negative: days left ("còn 2 ngày")
or, for an ended dossier, days early ("sớm 1 ngày").

The state read is the dossier's current one, so for a past moment the supplement count and a running
pause are today's (the same reading `evaluation.explain.dossiers_behind` makes).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from thuocdo.dossiers.ontime import (
    DossierState,
    Outcome,
    PendingClass,
    effective_due_at,
    local_date,
    pending_class,
)

SECOND_SUPPLEMENT = "yêu cầu bổ sung lần 2"
PAST_DUE = "quá hạn trả kết quả"
WAITING = "đang chờ bổ sung"


@dataclass(frozen=True)
class Standing:
    """Where one dossier stands at a moment: pending or ended, late or not, days past due, and why."""

    pending: bool
    late: bool  # pending and overdue, or ended late
    days: int | None  # calendar days past the due date (negative: days left or early); None: no due date
    label: str  # "quá hạn 3 ngày", "còn 2 ngày", "trễ 1 ngày", "sớm 2 ngày", or ""
    reason: str  # "yêu cầu bổ sung lần 2", "quá hạn trả kết quả", "đang chờ bổ sung" (joined by " · "), or ""


def standing(state: DossierState, as_of: datetime) -> Standing:
    """The dossier's standing at `as_of` (an aware moment)."""
    if state.ended_at is not None and state.ended_at <= as_of:
        return _ended(state)
    return _pending(replace(state, outcome=Outcome.PENDING), as_of)


def state_of(row: dict) -> DossierState:
    """The engine's state from a stored dossier's fields (a `Dossier.objects.values(...)` row)."""
    return DossierState(
        accepted_at=row["accepted_at"], channel=row["channel"], due_at=row["due_at"],
        extended_due_at=row["extended_due_at"], supplements=row["supplements"], ended_at=row["ended_at"],
        end_status=row.get("end_status"), outcome=Outcome(row["outcome"]), paused_since=row.get("paused_since"),
    )


def _ended(state: DossierState) -> Standing:
    late = state.outcome == Outcome.LATE
    due = state.extended_due_at
    days = None if due is None else (local_date(state.ended_at) - local_date(due)).days
    reason = (SECOND_SUPPLEMENT if state.supplements >= 2 else PAST_DUE) if late else ""
    if days is None:
        label = ""
    elif late:
        # Late on the same day, or (a second supplement request) before the due date at all.
        label = f"trễ {days} ngày" if days > 0 else ("trễ trong ngày" if state.ended_at > due else "")
    else:
        label = f"sớm {-days} ngày" if days < 0 else ""
    return Standing(pending=False, late=late, days=days, label=label, reason=reason)


def _pending(state: DossierState, as_of: datetime) -> Standing:
    waiting = state.paused_since is not None and state.paused_since <= as_of
    if not waiting:
        state = replace(state, paused_since=None)  # a pause that began after the moment did not run then
    late = pending_class(state, as_of) == PendingClass.OVERDUE
    due = effective_due_at(state, as_of)
    days = None if due is None else (local_date(as_of) - local_date(due)).days
    reasons = []
    if state.supplements >= 2:
        reasons.append(SECOND_SUPPLEMENT)
    elif late:
        reasons.append(PAST_DUE)
    if waiting:
        reasons.append(WAITING)
    if days is None:
        label = ""
    elif days > 0:
        label = f"quá hạn {days} ngày"
    elif days < 0:
        label = f"còn {-days} ngày"
    else:
        label = "quá hạn trong ngày" if due < as_of else "đến hạn trong ngày"
    return Standing(pending=True, late=late, days=days, label=label, reason=" · ".join(reasons))

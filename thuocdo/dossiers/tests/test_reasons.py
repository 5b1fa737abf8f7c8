"""Why a dossier is late or overdue and by how many calendar days (`dossiers.reasons.standing`)."""

from datetime import datetime, timedelta, timezone

import pytest

from thuocdo.dossiers.ontime import DossierState, Outcome
from thuocdo.dossiers.reasons import Standing, standing, state_of

ICT = timezone(timedelta(hours=7))
AS_OF = datetime(2026, 9, 15, 12, 0, tzinfo=ICT)


def _state(due: str | None, *, ended: str | None = None, outcome: Outcome = Outcome.PENDING, supplements: int = 0,
           paused: str | None = None) -> DossierState:
    def moment(text: str | None) -> datetime | None:
        return None if text is None else datetime.fromisoformat(text).replace(tzinfo=ICT)

    return DossierState(accepted_at=moment("2026-09-01T09:00"), channel=1, due_at=moment(due),
                        extended_due_at=moment(due), supplements=supplements, ended_at=moment(ended), end_status=None,
                        outcome=outcome, paused_since=moment(paused))


@pytest.mark.parametrize(("state", "expected"), [
    # Pending, due three calendar days ago (12/09 17:00 → 15/09 noon: 2 days 19 hours, 3 dates).
    (_state("2026-09-12T17:00"), Standing(True, True, 3, "quá hạn 3 ngày", "quá hạn trả kết quả")),
    (_state("2026-09-17T08:00"), Standing(True, False, -2, "còn 2 ngày", "")),
    (_state("2026-09-15T08:00"), Standing(True, True, 0, "quá hạn trong ngày", "quá hạn trả kết quả")),
    (_state("2026-09-15T17:00"), Standing(True, False, 0, "đến hạn trong ngày", "")),
    # A second supplement request: overdue however far the due date is.
    (_state("2026-09-20T17:00", supplements=2), Standing(True, True, -5, "còn 5 ngày", "yêu cầu bổ sung lần 2")),
    (_state("2026-09-10T17:00", supplements=3), Standing(True, True, 5, "quá hạn 5 ngày", "yêu cầu bổ sung lần 2")),
    # Waiting for a supplement since 14/09 noon: the due time moves a day later, the clock is stopped.
    (_state("2026-09-16T17:00", supplements=1, paused="2026-09-14T12:00"),
     Standing(True, False, -2, "còn 2 ngày", "đang chờ bổ sung")),
    # Past due before the pause began: overdue, frozen at the pause (11/09 → 13/09 17:00 effective).
    (_state("2026-09-11T17:00", supplements=1, paused="2026-09-13T12:00"),
     Standing(True, True, 2, "quá hạn 2 ngày", "quá hạn trả kết quả · đang chờ bổ sung")),
    # A pause that begins after the moment did not run then.
    (_state("2026-09-14T17:00", supplements=1, paused="2026-09-16T08:00"),
     Standing(True, True, 1, "quá hạn 1 ngày", "quá hạn trả kết quả")),
    (_state(None), Standing(True, False, None, "", "")),
])
def test_pending(state, expected):
    assert standing(state, AS_OF) == expected


@pytest.mark.parametrize(("state", "expected"), [
    (_state("2026-09-05T17:00", ended="2026-09-08T09:00", outcome=Outcome.LATE),
     Standing(False, True, 3, "trễ 3 ngày", "quá hạn trả kết quả")),
    (_state("2026-09-05T08:00", ended="2026-09-05T16:00", outcome=Outcome.LATE),
     Standing(False, True, 0, "trễ trong ngày", "quá hạn trả kết quả")),
    # Late by the rule alone: ended before its due date after a second supplement request.
    (_state("2026-09-10T17:00", ended="2026-09-09T09:00", outcome=Outcome.LATE, supplements=2),
     Standing(False, True, -1, "", "yêu cầu bổ sung lần 2")),
    (_state("2026-09-10T17:00", ended="2026-09-03T09:00", outcome=Outcome.EARLY),
     Standing(False, False, -7, "sớm 7 ngày", "")),
    (_state("2026-09-10T17:00", ended="2026-09-10T16:00", outcome=Outcome.ON_TIME),
     Standing(False, False, 0, "", "")),
])
def test_ended(state, expected):
    assert standing(state, AS_OF) == expected


def test_ended_after_the_moment_is_pending_then():
    # Ended late on 20/09; at 15/09 noon it was pending and overdue by 3 days.
    state = _state("2026-09-12T17:00", ended="2026-09-20T09:00", outcome=Outcome.LATE)
    assert standing(state, AS_OF) == Standing(True, True, 3, "quá hạn 3 ngày", "quá hạn trả kết quả")


def test_state_of_a_stored_row():
    row = {"accepted_at": AS_OF, "channel": 2, "due_at": AS_OF, "extended_due_at": AS_OF, "supplements": 1,
           "ended_at": None, "end_status": None, "outcome": "pending", "paused_since": None, "dossier_code": "X"}
    assert state_of(row) == DossierState(AS_OF, 2, AS_OF, AS_OF, 1, None, None, Outcome.PENDING, None)

"""One simulated dossier's life: (time, status) pairs from registration to the returned result.

Vòng đời hồ sơ. Mostly 1 → 2 → 4 → (5 → 4)? → (6)? → 9 → 10; the rates below give the
other paths. Times are epoch seconds (see simulation_calendar); processing happens on the
working axis, the applicant's supplement time in calendar time, as in real life.
"""

from __future__ import annotations

import random

from thuocdo.dossiers.simulation_calendar import DAY, WORK_DAY, WorkCalendar, between
from thuocdo.dossiers.simulation_data import Field

# Intake (tiếp nhận).
IN_PERSON_DIRECT_ACCEPTANCE_RATE = 0.30  # in-person dossiers recorded straight as accepted (no status 1)
REFUSED_ONLINE_RATE = 0.04  # online/postal dossiers refused at intake (1 → 3)
REFUSED_IN_PERSON_RATE = 0.01  # checked at the counter, so fewer are refused
ABANDONED_ONLINE_RATE = 0.004  # registered online, never accepted nor refused (only status 1)
# Processing (xử lý).
SAME_DAY_WITHOUT_PROCESSING_RATE = 0.5  # same-day procedures often go 2 → 9 with no status 4
WITHDRAWN_RATE = 0.012  # applicant withdraws (7) after acceptance
STOPPED_RATE = 0.006  # processing stopped (8)
SECOND_SUPPLEMENT_RATE = 0.12  # of dossiers asked for a supplement, a second request (late by rule)
SUPPLEMENT_WAIT_MEAN = 3 * DAY  # applicant's mean time to bring the documents (calendar)
# Results (trả kết quả).
RESULT_WITHOUT_PROCESSED_RATE = 0.03  # result returned (10) with no "processed" (9) sent
RESULT_NOT_COLLECTED_RATE = 0.03  # processed (9), result not yet returned (no 10)

ONLINE, POSTAL = 2, 3


class _Life:
    """The events of one dossier as they are planned, kept strictly increasing in time."""

    __slots__ = ("cal", "events", "last")

    def __init__(self, cal: WorkCalendar):
        self.cal = cal
        self.events: list[tuple[int, int]] = []
        self.last = 0

    def at(self, t: int, status: int) -> int:
        t = max(t, self.last + 1)
        self.events.append((t, status))
        self.last = t
        return t

    def at_work(self, w: int, status: int) -> int:
        return self.at(self.cal.from_work(w), status)


def _intake(rng: random.Random, life: _Life, registered: int, channel: int) -> int | None:
    """Registration and acceptance (or refusal); returns the acceptance time, None if not accepted."""
    cal = life.cal
    if channel in (ONLINE, POSTAL):
        life.at(registered, 1)
        if rng.random() < ABANDONED_ONLINE_RATE:
            return None
        # Checked by an officer in office hours: minutes to half a day online, 0.5–2 days by post.
        wait = between(rng, 300, 4 * 3600) if channel == ONLINE else between(rng, WORK_DAY // 2, 2 * WORK_DAY)
        decided = cal.from_work(cal.to_work(registered) + 1 + wait)
        if rng.random() < REFUSED_ONLINE_RATE:
            life.at(decided, 3)
            return None
        return life.at(decided, 2)
    decided = registered + between(rng, 60, 900)
    if rng.random() < REFUSED_IN_PERSON_RATE:
        life.at(registered, 1)
        life.at(decided, 3)
        return None
    if rng.random() < IN_PERSON_DIRECT_ACCEPTANCE_RATE:
        return life.at(registered, 2)
    life.at(registered, 1)
    return life.at(decided, 2)


def due_time(cal: WorkCalendar, accepted: int, legal_days: int) -> int:
    """The promised return time (ngày hẹn trả): `legal_days` working days after acceptance.

    Same-day procedures: 17:00 the same working day when accepted before 15:00, else 11:00
    the next working day.
    """
    wa = cal.to_work(accepted) + 1
    if legal_days == 0:
        k, s = divmod(wa, WORK_DAY)
        if s < 7 * 3600:
            return cal.workdays[k] * DAY + 17 * 3600
        return cal.workdays[k + 1] * DAY + 11 * 3600
    return cal.from_work(wa + legal_days * WORK_DAY - 1) + 1


def plan_dossier(
    rng: random.Random,
    cal: WorkCalendar,
    registered: int,
    channel: int,
    legal_days: int,
    field: Field,
    on_time: float,
) -> tuple[list[tuple[int, int]], int]:
    """Plan one dossier: its (time, status) events in time order and its due time (0 if never accepted)."""
    life = _Life(cal)
    accepted = _intake(rng, life, registered, channel)
    if accepted is None:
        return life.events, 0
    due = due_time(cal, accepted, legal_days)
    span = max(legal_days * WORK_DAY, 4 * 3600)  # working seconds allowed; same-day ≈ half a day
    w = cal.to_work(accepted) + 1
    if legal_days > 0 or rng.random() >= SAME_DAY_WITHOUT_PROCESSING_RATE:
        w += between(rng, 60, max(120, min(span // 4, WORK_DAY // 2)))
        life.at_work(w, 4)
    ending = rng.random()
    extension = 0
    if rng.random() < field.supplement_rate:
        for _ in range(2 if rng.random() < SECOND_SUPPLEMENT_RATE else 1):
            w += between(rng, WORK_DAY // 8, max(WORK_DAY // 4, span // 3))
            asked = life.at_work(w, 5)
            wait = min(int(rng.expovariate(1 / SUPPLEMENT_WAIT_MEAN)) + 2 * 3600, 20 * DAY)
            w = cal.to_work(asked + wait) + 1 + between(rng, 0, 3600)
            extension += life.at_work(w, 4) - asked
    if ending < WITHDRAWN_RATE + STOPPED_RATE:
        w += between(rng, 600, max(1200, span // 2))
        life.at_work(w, 7 if ending < WITHDRAWN_RATE else 8)
        return life.events, due
    w = max(w, cal.to_work(life.last))
    deadline = cal.to_work(due + extension)
    if rng.random() < on_time and deadline - w > 120:
        end = w + 60 + int((deadline - w - 60) * rng.random() ** 0.8)
    else:
        late_mean = WORK_DAY * (0.5 + legal_days / 4)
        end = max(w, deadline) + 600 + int(rng.expovariate(1 / late_mean))
    if rng.random() < field.payment_rate:
        life.at_work(w + int((end - w) * (0.3 + 0.5 * rng.random())), 6)
    if rng.random() < RESULT_WITHOUT_PROCESSED_RATE:
        life.at_work(end, 10)
        return life.events, due
    life.at_work(end, 9)
    if rng.random() >= RESULT_NOT_COLLECTED_RATE:
        pickup = between(rng, 60, 3600) if legal_days == 0 else between(rng, 600, 3 * WORK_DAY)
        life.at_work(end + pickup, 10)
    return life.events, due

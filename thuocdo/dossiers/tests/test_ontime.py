"""On-time engine (domain.md §2): one test per rule, exact classes and values."""

import itertools
import random
from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thuocdo.dossiers.ontime import (
    NO_DUE,
    OUTCOME_LABELS,
    STATUS_LABELS,
    Channel,
    DossierState,
    Outcome,
    PendingClass,
    Status,
    StatusEvent,
    classify,
    classify_compact,
    compact,
    effective_due_at,
    from_micros,
    local_date,
    local_day_number,
    pending_class,
    state_at,
    to_micros,
)

ACCEPTED_AT = "2026-08-10T08:00:00+07:00"
DUE = "2026-08-14T17:00:00+07:00"


def at(text):
    """Parse an ISO-8601 timestamp that carries its UTC offset."""
    return datetime.fromisoformat(text)


def ev(status, occurred, *, due=None, channel=None, eid=None):
    """Build one status event; the event id defaults to status@time."""
    return StatusEvent(
        status=status,
        occurred_at=at(occurred),
        due_at=at(due) if due else None,
        channel=channel,
        event_id=eid or f"{status}@{occurred}",
    )


def accepted(due=DUE, channel=None, occurred=ACCEPTED_AT, eid=None):
    """Build the acceptance event (status 2, Được tiếp nhận) with its promised date."""
    return ev(Status.ACCEPTED, occurred, due=due, channel=channel, eid=eid)


# --- vocabulary -------------------------------------------------------------------------------------


def test_status_codes_and_labels_follow_the_national_sync_table():
    """TrangThaiHoSo codes 1–10 with their Vietnamese names."""
    assert [int(s) for s in Status] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert len(STATUS_LABELS) == 10
    assert STATUS_LABELS[Status.REGISTERED] == "Mới đăng ký"
    assert STATUS_LABELS[Status.SUPPLEMENT_REQUESTED] == "Yêu cầu bổ sung giấy tờ"
    assert STATUS_LABELS[Status.RETURNED] == "Đã trả kết quả"


def test_outcome_values_and_labels():
    """Outcome values are the strings the metric store uses."""
    assert [o.value for o in Outcome] == ["not_accepted", "early", "on_time", "late", "pending"]
    assert [p.value for p in PendingClass] == ["within_deadline", "overdue"]
    assert OUTCOME_LABELS[Outcome.EARLY] == "Trước hạn"
    assert OUTCOME_LABELS[Outcome.ON_TIME] == "Đúng hạn"
    assert OUTCOME_LABELS[Outcome.LATE] == "Quá hạn"


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-08-14T16:59:59+00:00", date(2026, 8, 14)),
        ("2026-08-14T17:00:00+00:00", date(2026, 8, 15)),
        ("2026-08-15T00:00:00+07:00", date(2026, 8, 15)),
        ("2026-08-14T12:30:00-05:00", date(2026, 8, 15)),
    ],
)
def test_local_date_uses_ho_chi_minh_day_boundaries(moment, expected):
    """Day boundaries are local (Asia/Ho_Chi_Minh, UTC+7), whatever offset the time is given in."""
    assert local_date(at(moment)) == expected


def test_naive_times_are_refused():
    """Every time must carry its UTC offset."""
    with pytest.raises(ValueError, match="occurred_at"):
        StatusEvent(status=2, occurred_at=datetime(2026, 8, 10, 8), due_at=None, channel=None, event_id="x")
    with pytest.raises(ValueError, match="due_at"):
        StatusEvent(
            status=2, occurred_at=at(ACCEPTED_AT), due_at=datetime(2026, 8, 14), channel=None, event_id="x"
        )


# --- ended dossiers -------------------------------------------------------------------------------


def test_plain_on_time():
    """Processed (9) before the due time on the due date is on time."""
    events = [
        ev(Status.REGISTERED, "2026-08-10T07:30:00+07:00", channel=2),
        accepted(),
        ev(Status.PROCESSING, "2026-08-11T09:00:00+07:00"),
        ev(Status.PROCESSED, "2026-08-14T10:00:00+07:00"),
        ev(Status.RETURNED, "2026-08-14T15:00:00+07:00"),
    ]
    assert classify(events) == DossierState(
        accepted_at=at(ACCEPTED_AT),
        channel=Channel.ONLINE,
        due_at=at(DUE),
        extended_due_at=at(DUE),
        supplements=0,
        ended_at=at("2026-08-14T10:00:00+07:00"),
        end_status=Status.PROCESSED,
        outcome=Outcome.ON_TIME,
        paused_since=None,
    )


def test_early_when_ended_the_day_before_the_due_date():
    """Ended on a local date before the due date: early."""
    state = classify([accepted(), ev(Status.PROCESSED, "2026-08-13T23:59:00+07:00")])
    assert state.outcome == Outcome.EARLY
    assert state.ended_at == at("2026-08-13T23:59:00+07:00")


@pytest.mark.parametrize("due", ["2026-08-14T23:30:00+07:00", "2026-08-14T16:30:00+00:00"])
def test_ended_on_the_due_date_after_business_hours_before_the_due_time_is_on_time(due):
    """Same local date as the due date and not after the due time: on time, not early."""
    state = classify([accepted(due=due), ev(Status.PROCESSED, "2026-08-14T18:30:00+07:00")])
    assert state.outcome == Outcome.ON_TIME
    assert state.extended_due_at == at("2026-08-14T23:30:00+07:00")


@pytest.mark.parametrize(
    ("ended", "expected"),
    [
        ("2026-08-14T16:59:00+07:00", Outcome.ON_TIME),
        ("2026-08-14T17:00:00+07:00", Outcome.ON_TIME),
        ("2026-08-14T17:01:00+07:00", Outcome.LATE),
    ],
)
def test_late_by_one_minute(ended, expected):
    """Ended exactly at the due time is on time; one minute after is late."""
    assert classify([accepted(), ev(Status.PROCESSED, ended)]).outcome == expected


@pytest.mark.parametrize(
    ("ended", "expected"),
    [
        ("2026-08-16T09:00:00+07:00", Outcome.EARLY),
        ("2026-08-17T08:00:00+07:00", Outcome.ON_TIME),
        ("2026-08-17T21:30:00+07:00", Outcome.ON_TIME),
        ("2026-08-17T21:31:00+07:00", Outcome.LATE),
    ],
)
def test_supplement_pause_pushes_the_due_time_back(ended, expected):
    """Status 5 until the next status (3 days 4 h 30 min) moves the due time 14/8 17:00 → 17/8 21:30."""
    events = [
        accepted(),
        ev(Status.SUPPLEMENT_REQUESTED, "2026-08-12T10:00:00+07:00"),
        ev(Status.PROCESSING, "2026-08-15T14:30:00+07:00"),
        ev(Status.PROCESSED, ended),
    ]
    state = classify(events)
    assert state.due_at == at(DUE)
    assert state.extended_due_at == at("2026-08-17T21:30:00+07:00")
    assert state.supplements == 1
    assert state.paused_since is None
    assert state.outcome == expected


def test_second_supplement_makes_the_dossier_late_even_if_fast():
    """Two supplement requests: late, though processed four days before the due date."""
    events = [
        accepted(),
        ev(Status.SUPPLEMENT_REQUESTED, "2026-08-10T09:00:00+07:00"),
        ev(Status.PROCESSING, "2026-08-10T10:00:00+07:00"),
        ev(Status.SUPPLEMENT_REQUESTED, "2026-08-10T11:00:00+07:00"),
        ev(Status.PROCESSING, "2026-08-10T13:00:00+07:00"),
        ev(Status.PROCESSED, "2026-08-10T15:00:00+07:00"),
    ]
    state = classify(events)
    assert state.supplements == 2
    assert state.extended_due_at == at("2026-08-14T20:00:00+07:00")
    assert state.end_status == Status.PROCESSED
    assert state.outcome == Outcome.LATE


def test_result_returned_without_processed_ends_at_the_return():
    """No status 9: the end is the first status 10."""
    events = [
        accepted(),
        ev(Status.PROCESSING, "2026-08-11T09:00:00+07:00"),
        ev(Status.RETURNED, "2026-08-14T11:00:00+07:00"),
        ev(Status.RETURNED, "2026-08-15T11:00:00+07:00"),
    ]
    state = classify(events)
    assert state.ended_at == at("2026-08-14T11:00:00+07:00")
    assert state.end_status == Status.RETURNED
    assert state.outcome == Outcome.ON_TIME


@pytest.mark.parametrize(
    ("processed", "returned", "expected"),
    [
        ("2026-08-14T16:00:00+07:00", "2026-08-15T09:00:00+07:00", Outcome.ON_TIME),
        ("2026-08-15T09:00:00+07:00", "2026-08-13T09:00:00+07:00", Outcome.LATE),
    ],
)
def test_processed_takes_precedence_over_returned(processed, returned, expected):
    """With both 9 and 10 the end is the 9, even when the 10 carries an earlier time."""
    state = classify([accepted(), ev(Status.RETURNED, returned), ev(Status.PROCESSED, processed)])
    assert state.ended_at == at(processed)
    assert state.end_status == Status.PROCESSED
    assert state.outcome == expected


@pytest.mark.parametrize(
    ("supplement", "withdrawn", "extended_due", "expected"),
    [
        (None, "2026-08-15T09:00:00+07:00", DUE, Outcome.LATE),
        (
            "2026-08-13T09:00:00+07:00",
            "2026-08-20T09:00:00+07:00",
            "2026-08-21T17:00:00+07:00",
            Outcome.EARLY,
        ),
    ],
)
def test_withdrawal_after_acceptance_ends_the_dossier(supplement, withdrawn, extended_due, expected):
    """Withdrawn (7) ends processing at its time; it also ends a running supplement pause."""
    events = [accepted(), ev(Status.WITHDRAWN, withdrawn)]
    if supplement:
        events.append(ev(Status.SUPPLEMENT_REQUESTED, supplement))
    state = classify(events)
    assert state.ended_at == at(withdrawn)
    assert state.end_status == Status.WITHDRAWN
    assert state.extended_due_at == at(extended_due)
    assert state.outcome == expected


@pytest.mark.parametrize("end_status", [Status.STOPPED, Status.REFUSED])
def test_stopped_or_refused_after_acceptance_ends_the_dossier(end_status):
    """Dừng xử lý (8), or a refusal (3) after acceptance, ends processing."""
    events = [
        accepted(),
        ev(Status.PROCESSING, "2026-08-11T09:00:00+07:00"),
        ev(end_status, "2026-08-12T10:00:00+07:00"),
    ]
    state = classify(events)
    assert state.ended_at == at("2026-08-12T10:00:00+07:00")
    assert state.end_status == end_status
    assert state.outcome == Outcome.EARLY


def test_refusal_at_intake_is_not_accepted():
    """Không được tiếp nhận (3) with no acceptance: not counted."""
    events = [ev(Status.REGISTERED, "2026-08-10T07:30:00+07:00", channel=2), ev(Status.REFUSED, ACCEPTED_AT)]
    assert classify(events) == DossierState(
        accepted_at=None,
        channel=Channel.ONLINE,
        due_at=None,
        extended_due_at=None,
        supplements=0,
        ended_at=None,
        end_status=None,
        outcome=Outcome.NOT_ACCEPTED,
        paused_since=None,
    )


@pytest.mark.parametrize("events", [[], [ev(Status.REGISTERED, "2026-08-10T07:30:00+07:00")]])
def test_registered_only_is_not_accepted(events):
    """Mới đăng ký (1) alone, or nothing at all: not accepted, channel in person."""
    state = classify(events)
    assert state.outcome == Outcome.NOT_ACCEPTED
    assert state.channel == Channel.IN_PERSON
    assert state.accepted_at is None


def test_end_statuses_before_acceptance_do_not_end_it():
    """A refusal or withdrawal before a later acceptance belongs to intake, not to processing."""
    events = [
        ev(Status.REFUSED, "2026-08-09T08:00:00+07:00"),
        ev(Status.WITHDRAWN, "2026-08-09T09:00:00+07:00"),
        ev(Status.STOPPED, "2026-08-09T10:00:00+07:00"),
        ev(Status.SUPPLEMENT_REQUESTED, "2026-08-09T11:00:00+07:00"),
        accepted(),
    ]
    state = classify(events)
    assert state.outcome == Outcome.PENDING
    assert state.ended_at is None
    assert state.supplements == 0
    assert state.paused_since is None


def test_events_after_the_end_are_ignored():
    """Supplement requests after processing ended change nothing."""
    events = [
        accepted(),
        ev(Status.PROCESSED, "2026-08-12T10:00:00+07:00"),
        ev(Status.SUPPLEMENT_REQUESTED, "2026-08-13T10:00:00+07:00"),
        ev(Status.SUPPLEMENT_REQUESTED, "2026-08-14T10:00:00+07:00"),
    ]
    state = classify(events)
    assert state.supplements == 0
    assert state.extended_due_at == at(DUE)
    assert state.outcome == Outcome.EARLY


@pytest.mark.parametrize(
    "due", ["2026-08-14T17:30:00+00:00", "2026-08-15T00:30:00+07:00", "2026-08-14T12:30:00-05:00"]
)
@pytest.mark.parametrize(
    ("ended", "expected"),
    [
        ("2026-08-14T23:59:59+07:00", Outcome.EARLY),
        ("2026-08-14T16:59:59+00:00", Outcome.EARLY),
        ("2026-08-15T00:00:00+07:00", Outcome.ON_TIME),
        ("2026-08-14T17:00:00+00:00", Outcome.ON_TIME),
        ("2026-08-15T00:30:00+07:00", Outcome.ON_TIME),
        ("2026-08-14T17:31:00+00:00", Outcome.LATE),
    ],
)
def test_due_near_midnight_in_another_offset_uses_the_local_date(due, ended, expected):
    """Due 17:30 UTC on 14/8 is 00:30 on 15/8 in Vietnam: early flips at local midnight, not UTC's."""
    state = classify([accepted(due=due), ev(Status.PROCESSED, ended)])
    assert local_date(state.extended_due_at) == date(2026, 8, 15)
    assert state.outcome == expected


# --- order, duplicates, ties ----------------------------------------------------------------------

PERMUTED = [
    ev(Status.REGISTERED, "2026-08-10T07:30:00+07:00", channel=2),
    accepted(),
    ev(Status.PROCESSING, ACCEPTED_AT),
    ev(Status.SUPPLEMENT_REQUESTED, "2026-08-11T10:00:00+07:00"),
    ev(Status.PROCESSING, "2026-08-13T10:00:00+00:00"),
    ev(Status.PROCESSED, "2026-08-16T09:00:00+07:00"),
    ev(Status.SUPPLEMENT_REQUESTED, "2026-08-11T10:00:00+07:00"),
]


def test_out_of_order_arrival_all_permutations_agree():
    """All 5,040 arrival orders (with one duplicate delivery) give the same state."""
    expected = DossierState(
        accepted_at=at(ACCEPTED_AT),
        channel=Channel.ONLINE,
        due_at=at(DUE),
        extended_due_at=at("2026-08-17T00:00:00+07:00"),
        supplements=1,
        ended_at=at("2026-08-16T09:00:00+07:00"),
        end_status=Status.PROCESSED,
        outcome=Outcome.EARLY,
        paused_since=None,
    )
    states = {classify(order) for order in itertools.permutations(PERMUTED)}
    assert states == {expected}


LONG_HISTORY = [
    ev(Status.REGISTERED, "2026-08-01T07:00:00+07:00", channel=3, eid="r1"),
    accepted(occurred="2026-08-01T08:00:00+07:00", due="2026-08-08T17:00:00+07:00", eid="a1"),
    ev(Status.PROCESSING, "2026-08-01T09:00:00+07:00", eid="p1"),
    accepted(occurred="2026-08-02T08:00:00+07:00", due="2026-08-30T17:00:00+07:00", eid="a2"),
    ev(Status.PAYMENT_DUE, "2026-08-03T10:00:00+07:00", eid="f1"),
    ev(Status.PROCESSING, "2026-08-03T15:00:00+07:00", eid="f2"),
    ev(Status.SUPPLEMENT_REQUESTED, "2026-08-04T11:00:00+07:00", eid="s1"),
    ev(Status.PROCESSING, "2026-08-06T11:00:00+07:00", eid="s2"),
    ev(Status.PROCESSING, "2026-08-07T09:00:00+07:00", eid="p2"),
    ev(Status.PROCESSED, "2026-08-10T16:00:00+07:00", eid="d1"),
    ev(Status.RETURNED, "2026-08-11T09:00:00+07:00", eid="d2"),
]


@pytest.mark.parametrize("seed", range(50))
def test_out_of_order_arrival_shuffled_with_replays_agree(seed):
    """A longer history, shuffled with replays of three events, always gives the same exact state."""
    events = LONG_HISTORY + [LONG_HISTORY[1], LONG_HISTORY[6], LONG_HISTORY[9]]
    random.Random(seed).shuffle(events)
    assert classify(events) == DossierState(
        accepted_at=at("2026-08-01T08:00:00+07:00"),
        channel=Channel.POSTAL,
        due_at=at("2026-08-08T17:00:00+07:00"),
        extended_due_at=at("2026-08-10T17:00:00+07:00"),
        supplements=1,
        ended_at=at("2026-08-10T16:00:00+07:00"),
        end_status=Status.PROCESSED,
        outcome=Outcome.ON_TIME,
        paused_since=None,
    )


def test_duplicate_delivery_is_ignored():
    """The same supplement request delivered twice is one request, not a second one."""
    supplement = ev(Status.SUPPLEMENT_REQUESTED, "2026-08-11T10:00:00+07:00", eid="src-77")
    events = [accepted(), supplement, supplement, ev(Status.PROCESSED, "2026-08-12T10:00:00+07:00")]
    state = classify(events)
    assert state.supplements == 1
    assert state.extended_due_at == at("2026-08-15T17:00:00+07:00")
    assert state.outcome == Outcome.EARLY
    assert classify(events * 3) == state


def test_conflicting_duplicates_keep_the_first_sorting_version_in_any_order():
    """Two versions under one event id: the one sorting first is kept, whatever the arrival order."""
    first = ev(Status.PROCESSED, "2026-08-14T16:00:00+07:00", eid="same")
    second = ev(Status.PROCESSED, "2026-08-14T18:00:00+07:00", eid="same")
    assert classify([accepted(), first, second]).ended_at == at("2026-08-14T16:00:00+07:00")
    assert classify([second, accepted(), first]).ended_at == at("2026-08-14T16:00:00+07:00")
    assert classify([second, first, accepted()]).outcome == Outcome.ON_TIME


def test_equal_times_are_taken_in_status_order():
    """At one instant acceptance (2) comes before a refusal (3); processing (4) before a supplement (5).

    The event ids sort the other way round, so only the status order can give these results.
    """
    for order in itertools.permutations([ev(Status.REFUSED, ACCEPTED_AT, eid="a"), accepted(eid="z")]):
        refused = classify(order)
        assert refused.accepted_at == at(ACCEPTED_AT)
        assert refused.end_status == Status.REFUSED
        assert refused.ended_at == at(ACCEPTED_AT)
        assert refused.outcome == Outcome.EARLY
    tied = [
        ev(Status.SUPPLEMENT_REQUESTED, "2026-08-11T09:00:00+07:00", eid="a"),
        ev(Status.PROCESSING, "2026-08-11T02:00:00+00:00", eid="z"),
    ]
    for order in itertools.permutations(tied):
        paused = classify([accepted(), *order])
        assert paused.outcome == Outcome.PENDING
        assert paused.paused_since == at("2026-08-11T09:00:00+07:00")
        assert paused.extended_due_at == at(DUE)


def test_equal_acceptance_times_take_the_due_date_of_the_smallest_event_id():
    """Two acceptances at one instant: the event id breaks the tie."""
    events = [
        accepted(due="2026-08-20T17:00:00+07:00", eid="b"),
        accepted(due="2026-08-14T17:00:00+07:00", eid="a"),
    ]
    assert classify(events).due_at == at("2026-08-14T17:00:00+07:00")
    assert classify(events[::-1]).due_at == at("2026-08-14T17:00:00+07:00")


def test_earliest_acceptance_sets_the_due_date():
    """Several acceptances: the earliest is the acceptance and gives NgayHenTra."""
    events = [
        accepted(),
        accepted(occurred="2026-08-09T08:00:00+07:00", due="2026-08-12T17:00:00+07:00"),
        ev(Status.PROCESSED, "2026-08-13T09:00:00+07:00"),
    ]
    state = classify(events)
    assert state.accepted_at == at("2026-08-09T08:00:00+07:00")
    assert state.due_at == at("2026-08-12T17:00:00+07:00")
    assert state.outcome == Outcome.LATE


def test_missing_due_date_falls_back_to_the_next_acceptance_then_to_no_deadline():
    """Acceptance without NgayHenTra: the next acceptance's date; with none anywhere, nothing can be late."""
    later = accepted(occurred="2026-08-11T08:00:00+07:00", due="2026-08-14T17:00:00+07:00")
    state = classify([accepted(due=None), later])
    assert state.accepted_at == at(ACCEPTED_AT)
    assert state.due_at == at("2026-08-14T17:00:00+07:00")
    open_ended = classify([accepted(due=None)])
    assert open_ended.due_at is None
    assert pending_class(open_ended, at("2030-01-01T00:00:00+07:00")) == PendingClass.WITHIN_DEADLINE
    assert (
        classify([accepted(due=None), ev(Status.PROCESSED, "2030-01-01T00:00:00+07:00")]).outcome
        == Outcome.ON_TIME
    )


# --- pending dossiers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("supplement", "now", "expected"),
    [
        (False, "2026-08-14T16:59:59+07:00", PendingClass.WITHIN_DEADLINE),
        (False, "2026-08-14T10:00:00+00:00", PendingClass.WITHIN_DEADLINE),
        (False, "2026-08-14T17:00:01+07:00", PendingClass.OVERDUE),
        (True, "2026-08-15T17:00:00+07:00", PendingClass.WITHIN_DEADLINE),
        (True, "2026-08-15T17:00:01+07:00", PendingClass.OVERDUE),
    ],
)
def test_pending_turns_overdue_as_the_clock_passes_the_extended_due_time(supplement, now, expected):
    """No new event: the same state is within deadline, then overdue once now passes the (extended) due."""
    events = [accepted(), ev(Status.PROCESSING, "2026-08-11T09:00:00+07:00")]
    if supplement:
        events += [
            ev(Status.SUPPLEMENT_REQUESTED, "2026-08-12T10:00:00+07:00"),
            ev(Status.PROCESSING, "2026-08-13T10:00:00+07:00"),
        ]
    state = classify(events)
    assert state.outcome == Outcome.PENDING
    assert state.ended_at is None
    assert state.end_status is None
    assert pending_class(state, at(now)) == expected


def test_pending_while_paused_for_a_supplement_is_within_deadline():
    """The clock is stopped while waiting for the applicant: never overdue, the due time slides with now."""
    events = [accepted(), ev(Status.SUPPLEMENT_REQUESTED, "2026-08-12T10:00:00+07:00")]
    state = classify(events)
    assert state.outcome == Outcome.PENDING
    assert state.supplements == 1
    assert state.paused_since == at("2026-08-12T10:00:00+07:00")
    assert state.extended_due_at == at(DUE)
    for now in ["2026-08-12T10:00:00+07:00", "2026-08-20T10:00:00+07:00", "2027-01-01T00:00:00+07:00"]:
        assert pending_class(state, at(now)) == PendingClass.WITHIN_DEADLINE
    assert effective_due_at(state, at("2026-08-20T10:00:00+07:00")) == at("2026-08-22T17:00:00+07:00")
    resumed = classify([*events, ev(Status.PROCESSING, "2026-08-20T10:00:00+07:00")])
    assert resumed.extended_due_at == at("2026-08-22T17:00:00+07:00")
    assert resumed.paused_since is None


@pytest.mark.parametrize(
    ("paused_at", "expected"),
    [
        ("2026-08-14T17:00:00+07:00", PendingClass.WITHIN_DEADLINE),
        ("2026-08-14T17:01:00+07:00", PendingClass.OVERDUE),
    ],
)
def test_pause_started_after_the_due_time_stays_overdue(paused_at, expected):
    """A stopped clock keeps the class it had when it stopped."""
    state = classify([accepted(), ev(Status.SUPPLEMENT_REQUESTED, paused_at)])
    assert pending_class(state, at("2026-08-14T17:01:00+07:00")) == expected
    assert pending_class(state, at("2026-09-30T00:00:00+07:00")) == expected


def test_pending_with_a_second_supplement_is_overdue():
    """Two supplement requests (a re-sent request under a new id counts) make a pending dossier overdue."""
    events = [
        accepted(),
        ev(Status.SUPPLEMENT_REQUESTED, "2026-08-11T09:00:00+07:00", eid="a"),
        ev(Status.SUPPLEMENT_REQUESTED, "2026-08-11T12:00:00+07:00", eid="b"),
        ev(Status.PROCESSING, "2026-08-12T09:00:00+07:00"),
    ]
    state = classify(events)
    assert state.supplements == 2
    assert state.extended_due_at == at("2026-08-15T17:00:00+07:00")
    assert pending_class(state, at("2026-08-12T09:00:00+07:00")) == PendingClass.OVERDUE


@pytest.mark.parametrize(
    "events",
    [
        [accepted(), ev(Status.PROCESSED, "2026-08-12T10:00:00+07:00")],
        [ev(Status.REGISTERED, "2026-08-10T07:30:00+07:00")],
    ],
)
def test_pending_class_is_none_unless_pending(events):
    """Ended or never-accepted dossiers have no pending class."""
    assert pending_class(classify(events), at("2026-08-20T00:00:00+07:00")) is None


# --- state at the end of a range ------------------------------------------------------------------

HISTORY = [
    accepted(),
    ev(Status.PROCESSING, "2026-08-11T09:00:00+07:00"),
    ev(Status.SUPPLEMENT_REQUESTED, "2026-08-12T10:00:00+07:00"),
    ev(Status.PROCESSING, "2026-08-13T10:00:00+07:00"),
    ev(Status.PROCESSED, "2026-08-20T10:00:00+07:00"),
]


@pytest.mark.parametrize(
    ("as_of", "outcome", "pending"),
    [
        ("2026-08-09T23:59:59.999999+07:00", Outcome.NOT_ACCEPTED, None),
        ("2026-08-12T23:59:59.999999+07:00", Outcome.PENDING, PendingClass.WITHIN_DEADLINE),
        ("2026-08-15T16:59:59+07:00", Outcome.PENDING, PendingClass.WITHIN_DEADLINE),
        ("2026-08-15T23:59:59.999999+07:00", Outcome.PENDING, PendingClass.OVERDUE),
        ("2026-08-20T09:59:59+07:00", Outcome.PENDING, PendingClass.OVERDUE),
        ("2026-08-20T10:00:00+07:00", Outcome.LATE, None),
    ],
)
def test_state_at_the_end_of_a_range(as_of, outcome, pending):
    """Only events at or before the range end count; the pending class is taken at that moment."""
    state = state_at(reversed(HISTORY), at(as_of))
    assert state.outcome == outcome
    assert pending_class(state, at(as_of)) == pending


def test_state_at_after_the_last_event_equals_classify():
    """A range ending after every event sees the whole history."""
    assert state_at(HISTORY, at("2026-12-31T23:59:59+07:00")) == classify(HISTORY)


# --- channel --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([ev(1, "2026-08-10T07:00:00+07:00", channel=3), accepted(channel=2)], Channel.ONLINE),
        ([ev(1, "2026-08-10T07:00:00+07:00", channel=3), accepted()], Channel.POSTAL),
        (
            [
                ev(1, "2026-08-10T07:00:00+07:00"),
                accepted(),
                ev(4, "2026-08-12T09:00:00+07:00", channel=3),
                ev(4, "2026-08-11T09:00:00+07:00", channel=2),
            ],
            Channel.ONLINE,
        ),
        ([ev(1, "2026-08-10T07:00:00+07:00"), accepted()], Channel.IN_PERSON),
    ],
)
def test_channel_comes_from_acceptance_else_the_earliest_event_with_one(events, expected):
    """KenhThucHien: the acceptance's, else the earliest event's that has one, else in person."""
    state = classify(events)
    assert state.channel == expected
    assert isinstance(state.channel, Channel)


def test_late_second_acceptance_ends_a_pause():
    """A re-acceptance after a supplement is the next status: the pause ends there."""
    events = [
        accepted(),
        ev(Status.SUPPLEMENT_REQUESTED, "2026-08-11T08:00:00+07:00"),
        accepted(occurred="2026-08-12T20:00:00+07:00", due="2026-09-30T17:00:00+07:00"),
    ]
    state = classify(events)
    assert state.due_at == at(DUE)
    assert state.extended_due_at == at(DUE) + timedelta(hours=36)
    assert state.paused_since is None


# --- the compact form the ingest path runs on ----------------------------------------------------

# Events carry fixed UTC offsets (ISO-8601 text), as here.
INSTANTS = st.datetimes(min_value=datetime(2025, 6, 1), max_value=datetime(2035, 12, 31),
                        timezones=st.sampled_from([timezone(timedelta(hours=h, minutes=m))
                                                   for h, m in ((0, 0), (7, 0), (-5, 0), (5, 30), (14, 0))]))


@given(INSTANTS)
def test_microsecond_times_round_trip_exactly_and_keep_the_local_day(moment):
    us = to_micros(moment)
    assert from_micros(us) == moment
    assert from_micros(us).utcoffset() == timedelta(0)
    assert date(1970, 1, 1) + timedelta(days=local_day_number(us)) == local_date(moment)


def test_local_day_number_turns_at_local_midnight():
    before = to_micros(at("2026-08-14T23:59:59.999999+07:00"))
    assert local_day_number(before) + 1 == local_day_number(before + 1)
    assert date(1970, 1, 1) + timedelta(days=local_day_number(before + 1)) == date(2026, 8, 15)


def test_compact_form_of_an_event():
    event = accepted(channel=2, eid="nguon/1")
    assert compact(event, "1.001234") == (
        to_micros(at(ACCEPTED_AT)), 2, "nguon/1", to_micros(at(DUE)), 2, "1.001234"
    )
    assert compact(ev(Status.PROCESSED, "2026-08-12T10:00:00+07:00", eid="nguon/2")) == (
        to_micros(at("2026-08-12T10:00:00+07:00")), 9, "nguon/2", NO_DUE, 0, ""
    )


def test_stored_lists_classify_like_tuples_and_name_the_acceptance_procedure():
    events = [
        compact(ev(Status.REGISTERED, "2026-08-10T07:00:00+07:00", eid="a"), "1.000001"),
        compact(accepted(eid="b"), "1.000002"),
        compact(ev(Status.PROCESSED, "2026-08-13T10:00:00+07:00", eid="c"), "1.000003"),
    ]
    as_stored = [list(e) for e in reversed(events)]
    state = classify_compact(as_stored)
    assert state == classify_compact(events)
    assert state.procedure_code == "1.000002"
    assert state.outcome == Outcome.EARLY
    assert state.ended_at == to_micros(at("2026-08-13T10:00:00+07:00"))
    # Without a code on the acceptance, the earliest event that has one names the procedure.
    events[1] = compact(accepted(eid="b"))
    assert classify_compact(events).procedure_code == "1.000001"


def test_procedure_of_a_dossier_without_one_on_its_acceptance_is_the_earliest_by_time_then_id():
    t = to_micros(at("2026-08-10T07:00:00+07:00"))
    events = [[t, 4, "s/a", NO_DUE, 0, "P1"], [t, 1, "s/b", NO_DUE, 0, "P2"], [t + 1, 2, "s/c", t + 9, 2, ""]]
    # Status does not order them: at the same instant the smaller event id wins.
    assert classify_compact(events).procedure_code == "P1"

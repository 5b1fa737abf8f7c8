"""Ingest → dossier states → metric store: every on-time rule, at the commune, its province and the nation."""

import csv
import json
from datetime import datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from openpyxl import Workbook

from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import (
    HCMC,
    ICT,
    LAM_THAO,
    NATION,
    PHU_MY,
    PHU_THO,
    PHUONG_PHU_MY,
    accepted,
    at,
    clear_store,
    counts,
    dossier_states,
    event,
    lifecycle,
    metric_rows,
    totals,
)
from thuocdo.metrics import notify
from thuocdo.metrics.rebuild import check

pytestmark = pytest.mark.django_db

ACCEPT, DUE = at("2026-09-01", "09:00"), at("2026-09-04", "17:00")
SEPTEMBER = ("2026-09-01", "2026-09-30")


def ingest(rows, **kwargs) -> dict:
    return ingest_dossier_events(Actor.system(), rows, **kwargs).as_dict()


def at_levels(commune: str, start: str, end: str | None = None) -> list[dict]:
    """The same range's totals for the commune, its province (Phú Thọ) and the nation."""
    return [totals(code, start, end) for code in (commune, PHU_THO, NATION)]


def outcome(code: str) -> str:
    return Dossier.objects.get(dossier_code=code).outcome


# --- the on-time rules, through the whole pipeline ---------------------------------------------------


@pytest.mark.parametrize(
    ("supplement", "end", "klass"),
    [
        (True, at("2026-09-08", "15:00"), "early"),  # due 4/9 17:00 + 5 days of pause = 9/9 17:00
        (True, at("2026-09-09", "16:59"), "on_time"),
        (True, at("2026-09-09", "17:01"), "late"),
        (False, at("2026-09-08", "15:00"), "late"),  # the same end without the pause is late
    ],
)
def test_supplement_time_pushes_the_due_time_back(supplement, end, klass):
    steps = [(Status.PROCESSING, at("2026-09-01", "10:00"))]
    if supplement:
        steps += [
            (Status.SUPPLEMENT_REQUESTED, at("2026-09-02", "10:00")), (Status.PROCESSING, at("2026-09-07", "10:00")),
        ]
    steps += [(Status.PROCESSED, end), (Status.RETURNED, at("2026-09-10", "08:00"))]
    rows = lifecycle("HS-1", ACCEPT, DUE, steps)

    assert ingest(rows) == {"accepted": len(rows), "duplicates": 0, "rejected": []}

    end_day = end[:10]
    assert at_levels(LAM_THAO, *SEPTEMBER) == [counts(received=1, direct=1, resolved=1, **{klass: 1})] * 3
    assert at_levels(LAM_THAO, "2026-09-01") == [counts(received=1, direct=1, pending=1, within=1)] * 3
    assert at_levels(LAM_THAO, end_day) == [counts(resolved=1, **{klass: 1})] * 3
    # The 10 on 10/9 does not count again: the end is the 9.
    assert at_levels(LAM_THAO, "2026-09-10") == [counts()] * 3
    dossier = Dossier.objects.get()
    assert (dossier.supplements, dossier.outcome, dossier.end_status) == (int(supplement), klass, 9)
    assert dossier.extended_due_at == datetime.fromisoformat(DUE) + timedelta(days=5 if supplement else 0)


def test_a_second_supplement_request_makes_the_dossier_late():
    rows = lifecycle("HS-2", ACCEPT, at("2026-09-10", "17:00"), [
        (Status.SUPPLEMENT_REQUESTED, at("2026-09-02")), (Status.PROCESSING, at("2026-09-03")),
        (Status.SUPPLEMENT_REQUESTED, at("2026-09-04")), (Status.PROCESSING, at("2026-09-05")),
        (Status.PROCESSED, at("2026-09-06")),  # four days before the due date, still late
    ])
    ingest(rows)

    assert at_levels(LAM_THAO, *SEPTEMBER) == [counts(received=1, direct=1, resolved=1, late=1)] * 3
    assert at_levels(LAM_THAO, "2026-09-06") == [counts(resolved=1, late=1)] * 3
    # While it was still open: waiting after the first request is within deadline, the second is overdue.
    assert at_levels(LAM_THAO, "2026-09-01", "2026-09-02") == [
        counts(received=1, direct=1, pending=1, within=1)] * 3
    assert at_levels(LAM_THAO, "2026-09-01", "2026-09-04") == [
        counts(received=1, direct=1, pending=1, overdue=1)] * 3
    assert Dossier.objects.get().supplements == 2


def test_result_returned_without_processed_ends_the_dossier():
    rows = lifecycle("HS-3", ACCEPT, DUE, [
        (Status.PROCESSING, at("2026-09-01", "10:00")), (Status.RETURNED, at("2026-09-04", "16:00")),
    ], channel=2, procedure="1.004567")
    ingest(rows)

    assert at_levels(LAM_THAO, *SEPTEMBER) == [counts(received=1, online=1, resolved=1, on_time=1)] * 3
    assert at_levels(LAM_THAO, "2026-09-04") == [counts(resolved=1, on_time=1)] * 3
    assert (Dossier.objects.get().end_status, outcome("HS-3")) == (10, "on_time")


def test_withdrawal_ends_processing_on_its_day():
    ingest(
        lifecycle("RUT-1", ACCEPT, DUE, [(Status.WITHDRAWN, at("2026-09-02", "11:00"))])
        + lifecycle("RUT-2", ACCEPT, DUE, [(Status.WITHDRAWN, at("2026-09-05", "08:00"))])
        # Withdrawn before being accepted: never received, never resolved.
        + [event("RUT-3", Status.REGISTERED, at("2026-09-01", "08:00")),
           event("RUT-3", Status.WITHDRAWN, at("2026-09-01", "08:30"))]
    )

    assert at_levels(LAM_THAO, *SEPTEMBER) == [
        counts(received=2, direct=2, resolved=2, early=1, late=1, withdrawn=2)] * 3
    assert at_levels(LAM_THAO, "2026-09-02") == [counts(resolved=1, early=1, withdrawn=1, pending=1, within=1)] * 3
    assert at_levels(LAM_THAO, "2026-09-05") == [counts(resolved=1, late=1, withdrawn=1)] * 3
    assert [outcome(c) for c in ("RUT-1", "RUT-2", "RUT-3")] == ["early", "late", "not_accepted"]


def test_refusal_at_intake_is_not_counted_as_received():
    ingest([
        event("TC-1", Status.REGISTERED, at("2026-09-01", "08:00"), channel=2),
        event("TC-1", Status.REFUSED, at("2026-09-01", "09:00")),
        # Refused after being accepted: received, and its processing ended with the refusal.
        event("TC-2", Status.REGISTERED, at("2026-09-01", "08:00")),
        accepted("TC-2", at("2026-09-01", "09:00"), at("2026-09-03", "17:00")),
        event("TC-2", Status.REFUSED, at("2026-09-01", "15:00")),
    ])

    assert at_levels(LAM_THAO, *SEPTEMBER) == [counts(received=1, direct=1, resolved=1, early=1, refused=1)] * 3
    assert [outcome(c) for c in ("TC-1", "TC-2")] == ["not_accepted", "early"]
    assert DossierEvent.objects.count() == 5


def test_due_time_near_midnight_in_another_utc_offset_is_read_on_the_local_calendar():
    # Accepted 31/8 18:30 UTC = 1/9 01:30 in Vietnam; due 3/9 12:30 at UTC−5 = 4/9 00:30 in Vietnam.
    accepted_at, due_at = "2026-08-31T18:30:00+00:00", "2026-09-03T12:30:00-05:00"
    ends = {
        "NM-1": "2026-09-03T23:00:00+07:00",  # the local day before the due date: early
        "NM-2": "2026-09-03T17:15:00+00:00",  # 4/9 00:15 in Vietnam (3/9 in UTC): on time
        "NM-3": "2026-09-04T00:45:00+07:00",  # 15 minutes after the due time: late
    }
    for code, end in ends.items():
        ingest(lifecycle(code, accepted_at, due_at, [(Status.PROCESSED, end)], unit=PHU_MY))

    assert at_levels(PHU_MY, "2026-08-01", "2026-08-31") == [counts()] * 3
    assert at_levels(PHU_MY, "2026-09-01") == [counts(received=3, direct=3, pending=3, within=3)] * 3
    assert at_levels(PHU_MY, "2026-09-03") == [counts(resolved=1, early=1, pending=2, within=2)] * 3
    assert at_levels(PHU_MY, "2026-09-04") == [counts(resolved=2, on_time=1, late=1)] * 3
    assert [outcome(c) for c in ends] == ["early", "on_time", "late"]
    assert totals(LAM_THAO, *SEPTEMBER) == counts()


def mixed_dossiers() -> list[dict]:
    """Five dossiers of Xã Lâm Thao: early after a pause, two supplements, 10 only, withdrawn, still open."""
    return (
        lifecycle("OO-1", ACCEPT, DUE, [
            (Status.SUPPLEMENT_REQUESTED, at("2026-09-02", "10:00")), (Status.PROCESSING, at("2026-09-07", "10:00")),
            (Status.PROCESSED, at("2026-09-08", "15:00")), (Status.RETURNED, at("2026-09-09", "08:00")),
        ], channel=2, procedure="1.001234")
        + lifecycle("OO-2", ACCEPT, at("2026-09-10", "17:00"), [
            (Status.SUPPLEMENT_REQUESTED, at("2026-09-02")), (Status.PROCESSING, at("2026-09-03")),
            (Status.SUPPLEMENT_REQUESTED, at("2026-09-04")), (Status.PROCESSING, at("2026-09-05")),
            (Status.PROCESSED, at("2026-09-06")),
        ])
        + lifecycle("OO-3", ACCEPT, DUE, [(Status.RETURNED, at("2026-09-04", "16:00"))], channel=3)
        + lifecycle("OO-4", ACCEPT, DUE, [(Status.WITHDRAWN, at("2026-09-02", "11:00"))])
        + lifecycle("OO-5", at("2026-09-03"), at("2026-09-05", "17:00"), [
            (Status.PROCESSING, at("2026-09-03", "10:00")),
        ])
    )


MIXED_SEPTEMBER = counts(received=5, online=1, postal=1, direct=3, resolved=4, early=2, on_time=1, late=1,
                         withdrawn=1, pending=1, overdue=1)


def test_out_of_order_arrival_gives_the_same_final_metrics():
    rows = mixed_dossiers()
    ingest(rows)
    in_order = (metric_rows(), dossier_states())
    assert at_levels(LAM_THAO, *SEPTEMBER) == [MIXED_SEPTEMBER] * 3

    clear_store()
    for row in reversed(rows):  # newest first, one delivery per event
        assert ingest([row]) == {"accepted": 1, "duplicates": 0, "rejected": []}

    assert at_levels(LAM_THAO, *SEPTEMBER) == [MIXED_SEPTEMBER] * 3
    assert (metric_rows(), dossier_states()) == in_order
    assert [outcome(f"OO-{n}") for n in range(1, 6)] == ["early", "late", "on_time", "early", "pending"]
    assert check() == []


def test_duplicate_delivery_is_counted_as_duplicate_and_changes_nothing():
    rows = mixed_dossiers()
    assert ingest(rows + rows[:3]) == {"accepted": len(rows), "duplicates": 3, "rejected": []}
    before = (metric_rows(nonzero=False), dossier_states(), DossierEvent.objects.count())

    assert ingest(rows) == {"accepted": 0, "duplicates": len(rows), "rejected": []}
    # The same id with other content keeps the first version and is reported, never silently dropped.
    moved = {**rows[-1], "occurred_at": at("2026-09-20")}
    assert ingest([moved]) == {"accepted": 0, "duplicates": 0, "rejected": [
        {"index": 0, "event_id": moved["event_id"], "errors": [
            "event_id: đã nhận với nội dung khác (occurred_at); gửi sự kiện mới với mã sự kiện mới"]}]}

    assert (metric_rows(nonzero=False), dossier_states(), DossierEvent.objects.count()) == before
    assert at_levels(LAM_THAO, *SEPTEMBER) == [MIXED_SEPTEMBER] * 3
    assert list(AuditEntry.objects.order_by("id").values_list("after", flat=True)) == [
        {"accepted": len(rows), "duplicates": 3, "rejected": 0},
        {"accepted": 0, "duplicates": len(rows), "rejected": 0},
        {"accepted": 0, "duplicates": 0, "rejected": 1},
    ]


def test_two_sources_may_use_the_same_event_id_for_one_dossier():
    result = ingest([accepted("NGUON-1", ACCEPT, DUE, event_id="1", source="mot-cua-tinh"),
                     event("NGUON-1", Status.PROCESSED, at("2026-09-02"), event_id="1", source="cong-quoc-gia")])

    assert result == {"accepted": 2, "duplicates": 0, "rejected": []}
    assert outcome("NGUON-1") == "early"


def test_a_supplement_request_delivered_twice_is_one_request():
    rows = mixed_dossiers()[:5]  # OO-1: one supplement, early
    ingest(rows)
    ingest([rows[1]])  # the 5 again, same event id

    assert Dossier.objects.get().supplements == 1
    assert at_levels(LAM_THAO, "2026-09-08") == [counts(resolved=1, early=1)] * 3


def test_a_late_processed_event_moves_the_count_to_another_class_and_day():
    ingest(lifecycle("TRE-1", ACCEPT, DUE, [(Status.RETURNED, at("2026-09-04", "16:00"))]))
    assert at_levels(LAM_THAO, "2026-09-04") == [counts(resolved=1, on_time=1)] * 3

    # The "processed" event was sent after the result: processing really ended on 2/9.
    assert ingest([event("TRE-1", Status.PROCESSED, at("2026-09-02", "10:00"))])["accepted"] == 1

    assert at_levels(LAM_THAO, "2026-09-04") == [counts()] * 3
    assert at_levels(LAM_THAO, "2026-09-02") == [counts(resolved=1, early=1)] * 3
    assert at_levels(LAM_THAO, *SEPTEMBER) == [counts(received=1, direct=1, resolved=1, early=1)] * 3
    assert (outcome("TRE-1"), Dossier.objects.get().end_status) == ("early", 9)
    assert check() == []


def test_a_past_range_counts_a_dossier_as_resolved_or_pending_whatever_its_supplements():
    for code, supplement in (("QK-1", []), ("QK-2", [(Status.SUPPLEMENT_REQUESTED, at("2026-09-01", "10:00")),
                                                     (Status.PROCESSING, at("2026-09-01", "11:00"))])):
        # Withdrawn on 3/9, then marked processed on 5/9: processing ended with the 9 (domain.md §2).
        ingest(lifecycle(code, ACCEPT, DUE, [*supplement, (Status.WITHDRAWN, at("2026-09-03")),
                                             (Status.PROCESSED, at("2026-09-05"))]))

    assert totals(LAM_THAO, "2026-09-01", "2026-09-03") == counts(received=2, direct=2, pending=2, within=2)


def test_an_acceptance_arriving_after_the_end_makes_the_dossier_count():
    ingest([event("TRE-2", Status.PROCESSED, at("2026-09-03", "10:00"))])
    assert (at_levels(LAM_THAO, *SEPTEMBER), outcome("TRE-2")) == ([counts()] * 3, "not_accepted")

    ingest([accepted("TRE-2", ACCEPT, DUE, channel=2)])

    assert at_levels(LAM_THAO, *SEPTEMBER) == [counts(received=1, online=1, resolved=1, early=1)] * 3
    assert outcome("TRE-2") == "early"


def test_a_pending_dossier_turns_overdue_as_the_clock_moves():
    def now_levels(end_day: str) -> list[dict]:
        return at_levels(LAM_THAO, "2026-09-01", end_day)

    with time_machine.travel(datetime(2026, 9, 2, 12, 0, tzinfo=ICT), tick=False) as clock:
        result = ingest([
            accepted("MO-1", ACCEPT, at("2026-09-03", "17:00")),
            accepted("MO-2", at("2026-09-01", "09:30"), at("2026-09-03", "17:00")),
            event("MO-2", Status.SUPPLEMENT_REQUESTED, at("2026-09-02", "10:00")),  # waiting for the applicant
            event("MO-3", Status.PROCESSING, at("2026-09-02", "13:30")),  # 90 minutes ahead of the clock
        ])
        assert result["rejected"] == [
            {"index": 3, "event_id": f"MO-3/4/{at('2026-09-02', '13:30')}", "errors": ["occurred_at: ở tương lai"]}]
        assert now_levels("2026-09-02") == [counts(received=2, direct=2, pending=2, within=2)] * 3

        clock.move_to(datetime(2026, 9, 3, 17, 0, tzinfo=ICT))
        assert now_levels("2026-09-03") == [counts(received=2, direct=2, pending=2, within=2)] * 3

        clock.move_to(datetime(2026, 9, 3, 17, 1, tzinfo=ICT))
        # MO-1's due time has passed, no event needed; MO-2's clock is stopped while it waits.
        assert now_levels("2026-09-03") == [counts(received=2, direct=2, pending=2, within=1, overdue=1)] * 3
        # A range that ended before the due time is still measured at its end.
        assert now_levels("2026-09-02") == [counts(received=2, direct=2, pending=2, within=2)] * 3

        clock.move_to(datetime(2026, 9, 4, 12, 0, tzinfo=ICT))
        ingest([event("MO-2", Status.PROCESSING, at("2026-09-04", "10:00"))])  # two days of pause: due 5/9 17:00
        assert now_levels("2026-09-04") == [counts(received=2, direct=2, pending=2, within=1, overdue=1)] * 3

        clock.move_to(datetime(2026, 9, 5, 17, 1, tzinfo=ICT))
        assert now_levels("2026-09-05") == [counts(received=2, direct=2, pending=2, overdue=2)] * 3
        assert totals(PHUONG_PHU_MY, "2026-09-01", "2026-09-05") == counts()


# --- malformed rows --------------------------------------------------------------------------------


def test_a_batch_rejects_each_malformed_row_with_its_field_and_keeps_the_rest():
    good = [accepted("TOT-1", ACCEPT, DUE), accepted("TOT-2", ACCEPT, DUE, unit=PHU_MY, channel=2)]
    bad = [
        event("X-1", 11, ACCEPT),
        accepted("X-2", ACCEPT, DUE, unit="99999"),
        event("X-3", Status.ACCEPTED, ACCEPT),
        event("X-4", Status.PROCESSING, "2026-02-30T09:00:00+07:00"),
        event("X-5", "hai", ACCEPT),
        "không phải sự kiện",
        [1, 2],
        event("X-6", Status.PROCESSING, "2026-09-01T09:00:00"),
        {**event("X-7", Status.PROCESSING, ACCEPT), "mau": "đỏ"},
        event("X-8", Status.PROCESSING, ACCEPT, channel=4),
        {"event_id": 9, "dossier_code": " ", "unit_code": "8494", "status": 2.5, "occurred_at": 20260901},
        event("X-10", Status.PROCESSING, at("2025-06-30")),
        accepted("X-11", ACCEPT, at("2026-08-31")),
    ]
    result = ingest([good[0], *bad, good[1]])

    assert result == {"accepted": 2, "duplicates": 0, "rejected": [
        {"index": 1, "event_id": f"X-1/11/{ACCEPT}", "errors": ["status: phải từ 1–10"]},
        {"index": 2, "event_id": f"X-2/2/{ACCEPT}", "errors": ["unit_code: không có đơn vị mã 99999"]},
        {"index": 3, "event_id": f"X-3/2/{ACCEPT}", "errors": ["due_at: bắt buộc khi tiếp nhận hồ sơ (status 2)"]},
        {"index": 4, "event_id": "X-4/4/2026-02-30T09:00:00+07:00", "errors": [
            "occurred_at: không phải thời điểm hợp lệ (ISO-8601, ví dụ 2026-08-14T09:30:00+07:00)"]},
        {"index": 5, "event_id": f"X-5/hai/{ACCEPT}", "errors": ["status: phải là số nguyên"]},
        {"index": 6, "event_id": None, "errors": ["event: phải là một đối tượng JSON"]},
        {"index": 7, "event_id": None, "errors": ["event: phải là một đối tượng JSON"]},
        {"index": 8, "event_id": "X-6/4/2026-09-01T09:00:00", "errors": ["occurred_at: thiếu múi giờ (ví dụ +07:00)"]},
        {"index": 9, "event_id": f"X-7/4/{ACCEPT}", "errors": ["mau: trường không được hỗ trợ"]},
        {"index": 10, "event_id": f"X-8/4/{ACCEPT}", "errors": [
            "channel: phải từ 1–3 (1 trực tiếp, 2 trực tuyến, 3 bưu chính)"]},
        {"index": 11, "event_id": "9", "errors": [
            "event_id: phải là chuỗi ký tự", "dossier_code: không được để trống",
            "unit_code: phải là mã xã 5 chữ số hoặc mã tỉnh 2 chữ số", "status: phải là số nguyên",
            "occurred_at: phải là thời điểm ISO-8601 có múi giờ"]},
        {"index": 12, "event_id": f"X-10/4/{at('2025-06-30')}", "errors": [
            "occurred_at: trước ngày 01/07/2025, khi các đơn vị mới bắt đầu hoạt động"]},
        {"index": 13, "event_id": f"X-11/2/{ACCEPT}", "errors": ["due_at: trước thời điểm của sự kiện"]},
    ]}
    assert sorted(DossierEvent.objects.values_list("dossier_code", "unit_code")) == [
        ("TOT-1", LAM_THAO), ("TOT-2", PHU_MY)]
    assert sorted(Dossier.objects.values_list("dossier_code", flat=True)) == ["TOT-1", "TOT-2"]
    assert totals(LAM_THAO, "2026-09-01") == counts(received=1, direct=1, pending=1, within=1)
    assert totals(PHU_THO, "2026-09-01") == counts(received=2, direct=1, online=1, pending=2, within=2)
    assert list(AuditEntry.objects.values_list("action", "after")) == [
        ("dossiers.ingest", {"accepted": 2, "duplicates": 0, "rejected": 13})]


def test_a_batch_of_only_bad_rows_stores_and_audits_nothing():
    result = ingest([event("X-1", 0, ACCEPT), None])
    assert [r["errors"] for r in result["rejected"]] == [
        ["status: phải từ 1–10"], ["event: phải là một đối tượng JSON"]]
    assert (DossierEvent.objects.count(), Dossier.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)


def test_rejected_rows_keep_their_index_in_the_whole_stream_across_batches():
    rows = [accepted(f"LO-{n}", ACCEPT, DUE) for n in range(5)]
    rows.insert(3, event("LO-X", 0, ACCEPT))

    result = ingest(rows, batch_size=2)

    assert result == {"accepted": 5, "duplicates": 0, "rejected": [
        {"index": 3, "event_id": f"LO-X/0/{ACCEPT}", "errors": ["status: phải từ 1–10"]}]}
    # One transaction, with its audit row, per batch.
    assert list(AuditEntry.objects.order_by("id").values_list("object_id", "after")) == [
        ("0-1", {"accepted": 2, "duplicates": 0, "rejected": 0}),
        ("2-3", {"accepted": 1, "duplicates": 0, "rejected": 1}),
        ("4-5", {"accepted": 2, "duplicates": 0, "rejected": 0}),
    ]


def test_a_row_without_a_source_is_rejected_when_no_default_is_given():
    row = accepted("NS-1", ACCEPT, DUE, source=None)
    assert ingest([row])["rejected"] == [
        {"index": 0, "event_id": row["event_id"], "errors": ["source: thiếu hệ thống nguồn"]}]
    assert ingest([row], default_source="mot-cua-phu-tho")["accepted"] == 1
    assert list(DossierEvent.objects.values_list("source", flat=True)) == ["mot-cua-phu-tho"]


# --- files -----------------------------------------------------------------------------------------

COLUMNS = ("event_id", "dossier_code", "procedure_code", "unit_code", "status", "channel", "occurred_at", "due_at")


def file_rows() -> list[dict]:
    """Events without a `source` column (given with --source), in two communes, with every optional field."""
    rows = (
        lifecycle("TEP-1", ACCEPT, DUE, [(Status.PROCESSED, at("2026-09-03", "10:00"))], channel=2,
                  procedure="1.001234", source=None)
        + lifecycle("TEP-2", "2026-09-01T03:00:00+00:00", "2026-09-03T10:00:00+00:00",
                    [(Status.RETURNED, at("2026-09-03", "18:00"))], unit=PHU_MY, channel=3, source=None)
        + lifecycle("TEP-3", at("2026-09-02", "08:00"), DUE, [(Status.PROCESSING, at("2026-09-02", "09:00"))],
                    source=None)
    )
    rows.insert(0, event("TEP-1", Status.REGISTERED, at("2026-09-01", "08:00"), channel=2, source=None))
    return rows


def write_events(path, rows: list[dict]) -> None:
    if path.suffix == ".jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            writer.writerows(rows)
    else:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(COLUMNS)
        for row in rows:
            sheet.append([row.get(c) for c in COLUMNS])
        workbook.save(path)


def ingest_file(path, *args) -> str:
    out = StringIO()
    call_command("ingest", "dossier-events", str(path), *args, stdout=out)
    return out.getvalue()


def test_jsonl_csv_and_xlsx_files_ingest_to_identical_metrics(tmp_path):
    rows = file_rows()
    results = {}
    for suffix in (".jsonl", ".csv", ".xlsx"):
        clear_store()
        path = tmp_path / f"su-kien{suffix}"
        write_events(path, rows)

        summary = json.loads(ingest_file(path, "--source", "mot-cua-phu-tho", "--json"))

        assert summary == {"accepted": 7, "duplicates": 0, "rejected": []}
        events = sorted(DossierEvent.objects.values_list(
            "source", "event_id", "dossier_code", "procedure_code", "unit_code", "status", "channel", "occurred_at",
            "due_at"))
        results[suffix] = (metric_rows(), dossier_states(), events)

    assert results[".csv"] == results[".jsonl"]
    assert results[".xlsx"] == results[".jsonl"]
    assert at_levels(LAM_THAO, *SEPTEMBER) == [
        counts(received=2, online=1, direct=1, resolved=1, early=1, pending=1, overdue=1),
        counts(received=3, online=1, direct=1, postal=1, resolved=2, early=1, late=1, pending=1, overdue=1),
        counts(received=3, online=1, direct=1, postal=1, resolved=2, early=1, late=1, pending=1, overdue=1),
    ]
    out = StringIO()
    call_command("metrics", "show", "--unit", PHU_MY, "--from", "2026-09-01", "--to", "2026-09-30", "--json",
                 stdout=out)
    assert json.loads(out.getvalue()) == {"metrics": {**counts(received=1, postal=1, resolved=1, late=1),
                                                      "dossier.sync.known": 1, "dossier.sync.on_time": 0}}


def test_unreadable_lines_of_a_file_are_rejected_with_their_line(tmp_path):
    path = tmp_path / "su-kien.jsonl"
    good = file_rows()[1:3]
    bad = {**good[1], "status": "hai"}
    path.write_text("\n".join([json.dumps(good[0]), "", "{khong phai json", json.dumps(bad), json.dumps(good[1])]))

    assert json.loads(ingest_file(path, "--source", "nguon", "--json")) == {
        "accepted": 2, "duplicates": 0, "rejected": [
            {"index": 1, "event_id": None,
             "errors": ["event: dòng 3 không phải JSON hợp lệ (cột 2: unexpected character, expected a string key)"]},
            {"index": 2, "event_id": good[1]["event_id"], "errors": ["status: phải là số nguyên"]},
        ]}
    assert ingest_file(path, "--source", "nguon") == (
        "Đã nhận: 0\nTrùng (bỏ qua): 2\nBị từ chối: 2\n"
        "  dòng 2: event: dòng 3 không phải JSON hợp lệ (cột 2: unexpected character, expected a string key)\n"
        "  dòng 3: status: phải là số nguyên\n"
    )
    assert DossierEvent.objects.count() == 2


def test_a_csv_cell_of_the_wrong_type_is_rejected_by_field(tmp_path):
    path = tmp_path / "su-kien.csv"
    rows = file_rows()[:2]
    write_events(path, [rows[0], {**rows[1], "status": "hai", "channel": "1.5"}])

    summary = json.loads(ingest_file(path, "--source", "nguon", "--json"))

    assert summary == {"accepted": 1, "duplicates": 0, "rejected": [
        {"index": 1, "event_id": rows[1]["event_id"],
         "errors": ["status: phải là số nguyên", "channel: phải là số nguyên"]}]}


def test_the_command_refuses_missing_and_unknown_files(tmp_path):
    with pytest.raises(CommandError, match="Không tìm thấy tệp"):
        ingest_file(tmp_path / "khong-co.jsonl")
    other = tmp_path / "su-kien.txt"
    other.write_text("{}")
    with pytest.raises(CommandError, match="chỉ nhận .jsonl, .csv hoặc .xlsx"):
        ingest_file(other)
    assert DossierEvent.objects.count() == 0


# --- change notices --------------------------------------------------------------------------------


@pytest.fixture
def notices(settings):
    settings.REDIS_URL = ""  # in-process delivery, whatever the environment says
    received: list[list[str]] = []
    unsubscribe = notify.subscribe(received.append)
    yield received
    unsubscribe()


def test_change_notices_name_the_commune_its_province_and_the_nation_after_commit(
    notices, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ingest([accepted("TB-1", ACCEPT, DUE)])
        assert notices == []  # nothing before the commit
    assert (len(callbacks), notices) == (1, [[LAM_THAO, PHU_THO, NATION]])

    with django_capture_on_commit_callbacks(execute=True):
        ingest([accepted("TB-2", ACCEPT, DUE, unit=PHUONG_PHU_MY), event("TB-1", Status.PROCESSED, at("2026-09-02"))])
    assert notices == [[LAM_THAO, PHU_THO, NATION], [LAM_THAO, PHU_THO, PHUONG_PHU_MY, HCMC, NATION]]


def test_no_notice_for_replays_rejections_or_a_rolled_back_transaction(notices, django_capture_on_commit_callbacks):
    ingest([accepted("TB-1", ACCEPT, DUE)])  # inside the test's transaction: never committed, never sent
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        ingest([accepted("TB-1", ACCEPT, DUE), event("TB-9", 42, ACCEPT)])
    assert (len(callbacks), notices) == (0, [])

    class Abort(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Abort), transaction.atomic():
        ingest([accepted("TB-3", ACCEPT, DUE)])
        raise Abort
    assert (len(callbacks), notices, Dossier.objects.filter(dossier_code="TB-3").count()) == (0, [], 0)


def test_an_event_that_leaves_the_class_unchanged_rewrites_only_the_event_list(monkeypatch):
    from thuocdo.dossiers import pipeline

    writes = []
    real_update = pipeline.update_by_id

    def recording(table, columns, rows):
        rows = list(rows)
        if rows:
            writes.append((columns[0] if len(columns) == 1 else "state", len(rows)))
        return real_update(table, columns, rows)

    monkeypatch.setattr(pipeline, "update_by_id", recording)
    ingest([accepted("HS-EV", at("2026-09-01"), at("2026-09-10"))])
    assert writes == []  # a new dossier is inserted
    ingest([event("HS-EV", Status.PROCESSING, at("2026-09-02"))])
    assert writes == [("events", 1)]  # still pending, same due time: no indexed column changes
    ingest([event("HS-EV", Status.PROCESSED, at("2026-09-03"))])
    assert writes == [("events", 1), ("state", 1)]
    assert outcome("HS-EV") == "early"
    assert len(Dossier.objects.get(dossier_code="HS-EV").events) == 3


def test_the_progress_bar_total_counts_the_rows_of_a_text_file(tmp_path):
    from thuocdo.dossiers.management.commands.ingest import _row_count

    (tmp_path / "a.jsonl").write_text('{"a": 1}\n{"a": 2}\n{"a": 3}\n')
    (tmp_path / "b.csv").write_text("event_id,status\nx,1\ny,2\n")
    assert (_row_count(tmp_path / "a.jsonl"), _row_count(tmp_path / "b.csv"), _row_count(tmp_path / "c.xlsx")) == (
        3, 2, None
    )

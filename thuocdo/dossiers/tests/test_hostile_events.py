"""Issue 9, items 2, 5 and 6: absurd dates, reused event ids, loose types and oversize bodies.

Each test reproduces a defect found by trying the API as a careless or hostile source system would.
"""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from thuocdo.accounts.actions import create_api_token
from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import LAM_THAO, NATION, PHU_THO, accepted, at, counts, event, totals
from thuocdo.metrics.models import MetricValue
from thuocdo.testing.openapi import assert_matches_openapi

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/dossier-events"
ACCEPT, DUE = at("2026-09-01", "09:00"), at("2026-09-04", "17:00")
FAR_FUTURE = "9999-12-31T23:59:59-12:00"


def ingest(rows) -> dict:
    return ingest_dossier_events(Actor.system(), rows).as_dict()


def post(body: bytes | str, secret: str):
    return Client().post(EVENTS, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")


@pytest.fixture
def secret() -> str:
    return create_api_token(Actor.system(), "mot-cua-lam-thao", [LAM_THAO], ["dossiers:write"]).secret


# --- item 2: dates outside a sane window ------------------------------------------------------------


def test_a_far_future_due_date_is_a_rejected_row_and_the_good_row_beside_it_is_stored(secret):
    rows = [accepted("FF-1", ACCEPT, FAR_FUTURE), accepted("OK-1", ACCEPT, DUE)]

    response = post(json.dumps({"events": rows}), secret)

    assert_matches_openapi(response, "POST", EVENTS)
    assert (response.status_code, response.json()) == (200, {"accepted": 1, "duplicates": 0, "rejected": [
        {"index": 0, "event_id": rows[0]["event_id"],
         "errors": ["due_at: sau năm 2100, không phải hạn trả kết quả hợp lệ"]}]})
    assert list(DossierEvent.objects.values_list("dossier_code", flat=True)) == ["OK-1"]
    assert [totals(code, "2026-09-01") for code in (LAM_THAO, PHU_THO, NATION)] == [
        counts(received=1, direct=1, pending=1, within=1)] * 3


def test_dates_before_2000_or_far_in_the_future_are_rejected_naming_the_field():
    rows = [
        accepted("D-1", ACCEPT, "2101-01-01T00:00:00+07:00"),
        event("D-2", Status.PROCESSING, "0001-01-01T00:00:00+14:00"),
        event("D-3", Status.PROCESSING, FAR_FUTURE),
        event("D-4", Status.PROCESSING, "1999-12-31T23:59:59+07:00"),
    ]
    assert ingest(rows)["rejected"] == [
        {"index": 0, "event_id": rows[0]["event_id"], "errors": [
            "due_at: sau năm 2100, không phải hạn trả kết quả hợp lệ"]},
        {"index": 1, "event_id": rows[1]["event_id"], "errors": [
            "occurred_at: trước ngày 01/07/2025, khi các đơn vị mới bắt đầu hoạt động"]},
        {"index": 2, "event_id": rows[2]["event_id"], "errors": ["occurred_at: ở tương lai"]},
        {"index": 3, "event_id": rows[3]["event_id"], "errors": [
            "occurred_at: trước ngày 01/07/2025, khi các đơn vị mới bắt đầu hoạt động"]},
    ]
    assert (DossierEvent.objects.count(), MetricValue.objects.count(), AuditEntry.objects.count()) == (0, 0, 0)


def test_a_file_with_one_far_future_date_stores_its_2000_good_events_and_a_rerun_is_all_duplicates(tmp_path):
    path = tmp_path / "su-kien.jsonl"
    rows = [accepted(f"F-{n}", ACCEPT, DUE) for n in range(2000)]
    rows.insert(1000, accepted("F-BAD", ACCEPT, FAR_FUTURE))
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    out = StringIO()
    call_command("ingest", "dossier-events", str(path), "--source", "nguon", "--json", stdout=out)

    assert json.loads(out.getvalue()) == {"accepted": 2000, "duplicates": 0, "rejected": [
        {"index": 1000, "event_id": rows[1000]["event_id"],
         "errors": ["due_at: sau năm 2100, không phải hạn trả kết quả hợp lệ"]}]}
    assert (DossierEvent.objects.count(), Dossier.objects.count()) == (2000, 2000)
    assert totals(LAM_THAO, "2026-09-01")["dossier.received"] == 2000

    again = StringIO()
    call_command("ingest", "dossier-events", str(path), "--source", "nguon", "--json", stdout=again)
    assert json.loads(again.getvalue()) == {"accepted": 0, "duplicates": 2000, "rejected": [
        {"index": 1000, "event_id": rows[1000]["event_id"],
         "errors": ["due_at: sau năm 2100, không phải hạn trả kết quả hợp lệ"]}]}
    assert DossierEvent.objects.count() == 2000


# --- item 5: the same event id with other content; loose types ----------------------------------------


def test_a_replay_is_a_duplicate_but_the_same_id_with_other_content_is_rejected_and_changes_nothing():
    first = accepted("R-1", ACCEPT, DUE, event_id="ev-1")
    assert ingest([first])["accepted"] == 1
    before = list(MetricValue.objects.order_by("id").values_list("unit_code", "metric", "start", "value"))

    changed = {**first, "due_at": at("2026-09-20", "17:00")}
    result = ingest([first, changed, {**first, "channel": 2}])

    assert result == {"accepted": 0, "duplicates": 1, "rejected": [
        {"index": 1, "event_id": "ev-1", "errors": [
            "event_id: đã nhận với nội dung khác (due_at); gửi sự kiện mới với mã sự kiện mới"]},
        {"index": 2, "event_id": "ev-1", "errors": [
            "event_id: đã nhận với nội dung khác (channel); gửi sự kiện mới với mã sự kiện mới"]},
    ]}
    assert list(DossierEvent.objects.values_list("due_at", "channel")) == [
        (DossierEvent.objects.get().due_at, None)]
    assert DossierEvent.objects.get().due_at.isoformat() == "2026-09-04T10:00:00+00:00"
    assert list(MetricValue.objects.order_by("id").values_list("unit_code", "metric", "start", "value")) == before


def test_within_one_batch_the_first_content_of_an_id_wins_and_a_different_second_is_rejected():
    first = accepted("R-2", ACCEPT, DUE, event_id="ev-2")
    other = {**first, "dossier_code": "R-3"}

    result = ingest([first, first, other])

    assert result == {"accepted": 1, "duplicates": 1, "rejected": [
        {"index": 2, "event_id": "ev-2", "errors": [
            "event_id: đã nhận với nội dung khác (dossier_code); gửi sự kiện mới với mã sự kiện mới"]}]}
    assert list(Dossier.objects.values_list("dossier_code", flat=True)) == ["R-2"]


def test_the_same_instant_in_another_offset_is_the_same_content():
    first = accepted("R-4", ACCEPT, DUE, event_id="ev-4")
    same = {**first, "occurred_at": "2026-09-01T02:00:00+00:00"}  # 09:00 at +07:00
    assert ingest([first])["accepted"] == 1
    assert ingest([same]) == {"accepted": 0, "duplicates": 1, "rejected": []}


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("status", True, "status: phải là số nguyên"),
        ("status", "2", "status: phải là số nguyên"),
        ("status", 2.0, "status: phải là số nguyên"),
        ("channel", False, "channel: phải là số nguyên"),
        ("occurred_at", 1788228000, "occurred_at: phải là thời điểm ISO-8601 có múi giờ"),
        ("due_at", 1788228000, "due_at: phải là thời điểm ISO-8601 có múi giờ"),
        ("occurred_at", 1788228000.5, "occurred_at: phải là thời điểm ISO-8601 có múi giờ"),
    ],
)
def test_loose_types_are_refused(field, value, error):
    row = {**accepted("L-1", ACCEPT, DUE, channel=1), field: value}
    assert ingest([row])["rejected"] == [{"index": 0, "event_id": row["event_id"], "errors": [error]}]
    assert DossierEvent.objects.count() == 0


# --- item 6: bodies the API documents, and bodies it does not ---------------------------------------------


def test_the_largest_documented_batch_is_accepted(secret):
    """10,000 events, pretty-printed, every code at its maximum length in Vietnamese, escaped as \\uXXXX."""
    def code(n: int, length: int) -> str:
        return f"{n:05d}" + "ệ" * (length - 5)

    rows = [{**accepted(code(n, 100), ACCEPT, DUE, channel=2, procedure=code(n, 40)), "event_id": code(n, 100)}
            for n in range(10_000)]
    body = json.dumps({"events": rows}, indent=4)
    assert len(body.encode()) == 17_150_024  # over 16 MB (the first limit chosen); a `source` adds ~6 MB more

    response = post(body, secret)

    assert (response.status_code, response.json()) == (200, {"accepted": 10_000, "duplicates": 0, "rejected": []})
    assert totals(LAM_THAO, "2026-09-01")["dossier.received.online"] == 10_000


def test_an_oversize_body_answers_json_413_naming_the_limit_and_stores_nothing(secret, settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 33_554_432
    body = b'{"events": [' + b" " * 33_554_432 + b"]}"

    response = post(body, secret)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Thân yêu cầu quá lớn: tối đa 33.554.432 byte "
                               "(10.000 bản ghi mỗi lần); hãy chia nhỏ lô."}
    assert DossierEvent.objects.count() == 0


def test_more_events_than_documented_is_a_clear_422(secret):
    rows = [accepted(f"M-{n}", ACCEPT, DUE) for n in range(10_001)]
    response = post(json.dumps({"events": rows}), secret)
    assert response.status_code == 422
    assert DossierEvent.objects.count() == 0


def test_every_copy_is_judged_against_the_stored_content_not_the_batch_s_first_copy():
    original = accepted("R-5", ACCEPT, DUE, event_id="ev-5")
    changed = {**original, "due_at": at("2026-09-20", "17:00")}
    assert ingest([original])["accepted"] == 1
    conflict = "event_id: đã nhận với nội dung khác (due_at); gửi sự kiện mới với mã sự kiện mới"

    # Two changed copies: both are conflicts (neither a silent duplicate of the other).
    assert ingest([changed, changed]) == {"accepted": 0, "duplicates": 0, "rejected": [
        {"index": 0, "event_id": "ev-5", "errors": [conflict]}, {"index": 1, "event_id": "ev-5", "errors": [conflict]}]}
    # A changed copy then the true replay: one conflict, one duplicate.
    assert ingest([changed, original]) == {"accepted": 0, "duplicates": 1, "rejected": [
        {"index": 0, "event_id": "ev-5", "errors": [conflict]}]}
    assert DossierEvent.objects.get().due_at.isoformat() == "2026-09-04T10:00:00+00:00"

"""The national sync fields on dossier events (issue 11 §2): validation, the engine's rule, the store's counts.

From the issue: the latest event in the engine's order that carries a field sets it for the dossier;
absent = unknown, never false; a dossier is synced on time when each of its events arrived within the
deadline (24 h) of occurring.
"""

from datetime import datetime, timedelta

import pytest
import time_machine

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import Status, classify_compact, dossier_facts
from thuocdo.dossiers.pipeline import compact_event
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_THO, accepted, at, event
from thuocdo.dossiers.validation import check_row
from thuocdo.metrics import codes
from thuocdo.metrics.queries import metric_totals
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db

ACCEPT, DUE = at("2026-09-01", "09:00"), at("2026-09-04", "17:00")
UNITS = {LAM_THAO: PHU_THO}
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=ICT)


def ingest(rows, now: datetime) -> dict:
    with time_machine.travel(now, tick=False):
        return ingest_dossier_events(Actor.system(), rows).as_dict()


def facts_totals(unit: str = LAM_THAO, start: str = "2026-09-01", end: str = "2026-09-30") -> dict:
    found = metric_totals(Unit.objects.get(code=unit), datetime.fromisoformat(start).date(),
                          datetime.fromisoformat(end).date(), list(codes.FACT_CODES))
    return {code: value for code, value in found.items() if code in codes.FACT_CODES}


# --- validation ----------------------------------------------------------------------------------------


def test_each_sync_field_is_checked_with_a_reason_naming_it():
    row = {**accepted("F-1", ACCEPT, DUE), "fee_amount": -1, "paid_online": "có", "satisfaction": 4,
           "inputs_digitised": 1, "result_electronic": None}
    event_, errors = check_row(row, units=UNITS, default_source=None, now=NOW)
    assert event_ is None
    assert sorted(errors) == [
        "fee_amount: phải từ 0 đến 10^12 đồng",
        "inputs_digitised: phải là true hoặc false",
        "paid_online: phải là true hoặc false",
        "satisfaction: phải từ 1–3 (1 chưa hài lòng, 2 hài lòng, 3 rất hài lòng)",
    ]


def test_a_client_cannot_say_when_its_event_reached_us():
    row = {**accepted("F-1", ACCEPT, DUE), "delivered_at": ACCEPT}
    assert check_row(row, units=UNITS, default_source=None, now=NOW) == (
        None, ["delivered_at: trường không được hỗ trợ"])
    trusted, errors = check_row(row, units=UNITS, default_source=None, now=NOW, arrival=True)
    assert errors == [] and trusted.arrived_us is not None
    assert check_row({**row, "delivered_at": "hôm qua"}, units=UNITS, default_source=None, now=NOW, arrival=True) == (
        None, ["delivered_at: phải là thời điểm ISO-8601 có múi giờ"])


# --- the engine's rule --------------------------------------------------------------------------------


def _compact(rows: list[dict], arrived: datetime) -> list:
    from thuocdo.dossiers.ontime import to_micros

    return [compact_event(check_row(r, units=UNITS, default_source=None, now=arrived)[0], to_micros(arrived))
            for r in rows]


def test_the_latest_event_carrying_a_field_sets_it_and_a_missing_field_stays_unknown():
    rows = [
        {**accepted("F-1", ACCEPT, DUE), "fee_amount": 50_000, "paid_online": False},
        {**event("F-1", Status.PAYMENT_DUE, at("2026-09-01", "10:00")), "paid_online": True},
        # Delivered in any order: the engine's order (by time) decides, not arrival.
        {**event("F-1", Status.PROCESSED, at("2026-09-02", "10:00")), "result_electronic": True},
    ]
    for order in (rows, rows[::-1]):
        state = classify_compact(_compact(order, NOW + timedelta(days=2)))
        assert dossier_facts(state) == {"fee_amount": 50_000, "paid_online": True, "result_electronic": True}
    assert "satisfaction" not in dossier_facts(classify_compact(_compact(rows, NOW + timedelta(days=2))))


# --- through ingest, into the store -----------------------------------------------------------------


def test_a_dossier_whose_event_arrives_25_hours_late_is_not_synced_on_time():
    ingest([accepted("ON-1", ACCEPT, DUE), accepted("LATE-1", ACCEPT, DUE)], NOW)
    # The processed events occurred at 10:00 on 2/9; one reaches us 23 h 59 min later, the other 25 h later.
    processed = at("2026-09-02", "10:00")
    ingest([event("ON-1", Status.PROCESSED, processed)], datetime(2026, 9, 3, 9, 59, tzinfo=ICT))
    ingest([event("LATE-1", Status.PROCESSED, processed)], datetime(2026, 9, 3, 11, 0, tzinfo=ICT))

    assert dict(Dossier.objects.values_list("dossier_code", "synced")) == {"ON-1": True, "LATE-1": False}
    assert facts_totals() == {codes.SYNC_KNOWN: 2, codes.SYNC_ON_TIME: 1}


def test_exactly_24_hours_is_on_time_and_the_deadline_is_a_setting(settings):
    ingest([accepted("A-1", ACCEPT, DUE)], datetime(2026, 9, 2, 9, 0, tzinfo=ICT))
    assert facts_totals() == {codes.SYNC_KNOWN: 1, codes.SYNC_ON_TIME: 1}
    settings.DOSSIER_SYNC_DEADLINE_HOURS = 12
    ingest([accepted("A-2", ACCEPT, DUE)], datetime(2026, 9, 2, 9, 0, tzinfo=ICT))
    assert facts_totals() == {codes.SYNC_KNOWN: 2, codes.SYNC_ON_TIME: 1}


def test_each_fact_is_counted_where_known_and_never_as_false_where_unknown():
    rows = [
        # Fee-bearing, paid online, digitised, data reused, VNeID; processed with an electronic result, rated 3.
        {**accepted("K-1", ACCEPT, DUE), "fee_amount": 20_000, "paid_online": True, "inputs_digitised": True,
         "data_reused": True, "data_replaced_fully": False, "vneid_verified": True},
        {**event("K-1", Status.PROCESSED, at("2026-09-02")), "result_electronic": True},
        {**event("K-1", Status.RETURNED, at("2026-09-03")), "satisfaction": 3},
        # Fee-bearing, paid in person; a paper result; rated 1 (not satisfied).
        {**accepted("K-2", ACCEPT, DUE), "fee_amount": 20_000, "paid_online": False, "inputs_digitised": False},
        {**event("K-2", Status.PROCESSED, at("2026-09-02")), "result_electronic": False},
        {**event("K-2", Status.RETURNED, at("2026-09-03")), "satisfaction": 1},
        # No fee; rated 2 while still being processed.
        {**accepted("K-3", ACCEPT, DUE), "fee_amount": 0, "satisfaction": 2},
        # Fee-bearing with the payment unknown; withdrawn (no result): its result flag is not counted.
        {**accepted("K-4", ACCEPT, DUE), "fee_amount": 5_000, "result_electronic": True},
        event("K-4", Status.WITHDRAWN, at("2026-09-02")),
        # Nothing known at all.
        accepted("K-5", ACCEPT, DUE),
    ]
    assert ingest(rows, datetime(2026, 9, 4, 9, 0, tzinfo=ICT))["accepted"] == len(rows)

    assert facts_totals() == {
        codes.SYNC_KNOWN: 5, codes.SYNC_ON_TIME: 0,  # reached us on 4/9, more than 24 h after 1/9 09:00
        codes.FEE_KNOWN: 4, codes.FEE_BEARING: 3,
        codes.PAYMENT_KNOWN: 2, codes.PAYMENT_ONLINE: 1,
        codes.INPUTS_DIGITISED_KNOWN: 2, codes.INPUTS_DIGITISED: 1,
        codes.DATA_REUSED_KNOWN: 1, codes.DATA_REUSED: 1,
        codes.DATA_REPLACED_KNOWN: 1, codes.DATA_REPLACED: 0,
        codes.VNEID_KNOWN: 1, codes.VNEID: 1,
        codes.RESULT_KNOWN: 2, codes.RESULT_ELECTRONIC: 1,
        codes.RATED: 3, codes.RATED_SATISFIED: 2,
    }
    # The province and the nation add up the same counts.
    assert facts_totals(PHU_THO) == facts_totals("VN") == facts_totals()
    stored = DossierEvent.objects.get(dossier_code="K-1", status=Status.ACCEPTED)
    assert stored.facts == {"fee_amount": 20_000, "paid_online": True, "inputs_digitised": True,
                            "data_reused": True, "data_replaced_fully": False, "vneid_verified": True}


def test_a_commune_whose_events_carry_no_fields_has_no_data_not_zero():
    ingest([accepted("N-1", ACCEPT, DUE)], NOW)
    found = facts_totals()
    assert found == {codes.SYNC_KNOWN: 1, codes.SYNC_ON_TIME: 1}  # arrival is always known for new events
    assert codes.PAYMENT_ONLINE not in found and codes.RESULT_ELECTRONIC not in found


def test_a_replay_with_other_facts_is_a_conflict_naming_the_field():
    row = {**accepted("R-1", ACCEPT, DUE), "fee_amount": 1_000}
    ingest([row], NOW)
    result = ingest([{**row, "fee_amount": 2_000}], NOW + timedelta(minutes=5))
    assert result["rejected"][0]["errors"] == [
        "event_id: đã nhận với nội dung khác (facts); gửi sự kiện mới với mã sự kiện mới"]
    assert ingest([row], NOW + timedelta(minutes=6))["duplicates"] == 1

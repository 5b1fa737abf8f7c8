"""POST /api/v1/dossier-events and GET /api/v1/metrics: permissions, batches, answers as documented."""

import json

import pytest
from django.test import Client

from thuocdo.accounts.actions import create_api_token
from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import PASSWORD, make_user
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.models import Dossier, DossierEvent
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import (
    LAM_THAO,
    NATION,
    PHU_MY,
    PHU_THO,
    PHUONG_PHU_MY,
    accepted,
    at,
    counts,
    event,
    totals,
)
from thuocdo.metrics.models import MetricValue
from thuocdo.testing.openapi import assert_matches_openapi

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/dossier-events"
METRICS = "/api/v1/metrics"
ACCEPT, DUE = at("2026-09-01", "09:00"), at("2026-09-04", "17:00")
FORBIDDEN = "unit_code: không có quyền gửi sự kiện cho đơn vị {}"


def token(units: list[str], scopes: list[str] = ("dossiers:write",), name: str = "mot-cua-lam-thao") -> str:
    return create_api_token(Actor.system(), name, units, list(scopes)).secret


def post(events: list, secret: str | None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {secret}"} if secret else {}
    response = Client().post(EVENTS, data=json.dumps({"events": events}), content_type="application/json", **headers)
    assert_matches_openapi(response, "POST", EVENTS)
    return response


def store_state() -> tuple[int, int, int, int]:
    return (DossierEvent.objects.count(), Dossier.objects.count(), MetricValue.objects.count(),
            AuditEntry.objects.count())


def test_a_commune_token_stores_its_events_and_takes_the_source_from_the_token():
    secret = token([LAM_THAO])
    rows = [
        accepted("API-1", ACCEPT, DUE, channel=2, source="tu-khai"), event("API-1", Status.PROCESSED, at("2026-09-02")),
    ]

    response = post(rows, secret)

    assert (response.status_code, response.json()) == (200, {"accepted": 2, "duplicates": 0, "rejected": []})
    assert sorted(DossierEvent.objects.values_list("source", "event_id")) == [
        ("mot-cua-lam-thao", rows[0]["event_id"]), ("mot-cua-lam-thao", rows[1]["event_id"])]
    assert [totals(code, "2026-09-01", "2026-09-30") for code in (LAM_THAO, PHU_THO, NATION)] == [
        counts(received=1, online=1, resolved=1, early=1)] * 3
    assert list(AuditEntry.objects.order_by("id").values_list("action", "actor_label")) == [
        ("accounts.create_token", "system"), ("dossiers.ingest", "token:mot-cua-lam-thao")]

    replay = post(rows, secret)
    assert (replay.status_code, replay.json()) == (200, {"accepted": 0, "duplicates": 2, "rejected": []})


def test_rows_for_another_commune_are_rejected_as_forbidden_and_nothing_is_stored_for_them():
    secret = token([LAM_THAO])
    rows = [
        accepted("API-1", ACCEPT, DUE),
        accepted("API-2", ACCEPT, DUE, unit=PHU_MY),  # the sibling commune in the same province
        accepted("API-3", ACCEPT, DUE, unit=PHUONG_PHU_MY),  # another province
        accepted("API-4", ACCEPT, DUE, unit=PHU_THO),  # the province itself
        event("API-1", Status.PROCESSED, at("2026-09-02")),
    ]

    response = post(rows, secret)

    assert response.status_code == 200
    assert response.json() == {"accepted": 2, "duplicates": 0, "rejected": [
        {"index": i, "event_id": rows[i]["event_id"], "errors": [FORBIDDEN.format(rows[i]["unit_code"])]}
        for i in (1, 2, 3)
    ]}
    assert sorted(DossierEvent.objects.values_list("dossier_code", flat=True)) == ["API-1", "API-1"]
    assert list(Dossier.objects.values_list("dossier_code", flat=True)) == ["API-1"]
    assert MetricValue.objects.filter(unit_code__in=[PHU_MY, PHUONG_PHU_MY, "79"]).count() == 0
    assert totals(PHU_MY, "2026-09-01", "2026-09-30") == counts()


def test_a_batch_entirely_for_other_units_is_403_and_changes_nothing():
    secret = token([LAM_THAO])
    before = store_state()

    response = post([accepted("API-2", ACCEPT, DUE, unit=PHU_MY), accepted("API-3", ACCEPT, DUE, unit="79")], secret)

    assert response.status_code == 403
    assert response.json() == {"detail": "Mã truy cập không có quyền gửi sự kiện cho các đơn vị này."}
    assert store_state() == before


def test_a_token_without_the_dossiers_scope_is_refused():
    secret = token([LAM_THAO], ["metrics:write", "units:write"])
    before = store_state()

    response = post([accepted("API-1", ACCEPT, DUE)], secret)

    assert response.status_code == 403
    assert store_state() == before


def test_a_province_token_covers_its_communes_but_not_another_province():
    secret = token([PHU_THO], name="mot-cua-phu-tho")

    response = post([accepted("API-2", ACCEPT, DUE, unit=PHU_MY), accepted("API-3", ACCEPT, DUE, unit=PHUONG_PHU_MY)],
                    secret)

    assert response.json()["accepted"] == 1
    assert [r["index"] for r in response.json()["rejected"]] == [1]
    assert list(Dossier.objects.values_list("unit_code", flat=True)) == [PHU_MY]


@pytest.mark.parametrize("secret", [None, "td_khong-phai-ma-that"])
def test_without_a_valid_token_the_answer_is_401_and_nothing_changes(secret):
    before = store_state()
    response = post([accepted("API-1", ACCEPT, DUE)], secret)
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})
    assert store_state() == before


def test_a_logged_in_official_cannot_post_events_without_a_token():
    user = make_user("xa1", Role.COMMUNE_OFFICER, LAM_THAO)
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    before = store_state()
    response = client.post(EVENTS, data=json.dumps({"events": [accepted("API-1", ACCEPT, DUE)]}),
                           content_type="application/json")
    assert response.status_code == 401
    assert_matches_openapi(response, "POST", EVENTS)
    assert store_state() == before


def test_more_than_ten_thousand_events_is_422_and_nothing_is_stored():
    secret = token([LAM_THAO])
    before = store_state()

    response = post([accepted(f"API-{n}", ACCEPT, DUE) for n in range(10_001)], secret)

    assert response.status_code == 422
    assert [(e["type"], e["loc"]) for e in response.json()["detail"]] == [("too_long", ["body", "payload", "events"])]
    assert store_state() == before


def test_malformed_rows_are_rejected_in_the_answer_and_the_good_rows_kept():
    secret = token([LAM_THAO])
    rows = [accepted("API-1", ACCEPT, DUE), {"status": "hai"}, 7, event("API-1", 11, ACCEPT)]

    response = post(rows, secret)

    assert response.json() == {"accepted": 1, "duplicates": 0, "rejected": [
        {"index": 1, "event_id": None, "errors": [
            "event_id: thiếu trường bắt buộc", "dossier_code: thiếu trường bắt buộc",
            "unit_code: thiếu trường bắt buộc", "status: phải là số nguyên", "occurred_at: thiếu trường bắt buộc"]},
        {"index": 2, "event_id": None, "errors": ["event: phải là một đối tượng JSON"]},
        {"index": 3, "event_id": rows[3]["event_id"], "errors": ["status: phải từ 1–10"]},
    ]}
    assert DossierEvent.objects.count() == 1


def test_a_body_without_events_is_422():
    secret = token([LAM_THAO])
    response = Client().post(EVENTS, data=json.dumps({"su_kien": []}), content_type="application/json",
                             HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 422
    assert_matches_openapi(response, "POST", EVENTS)


# --- reading the metrics ---------------------------------------------------------------------------


@pytest.fixture
def september(db):
    """Two dossiers in Xã Lâm Thao and one in Xã Phú Mỹ, all in September 2026."""
    ingest_dossier_events(Actor.system(), [
        accepted("M-1", ACCEPT, DUE, channel=2, procedure="1.001234"),
        event("M-1", Status.PROCESSED, at("2026-09-03"), procedure="1.001234"),
        accepted("M-2", ACCEPT, DUE),
        accepted("M-3", ACCEPT, DUE, unit=PHU_MY, channel=3),
    ])


def get_metrics(client: Client, **params):
    response = client.get(METRICS, params)
    assert_matches_openapi(response, "GET", METRICS)
    return response


def officer(role: str, unit: str) -> Client:
    user = make_user(f"{role}-{unit}", role, unit)
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


SEPTEMBER = {"from": "2026-09-01", "to": "2026-09-30"}


def synced(known: int, on_time: int) -> dict:
    """The DOSSIER_SYNC counts the metrics API also answers."""
    return {"dossier.sync.known": known, "dossier.sync.on_time": on_time}


def test_a_commune_officer_reads_its_commune_and_not_another(september):
    client = officer(Role.COMMUNE_OFFICER, LAM_THAO)

    own = get_metrics(client, unit=LAM_THAO, **SEPTEMBER)
    assert own.status_code == 200
    # Both dossiers' events reached us today, months after they occurred: known, and not synced on time.
    assert own.json() == {"unit": LAM_THAO, "from": "2026-09-01", "to": "2026-09-30", "metrics": {**counts(
        received=2, online=1, direct=1, resolved=1, early=1, pending=1, overdue=1), **synced(2, 0)}}

    for code in (PHU_MY, PHU_THO, NATION):
        response = get_metrics(client, unit=code, **SEPTEMBER)
        assert response.status_code == 403
        assert response.json()["detail"].startswith("Không có quyền xem dữ liệu của ")


def test_a_province_officer_reads_its_communes(september):
    client = officer(Role.PROVINCE_OFFICER, PHU_THO)
    assert get_metrics(client, unit=PHU_MY, **SEPTEMBER).json()["metrics"] == {**counts(
        received=1, postal=1, pending=1, overdue=1), **synced(1, 0)}
    assert get_metrics(client, unit=PHU_THO, **SEPTEMBER).json()["metrics"] == {**counts(
        received=3, online=1, direct=1, postal=1, resolved=1, early=1, pending=2, overdue=2), **synced(3, 0)}
    assert get_metrics(client, unit=PHUONG_PHU_MY, **SEPTEMBER).status_code == 403


def test_anonymous_reads_nothing(september):
    response = get_metrics(Client(), unit=LAM_THAO, **SEPTEMBER)
    assert (response.status_code, response.json()) == (401, {"detail": "Unauthorized"})


def test_a_token_reads_its_units_only(september):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token([LAM_THAO], [])}")
    assert get_metrics(client, unit=LAM_THAO, **SEPTEMBER).status_code == 200
    assert get_metrics(client, unit=PHU_MY, **SEPTEMBER).status_code == 403


def test_codes_filter_and_procedure_drill_down(september):
    client = officer(Role.CENTRAL_VIEWER, NATION)

    wanted = "dossier.received, dossier.resolved.early,dossier.pending.overdue"
    response = get_metrics(client, unit=NATION, codes=wanted, **SEPTEMBER)
    assert response.json()["metrics"] == {
        "dossier.pending.overdue": 2, "dossier.received": 3, "dossier.resolved.early": 1}
    by_procedure = get_metrics(client, unit=LAM_THAO, procedure="1.001234", codes="dossier.received,dossier.resolved",
                               **SEPTEMBER)
    assert by_procedure.json()["metrics"] == {"dossier.received": 1, "dossier.resolved": 1}


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"unit": "99999", **SEPTEMBER}, 404),
        ({"unit": LAM_THAO, "from": "2026-09-30", "to": "2026-09-01"}, 400),
        ({"unit": LAM_THAO, "from": "2026-02-30", "to": "2026-09-01"}, 422),
        ({"unit": LAM_THAO, "from": "2026-09-02", "to": "2026-09-30", "procedure": "1.001234"}, 422),
    ],
)
def test_bad_metric_queries_are_answered_as_documented(september, params, status):
    client = officer(Role.CENTRAL_VIEWER, NATION)
    assert get_metrics(client, **params).status_code == status


def _phu_my_state():
    metrics = MetricValue.objects.filter(unit_code=PHU_MY).order_by("id").values_list("metric", "start", "value")
    return list(metrics), list(Dossier.objects.filter(unit_code=PHU_MY).values_list("dossier_code", "outcome"))


def test_a_commune_token_cannot_move_another_communes_dossier_by_reusing_its_code():
    ingest_dossier_events(Actor.system(), [accepted("CHUNG-1", ACCEPT, DUE, unit=PHU_MY)])
    phu_my_before = _phu_my_state()

    # Rows that name the token's own commune, but the dossier code of Xã Phú Mỹ's dossier: a dossier
    # is (province, unit, code), so they make a separate Lâm Thao dossier and Phú Mỹ's stays as it was.
    response = post([accepted("CHUNG-1", at("2026-08-31"), DUE), event("CHUNG-1", Status.PROCESSED, at("2026-09-02"))],
                    token([LAM_THAO]))

    assert response.status_code == 200
    assert response.json()["accepted"] == 2
    assert _phu_my_state() == phu_my_before
    assert sorted(Dossier.objects.values_list("unit_code", "dossier_code", "outcome")) == [
        (PHU_MY, "CHUNG-1", "pending"), (LAM_THAO, "CHUNG-1", "early")]

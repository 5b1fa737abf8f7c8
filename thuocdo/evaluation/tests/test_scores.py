"""Rankings, explanations and the dossiers behind a number, through the command and the API."""

import json
from datetime import datetime
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import PASSWORD, make_user
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_MY, accepted, at, two_communes_in_september
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.testing.openapi import assert_matches_openapi

pytestmark = pytest.mark.django_db

SEPTEMBER = "2026-09"


@pytest.fixture
def stream():
    """Xã Lâm Thao: two dossiers, both in time. Xã Phú Mỹ: one in time, one late (Phú Thọ, 25)."""
    load_frameworks(Actor.system())
    rows = two_communes_in_september()
    summary = ingest_dossier_events(Actor.system(), rows)
    assert (summary.accepted, summary.rejected) == (8, [])


def _scores(*args) -> list[dict]:
    out = StringIO()
    call_command("scores", *args, "--json", stdout=out)
    return json.loads(out.getvalue())["scores"]


def test_communes_of_a_province_ranked_from_the_dossier_stream(stream):
    rows = _scores("--framework", "qd766", "--level", "commune", "--parent", "25", "--period", SEPTEMBER)
    assert len(rows) == 148
    first, second = rows[0], rows[1]
    assert (first["unit"], first["rank"], first["total"], first["groups"]["TDGQ"]) == (
        {"code": LAM_THAO, "name": "Xã Lâm Thao", "level": "commune"}, 1, 20.0, 20.0)
    assert (second["unit"]["code"], second["rank"], second["total"], second["groups"]["TDGQ"]) == (
        PHU_MY, 2, 10.0, 10.0)
    # No portal figures imported and no sync field sent: progress, and DOSSIER_SYNC from the events' arrival
    # (the fixture ingests them today, months after they occurred: 0 of them synced on time) have data;
    # no grade, the other groups "no data".
    assert (first["grade"], first["groups"]["CKMB"], first["max"], first["framework"]) == (
        None, 0.0, 100.0, {"code": "qd766", "version": 1})
    # August had no dossiers: every indicator was not applicable (0 points, domain.md §3), so no change.
    assert (first["change"], second["change"]) == (None, None)
    # Communes with no dossiers in September: the stream exists (0 received), progress is not applicable
    # and gives 0 points: không phát sinh, not ranked.
    others = rows[2:]
    assert {(r["rank"], r["total"], r["groups"]["TDGQ"], r["coverage"]["status"]) for r in others} == {
        (None, 0.0, 0.0, "not_applicable")}
    assert first["coverage"] == {"status": "partial", "covered": 26.0, "groups_with_data": 2, "groups": 6,
                                 "without_data": ["Dịch vụ công trực tuyến", "Thanh toán trực tuyến", "Số hóa hồ sơ",
                                                  "Mức độ hài lòng"],
                                 "label": "20,00 / 26 điểm có số liệu · 2/6 nhóm"}


def test_explanation_opens_into_numbers_and_dossiers(stream, client):
    make_user("xa", Role.COMMUNE_OFFICER, PHU_MY)
    client.login(username="xa", password=PASSWORD)
    response = client.get(f"/api/v1/scores/{PHU_MY}/explain", {"framework": "qd766", "period": SEPTEMBER})
    assert response.status_code == 200
    body = response.json()
    tdgq = next(g for g in body["groups"] if g["code"] == "TDGQ")
    indicator = tdgq["indicators"][0]
    assert (indicator["code"], indicator["numerator"], indicator["denominator"], indicator["ratio"],
            indicator["points"]) == ("DOSSIER_ON_TIME", 1.0, 2.0, 0.5, 10.0)
    values = {m["code"]: m["value"] for m in indicator["metrics"]}
    assert values == {"portal766.progress.total_on_time": None, "portal766.progress.total_received": None,
                      "dossier.resolved": 2, "dossier.resolved.early": 1, "dossier.resolved.on_time": 0,
                      "dossier.pending": 0, "dossier.pending.within_deadline": 0}
    late = client.get(f"/api/v1/scores/{PHU_MY}/dossiers",
                      {"metric": "dossier.resolved.late", "period": SEPTEMBER})
    assert late.status_code == 200
    page = late.json()
    assert (page["count"], page["pages"], [d["dossier_code"] for d in page["dossiers"]]) == (1, 1, ["PM-2"])
    assert page["dossiers"][0]["outcome"] == "late"


def test_scores_api_shows_only_readable_units_and_refuses_others(stream, client):
    make_user("xa", Role.COMMUNE_OFFICER, LAM_THAO)
    client.login(username="xa", password=PASSWORD)
    response = client.get("/api/v1/scores", {"framework": "qd766", "level": "commune", "parent": "25",
                                             "period": SEPTEMBER})
    assert response.status_code == 200
    assert_matches_openapi(response, "GET", "/api/v1/scores")
    assert [(r["unit"]["code"], r["rank"], r["total"]) for r in response.json()["scores"]] == [(LAM_THAO, 1, 20.0)]
    assert client.get(f"/api/v1/scores/{PHU_MY}/explain", {"period": SEPTEMBER}).status_code == 403
    assert client.get(f"/api/v1/scores/{PHU_MY}/dossiers",
                      {"metric": "dossier.resolved", "period": SEPTEMBER}).status_code == 403


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"period": "2026-13"}, 400, "period: Kỳ không hợp lệ '2026-13': Tháng phải từ 1 đến 12, không phải 13"),
        ({"period": SEPTEMBER, "framework": "khong_co"}, 404, "Không có bộ chỉ số"),
        ({"period": SEPTEMBER, "level": "district"}, 400,
         "level: Phải là province, agency hoặc commune, không phải 'district'"),
    ],
)
def test_bad_score_requests_say_what_is_wrong(stream, client, params, status, detail):
    make_user("tw", Role.CENTRAL_VIEWER, "VN")
    client.login(username="tw", password=PASSWORD)
    response = client.get("/api/v1/scores", {"level": "commune", **params})
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)


def test_anonymous_gets_401(client):
    assert client.get("/api/v1/scores", {"period": SEPTEMBER}).status_code == 401


# "Now" is 20/11/2026 noon: P-2 (due 3/11) is overdue, P-1 and P-3 (due 30/11) are within the deadline.
# Without a frozen clock this test read the real date and failed from 30/11/2026 on.
@time_machine.travel(datetime(2026, 11, 20, 12, 0, tzinfo=ICT), tick=False)
def test_a_province_counts_the_pending_dossiers_of_all_its_communes():
    from thuocdo.metrics.bulk import pending_values
    from thuocdo.metrics.queries import pending_counts
    from thuocdo.units.models import Unit

    ingest_dossier_events(Actor.system(), [
        accepted("P-1", at("2026-11-02"), at("2026-11-30", "17:00"), unit=LAM_THAO),
        accepted("P-2", at("2026-11-02"), at("2026-11-03", "17:00"), unit=PHU_MY),
        accepted("P-3", at("2026-11-02"), at("2026-11-30", "17:00"), unit="25"),
    ])
    units = list(Unit.objects.filter(code__in=["25", LAM_THAO, "VN"]))
    from datetime import date

    got = pending_values(units, date(2030, 1, 1))
    expected = {"dossier.pending": 3, "dossier.pending.overdue": 1, "dossier.pending.within_deadline": 2}
    assert got["25"] == expected == pending_counts(Unit.objects.get(code="25"))
    assert got["VN"] == expected
    assert got[LAM_THAO] == {"dossier.pending": 1, "dossier.pending.overdue": 0, "dossier.pending.within_deadline": 1}

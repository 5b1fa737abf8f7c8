"""Why did the score change, through the API (with its permission matrix) and `thuocdo scores change`."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import PASSWORD, make_user
from thuocdo.dossiers.tests.factories import LAM_THAO, PHU_MY
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.evaluation.tests.test_attribution import BIRTH, MARRIAGE, dossiers, frozen, ingest, names  # noqa: F401
from thuocdo.testing.openapi import assert_matches_openapi

pytestmark = pytest.mark.django_db
PATH = "/api/v1/scores/{code}/change"


@pytest.fixture
def november():
    """Xã Lâm Thao: October 16 dossiers on time; November 4 of 10 birth registrations late.

    12/16 on time → 15,00 points; the birth registrations' line: 20 × (6 − 10) / 16 = −5,00, the whole change.
    """
    load_frameworks(Actor.system())
    ingest(dossiers("O-B", "2026-10", 10) + dossiers("O-M", "2026-10", 6, procedure=MARRIAGE))
    ingest(dossiers("N-B", "2026-11", 10, late=4) + dossiers("N-M", "2026-11", 6, procedure=MARRIAGE))


def _get(client, code=LAM_THAO, **params):
    return client.get(PATH.format(code=code), {"period": "2026-11", **params})


def test_the_change_and_its_lines(november, client):
    make_user("xa", Role.COMMUNE_OFFICER, LAM_THAO)
    client.login(username="xa", password=PASSWORD)
    response = _get(client)
    assert response.status_code == 200
    assert_matches_openapi(response, "GET", PATH)
    body = response.json()
    assert (body["change"], body["total"], body["total_before"], body["by"]) == (-5.0, 15.0, 20.0, "procedure")
    assert (body["period"]["code"], body["against"]["code"], body["against"]["from"]) == (
        "2026-11", "2026-10", "2026-10-01")
    tdgq = next(g for g in body["groups"] if g["code"] == "TDGQ")
    assert tdgq["change"] == -5.0
    assert tdgq["indicators"][0]["lines"] == [{
        "kind": "contributor", "label": f"thủ tục {BIRTH} Đăng ký khai sinh", "amount": -5.0, "code": BIRTH,
        "name": "Đăng ký khai sinh", "part": "",
        "numerator": 6.0, "denominator": 10.0, "shortfall": 4.0, "count": 0}]
    assert body["summary"] == (
        f"−5,00 điểm: Tiến độ giải quyết −5,00 (thủ tục {BIRTH} Đăng ký khai sinh: 4 hồ sơ trễ hạn)")
    explicit = _get(client, against="2026-10", framework="qd766").json()
    assert explicit == body


@pytest.mark.parametrize(("role", "unit", "code", "status"), [
    (Role.COMMUNE_OFFICER, LAM_THAO, LAM_THAO, 200),
    (Role.COMMUNE_OFFICER, PHU_MY, LAM_THAO, 403),  # another commune's user
    (Role.PROVINCE_OFFICER, "25", LAM_THAO, 200),
    (Role.PROVINCE_OFFICER, "79", LAM_THAO, 403),
    (Role.CENTRAL_VIEWER, "VN", "VN", 200),
    (Role.COMMUNE_OFFICER, LAM_THAO, "99999", 404),
])
def test_who_may_read_a_change(november, client, role, unit, code, status):
    make_user("u", role, unit)
    client.login(username="u", password=PASSWORD)
    response = _get(client, code=code)
    assert response.status_code == status
    assert_matches_openapi(response, "GET", PATH)


def test_anonymous_gets_401(november, client):
    assert _get(client).status_code == 401


@pytest.mark.parametrize(("params", "status", "detail"), [
    ({"period": "2026-13"}, 400, "period: Kỳ không hợp lệ '2026-13': Tháng phải từ 1 đến 12, không phải 13"),
    ({"against": "2026-Q5"}, 400, "against: Kỳ không hợp lệ '2026-Q5': Quý phải từ 1 đến 4, không phải 5"),
    ({"framework": "khong_co"}, 404, "Không có bộ chỉ số"),
    ({"against": "x" * 5000}, 400, "against: Kỳ không hợp lệ: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…'"),
    ({"against": "2000-01-01..2100-12-31"}, 400, "against: Kỳ dài quá 3 năm"),
])
def test_bad_requests_say_what_is_wrong(november, client, params, status, detail):
    make_user("tw", Role.CENTRAL_VIEWER, "VN")
    client.login(username="tw", password=PASSWORD)
    response = _get(client, **params)
    assert response.status_code == status
    assert response.json()["detail"].startswith(detail)


def test_command_prints_the_sentence_and_the_lines(november):
    out = StringIO()
    call_command("scores", "change", LAM_THAO, "--period", "2026-11", stdout=out)
    assert out.getvalue().splitlines() == [
        "Xã Lâm Thao (08494) · Tháng 11/2026 so với Tháng 10/2026",
        f"−5,00 điểm: Tiến độ giải quyết −5,00 (thủ tục {BIRTH} Đăng ký khai sinh: 4 hồ sơ trễ hạn)",
        "  Tiến độ giải quyết: −5,00",
        "    Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn và đang xử lý trong hạn: 20,00 → 15,00, −5,00",
        f"      thủ tục {BIRTH} Đăng ký khai sinh: −5,00 — 6/10",
    ]
    as_json = StringIO()
    call_command("scores", "change", LAM_THAO, "--period", "2026-11", "--against", "2026-10", "--json",
                 stdout=as_json)
    assert json.loads(as_json.getvalue())["change"] == -5.0


def test_command_refuses_what_it_cannot_read(november):
    with pytest.raises(CommandError, match="Cần mã đơn vị"):
        call_command("scores", "change", "--period", "2026-11")
    with pytest.raises(CommandError, match="Không có đơn vị mã 99999"):
        call_command("scores", "change", "99999", "--period", "2026-11")
    with pytest.raises(CommandError, match="against: Kỳ không hợp lệ"):
        call_command("scores", "change", LAM_THAO, "--period", "2026-11", "--against", "hôm qua")

"""GET /api/v1/units, /units/convert, /units/{code}: any authenticated caller, no unit scoping."""

import pytest
from django.test import Client

from thuocdo.accounts.actions import create_api_token
from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import User
from thuocdo.accounts.permissions import Actor
from thuocdo.testing.openapi import assert_matches_openapi
from thuocdo.units.models import Unit

PASSWORD = "matkhau-thu-nghiem-123"
LIST, CONVERT, ONE = "/api/v1/units", "/api/v1/units/convert", "/api/v1/units/{code}"


@pytest.fixture
def client(db) -> Client:
    """A commune officer of Phú Thọ: reads the whole registry, not just its own unit."""
    User.objects.create_user(
        username="xa-lam-thao",
        password=PASSWORD,
        role=Role.COMMUNE_OFFICER,
        unit=Unit.objects.get(code="08494"),
    )
    c = Client()
    assert c.login(username="xa-lam-thao", password=PASSWORD)
    return c


def get(client: Client, template: str, path: str, **params):
    response = client.get(path, params)
    assert_matches_openapi(response, "GET", template)
    return response


def test_search(client):
    response = get(client, LIST, "/api/v1/units", q="bo ngoong")
    assert response.status_code == 200
    assert response.json() == [
        {
            "code": "23947",
            "name": "Xã Bờ Ngoong",
            "type": "xa",
            "level": "commune",
            "province_code": "52",
            "lat": 13.81,
            "lon": 108.086,
            "area_km2": 172.11,
        }
    ]


def test_search_in_another_province(client):
    response = get(client, LIST, "/api/v1/units", q="phu my", province="79")
    assert [u["code"] for u in response.json()] == ["26704", "27487", "26956", "26785"]
    response = get(client, LIST, "/api/v1/units", q="phu my", province="79", limit=2, offset=1)
    assert [u["code"] for u in response.json()] == ["27487", "26956"]


def test_list_without_query_filters_and_pages(client):
    response = get(client, LIST, "/api/v1/units", level="province")
    assert response.status_code == 200
    assert len(response.json()) == 34
    assert response.json()[0]["code"] == "01"
    response = get(client, LIST, "/api/v1/units", province="25", level="commune", limit=500)
    assert len(response.json()) == 148
    response = get(client, LIST, "/api/v1/units", province="25", level="commune", limit=3, offset=3)
    assert [u["code"] for u in response.json()] == ["04831", "04846", "04849"]
    assert len(get(client, LIST, "/api/v1/units").json()) == 50


def test_list_rejects_bad_parameters(client):
    assert client.get("/api/v1/units", {"limit": 501}).status_code == 422
    assert client.get("/api/v1/units", {"province": "7"}).status_code == 422
    assert client.get("/api/v1/units", {"level": "huyen"}).status_code == 422


def test_convert(client):
    response = get(client, CONVERT, "/api/v1/units/convert", address="Phường Phú Mỹ, Quận 7, Thành phố Hồ Chí Minh")
    assert response.status_code == 200
    assert [(u["code"], u["name"]) for u in response.json()] == [
        ("27487", "Phường Tân Mỹ"),
        ("27484", "Phường Phú Thuận"),
    ]
    response = get(client, CONVERT, "/api/v1/units/convert", address="Huyện Côn Đảo, Tỉnh Bà Rịa - Vũng Tàu")
    assert [u["code"] for u in response.json()] == ["26732"]


def test_convert_bad_address(client):
    response = get(client, CONVERT, "/api/v1/units/convert", address="xyz")
    assert response.status_code == 400
    assert response.json() == {"detail": "Không nhận ra tỉnh, thành phố (cũ) trong địa chỉ “xyz”.", "param": "address"}


def test_one_unit(client):
    response = get(client, ONE, "/api/v1/units/79")
    assert response.status_code == 200
    assert response.json() == {
        "code": "79",
        "name": "Thành phố Hồ Chí Minh",
        "type": "thanh_pho_trung_uong",
        "level": "province",
        "province_code": "79",
        "lat": 10.9926,
        "lon": 106.638,
        "area_km2": 6771.39,
    }


def test_unknown_unit_is_404_in_vietnamese(client):
    response = get(client, ONE, "/api/v1/units/99999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không có đơn vị hành chính mã “99999”."}


@pytest.mark.parametrize(
    ("template", "path", "params"),
    [
        (LIST, "/api/v1/units", {"q": "bo ngoong"}),
        (CONVERT, "/api/v1/units/convert", {"address": "Phường Phú Mỹ, Quận 7, Thành phố Hồ Chí Minh"}),
        (ONE, "/api/v1/units/79", {}),
    ],
)
def test_anonymous_is_refused(db, template, path, params):
    response = Client().get(path, params)
    assert response.status_code == 401
    assert_matches_openapi(response, "GET", template)


def test_a_token_scoped_to_one_commune_reads_the_whole_registry(db):
    issued = create_api_token(Actor.system(), "nguon-xa", ["08494"], [])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert client.get("/api/v1/units/79").status_code == 200
    assert [u["code"] for u in client.get("/api/v1/units", {"q": "bo ngoong"}).json()] == ["23947"]

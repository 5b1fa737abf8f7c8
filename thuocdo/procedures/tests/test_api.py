"""GET /api/v1/procedures and /procedures/{code}: accent-free search, province scoping, Vietnamese 404."""

from pathlib import Path

import pytest
from django.test import Client

from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import User
from thuocdo.accounts.permissions import Actor
from thuocdo.procedures.actions import import_procedures
from thuocdo.testing.openapi import assert_matches_openapi
from thuocdo.units.models import Unit

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "danh-muc-thu-tuc.csv"
PASSWORD = "matkhau-thu-nghiem-123"
LIST, ONE = "/api/v1/procedures", "/api/v1/procedures/{code}"


@pytest.fixture
def client(db) -> Client:
    """A commune officer of Phú Thọ, with the example catalogue loaded."""
    import_procedures(Actor.system(), EXAMPLE)
    User.objects.create_user(username="xa-lam-thao", password=PASSWORD, role=Role.COMMUNE_OFFICER,
                             unit=Unit.objects.get(code="08494"))
    c = Client()
    assert c.login(username="xa-lam-thao", password=PASSWORD)
    return c


def get(client: Client, template: str, path: str, **params):
    response = client.get(path, params)
    assert_matches_openapi(response, "GET", template)
    return response


def codes(response) -> list[str]:
    return [p["code"] for p in response.json()]


def test_search_ignores_accents_and_case_on_name_and_code(client):
    assert codes(get(client, LIST, LIST, q="dang ky")) == ["1.001193", "1.001612", "1.004266"]
    assert codes(get(client, LIST, LIST, q="ĐĂNG KÝ khai")) == ["1.001193"]
    assert codes(get(client, LIST, LIST, q="001193")) == ["1.001193"]
    assert codes(get(client, LIST, LIST, q="2.000815")) == ["2.000815"]
    assert codes(get(client, LIST, LIST, q="khong co gi")) == []


def test_list_body(client):
    assert get(client, LIST, LIST, q="khai sinh").json() == [{
        "code": "1.001193", "name": "Đăng ký khai sinh", "field": "Hộ tịch", "level": "commune",
        "processing_days": 0, "online_level": "full", "has_fee": False, "data_replaceable": True,
        "certified_copy": False,
    }]


def test_province_and_level_scope_the_list(client):
    assert codes(get(client, LIST, LIST)) == ["1.001193", "1.001612", "1.002804", "1.004266", "2.000815"]
    assert codes(get(client, LIST, LIST, province="25")) == ["1.001193", "1.002804", "1.004266", "2.000815"]
    assert codes(get(client, LIST, LIST, province="79")) == ["1.001193"]
    assert codes(get(client, LIST, LIST, province="25", level="province")) == ["1.002804", "1.004266"]
    assert codes(get(client, LIST, LIST, limit=2, offset=1)) == ["1.001612", "1.002804"]
    missing = get(client, LIST, LIST, province="99")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Không có tỉnh mã “99”."})
    assert get(client, LIST, LIST, province="2").status_code == 422
    assert get(client, LIST, LIST, level="district").status_code == 422


def test_one_procedure_with_its_province_publication(client):
    body = get(client, ONE, "/api/v1/procedures/1.001193", province="25").json()
    assert body["name"] == "Đăng ký khai sinh"
    assert body["publications"] == [{
        "province_code": "25", "publish_due": "2025-07-01", "published_on": "2025-06-30",
        "update_due": "2025-10-01", "updated_on": "2025-10-03", "content_full": True,
    }]
    assert get(client, ONE, "/api/v1/procedures/1.001193").json()["publications"] == []
    assert get(client, ONE, "/api/v1/procedures/1.001612", province="25").json()["publications"] == []


def test_unknown_code_is_a_vietnamese_404(client):
    response = get(client, ONE, "/api/v1/procedures/9.999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "Không có thủ tục hành chính mã “9.999999” trong danh mục."}
    wrong_province = get(client, ONE, "/api/v1/procedures/1.001193", province="00")
    assert wrong_province.json() == {"detail": "Không có tỉnh mã “00”."}


def test_anonymous_is_refused(db):
    response = Client().get(LIST)
    assert_matches_openapi(response, "GET", LIST)
    assert response.status_code == 401
    assert Client().get("/api/v1/procedures/1.001193").status_code == 401

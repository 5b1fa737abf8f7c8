"""Every role × read / write × own unit / a commune of its province / another province.

Through the API (GET/PATCH /api/v1/units/{code}/profile) and the pages (GET /u/{code}/,
POST /u/{code}/lien-he/). A denied write answers 403 and leaves the database as it was.
"""

import json

import pytest

from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.tests.conftest import (
    OTHER_COMMUNE,
    OTHER_PROVINCE,
    OWN_COMMUNE,
    OWN_PROVINCE,
    PASSWORD,
    SIBLING_COMMUNE,
)
from thuocdo.testing.openapi import assert_matches_openapi
from thuocdo.units.models import UnitProfile

# Which unit each role calls "own" and "a commune of its province".
OWN = {
    Role.CENTRAL_ADMIN: "VN",
    Role.CENTRAL_VIEWER: "VN",
    Role.PROVINCE_OFFICER: OWN_PROVINCE,
    Role.COMMUNE_OFFICER: OWN_COMMUNE,
    Role.INSPECTOR: OWN_PROVINCE,
}
COMMUNE_OF_PROVINCE = {
    Role.CENTRAL_ADMIN: OWN_COMMUNE,
    Role.CENTRAL_VIEWER: OWN_COMMUNE,
    Role.PROVINCE_OFFICER: OWN_COMMUNE,
    Role.COMMUNE_OFFICER: SIBLING_COMMUNE,  # another commune of the same province
    Role.INSPECTOR: OWN_COMMUNE,
}

# (role, target) -> (may read, may write); targets: own, province_commune, other_province, other_commune.
EXPECTED = {
    Role.CENTRAL_ADMIN: {"own": (1, 1), "province_commune": (1, 1), "other_province": (1, 1), "other_commune": (1, 1)},
    Role.CENTRAL_VIEWER: {"own": (1, 0), "province_commune": (1, 0), "other_province": (1, 0), "other_commune": (1, 0)},
    Role.PROVINCE_OFFICER: {
        "own": (1, 1), "province_commune": (1, 1), "other_province": (0, 0), "other_commune": (0, 0)},
    Role.COMMUNE_OFFICER: {
        "own": (1, 1), "province_commune": (0, 0), "other_province": (0, 0), "other_commune": (0, 0)},
    Role.INSPECTOR: {"own": (1, 0), "province_commune": (1, 0), "other_province": (0, 0), "other_commune": (0, 0)},
}
CASES = [(role, target) for role in EXPECTED for target in EXPECTED[role]]


def _target_code(role: str, target: str) -> str:
    return {
        "own": OWN[role],
        "province_commune": COMMUNE_OF_PROVINCE[role],
        "other_province": OTHER_PROVINCE,
        "other_commune": OTHER_COMMUNE,
    }[target]


def _db_state(code: str):
    profile = UnitProfile.objects.filter(unit_id=code).values_list("phone", "head_name").first()
    return UnitProfile.objects.count(), AuditEntry.objects.count(), profile


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


@pytest.mark.parametrize(("role", "target"), CASES)
def test_api_read(client, role_users, role, target):
    _login(client, role_users[role])
    code = _target_code(role, target)
    response = client.get(f"/api/v1/units/{code}/profile")
    expected_status = 200 if EXPECTED[role][target][0] else 403
    assert response.status_code == expected_status
    if expected_status == 200:
        assert response.json()["unit_code"] == code
        assert_matches_openapi(response, "GET", "/api/v1/units/{code}/profile")


@pytest.mark.parametrize(("role", "target"), CASES)
def test_api_write(client, role_users, role, target):
    _login(client, role_users[role])
    code = _target_code(role, target)
    before = _db_state(code)
    response = client.patch(
        f"/api/v1/units/{code}/profile",
        data=json.dumps({"phone": "0210 3846 123", "head_name": "Nguyễn Văn A"}),
        content_type="application/json",
    )
    if EXPECTED[role][target][1]:
        assert response.status_code == 200
        assert response.json()["phone"] == "0210 3846 123"
        assert_matches_openapi(response, "PATCH", "/api/v1/units/{code}/profile")
        assert _db_state(code) == (before[0] + 1, before[1] + 1, ("0210 3846 123", "Nguyễn Văn A"))
        entry = AuditEntry.objects.get()
        assert (entry.action, entry.actor_label, entry.unit_code) == (
            "units.update_profile", role_users[role].username, code)
        assert entry.before == {"office_address": "", "phone": "", "email": "", "head_name": "", "office_hours": ""}
        assert entry.after["phone"] == "0210 3846 123"
    else:
        assert response.status_code == 403
        assert _db_state(code) == before == (0, 0, None)


@pytest.fixture
def frameworks(db):
    """Unit pages show scores, so they need the shipped frameworks (as `make demo` loads them)."""
    from thuocdo.accounts.permissions import Actor
    from thuocdo.evaluation.actions import load_frameworks

    load_frameworks(Actor.system())


@pytest.mark.parametrize(("role", "target"), CASES)
def test_page_read(client, role_users, frameworks, role, target):
    _login(client, role_users[role])
    code = _target_code(role, target)
    # The nation's page is the national overview at "/".
    response = client.get("/" if code == "VN" else f"/u/{code}/")
    assert response.status_code == (200 if EXPECTED[role][target][0] else 403)
    if response.status_code == 200:
        assert response.context["unit"].code == code
        if code != "VN":
            assert response.context["can_write"] is bool(EXPECTED[role][target][1])


@pytest.mark.parametrize(("role", "target"), CASES)
def test_page_write(client, role_users, frameworks, role, target):
    _login(client, role_users[role])
    code = _target_code(role, target)
    before = _db_state(code)
    response = client.post(
        f"/u/{code}/lien-he/",
        {"office_address": "Khu 1", "phone": "0210 1111", "email": "", "head_name": "Trần Thị B", "office_hours": ""},
    )
    may_read, may_write = EXPECTED[role][target]
    if may_write:
        assert response.status_code == 302
        assert response["Location"] == f"/u/{code}/"
        assert _db_state(code) == (1, before[1] + 1, ("0210 1111", "Trần Thị B"))
    else:
        assert response.status_code == 403
        assert _db_state(code) == before == (0, 2, None)  # the two audit rows of loading the frameworks


@pytest.mark.django_db
def test_anonymous_is_refused_everywhere(client):
    assert client.get(f"/api/v1/units/{OWN_COMMUNE}/profile").status_code == 401
    assert client.patch(
        f"/api/v1/units/{OWN_COMMUNE}/profile", data="{}", content_type="application/json"
    ).status_code == 401
    page = client.get(f"/u/{OWN_COMMUNE}/")
    assert (page.status_code, page["Location"]) == (302, f"/tai-khoan/dang-nhap/?next=/u/{OWN_COMMUNE}/")
    post = client.post(f"/u/{OWN_COMMUNE}/lien-he/", {"phone": "1"})
    assert post.status_code == 302
    assert (UnitProfile.objects.count(), AuditEntry.objects.count()) == (0, 0)

"""The registry is read-only in the admin; contact cards are editable."""

import pytest
from django.test import Client

from thuocdo.accounts.models import User
from thuocdo.units.models import Unit


@pytest.fixture
def admin_client(db) -> Client:
    User.objects.create_superuser(username="quantri", password="matkhau-thu-nghiem-123")
    c = Client()
    c.login(username="quantri", password="matkhau-thu-nghiem-123")
    return c


def test_unit_changelist_and_search(admin_client):
    response = admin_client.get("/admin/units/unit/", {"q": "bo ngoong"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_registry_rows_cannot_be_added_changed_or_deleted(admin_client):
    assert admin_client.get("/admin/units/unit/add/").status_code == 403
    assert admin_client.get("/admin/units/unit/23947/delete/").status_code == 403
    response = admin_client.post("/admin/units/unit/23947/change/", {"name": "Sửa tay"})
    assert response.status_code == 403
    assert Unit.objects.get(code="23947").name == "Xã Bờ Ngoong"
    assert admin_client.get("/admin/units/legacyunit/add/").status_code == 403


def test_legacy_unit_search(admin_client):
    response = admin_client.get("/admin/units/legacyunit/", {"q": "27493"})
    assert response.status_code == 200
    assert response.context["cl"].result_count == 1


def test_unit_profile_is_editable(admin_client):
    assert admin_client.get("/admin/units/unitprofile/add/").status_code == 200

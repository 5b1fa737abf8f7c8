"""`thuocdo create_demo_accounts`: one login per role, idempotent."""

import json
from io import StringIO

import pytest
from django.core.management import call_command

from thuocdo.accounts.models import AuditEntry, User

pytestmark = pytest.mark.django_db

EXPECTED = [
    {"role": "central_admin", "username": "admin", "password": "admin-demo-2025", "unit_code": "VN"},
    {"role": "central_viewer", "username": "trunguong", "password": "trunguong-demo-2025", "unit_code": "VN"},
    {"role": "province_officer", "username": "phutho", "password": "phutho-demo-2025", "unit_code": "25"},
    {"role": "commune_officer", "username": "lamthao", "password": "lamthao-demo-2025", "unit_code": "08494"},
    {"role": "inspector", "username": "tocongtac", "password": "tocongtac-demo-2025", "unit_code": "VN"},
]


def _run() -> list[dict]:
    out = StringIO()
    call_command("create_demo_accounts", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_creates_one_account_per_role_and_a_second_run_changes_nothing(client):
    assert _run() == EXPECTED
    first = list(User.objects.order_by("username").values_list("username", "role", "unit_id", "password"))
    assert AuditEntry.objects.count() == 5
    assert _run() == EXPECTED
    assert list(User.objects.order_by("username").values_list("username", "role", "unit_id", "password")) == first
    assert AuditEntry.objects.count() == 5
    assert list(User.objects.get(username="tocongtac").assigned_units.values_list("code", flat=True)) == ["25"]
    assert User.objects.get(username="admin").is_staff is True
    for login in EXPECTED:
        assert client.login(username=login["username"], password=login["password"])

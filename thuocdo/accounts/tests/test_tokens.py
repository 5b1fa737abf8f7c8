"""API tokens: shown once, stored hashed, scoped to units and write scopes, revocable."""

import hashlib
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from thuocdo.accounts.models import ApiToken, AuditEntry
from thuocdo.accounts.tests.conftest import OTHER_COMMUNE, OWN_COMMUNE, OWN_PROVINCE, SIBLING_COMMUNE
from thuocdo.units.models import UnitProfile

pytestmark = pytest.mark.django_db


def _create(*args) -> dict:
    out = StringIO()
    call_command("tokens", "create", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def _patch(client, secret: str, code: str, phone: str = "0210 9999"):
    return client.patch(
        f"/api/v1/units/{code}/profile", data=json.dumps({"phone": phone}), content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )


def test_create_prints_the_secret_once_and_stores_only_its_hash():
    payload = _create("--name", "mot-cua-phu-tho", "--units", f"{OWN_COMMUNE},{OWN_PROVINCE}", "--scopes",
                      "dossiers:write,units:write")
    assert set(payload) == {"token", "name", "units", "scopes"}
    assert (payload["name"], payload["units"], payload["scopes"]) == (
        "mot-cua-phu-tho", [OWN_COMMUNE, OWN_PROVINCE], ["dossiers:write", "units:write"])
    assert payload["token"].startswith("td_") and len(payload["token"]) == 46
    token = ApiToken.objects.get()
    assert token.token_hash == hashlib.sha256(payload["token"].encode()).hexdigest()
    assert payload["token"] not in json.dumps(list(ApiToken.objects.values()), default=str)
    assert list(AuditEntry.objects.values_list("action", "actor_label")) == [("accounts.create_token", "system")]


def test_token_writes_only_its_units_and_only_with_the_scope(client):
    secret = _create("--name", "xa-lam-thao", "--units", OWN_COMMUNE, "--scopes", "units:write")["token"]
    assert _patch(client, secret, OWN_COMMUNE).status_code == 200
    assert _patch(client, secret, SIBLING_COMMUNE).status_code == 403
    assert _patch(client, secret, OTHER_COMMUNE).status_code == 403
    assert list(UnitProfile.objects.values_list("unit_id", "phone")) == [(OWN_COMMUNE, "0210 9999")]
    assert AuditEntry.objects.filter(action="units.update_profile").get().actor_label == "token:xa-lam-thao"

    reader = _create("--name", "chi-doc", "--units", OWN_COMMUNE, "--scopes", "dossiers:write")["token"]
    assert _patch(client, reader, OWN_COMMUNE, phone="1").status_code == 403
    assert UnitProfile.objects.get().phone == "0210 9999"
    auth = {"HTTP_AUTHORIZATION": f"Bearer {reader}"}
    assert client.get(f"/api/v1/units/{OWN_COMMUNE}/profile", **auth).status_code == 200
    assert client.get(f"/api/v1/units/{SIBLING_COMMUNE}/profile", **auth).status_code == 403


def test_province_token_covers_its_communes(client):
    secret = _create("--name", "tinh", "--units", OWN_PROVINCE, "--scopes", "units:write")["token"]
    assert _patch(client, secret, SIBLING_COMMUNE).status_code == 200
    assert _patch(client, secret, OTHER_COMMUNE).status_code == 403


def test_revoked_token_stops_working(client):
    secret = _create("--name", "tam-thoi", "--units", OWN_COMMUNE, "--scopes", "units:write")["token"]
    out = StringIO()
    call_command("tokens", "revoke", "tam-thoi", stdout=out)
    assert out.getvalue() == "Đã thu hồi mã truy cập 'tam-thoi'.\n"
    assert _patch(client, secret, OWN_COMMUNE).status_code == 401
    assert UnitProfile.objects.count() == 0
    with pytest.raises(CommandError, match="đã bị thu hồi"):
        call_command("tokens", "revoke", "tam-thoi")
    assert list(AuditEntry.objects.order_by("id").values_list("action", flat=True)) == [
        "accounts.create_token", "accounts.revoke_token"]


def test_unknown_token_is_401(client):
    assert _patch(client, "td_not-a-real-token", OWN_COMMUNE).status_code == 401


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--units", "99999", "--scopes", "units:write"], "Không có đơn vị mã: 99999"),
        (["--units", OWN_COMMUNE, "--scopes", "everything"], "Quyền không hợp lệ: everything"),
    ],
)
def test_bad_token_requests_are_refused_with_the_reason(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("tokens", "create", "--name", "x", *args)
    assert (ApiToken.objects.count(), AuditEntry.objects.count()) == (0, 0)


def test_duplicate_name_is_refused():
    _create("--name", "a", "--units", OWN_COMMUNE, "--scopes", "units:write")
    with pytest.raises(CommandError, match="Đã có mã truy cập tên 'a'"):
        call_command("tokens", "create", "--name", "a", "--units", OWN_COMMUNE, "--scopes", "units:write")
    assert ApiToken.objects.count() == 1

"""Login throttling (django-axes): 10 failures lock the login name and the address for 15 minutes.

Issue 9, item 7: before, 30 wrong passwords for `admin` and then the right one logged in.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from axes.utils import reset

from thuocdo.accounts.actions import create_api_token
from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import PASSWORD, make_user

LOGIN, ADMIN_LOGIN = "/tai-khoan/dang-nhap/", "/admin/login/"
ATTACKER, OFFICE = "203.0.113.7", "198.51.100.20"
LOCKED_MESSAGE = ("Đăng nhập sai quá nhiều lần nên tài khoản hoặc địa chỉ này tạm bị khóa. "
                  "Xin thử lại sau 15 phút.")
WRONG_PASSWORD_MESSAGE = "Tên đăng nhập hoặc mật khẩu không đúng."
START = datetime(2026, 9, 15, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


@pytest.fixture(autouse=True)
def _fresh_axes(db):
    # The attempts are rows rolled back with each test; reset anyway so no test starts locked.
    reset()
    yield
    reset()


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def admin(db):
    user = make_user("admin", Role.CENTRAL_ADMIN, "VN")
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def _log_in(client, username: str, password: str, address: str = ATTACKER, url: str = LOGIN):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def _lockouts():
    return list(AuditEntry.objects.filter(action="accounts.login_locked_out").order_by("id")
                .values_list("actor_kind", "actor_label", "object_type", "object_id", "after"))


def test_thirty_wrong_passwords_then_the_right_one_is_refused_and_each_refusal_is_audited(client, admin, clock):
    for attempt in range(1, 10):
        response = _log_in(client, "admin", f"sai-{attempt}")
        assert response.status_code == 200, attempt
        assert WRONG_PASSWORD_MESSAGE in response.content.decode()
    assert _lockouts() == []

    for attempt in range(10, 31):
        response = _log_in(client, "admin", f"sai-{attempt}")
        assert response.status_code == 429, attempt

    response = _log_in(client, "admin", PASSWORD)
    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.content.decode()
    assert response["Retry-After"] == "900"
    assert response["Content-Language"] == "vi"
    assert not _signed_in(client)
    # The 10th failure locks; the 20 wrong and the one right password after it are refused: 22 rows.
    row = ("system", "system", "User", "admin",
           {"username": "admin", "ip_address": ATTACKER, "path": LOGIN})
    assert _lockouts() == [row] * 22


def test_the_lock_ends_fifteen_minutes_after_the_last_counted_failure(client, admin, clock):
    for attempt in range(10):
        _log_in(client, "admin", f"sai-{attempt}")
    # Attempts while locked are refused but do not push the end of the lock back.
    clock.shift(timedelta(minutes=10))
    assert _log_in(client, "admin", PASSWORD).status_code == 429
    clock.shift(timedelta(minutes=4, seconds=59))
    assert _log_in(client, "admin", PASSWORD).status_code == 429
    assert not _signed_in(client)

    clock.shift(timedelta(seconds=2))
    response = _log_in(client, "admin", PASSWORD)
    assert (response.status_code, response["Location"]) == (302, "/")
    assert _signed_in(client)
    assert len(_lockouts()) == 3


def test_an_address_is_locked_whatever_name_it_tries(client, admin, clock):
    make_user("canbo-xa", Role.COMMUNE_OFFICER, "08494")
    for attempt in range(10):
        _log_in(client, f"doan-ten-{attempt}", "sai-mat-khau")

    assert _log_in(client, "canbo-xa", PASSWORD).status_code == 429
    assert not _signed_in(client)
    # The same officer from another address is not locked: the name itself has no failures.
    assert _log_in(client, "canbo-xa", PASSWORD, address=OFFICE).status_code == 302
    assert _signed_in(client)


def test_a_login_name_is_locked_from_every_address(client, admin, clock):
    for attempt in range(10):
        _log_in(client, "admin", "sai-mat-khau", address=f"192.0.2.{attempt + 1}")

    assert _log_in(client, "admin", PASSWORD, address=OFFICE).status_code == 429
    assert not _signed_in(client)
    assert [after["ip_address"] for *_rest, after in _lockouts()] == ["192.0.2.10", OFFICE]


def test_the_admin_login_is_throttled_with_the_same_page(client, admin, clock):
    for attempt in range(10):
        assert _log_in(client, "admin", f"sai-{attempt}", url=ADMIN_LOGIN).status_code in (200, 429)

    response = _log_in(client, "admin", PASSWORD, url=ADMIN_LOGIN)
    assert response.status_code == 429
    assert LOCKED_MESSAGE in response.content.decode()
    assert not _signed_in(client)
    assert [after["path"] for *_rest, after in _lockouts()] == [ADMIN_LOGIN, ADMIN_LOGIN]


def test_api_tokens_and_open_sessions_are_not_throttled(client, admin, clock):
    issued = create_api_token(Actor.system(), "mot-cua-phu-tho", ["08494"], ["dossiers:write"])
    client.force_login(admin)
    for attempt in range(10):
        _log_in(client.__class__(), "admin", f"sai-{attempt}")

    api = client.__class__().get("/api/v1/units/08494", HTTP_AUTHORIZATION=f"Bearer {issued.secret}",
                                 REMOTE_ADDR=ATTACKER)
    assert (api.status_code, api.json()["code"]) == (200, "08494")
    # A session opened before the lock stays open: axes only guards the password check.
    assert client.get("/api/v1/units/08494", REMOTE_ADDR=ATTACKER).status_code == 200
    assert client.get("/admin/", REMOTE_ADDR=ATTACKER).status_code == 200
    # The login form itself still shows; only a submitted password is refused.
    assert client.__class__().get(LOGIN, REMOTE_ADDR=ATTACKER).status_code == 200

"""A refused request is one log line naming who, what and which unit (issue 9, item 10).

Before, each 403 printed the whole traceback of its PermissionDenied (`django.request`, with exc_info).
"""

import logging

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponseForbidden

from thuocdo.accounts.actions import create_api_token
from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.security import log_denial

pytestmark = pytest.mark.django_db

HCMC = "Thành phố Hồ Chí Minh"


@pytest.fixture
def officer(client):
    user = make_user("canbo-xa", Role.COMMUNE_OFFICER, "08494")
    client.force_login(user)
    return user


def _logged(caplog) -> list[tuple]:
    return [(r.name, r.levelname, r.exc_info, r.getMessage()) for r in caplog.records]


def test_a_denied_page_is_one_line_naming_the_user_the_path_and_the_unit(client, officer, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/u/79/")
    assert response.status_code == 403
    assert _logged(caplog) == [(
        "thuocdo.security", "WARNING", None,
        f"Denied 403 GET /u/79/: user=canbo-xa (commune_officer) unit=79 "
        f"reason=Tài khoản của bạn không được xem dữ liệu của {HCMC}.",
    )]


def test_a_denied_api_call_is_one_line_naming_the_token(client, caplog):
    issued = create_api_token(Actor.system(), "mot-cua-lam-thao", ["08494"], ["units:write"])
    with caplog.at_level(logging.INFO):
        response = client.get("/api/v1/units/79/profile", HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    assert response.status_code == 403
    assert _logged(caplog) == [(
        "thuocdo.security", "WARNING", None,
        f"Denied 403 GET /api/v1/units/79/profile: user=token:mot-cua-lam-thao unit=79 "
        f"reason=Không có quyền xem dữ liệu của {HCMC} (79).",
    )]


def test_a_denied_api_call_by_a_session_names_the_user(client, officer, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/api/v1/units/79/profile")
    assert response.status_code == 403
    assert _logged(caplog) == [(
        "thuocdo.security", "WARNING", None,
        f"Denied 403 GET /api/v1/units/79/profile: user=canbo-xa (commune_officer) unit=79 "
        f"reason=Không có quyền xem dữ liệu của {HCMC} (79).",
    )]


def test_a_403_a_view_returns_itself_is_one_line_too(client, officer, caplog):
    # The live stream answers a plain 403 response rather than raising PermissionDenied.
    with caplog.at_level(logging.INFO):
        response = client.get("/live/79/")
    assert response.status_code == 403
    assert _logged(caplog) == [(
        "thuocdo.security", "WARNING", None, "Denied 403 GET /live/79/: user=canbo-xa (commune_officer) unit=79",
    )]


def test_a_path_cannot_forge_a_second_log_line(rf, caplog):
    request = rf.get("/u/79%0AForbidden%20nothing/")
    request.user = AnonymousUser()
    with caplog.at_level(logging.INFO):
        log_denial(request, HttpResponseForbidden())
    assert _logged(caplog) == [(
        "thuocdo.security", "WARNING", None, "Denied 403 GET /u/79\\nForbidden nothing/: user=anonymous unit=-",
    )]

"""The page header says who is logged in without repeating itself, and a working group's units, not the nation."""

import pytest

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.units.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frameworks():
    load_frameworks(Actor.system())


def _who(client) -> str:
    response = client.get("/", follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<span class="who">') + len('<span class="who">')
    return html[start:html.index("</span>", start)]


def test_a_name_that_is_the_role_is_said_once(client):
    user = make_user("qt", Role.CENTRAL_ADMIN, "VN")
    user.first_name, user.last_name = "", "Quản trị trung ương"
    user.save()
    client.force_login(user)
    assert _who(client) == "Quản trị trung ương · Việt Nam"


def test_a_working_group_shows_the_units_it_follows(client):
    user = make_user("tct", Role.INSPECTOR, "VN")
    user.first_name, user.last_name = "", "Tổ công tác số 1"
    user.save()
    user.assigned_units.set(Unit.objects.filter(code__in=["25", "79", "01", "48"]))
    client.force_login(user)
    # In code order (01, 25, 48, 79): the first three, then how many more.
    assert _who(client) == ("Tổ công tác số 1 · Tổ công tác · Thành phố Hà Nội, Tỉnh Phú Thọ, Thành phố Đà Nẵng "
                            "và 1 đơn vị khác")


def test_favicon_ico_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].startswith("/static/web/favicon")

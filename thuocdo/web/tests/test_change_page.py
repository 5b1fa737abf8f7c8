"""The "why did the score change" page: `/u/<code>/thay-doi/`, scoped like the unit page."""

import pytest

from thuocdo.accounts.choices import Role
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import PASSWORD, make_user
from thuocdo.dossiers.tests.factories import LAM_THAO, PHU_MY
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.evaluation.tests.test_attribution import BIRTH, MARRIAGE, dossiers, frozen, ingest, names  # noqa: F401
from thuocdo.metrics.models import MetricValue

pytestmark = pytest.mark.django_db


@pytest.fixture
def november():
    """Xã Lâm Thao: October 16 on time; November 4 of 10 birth registrations late: 20,00 → 15,00 (−5,00)."""
    load_frameworks(Actor.system())
    ingest(dossiers("O-B", "2026-10", 10) + dossiers("O-M", "2026-10", 6, procedure=MARRIAGE))
    ingest(dossiers("N-B", "2026-11", 10, late=4) + dossiers("N-M", "2026-11", 6, procedure=MARRIAGE))


def _login(client, role=Role.COMMUNE_OFFICER, unit=LAM_THAO):
    make_user("u", role, unit)
    client.login(username="u", password=PASSWORD)


def test_the_page_shows_the_sentence_and_the_lines(november, client):
    _login(client)
    response = client.get(f"/u/{LAM_THAO}/thay-doi/", {"period": "2026-11"})
    assert response.status_code == 200
    html = response.content.decode()
    assert f"−5,00 điểm: Tiến độ giải quyết −5,00 (thủ tục {BIRTH} Đăng ký khai sinh: 4 hồ sơ trễ hạn)" in html
    assert 'data-change="total">−5,00<' in html
    assert html.count('data-line="contributor"') == 1
    assert f"thủ tục {BIRTH} Đăng ký khai sinh" in html
    assert "Tháng 11/2026 so với Tháng 10/2026" in html


def test_another_communes_user_is_refused_and_nothing_changes(november, client):
    _login(client, unit=PHU_MY)
    rows = MetricValue.objects.count()
    response = client.get(f"/u/{LAM_THAO}/thay-doi/", {"period": "2026-11"})
    assert response.status_code == 403
    assert "−5,00" not in response.content.decode()
    assert MetricValue.objects.count() == rows


def test_anonymous_is_sent_to_log_in_and_unknown_units_are_404(november, client):
    response = client.get(f"/u/{LAM_THAO}/thay-doi/", {"period": "2026-11"})
    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/tai-khoan/dang-nhap/")
    _login(client, role=Role.CENTRAL_VIEWER, unit="VN")
    assert client.get("/u/99999/thay-doi/").status_code == 404


def test_a_bad_comparison_period_is_a_400_naming_it(november, client):
    _login(client)
    response = client.get(f"/u/{LAM_THAO}/thay-doi/", {"period": "2026-11", "against": "2026-13"})
    assert response.status_code == 400
    assert "Tháng phải từ 1 đến 12, không phải 13" in response.content.decode()

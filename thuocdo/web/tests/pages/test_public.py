"""The public scoreboard: no login, QĐ 766 scores and grades of provinces and of one province's communes."""

import pytest

from thuocdo.accounts.models import User
from thuocdo.evaluation.periods import parse_period
from thuocdo.evaluation.queries import ranking
from thuocdo.evaluation.store import current_framework
from thuocdo.web.tests.pages.conftest import SEPTEMBER
from thuocdo.web.tests.pages.helpers import row

pytestmark = pytest.mark.django_db


def test_provinces_logged_out(stream, users, client):
    response = client.get("/cong-khai/", {"period": SEPTEMBER})
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=30"
    assert html.count('<tr data-unit="') == 34
    _version, framework = current_framework("qd766")
    phu_tho = next(r for r in ranking(framework, "province", None, parse_period(SEPTEMBER)) if r.unit.code == "25")
    # Only progress (20 points) has data: the score reads out of those 20, never out of 100.
    assert row(html, "25") == ["1", "Tỉnh Phú Thọ",
                               f"{phu_tho.score.total:.2f}".replace(".", ",") + " / 26 điểm có số liệu · 2/6 nhóm", "—"]
    assert row(html, "79") == ["—", "Thành phố Hồ Chí Minh", "chưa có số liệu", "—"]
    assert 'href="/cong-khai/25/?period=2026-09"' in html


def test_communes_of_a_province_logged_out(stream, users, client):
    html = client.get("/cong-khai/25/", {"period": SEPTEMBER}).content.decode()
    assert html.count('<tr data-unit="') == 148
    assert row(html, "08494") == ["1", "Xã Lâm Thao", "16,50 / 26 điểm có số liệu · 2/6 nhóm", "—"]
    assert row(html, "08236") == ["2", "Xã Phú Mỹ", "15,33 / 26 điểm có số liệu · 2/6 nhóm", "—"]
    assert 'href="/u/' not in html  # no way into the officials' pages from here


def test_nothing_personal(stream, users, client, as_role):
    for page in (client.get("/cong-khai/").content.decode(), client.get("/cong-khai/25/").content.decode()):
        for user in User.objects.all():
            assert user.username not in page
        assert "Đăng xuất" not in page
    logged_in = as_role("commune").get("/cong-khai/25/").content.decode()
    assert "canbo-xa" not in logged_in and "Cán bộ xã" not in logged_in


def test_only_the_qd766_preset_and_real_provinces(stream, client):
    html = client.get("/cong-khai/", {"period": SEPTEMBER, "framework": "cqdp2c"}).content.decode()
    assert "QĐ 766/QĐ-TTg" in html and row(html, "25")[0] == "1"
    assert client.get("/cong-khai/08494/").status_code == 404
    assert client.get("/cong-khai/99/").status_code == 404

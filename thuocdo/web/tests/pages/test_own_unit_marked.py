"""One's own unit marked in every ranking (issue 11 §5) by a per-user stylesheet, shared renders untouched."""

import re

import pytest

from thuocdo.accounts.choices import Role
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.dossiers.tests.factories import LAM_THAO, PHU_MY
from thuocdo.web.views_search import own_units_stylesheet

pytestmark = pytest.mark.django_db

CSS_URL = "/don-vi-cua-toi.css"
LINK = f'<link rel="stylesheet" href="{CSS_URL}">'
LAM_THAO_CSS = (
    "/* Đơn vị của bạn: 08494 */\n"
    'tr[data-unit="08494"] > td { background: #fff4cc; font-weight: 600; }\n'
    'tr[data-unit="08494"] > td:first-child { box-shadow: inset 4px 0 0 #b7791f; }\n'
    'tr[data-unit="08494"] > td:nth-child(2)::after { content: " (đơn vị của bạn)"; font-weight: 400; '
    "font-size: .85em; color: #5c4400; }\n"
)


def _marked(css: str) -> set[str]:
    """The unit codes whose rows the stylesheet marks with the label."""
    return set(re.findall(r'tr\[data-unit="(\w+)"\] > td:nth-child\(2\)::after', css))


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-unit="(\w+)">', html)


def test_a_commune_officers_stylesheet_marks_its_commune(client, users):
    client.force_login(users["commune"])
    response = client.get(CSS_URL)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    assert response["Cache-Control"] == "private, no-cache"
    assert response.content.decode() == LAM_THAO_CSS
    # Unchanged: a 304 on the next page.
    assert client.get(CSS_URL, HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize("role, marked", [("province", {"25"}), ("inspector", {"25"}), ("admin", set()),
                                          ("viewer", set())])
def test_each_role_marks_its_own_units(client, users, role, marked):
    client.force_login(users[role])
    assert _marked(client.get(CSS_URL).content.decode()) == marked


def test_an_inspector_marks_every_assigned_unit(client):
    client.force_login(make_user("tct", Role.INSPECTOR, "VN", assigned=["79", "25", LAM_THAO]))
    assert _marked(client.get(CSS_URL).content.decode()) == {"25", "79", LAM_THAO}


def test_a_visitor_gets_an_empty_stylesheet(client):
    response = client.get(CSS_URL)
    assert (response.status_code, response.content) == (200, b"")


def test_odd_codes_never_reach_the_stylesheet():
    css = own_units_stylesheet(["25", '"]{}body{display:none', "08494"], 'nhãn "lạ" \\')
    assert _marked(css) == {"25", "08494"}
    assert 'content: " nhãn \\"lạ\\" \\\\"' in css


def test_every_page_links_the_stylesheet(client, users, stream):
    assert LINK in client.get("/cong-khai/").content.decode()
    client.force_login(users["commune"])
    for path in (f"/u/{LAM_THAO}/", "/cong-khai/25/", "/tim-don-vi/?q=lam"):
        assert LINK in client.get(path).content.decode(), path


def test_the_province_ranking_fragment_is_the_same_for_two_users(client, users, stream):
    """The province officer and a working group share one render; neither's name nor mark is in it."""
    client.force_login(users["province"])
    first = client.get("/u/25/fragments/ranking/?period=2026-09")
    client.force_login(users["inspector"])
    second = client.get("/u/25/fragments/ranking/?period=2026-09")
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == second.content
    html = first.content.decode()
    assert {LAM_THAO, PHU_MY} <= set(_rows(html))
    assert "đơn vị của bạn" not in html


def test_the_national_ranking_fragment_is_the_same_for_two_users(client, users, stream):
    client.force_login(users["admin"])
    first = client.get("/u/VN/fragments/provinces/?period=2026-09")
    client.force_login(users["viewer"])
    second = client.get("/u/VN/fragments/provinces/?period=2026-09")
    assert first.status_code == 200
    assert first.content == second.content
    assert len(_rows(first.content.decode())) == 34


def test_a_commune_officer_sees_its_row_marked_on_the_province_board(client, users, stream):
    """The public board of Phú Thọ is one shared page; the officer's stylesheet picks its row out of 148."""
    anonymous = client.get("/cong-khai/25/?period=2026-09").content
    client.force_login(users["commune"])
    page = client.get("/cong-khai/25/?period=2026-09").content
    assert page == anonymous
    rows = _rows(page.decode())
    assert len(rows) == 148
    css = client.get(CSS_URL).content.decode()
    assert _marked(css) & set(rows) == {LAM_THAO}


def test_a_province_officer_sees_its_province_marked_among_the_34(client, users, stream):
    client.force_login(users["province"])
    rows = _rows(client.get("/cong-khai/?period=2026-09").content.decode())
    assert len(rows) == 34
    assert _marked(client.get(CSS_URL).content.decode()) & set(rows) == {"25"}


def test_a_working_group_sees_its_assigned_commune_marked_in_the_province_ranking(client, stream):
    client.force_login(make_user("tct", Role.INSPECTOR, "VN", assigned=["25", LAM_THAO]))
    page = client.get("/u/25/?period=2026-09").content.decode()
    assert LINK in page
    rows = _rows(page)
    assert {LAM_THAO, PHU_MY} <= set(rows)
    assert _marked(client.get(CSS_URL).content.decode()) & set(rows) == {LAM_THAO}

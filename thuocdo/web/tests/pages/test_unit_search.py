"""The unit search (issue 11 §5): a box on every page, accent-free results, links only where the user may read."""

import re

import pytest

from thuocdo.accounts.choices import Role
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.dossiers.tests.factories import LAM_THAO, PHU_MY

pytestmark = pytest.mark.django_db

BOX = re.compile(r'<form class="unit-search" role="search" method="get" action="/tim-don-vi/"[^>]*>(.*?)</form>', re.S)


def _results(response) -> list[tuple[str, str, str | None, str | None]]:
    """(code, name, page link, public board link) of each result, in order."""
    assert response.status_code == 200
    html = response.content.decode()
    out = []
    for code, body in re.findall(r'<li data-unit="(\w+)">(.*?)</li>', html, re.S):
        page = re.match(r'<a href="([^"]+)">([^<]+)</a>', body)
        name = page.group(2) if page else re.match(r'<span class="muted-name">([^<]+)</span>', body).group(1)
        public = re.search(r'<a href="([^"]+)">xem trên bảng điểm công khai</a>', body)
        out.append((code, name, page.group(1) if page else None, public.group(1) if public else None))
    return out


def _by_code(response) -> dict:
    return {code: (name, page, public) for code, name, page, public in _results(response)}


def test_phu_tho_without_accents_finds_the_province_first(client):
    found = _results(client.get("/tim-don-vi/", {"q": "Phu Tho"}))
    assert found[0] == ("25", "Tỉnh Phú Thọ", None, "/cong-khai/25/")
    # Same-named wards elsewhere are found too, each with its province beside it.
    html = client.get("/tim-don-vi/", {"q": "Phu Tho"}).content.decode()
    assert re.search(r'<li data-unit="\w+"><span class="muted-name">Phường Phú Thọ</span>\s*<small>'
                     r"Thành phố Hồ Chí Minh · mã \w+</small>", html)


def test_lam_thao_finds_xa_lam_thao_in_any_spelling(client):
    for query in ("lam thao", "Lâm Thao", "LAM THAO", "xa lam thao", "  lâm   thao "):
        found = _results(client.get("/tim-don-vi/", {"q": query}))
        assert found[0][:2] == (LAM_THAO, "Xã Lâm Thao"), query
    response = client.get("/tim-don-vi/", {"q": "lâm   thao"})
    assert 'value="lâm thao"' in response.content.decode()  # the box keeps the query, spaces collapsed


def test_a_visitor_gets_public_board_links_and_no_unit_page(client):
    found = _by_code(client.get("/tim-don-vi/", {"q": "lam thao"}))
    assert found[LAM_THAO] == ("Xã Lâm Thao", None, "/cong-khai/25/")
    assert "cần đăng nhập để xem số liệu" in client.get("/tim-don-vi/", {"q": "lam thao"}).content.decode()


def test_a_commune_officer_opens_only_its_own_commune(client):
    client.force_login(make_user("xa", Role.COMMUNE_OFFICER, LAM_THAO))
    assert _by_code(client.get("/tim-don-vi/", {"q": "lam thao"}))[LAM_THAO] == (
        "Xã Lâm Thao", f"/u/{LAM_THAO}/", None)
    response = client.get("/tim-don-vi/", {"q": "phu my"})
    found = _by_code(response)
    # Xã Phú Mỹ of the same province: named, not linked (its page would be a 403), its public board offered.
    assert found[PHU_MY] == ("Xã Phú Mỹ", None, "/cong-khai/25/")
    assert {page for _name, page, _public in found.values()} == {None}
    assert "ngoài phạm vi tài khoản của bạn" in response.content.decode()
    assert client.get(f"/u/{PHU_MY}/").status_code == 403  # what the missing link would have led to


def test_a_province_officer_opens_its_province_and_communes_only(client):
    client.force_login(make_user("tinh", Role.PROVINCE_OFFICER, "25"))
    found = _by_code(client.get("/tim-don-vi/", {"q": "phu my"}))
    linked = {code for code, (_name, page, _public) in found.items() if page}
    assert linked == {PHU_MY}
    assert found[PHU_MY] == ("Xã Phú Mỹ", f"/u/{PHU_MY}/", None)
    assert _by_code(client.get("/tim-don-vi/", {"q": "phu tho"}))["25"] == ("Tỉnh Phú Thọ", "/u/25/", None)


def test_a_central_viewer_opens_every_result_and_the_nation_at_root(client):
    client.force_login(make_user("tw", Role.CENTRAL_VIEWER, "VN"))
    found = _results(client.get("/tim-don-vi/", {"q": "phu my"}))
    assert [public for *_rest, public in found] == [None] * len(found)
    assert all(page == f"/u/{code}/" for code, _name, page, _public in found)
    assert _by_code(client.get("/tim-don-vi/", {"q": "viet nam"}))["VN"] == ("Việt Nam", "/", None)


def test_many_matches_are_cut_at_thirty_and_say_so(client):
    response = client.get("/tim-don-vi/", {"q": "phu"})
    assert len(_results(response)) == 30
    assert "Chỉ hiện 30 đơn vị khớp nhất; hãy gõ cụ thể hơn." in response.content.decode()


def test_no_query_explains_and_no_match_says_so(client):
    empty = client.get("/tim-don-vi/").content.decode()
    assert "“lam thao” tìm được Xã Lâm Thao" in empty
    assert _results(client.get("/tim-don-vi/")) == []
    response = client.get("/tim-don-vi/", {"q": "zzqx"})
    assert _results(response) == []
    assert "Không tìm thấy đơn vị nào khớp “zzqx”." in response.content.decode()
    # A long query is cut to 100 characters, not an error.
    assert client.get("/tim-don-vi/", {"q": "a" * 500}).status_code == 200


@pytest.mark.parametrize("path", ["/", "/cong-khai/", "/cong-khai/25/", "/tai-khoan/dang-nhap/", "/tim-don-vi/"])
def test_the_box_is_on_every_page_for_visitors(client, stream, path):
    html = client.get(path).content.decode()
    box = BOX.search(html)
    assert box, path
    assert '<label for="unit-search-q">Tìm đơn vị</label>' in box.group(1)
    assert '<input id="unit-search-q" type="search" name="q"' in box.group(1)
    assert "csrfmiddlewaretoken" not in box.group(1)  # a GET form: the public board stays shareable


@pytest.mark.parametrize("role, path", [("admin", "/"), ("province", "/u/25/"), ("commune", f"/u/{LAM_THAO}/"),
                                        ("commune", f"/u/{LAM_THAO}/ho-so/"), ("inspector", "/u/25/")])
def test_the_box_is_on_every_page_for_officials(as_role, stream, role, path):
    response = as_role(role).get(path)
    assert response.status_code == 200
    assert BOX.search(response.content.decode()), path

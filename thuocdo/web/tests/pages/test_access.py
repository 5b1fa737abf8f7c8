"""Who sees which page: a commune officer its commune, a province officer its province, central users all.

Denied requests get 403 (and change nothing: pages only read), visitors are sent to the login page.
"""

import pytest

from thuocdo.accounts.models import AuditEntry

pytestmark = pytest.mark.django_db

LAM_THAO, PHU_MY, PHUONG_PHU_MY = "08494", "08236", "26704"
# (url, {role: expected status}); 302 for `/` means "sent to the user's own unit".
MATRIX = [
    ("/", {"admin": 200, "viewer": 200, "province": 302, "commune": 302, "inspector": 302}),
    ("/u/25/", {"admin": 200, "viewer": 200, "province": 200, "commune": 403, "inspector": 200}),
    (f"/u/{LAM_THAO}/", {"admin": 200, "viewer": 200, "province": 200, "commune": 200, "inspector": 200}),
    (f"/u/{PHU_MY}/", {"admin": 200, "viewer": 200, "province": 200, "commune": 403, "inspector": 200}),
    ("/u/79/", {"admin": 200, "viewer": 200, "province": 403, "commune": 403, "inspector": 403}),
    (f"/u/{PHUONG_PHU_MY}/", {"admin": 200, "viewer": 200, "province": 403, "commune": 403, "inspector": 403}),
    ("/u/VN/fragments/tiles/", {"admin": 200, "viewer": 200, "province": 403, "commune": 403, "inspector": 403}),
    ("/u/VN/fragments/map/", {"admin": 200, "viewer": 200, "province": 403, "commune": 403, "inspector": 403}),
    ("/u/25/fragments/ranking/", {"admin": 200, "viewer": 200, "province": 200, "commune": 403, "inspector": 200}),
    (f"/u/{LAM_THAO}/fragments/score/", {"admin": 200, "viewer": 200, "province": 200, "commune": 200,
                                         "inspector": 200}),
    (f"/u/{PHU_MY}/fragments/tiles/", {"admin": 200, "viewer": 200, "province": 200, "commune": 403,
                                       "inspector": 200}),
    (f"/u/{PHU_MY}/ho-so/?metric=dossier.received", {"admin": 200, "viewer": 200, "province": 200, "commune": 403,
                                                     "inspector": 200}),
    (f"/u/{PHUONG_PHU_MY}/ho-so/", {"admin": 200, "viewer": 200, "province": 403, "commune": 403,
                                    "inspector": 403}),
]
CASES = [(url, role, status) for url, expected in MATRIX for role, status in expected.items()]


@pytest.mark.parametrize(("url", "role", "status"), CASES, ids=[f"{r}:{u}" for u, r, _s in CASES])
def test_page_access_matrix(stream, as_role, url, role, status):
    audit_rows = AuditEntry.objects.count()
    response = as_role(role).get(url)
    assert response.status_code == status
    if status == 403:
        assert "Không có quyền truy cập" in response.content.decode()
    assert AuditEntry.objects.count() == audit_rows


@pytest.mark.parametrize(("role", "target"), [("province", "/u/25/"), ("commune", f"/u/{LAM_THAO}/"),
                                              ("inspector", "/u/25/")])
def test_home_sends_unit_users_to_their_unit(stream, as_role, role, target):
    assert as_role(role).get("/")["Location"] == target


def test_national_unit_page_is_the_overview(stream, as_role):
    response = as_role("viewer").get("/u/VN/", {"period": "2026-09"})
    assert (response.status_code, response["Location"]) == (302, "/?period=2026-09")


@pytest.mark.parametrize("url", ["/u/25/", f"/u/{LAM_THAO}/", "/u/VN/fragments/tiles/", f"/u/{LAM_THAO}/ho-so/"])
def test_visitors_are_sent_to_log_in(stream, client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/tai-khoan/dang-nhap/?next=")


def test_a_region_of_another_kind_of_page_is_not_found(stream, as_role):
    client = as_role("admin")
    assert client.get(f"/u/{LAM_THAO}/fragments/provinces/").status_code == 404
    assert client.get("/u/25/fragments/score/").status_code == 404


def test_breadcrumbs_link_only_what_the_user_may_open(stream, as_role):
    html = as_role("commune").get(f"/u/{LAM_THAO}/").content.decode()
    assert '<p class="crumbs">Toàn quốc › Tỉnh Phú Thọ › Xã Lâm Thao</p>' in html
    html = as_role("province").get(f"/u/{LAM_THAO}/").content.decode()
    assert '<p class="crumbs">Toàn quốc › <a href="/u/25/">Tỉnh Phú Thọ</a> › Xã Lâm Thao</p>' in html

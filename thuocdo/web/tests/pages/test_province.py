"""A province's page: communes and agencies ranked, the map of its communes, worst lists, two periods."""

import pytest

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import LAM_THAO, PHU_MY, accepted, at, event
from thuocdo.units.models import Unit
from thuocdo.web.tests.pages.conftest import SEPTEMBER
from thuocdo.web.tests.pages.helpers import map_dots, row, tiles

pytestmark = pytest.mark.django_db

PROVINCE_TILES = {
    "received": "7", "received-today": "2", "received-compare": "0",
    "online": "57,1%", "online-today": "100,0%", "online-compare": "—",
    "ontime": "80,0%", "ontime-today": "100,0%", "ontime-compare": "—",
    "overdue": "1",
}


@pytest.mark.parametrize("role", ["admin", "viewer", "province", "inspector"])
def test_province_page_for_each_role_that_may_read_it(stream, as_role, role):
    response = as_role(role).get("/u/25/", {"period": SEPTEMBER})
    html = response.content.decode()
    assert response.status_code == 200
    assert tiles(html) == PROVINCE_TILES
    assert html.count('<tr data-unit="') == 148  # the communes; Phú Thọ has no agency in the registry
    assert "Chưa có sở, ngành nào của tỉnh trong hệ thống." in html
    # Score, grade, compared period's score, change, received, on time, overdue now. August scored nothing
    # (no dossiers: every indicator not applicable), so there is no score to compare with and no change.
    assert row(html, LAM_THAO) == ["1", "Xã Lâm Thao", "16,50 / 26 điểm có số liệu · 2/6 nhóm", "—", "—", "—", "4",
                                   "100,0%", "1"]
    assert row(html, PHU_MY) == ["2", "Xã Phú Mỹ", "15,33 / 26 điểm có số liệu · 2/6 nhóm", "—", "—", "—", "3",
                                 "66,7%", "0"]
    # Every other commune: no dossier, progress not applicable: không phát sinh, ranked apart (no rank).
    other = Unit.objects.filter(province_code="25", level="commune").exclude(code__in=[LAM_THAO, PHU_MY]).first()
    assert row(html, other.code) == ["—", other.name, "không phát sinh", "—", "—", "—", "0", "—", "0"]


def test_the_map_is_zoomed_to_the_province(stream, as_role):
    html = as_role("province").get("/u/25/", {"period": SEPTEMBER}).content.decode()
    dots = map_dots(html)
    assert len(dots) == 148 == Unit.objects.filter(level="commune", province_code="25").count()
    assert {code for _cls, code, _t in dots} == set(
        Unit.objects.filter(level="commune", province_code="25").values_list("code", flat=True))
    assert ('k5', LAM_THAO, "Xã Lâm Thao · 16,50 điểm · đúng hạn 100,0% · 1 quá hạn") in dots
    assert 'viewBox="0 0 665 1000"' in html  # fitted to Phú Thọ's communes, taller than wide


def test_worst_lists(stream, as_role):
    html = as_role("province").get("/u/25/", {"period": SEPTEMBER}).content.decode()
    worst = html[html.index('<section id="worst"'):html.index("</section>", html.index('<section id="worst"'))]
    lowest = worst[worst.index("Tỷ lệ đúng hạn thấp nhất"):worst.index("Nhiều hồ sơ quá hạn nhất")]
    assert 'href="/u/08236/">Xã Phú Mỹ</a> <b>66,7%</b> <span class="muted">(2/3)</span>' in lowest
    assert 'href="/u/08494/">Xã Lâm Thao</a> <b>100,0%</b> <span class="muted">(2/2)</span>' in lowest
    assert lowest.index("Xã Phú Mỹ") < lowest.index("Xã Lâm Thao")
    assert lowest.count("<li>") == 2
    overdue = worst[worst.index("Nhiều hồ sơ quá hạn nhất"):worst.index("Tải hồ sơ mỗi ngày cao nhất")]
    assert overdue.count("<li>") == 1 and 'href="/u/08494/">Xã Lâm Thao</a> <b>1</b>' in overdue
    load = worst[worst.index("Tải hồ sơ mỗi ngày cao nhất"):]
    # 4 and 3 dossiers over the 15 days of September elapsed (read on the 15th), not its 30.
    assert load.count("<li>") == 2
    assert 'Xã Lâm Thao</a> <b>0,3</b>' in load and 'Xã Phú Mỹ</a> <b>0,2</b>' in load
    assert load.index("Xã Lâm Thao") < load.index("Xã Phú Mỹ")


def test_two_periods_compared(stream, as_role):
    client = as_role("province")
    # One more Lâm Thao dossier, resolved late in October (the page is read on 15 September: October
    # is in the future, but a period is a period).
    ingest_dossier_events(Actor.system(), [
        accepted("LT-9", at("2026-08-20"), at("2026-08-25", "17:00"), unit=LAM_THAO),
        event("LT-9", Status.PROCESSED, at("2026-08-27"), unit=LAM_THAO),
    ])
    html = client.get("/u/25/", {"period": SEPTEMBER, "compare": "2026-08"}).content.decode()
    assert "so với Tháng 8/2026" in html
    # August: Lâm Thao resolved 1, late: progress 0 of 20 points, its events synced late: 0 of 6 → +16,50.
    assert row(html, LAM_THAO)[2:6] == ["16,50 / 26 điểm có số liệu · 2/6 nhóm", "—", "0,00", "+16,50"]
    assert tiles(html)["received-compare"] == "1" and tiles(html)["ontime-compare"] == "0,0%"
    html = client.get("/u/25/", {"period": SEPTEMBER, "compare": "2026-09-01..2026-09-07"}).content.decode()
    # 1–7 September: Lâm Thao 2 received, 1 resolved early, pending at the 7th: LT-2 (within) → 2/2.
    assert "so với 01/09/2026–07/09/2026" in html
    assert row(html, LAM_THAO)[4:6] == ["20,00", "−3,50"]
    assert row(html, PHU_MY)[4:6] == ["10,00", "+5,33"]


def test_commune_officers_cannot_open_the_province(stream, as_role):
    response = as_role("commune").get("/u/25/")
    assert response.status_code == 403
    assert "Tài khoản của bạn không được xem dữ liệu của Tỉnh Phú Thọ." in response.content.decode()

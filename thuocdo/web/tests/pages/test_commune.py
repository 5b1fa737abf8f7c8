"""A commune's page: score and why, trends, pending overdue dossiers, today's load; the dossiers behind a number."""

import re

import pytest

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.tests.factories import LAM_THAO, PHU_MY, accepted, at
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.web.tests.pages.conftest import SEPTEMBER
from thuocdo.web.tests.pages.helpers import tiles

pytestmark = pytest.mark.django_db

LAM_THAO_TILES = {"received": "4", "received-today": "1", "online": "75,0%", "online-today": "100,0%",
                  "ontime": "100,0%", "ontime-today": "—", "overdue": "1"}


def _section(html: str, name: str) -> str:
    start = html.index(f'<section id="{name}"')
    return html[start:html.index("</section>", start)]


@pytest.mark.parametrize("role", ["admin", "viewer", "province", "commune", "inspector"])
def test_commune_page_for_each_role(stream, as_role, role):
    response = as_role(role).get(f"/u/{LAM_THAO}/", {"period": SEPTEMBER})
    html = response.content.decode()
    assert response.status_code == 200
    assert tiles(html) == LAM_THAO_TILES
    assert re.findall(r'data-score="(\w+)">([^<]*)<', html) == [
        ("total", "16,50"), ("grade", "chưa xếp loại"), ("rank", "1/2")]  # ranked with the 2 of the same coverage
    assert "<b class=\"big\" data-score=\"total\">16,50</b> / 26 điểm có số liệu · 2/6 nhóm</div>" in html
    assert ("<div class=\"live-root\" hx-ext=\"sse\" "
            "sse-connect=\"/live/08494/?push=1&amp;framework=qd766&amp;period=2026-09\">") in html
    assert html.count("cập nhật lúc <time") == 6
    assert "Thông tin liên hệ" in html


def test_score_opens_into_numbers_and_dossiers(stream, as_role):
    html = as_role("commune").get(f"/u/{LAM_THAO}/", {"period": SEPTEMBER}).content.decode()
    score = _section(html, "score")
    progress = score[score.index('data-indicator="DOSSIER_ON_TIME"'):score.index('data-indicator="ONLINE_SERVICES"')]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", progress))
    assert "15,00/20 điểm = 3 / 4 (75,0%)" in text
    links = re.findall(r'<li>([^:<]+): <b>(\d+)</b>(?: <a href="([^"]+)">xem hồ sơ</a>)?</li>', progress)
    assert links == [
        ("Đang giải quyết", "2", "/u/08494/ho-so/?metric=dossier.pending&amp;period=2026-09"),
        ("Đang giải quyết trong hạn", "1", "/u/08494/ho-so/?metric=dossier.pending.within_deadline&amp;period=2026-09"),
        ("Hồ sơ đã giải quyết", "2", "/u/08494/ho-so/?metric=dossier.resolved&amp;period=2026-09"),
        ("Giải quyết trước hạn", "1", "/u/08494/ho-so/?metric=dossier.resolved.early&amp;period=2026-09"),
        ("Giải quyết đúng hạn", "1", "/u/08494/ho-so/?metric=dossier.resolved.on_time&amp;period=2026-09"),
    ]
    assert "Công khai, minh bạch</span> <b>1,50</b> / 18" in score  # DOSSIER_SYNC: 1 of 4 synced on time
    assert "Số hóa hồ sơ</span> <b>chưa có số liệu</b> / 22" in score


def test_dossiers_behind_a_number(stream, as_role):
    client = as_role("commune")
    html = client.get(f"/u/{LAM_THAO}/ho-so/", {"metric": "dossier.resolved", "period": SEPTEMBER}).content.decode()
    assert 'data-count="2"' in html
    assert re.findall(r"<tr><td>(LT-\d)</td>", html) == ["LT-1", "LT-2"]
    assert "<td>Trực tuyến</td><td>09:00 01/09/2026</td><td>17:00 10/09/2026</td><td>09:00 03/09/2026</td>" \
           "<td>Trước hạn</td>" in html
    pending = client.get(f"/u/{LAM_THAO}/ho-so/",
                         {"metric": "dossier.pending.overdue", "period": SEPTEMBER}).content.decode()
    assert re.findall(r"<tr><td>(LT-\d)</td>", pending) == ["LT-3"]
    bad = client.get(f"/u/{LAM_THAO}/ho-so/", {"metric": "portal766.progress.total_on_time"})
    assert bad.status_code == 400


def test_dossier_list_is_paginated(stream, as_role):
    ingest_dossier_events(Actor.system(), [
        accepted(f"LT-P{n:02d}", at("2026-09-14", f"{7 + n // 10:02d}:{n % 10:02d}"), at("2026-09-30"), unit=LAM_THAO)
        for n in range(50)
    ])
    client = as_role("commune")
    first = client.get(f"/u/{LAM_THAO}/ho-so/", {"metric": "dossier.received", "period": SEPTEMBER}).content.decode()
    assert 'data-count="54"' in first and "trang 1/2" in first
    assert len(re.findall(r"<tr><td>LT-", first)) == 50
    second = client.get(f"/u/{LAM_THAO}/ho-so/",
                        {"metric": "dossier.received", "period": SEPTEMBER, "page": 2}).content.decode()
    # Oldest first: LT-1, LT-2, LT-3, the 50 of the 14th, LT-4 today; page 2 holds the last four.
    assert re.findall(r"<tr><td>(LT-\w+)</td>", second) == ["LT-P47", "LT-P48", "LT-P49", "LT-4"]
    assert "trang 2/2" in second


def test_trends_daily_and_weekly(stream, as_role):
    trends = _section(as_role("commune").get(f"/u/{LAM_THAO}/").content.decode(), "trends")
    titles = re.findall(r"<title>([^<]+)</title>", trends)
    assert len(titles) == 6
    assert titles[0].startswith("Hồ sơ tiếp nhận: 17/08 0; ")
    assert titles[0].endswith("; 31/08 0; 01/09 1; 02/09 1; 03/09 0; 04/09 0; 05/09 0; 06/09 0; 07/09 0; 08/09 1; "
                              "09/09 0; 10/09 0; 11/09 0; 12/09 0; 13/09 0; 14/09 0; 15/09 1")
    assert titles[1] == ("Hồ sơ tiếp nhận: 29/06 0; 06/07 0; 13/07 0; 20/07 0; 27/07 0; 03/08 0; 10/08 0; 17/08 0; "
                         "24/08 0; 31/08 2; 07/09 1; 14/09 1")
    assert titles[3] == ("Tỷ lệ giải quyết đúng hạn: 29/06 —; 06/07 —; 13/07 —; 20/07 —; 27/07 —; 03/08 —; 10/08 —; "
                         "17/08 —; 24/08 —; 31/08 100,0%; 07/09 100,0%; 14/09 —")
    assert titles[5].endswith("31/08 50,0%; 07/09 100,0%; 14/09 100,0%")


def test_pending_overdue_list_and_load_against_the_median(stream, as_role):
    html = as_role("commune").get(f"/u/{LAM_THAO}/").content.decode()
    overdue = _section(html, "overdue")
    assert re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td></tr>", overdue) == [
        ("LT-3", "—", "17:00 12/09/2026")]
    load = _section(html, "load")
    assert re.findall(r'data-load="(\w+)"[^>]*>([^<]*)<', load) == [("today", "1"), ("median", "0,0")]
    assert len(re.findall(r"<rect ", load)) == 31  # 30 days and today


def test_load_ratio_against_the_30_day_median(db, frozen, as_role, users):
    load_frameworks(Actor.system())
    days = [f"2026-08-{d:02d}" for d in range(16, 32)] + [f"2026-09-{d:02d}" for d in range(1, 15)]
    rows = [accepted(f"PM-{day}-{n}", at(day), at("2026-09-30"), unit=PHU_MY) for day in days for n in range(2)]
    rows += [accepted(f"PM-today-{n}", at("2026-09-15", "08:00"), at("2026-09-30"), unit=PHU_MY) for n in range(7)]
    ingest_dossier_events(Actor.system(), rows)
    load = _section(as_role("admin").get(f"/u/{PHU_MY}/").content.decode(), "load")
    assert re.findall(r'data-load="(\w+)"[^>]*>([^<]*)<', load) == [
        ("today", "7"), ("median", "2,0"), ("ratio", "gấp 3,5 lần")]


def test_contact_card_kept(stream, as_role):
    own = as_role("commune").get(f"/u/{LAM_THAO}/").content.decode()
    assert f'action="/u/{LAM_THAO}/lien-he/"' in own
    viewer = as_role("viewer").get(f"/u/{LAM_THAO}/").content.decode()
    assert "lien-he" not in viewer and "<dt>Điện thoại</dt><dd>—</dd>" in viewer

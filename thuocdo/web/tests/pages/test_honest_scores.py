"""Honest scores on the pages (issue 11 §4): never "/ 100" beside a partial score, default period, per-day averages."""

import re
from datetime import date, datetime
from types import SimpleNamespace

import pytest
import time_machine

from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO
from thuocdo.evaluation.actions import load_frameworks
from thuocdo.evaluation.periods import Period
from thuocdo.web.picker import choose, default_period
from thuocdo.web.queries.figures import Figures, elapsed_days
from thuocdo.web.templatetags.scores import rank
from thuocdo.web.tests.pages.conftest import SEPTEMBER
from thuocdo.web.tests.pages.helpers import row

PARTIAL = "/ 26 điểm có số liệu · 2/6 nhóm"


def _no_hundred_beside_a_partial_score(html: str) -> None:
    """No "/ 100" anywhere on a page whose every score is partial (progress only has data)."""
    assert not re.search(r"/\s*100\b", re.sub(r"<[^>]+>", "", html))


@pytest.mark.parametrize(("path", "unit", "expected"), [
    ("/", "25", "16,00 " + PARTIAL),
    ("/u/25/", LAM_THAO, "16,50 " + PARTIAL),
    ("/cong-khai/", "25", "16,00 " + PARTIAL),
    ("/cong-khai/25/", LAM_THAO, "16,50 " + PARTIAL),
])
def test_rankings_show_the_coverage_and_never_out_of_100(stream, as_role, client, path, unit, expected):
    reader = client if path.startswith("/cong-khai/") else as_role("admin")
    html = reader.get(path, {"period": SEPTEMBER}).content.decode()
    assert row(html, unit)[2] == expected
    # The groups without data are named in the score's title.
    assert ('title="Chưa có số liệu: Dịch vụ công trực tuyến; Thanh toán trực tuyến; '
            'Số hóa hồ sơ; Mức độ hài lòng">') in html
    _no_hundred_beside_a_partial_score(html)


def test_the_commune_page_shows_its_coverage_and_not_out_of_100(stream, as_role):
    html = as_role("commune").get(f"/u/{LAM_THAO}/", {"period": SEPTEMBER}).content.decode()
    assert '<b class="big" data-score="total">16,50</b> / 26 điểm có số liệu · 2/6 nhóm</div>' in html
    assert "Chưa có số liệu: Dịch vụ công trực tuyến; Thanh toán trực tuyến; Số hóa hồ sơ; " \
           "Mức độ hài lòng" in html
    # The summary's "/ 100" is gone; a group's own maximum ("/ 20" beside Tiến độ giải quyết) stays.
    summary = html[html.index('<div class="scorebox">'):html.index('<p class="help">')]
    _no_hundred_beside_a_partial_score(summary)


def test_a_commune_with_no_dossier_reads_khong_phat_sinh(stream, as_role):
    html = as_role("province").get("/u/25/", {"period": SEPTEMBER}).content.decode()
    apart = html[html.index('<tbody class="apart">'):]
    assert "Không xếp hạng: không phát sinh hoặc chưa có số liệu trong kỳ" in apart
    assert apart.count('<tr data-unit="') == 146
    assert row(html, "08236")[:3] == ["2", "Xã Phú Mỹ", "15,33 " + PARTIAL]


def test_a_shared_rank_says_how_many_share_it():
    assert [rank(SimpleNamespace(rank=r, shared=s)) for r, s in ((1, 110), (3, 1), (None, 0))] == ["1 (=110)", "3", "—"]


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 12, 3), "2026-11"), (date(2026, 12, 7), "2026-11"), (date(2026, 12, 8), "2026-12"),
    (date(2026, 1, 2), "2025-12"),
])
def test_the_default_period_is_the_last_complete_month(today, expected):
    assert default_period(today).code == expected


@pytest.mark.django_db
def test_the_picker_names_the_default_period():
    with time_machine.travel(datetime(2026, 12, 3, 9, 0, tzinfo=ICT), tick=False):
        load_frameworks(Actor.system())
        choice = choose({})
        asked = choose({"period": "2026-12"})
    assert (choice.period.code, choice.period.label, choice.is_default, choice.data_until) == (
        "2026-11", "Tháng 11/2026", True, None)
    assert (asked.period.code, asked.is_default, asked.data_until) == ("2026-12", False, date(2026, 12, 3))
    assert ("2026-11", "Tháng trước (Tháng 11/2026)") in choice.period_options()


def test_per_day_divides_by_the_days_elapsed():
    december = Period.for_month(2026, 12)
    # 2 December: two days of December have elapsed (today included), not 31.
    days = elapsed_days(december.start, december.end, date(2026, 12, 2))
    assert (days, Figures(received=281, days=days).per_day) == (2, 140.5)
    assert elapsed_days(december.start, december.end, date(2027, 1, 5)) == 31
    assert Figures(received=0, days=elapsed_days(december.start, december.end, date(2026, 11, 30))).per_day is None

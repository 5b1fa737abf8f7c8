"""Dossier lists an official can act on (issue 11 §5): names, days overdue or left, why, filters and order.

On top of the stream of `pages.conftest` (15 September 2026 at noon, frozen), four hand-made dossiers in
Xã Lâm Thao:
- A-1 (1.001612 Đăng ký khai sinh): accepted 02/09, due 05/09 17:00; supplements asked 03/09 and
  06/09, each answered a day later → due 07/09 17:00, and late by the second request: overdue 8 days.
- A-2 (1.004227 Đăng ký kết hôn): due 11/09 17:00, supplement asked 14/09 noon and still awaited: past
  due before the pause → overdue; its due time as of now 12/09 17:00 → 3 days.
- A-3 (1.004227): due 16/09 17:00, supplement asked 13/09 noon, still awaited → due 18/09 17:00, 3 days left.
- A-4 (1.001612): due 04/09 17:00, processed 09/09 → resolved 5 days late.
With the stream's LT-3 (due 12/09 17:00, overdue 3 days) and LT-4 (due 20/09 17:00, 5 days left), and
Phú Mỹ's PM-2 (due 05/09 17:00, processed 08/09: 3 days late).
"""

import re
from datetime import date, datetime

import pytest

from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.models import Dossier
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_MY, accepted, at, lifecycle
from thuocdo.procedures import names as procedure_names
from thuocdo.procedures.models import Procedure
from thuocdo.web.tests.pages.conftest import SEPTEMBER

pytestmark = pytest.mark.django_db

BIRTH, MARRIAGE = "1.001612", "1.004227"
OVERDUE, PENDING, LATE = "dossier.pending.overdue", "dossier.pending", "dossier.resolved.late"


@pytest.fixture
def dossiers(stream):
    procedure_names.clear()
    Procedure.objects.bulk_create([
        Procedure(code=BIRTH, name="Đăng ký khai sinh", field="Hộ tịch", level="commune", online_level="full",
                  search_key=f"{BIRTH} dang ky khai sinh"),
        Procedure(code=MARRIAGE, name="Đăng ký kết hôn", field="Hộ tịch", level="commune", online_level="full",
                  search_key=f"{MARRIAGE} dang ky ket hon"),
    ])
    rows = lifecycle("A-1", at("2026-09-02"), at("2026-09-05", "17:00"), [
        (Status.SUPPLEMENT_REQUESTED, at("2026-09-03", "10:00")), (Status.PROCESSING, at("2026-09-04", "10:00")),
        (Status.SUPPLEMENT_REQUESTED, at("2026-09-06", "10:00")), (Status.PROCESSING, at("2026-09-07", "10:00")),
    ], unit=LAM_THAO, procedure=BIRTH)
    rows += lifecycle("A-2", at("2026-09-09"), at("2026-09-11", "17:00"), [
        (Status.SUPPLEMENT_REQUESTED, at("2026-09-14", "12:00"))], unit=LAM_THAO, procedure=MARRIAGE)
    rows += lifecycle("A-3", at("2026-09-10"), at("2026-09-16", "17:00"), [
        (Status.SUPPLEMENT_REQUESTED, at("2026-09-13", "12:00"))], unit=LAM_THAO, procedure=MARRIAGE)
    rows += lifecycle("A-4", at("2026-09-01"), at("2026-09-04", "17:00"), [
        (Status.PROCESSED, at("2026-09-09", "10:00"))], unit=LAM_THAO, procedure=BIRTH)
    summary = ingest_dossier_events(Actor.system(), rows)
    assert (summary.accepted, summary.rejected) == (11, [])
    yield
    procedure_names.clear()


def _rows(html: str) -> list[tuple[str, ...]]:
    """(code, unit cell if any, procedure cell, days, reason) of each listed dossier, tags stripped."""
    found = []
    for body in re.findall(r"<tr><td>(.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", "<td>" + body, re.S)]
        found.append((cells[0], *cells[1:-7], cells[-2], cells[-1]))
    return found


def _get(client, code: str, **params) -> str:
    response = client.get(f"/u/{code}/ho-so/", {"period": SEPTEMBER, **params})
    assert response.status_code == 200
    return response.content.decode()


def test_overdue_list_names_days_and_reasons_most_overdue_first(dossiers, as_role):
    html = _get(as_role("commune"), LAM_THAO, metric=OVERDUE)
    assert 'data-count="3"' in html
    assert _rows(html) == [
        ("A-1", "1.001612 Đăng ký khai sinh", "quá hạn 8 ngày", "yêu cầu bổ sung lần 2"),
        ("A-2", "1.004227 Đăng ký kết hôn", "quá hạn 3 ngày", "quá hạn trả kết quả · đang chờ bổ sung"),
        ("LT-3", "—", "quá hạn 3 ngày", "quá hạn trả kết quả"),
    ]
    assert re.findall(r'data-days="(-?\d*)"', html) == ["8", "3", "3"]
    assert "Số ngày quá hạn, còn lại tính theo ngày lịch, đến 12:00 15/09/2026." in html


def test_pending_list_days_left_and_statuses(dossiers, as_role):
    client = as_role("commune")
    assert _rows(_get(client, LAM_THAO, metric=PENDING)) == [
        ("A-1", "1.001612 Đăng ký khai sinh", "quá hạn 8 ngày", "yêu cầu bổ sung lần 2"),
        ("A-2", "1.004227 Đăng ký kết hôn", "quá hạn 3 ngày", "quá hạn trả kết quả · đang chờ bổ sung"),
        ("LT-3", "—", "quá hạn 3 ngày", "quá hạn trả kết quả"),
        ("A-3", "1.004227 Đăng ký kết hôn", "còn 3 ngày", "đang chờ bổ sung"),
        ("LT-4", "—", "còn 5 ngày", ""),
    ]
    assert [r[0] for r in _rows(_get(client, LAM_THAO, metric=PENDING, status="waiting"))] == ["A-2", "A-3"]
    assert [r[0] for r in _rows(_get(client, LAM_THAO, metric=PENDING, status="within"))] == ["A-3", "LT-4"]
    assert [r[0] for r in _rows(_get(client, LAM_THAO, metric=PENDING, status="overdue"))] == ["A-1", "A-2", "LT-3"]
    assert [r[0] for r in _rows(_get(client, LAM_THAO, metric=PENDING, sort="received"))] == [
        "A-1", "LT-3", "A-2", "A-3", "LT-4"]
    assert [r[0] for r in _rows(_get(client, LAM_THAO, metric=PENDING, sort="recent"))] == [
        "LT-4", "A-3", "A-2", "LT-3", "A-1"]


def test_filter_by_procedure_and_days(dossiers, as_role):
    client = as_role("commune")
    html = _get(client, LAM_THAO, metric=PENDING, procedure=MARRIAGE)
    assert [r[0] for r in _rows(html)] == ["A-2", "A-3"]
    # The select offers the procedures present in the list, with their names.
    assert re.findall(r'<option value="(1\.\d+)"( selected)?>([^<]+)</option>', html) == [
        (BIRTH, "", "1.001612 Đăng ký khai sinh"), (MARRIAGE, " selected", "1.004227 Đăng ký kết hôn")]
    assert [r[0] for r in _rows(_get(client, LAM_THAO, metric=PENDING, days="3"))] == ["A-1", "A-2", "LT-3"]
    assert [r[0] for r in _rows(_get(client, LAM_THAO, metric=PENDING, days="5"))] == ["A-1"]
    assert [r[0] for r in _rows(_get(client, LAM_THAO, metric=PENDING, days="10"))] == []


def test_late_list_days_late_and_province_names_communes(dossiers, as_role):
    assert _rows(_get(as_role("commune"), LAM_THAO, metric=LATE)) == [
        ("A-4", "1.001612 Đăng ký khai sinh", "trễ 5 ngày", "quá hạn trả kết quả")]
    client = as_role("province")
    assert _rows(_get(client, "25", metric=LATE)) == [
        ("A-4", "Xã Lâm Thao", "1.001612 Đăng ký khai sinh", "trễ 5 ngày", "quá hạn trả kết quả"),
        ("PM-2", "Xã Phú Mỹ", "—", "trễ 3 ngày", "quá hạn trả kết quả"),
    ]
    assert [r[0] for r in _rows(_get(client, "25", metric=LATE, days="5"))] == ["A-4"]
    assert [r[0] for r in _rows(_get(client, "25", metric=LATE, days="3"))] == ["A-4", "PM-2"]
    assert [r[0] for r in _rows(_get(client, "25", metric="dossier.resolved", status="late"))] == ["A-4", "PM-2"]


def test_national_list_names_commune_and_province(dossiers, as_role):
    html = _get(as_role("admin"), "VN", metric=OVERDUE)
    assert [r[:2] for r in _rows(html)] == [
        ("A-1", "Xã Lâm Thao · Tỉnh Phú Thọ"), ("A-2", "Xã Lâm Thao · Tỉnh Phú Thọ"),
        ("LT-3", "Xã Lâm Thao · Tỉnh Phú Thọ")]


def test_a_past_period_is_read_at_its_end(dossiers, as_role):
    # At the end of 10/09: LT-3 and A-2 were not yet due, A-3's pause had not begun, A-4 had ended.
    html = _get(as_role("commune"), LAM_THAO, metric=PENDING, period="2026-09-10")
    assert _rows(html) == [
        ("A-1", "1.001612 Đăng ký khai sinh", "quá hạn 3 ngày", "yêu cầu bổ sung lần 2"),
        ("A-2", "1.004227 Đăng ký kết hôn", "còn 1 ngày", ""),
        ("LT-3", "—", "còn 2 ngày", ""),
        ("A-3", "1.004227 Đăng ký kết hôn", "còn 6 ngày", ""),
    ]
    assert "đến 23:59 10/09/2026." in html


@pytest.mark.parametrize("params", [
    {"procedure": "9.999999"}, {"status": "early"}, {"status": "<b>"}, {"days": "4"}, {"days": "x" * 5000},
    {"sort": "dossier_code; drop"}, {"page": "-3"}, {"procedure": "", "status": "", "days": "", "sort": ""},
])
def test_bad_parameters_fall_back_to_the_defaults(dossiers, as_role, params):
    html = _get(as_role("commune"), LAM_THAO, metric=OVERDUE, **params)
    assert [r[0] for r in _rows(html)] == ["A-1", "A-2", "LT-3"]


def test_pages_keep_the_filters(dossiers, as_role):
    ingest_dossier_events(Actor.system(), [
        accepted(f"PM-Q{n:02d}", at("2026-09-01", f"{8 + n // 30:02d}:{n % 30:02d}"), at("2026-09-07", "17:00"),
                 unit=PHU_MY, procedure=BIRTH)
        for n in range(52)
    ])
    client = as_role("admin")
    first = _get(client, PHU_MY, metric=PENDING, procedure=BIRTH, status="overdue", days="5", sort="received")
    assert 'data-count="52"' in first and "trang 1/2" in first
    link = ("?metric=dossier.pending&amp;period=2026-09&amp;procedure=1.001612&amp;status=overdue&amp;days=5"
            "&amp;sort=received&amp;page=2")
    assert f'<a href="{link}">Trang sau ›</a>' in first
    second = _get(client, PHU_MY, metric=PENDING, procedure=BIRTH, status="overdue", days="5", sort="received",
                  page="2")
    assert [r[0] for r in _rows(second)] == ["PM-Q50", "PM-Q51"]
    assert _rows(second)[0][2:] == ("quá hạn 8 ngày", "quá hạn trả kết quả")


@pytest.mark.parametrize(("role", "url", "status"), [
    ("commune", f"/u/{PHU_MY}/ho-so/?metric={OVERDUE}", 403),
    ("commune", f"/u/{LAM_THAO}/ho-so/?metric={OVERDUE}", 200),
    ("commune", f"/u/VN/ho-so/?metric={OVERDUE}", 403),
    ("province", f"/u/VN/ho-so/?metric={OVERDUE}", 403),
    ("province", f"/u/79/ho-so/?metric={OVERDUE}", 403),
    ("viewer", f"/u/VN/ho-so/?metric={OVERDUE}", 200),
])
def test_lists_are_scoped_by_unit(dossiers, as_role, role, url, status):
    audit_rows = AuditEntry.objects.count()
    response = as_role(role).get(url)
    assert response.status_code == status
    if status == 403:
        assert "A-1" not in response.content.decode()
    assert AuditEntry.objects.count() == audit_rows


def test_score_explanation_links_the_late_and_overdue_lists(dossiers, as_role):
    html = as_role("commune").get(f"/u/{LAM_THAO}/", {"period": SEPTEMBER}).content.decode()
    found = re.search(r'<p class="late-lists" data-late-lists="DOSSIER_ON_TIME">(.*?)</p>', html, re.S)
    assert found
    assert re.findall(r'([^:>·]+): <b>(\d+)</b> <a href="([^"]+)">xem danh sách</a>', found.group(1)) == [
        ("Giải quyết quá hạn", "1", "/u/08494/ho-so/?metric=dossier.resolved.late&amp;period=2026-09"),
        (" Đang giải quyết quá hạn", "3", "/u/08494/ho-so/?metric=dossier.pending.overdue&amp;period=2026-09"),
    ]


def test_overdue_card_names_procedures(dossiers, as_role):
    html = as_role("commune").get(f"/u/{LAM_THAO}/").content.decode()
    card = html[html.index('<section id="overdue"'):]
    card = card[:card.index("</section>")]
    assert re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)(?: <span class=\"muted\">([^<]+)</span>)?</td>", card) == [
        ("A-1", "1.001612", "Đăng ký khai sinh"), ("A-2", "1.004227", "Đăng ký kết hôn"), ("LT-3", "—", "")]


def test_national_overdue_tile_links_its_list(dossiers, as_role):
    html = as_role("viewer").get("/", {"period": SEPTEMBER}).content.decode()
    tile = html[html.index('data-tile="overdue"'):]
    assert tile[:tile.index("</div>")].count(
        '<a href="/u/VN/ho-so/?metric=dossier.pending.overdue&amp;period=2026-09">Xem danh sách</a>') == 1


def test_a_dossier_without_a_due_date_comes_last_and_is_within(dossiers, as_role):
    # Ingest refuses an acceptance without a due date; a stored row may still lack one (the engine allows it).
    Dossier.objects.create(province_code="25", dossier_code="N-1", unit_code=PHU_MY, outcome="pending",
                           accepted_at=datetime(2026, 9, 14, 9, tzinfo=ICT), accepted_day=date(2026, 9, 14))
    ingest_dossier_events(Actor.system(), [
        accepted("N-2", at("2026-09-14", "10:00"), at("2026-09-20", "17:00"), unit=PHU_MY)])
    client = as_role("admin")
    assert _rows(_get(client, PHU_MY, metric=PENDING)) == [("N-2", "—", "còn 5 ngày", ""), ("N-1", "—", "", "")]
    assert [r[0] for r in _rows(_get(client, PHU_MY, metric=PENDING, status="within"))] == ["N-2", "N-1"]
    assert _rows(_get(client, PHU_MY, metric=PENDING, status="overdue")) == []
    assert _rows(_get(client, PHU_MY, metric=PENDING, days="1")) == []

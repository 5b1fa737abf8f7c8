"""The weekly report PDF in the state document layout (Nghị định 30/2020/NĐ-CP) and its week select.

The PDF is read back with pypdf, page by page; the week 37 fixture of test_exports is reused.
"""

import re
from datetime import datetime
from io import BytesIO

import pytest
import time_machine
from pypdf import PdfReader

from thuocdo.accounts.choices import Role
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.dossiers.tests.factories import ICT
from thuocdo.web import documents
from thuocdo.web.tests.test_exports import REPORT_DAY, week_37  # noqa: F401 - the fixture, shared

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("week_37")]

HEADER = "Hạng Đơn vị Tổng điểm Xếp loại Thay đổi"
# One ranking row as pypdf reads it: rank (or — when ranked apart), the unit, its score, grade, change.
ROW = re.compile(r"^(\d+|—) (Xã|Phường|Đặc khu) .+ (—|-?\d+,\d\d)$")


@pytest.fixture
def province_officer(client):
    client.force_login(make_user("tinh1", Role.PROVINCE_OFFICER, "25"))
    return client


def _pages(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return [page.extract_text().splitlines() for page in PdfReader(BytesIO(response.content)).pages]


def _squeezed(line: str) -> str:
    return " ".join(line.split())


def test_a_communes_report_in_the_state_layout(province_officer):
    # The province reads Lâm Thao's report: the whole ranking of Phú Thọ's 148 communes, Lâm Thao's row marked.
    with time_machine.travel(REPORT_DAY, tick=False):
        pages = _pages(province_officer.get("/u/08494/xuat/bao-cao-tuan.pdf?week=2026-W37"))
    first, last = pages[0], pages[-1]
    assert first[:4] == ["TỈNH PHÚ THỌ", "UBND XÃ LÂM THAO", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                         "Độc lập - Tự do - Hạnh phúc"]
    # The number is left blank for the clerk: "Số:      /BC-UBND", beside the place and date.
    assert _squeezed(first[4]) == "Số: /BC-UBND Lâm Thao, ngày 14 tháng 9 năm 2026"
    lines = [line for page in pages for line in page]
    own = [line for line in lines if "(*)" in line and ROW.match(line)]
    assert len(own) == 1 and own[0].startswith("2 Xã Lâm Thao (*) 12,00 / ")
    assert "(*) Đơn vị báo cáo (dòng in đậm)." in lines
    # 148 ranking rows, each whole on one line: none split across pages, none lost.
    assert sum(1 for line in lines if ROW.match(line)) == 148
    # The table runs over several pages and its header opens each continuation page.
    assert len(pages) > 1
    assert [page[0] for page in pages[1:]] == [HEADER] * (len(pages) - 1)
    assert [page[-1] for page in pages] == [f"{n}/{len(pages)}" for n in range(1, len(pages) + 1)]
    # Nơi nhận bottom left, the signature block bottom right (pypdf reads the left column first).
    start = last.index("Nơi nhận:")
    assert last[start:] == [
        "Nơi nhận:",
        "- UBND tỉnh Phú Thọ (để báo cáo);",
        "- Văn phòng UBND tỉnh Phú Thọ;",
        "- Chủ tịch, các Phó Chủ tịch UBND xã;",
        "- Lưu: VT.",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
        "(Ký, ghi rõ họ tên)",
        f"{len(pages)}/{len(pages)}",
    ]


def test_a_provinces_report_names_its_recipients_and_marks_no_row(province_officer):
    with time_machine.travel(REPORT_DAY, tick=False):
        pages = _pages(province_officer.get("/u/25/xuat/bao-cao-tuan.pdf?week=2026-W37"))
    lines = [line for page in pages for line in page]
    assert _squeezed(lines[2]) == "Số: /BC-UBND Phú Thọ, ngày 14 tháng 9 năm 2026"
    start = lines.index("Nơi nhận:")
    assert lines[start:start + 7] == [
        "Nơi nhận:",
        "- Văn phòng Chính phủ (để báo cáo);",
        "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
        "- UBND các xã, phường, đặc khu;",
        "- Lưu: VT.",
        "TM. ỦY BAN NHÂN DÂN",
        "CHỦ TỊCH",
    ]
    # The province is not one of the communes it ranks: no row is its own.
    assert not any("(*)" in line for line in lines)


def test_the_html_keeps_rows_whole_and_highlights_one_row(province_officer, monkeypatch):
    rendered = []
    original = documents.render_to_string
    monkeypatch.setattr(documents, "render_to_string",
                        lambda *args, **kwargs: rendered.append(original(*args, **kwargs)) or rendered[-1])
    with time_machine.travel(REPORT_DAY, tick=False):
        assert province_officer.get("/u/08494/xuat/bao-cao-tuan.pdf?week=2026-W37").status_code == 200
    html = rendered[0]
    assert "tr { break-inside: avoid; page-break-inside: avoid; }" in html
    assert "thead { display: table-header-group; }" in html
    assert 'font-family: "Times New Roman", "Liberation Serif"' in html
    assert html.count('<tr class="own">') == 1
    assert '<tr class="own"><td class="num">2</td><td>Xã Lâm Thao (*)</td>' in html


@pytest.mark.parametrize(("today", "week"), [
    (datetime(2026, 9, 13, 20, 0, tzinfo=ICT), "2026-W36"),  # a Sunday: week 37 is not complete yet
    (REPORT_DAY, "2026-W37"),  # the Monday after
    (datetime(2027, 1, 4, 8, 0, tzinfo=ICT), "2026-W53"),  # 2026 has 53 ISO weeks
])
def test_the_default_week_is_the_last_complete_one(client, today, week):
    with time_machine.travel(today, tick=False):
        client.force_login(make_user("tinh1", Role.PROVINCE_OFFICER, "25"))
        response = client.get("/u/25/xuat/bao-cao-tuan.pdf")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="bao-cao-tuan-25-{week}.pdf"'


@pytest.mark.parametrize(("week", "message"), [
    ("2026-W60", "Kỳ không hợp lệ &#x27;2026-W60&#x27;: Năm 2026 không có tuần 60 (tuần theo ISO 8601)"),
    ("2026-08", "Cần một tuần ISO, ví dụ 2026-W33, không phải &#x27;2026-08&#x27;"),
    ("tuan-37", "Kỳ không hợp lệ: &#x27;tuan-37&#x27;."),
])
def test_a_bad_week_is_a_400_naming_week(province_officer, week, message):
    response = province_officer.get(f"/u/25/xuat/bao-cao-tuan.pdf?week={week}")
    assert response.status_code == 400
    assert "application/pdf" not in response["Content-Type"]
    assert f"<p>Tham số <code>week</code>: {message}" in response.content.decode()


def test_the_page_offers_the_last_complete_weeks(province_officer):
    with time_machine.travel(REPORT_DAY, tick=False):
        html = province_officer.get("/u/25/").content.decode()
    form = re.search(r'<form class="exports week-pick" method="get" action="/u/25/xuat/bao-cao-tuan.pdf">.*?</form>',
                     html, re.S)
    assert form is not None
    options = re.findall(r'<option value="([^"]+)">([^<]+)</option>', form[0])
    assert len(options) == 12
    assert options[:2] == [("2026-W37", "Tuần 37/2026 (07/09–13/09/2026)"),
                           ("2026-W36", "Tuần 36/2026 (31/08–06/09/2026)")]
    assert options[-1] == ("2026-W26", "Tuần 26/2026 (22/06–28/06/2026)")

"""Exports on the commune page, and dossier counts and rates beside the scores in Excel (issue 11 §5).

Figures of the pages' stream (see conftest): September 2026, seen at noon on the 15th.
"""

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook

from thuocdo.dossiers.tests.factories import LAM_THAO, PHU_MY
from thuocdo.web.exports import FIGURE_HEADERS

pytestmark = pytest.mark.django_db

# received, resolved, resolved in time, resolved late, on-time rate %, pending overdue at the period's end
LAM_THAO_SEPT = [4, 2, 2, 0, 100, 1]
PHU_MY_SEPT = [3, 3, 2, 1, 66.7, 0]
NOTHING = [0, 0, 0, 0, None, 0]
PHU_THO_SEPT = [7, 5, 4, 1, 80, 1]


def _sheet(response):
    assert response.status_code == 200, response.content[:300]
    return load_workbook(BytesIO(response.content)).active


def _figures(sheet) -> dict[str, list]:
    """Unit code → the six figure cells of its line, found by their headers (after the score columns)."""
    headers = [cell.value for cell in sheet[3]]
    first = headers.index(FIGURE_HEADERS[0])
    assert headers[first:] == FIGURE_HEADERS
    return {line[1].value: [cell.value for cell in line[first:]] for line in sheet.iter_rows(min_row=4)}


def test_the_commune_page_offers_its_exports(as_role, stream):
    html = as_role("commune").get(f"/u/{LAM_THAO}/?period=2026-09").content.decode()
    exports = re.search(r'<p class="exports">(.*?)</p>', html, re.S).group(1)
    assert re.findall(r'<a href="([^"]+)">([^<]+)</a>', exports) == [
        (f"/u/{LAM_THAO}/xuat/excel/?framework=qd766&amp;period=2026-09", "Điểm, hạng và số liệu hồ sơ (Excel)"),
        (f"/u/{LAM_THAO}/xuat/bao-cao-tuan.pdf", "Báo cáo tuần (PDF)"),
    ]


def test_a_province_page_keeps_its_ranking_export(as_role, stream):
    html = as_role("province").get("/u/25/?period=2026-09").content.decode()
    assert ">Bảng xếp hạng (Excel)</a>" in html


@pytest.mark.parametrize("role", ["commune", "province", "viewer"])
def test_the_commune_export_holds_the_communes_own_line(as_role, stream, role):
    """Whoever exports from Lâm Thao's page gets Lâm Thao's line only, its rank among Phú Thọ's communes."""
    sheet = _sheet(as_role(role).get(f"/u/{LAM_THAO}/xuat/excel/?framework=qd766&period=2026-09"))
    assert sheet.max_row == 4
    assert [sheet["A4"].value, sheet["B4"].value, sheet["C4"].value] == [1, LAM_THAO, "Xã Lâm Thao"]
    assert _figures(sheet) == {LAM_THAO: LAM_THAO_SEPT}


def test_another_communes_export_is_denied_to_a_commune_officer(as_role, stream):
    client = as_role("commune")
    response = client.get(f"/u/{PHU_MY}/xuat/excel/?period=2026-09")
    assert response.status_code == 403
    assert "application/" not in response["Content-Type"]


def test_the_province_ranking_carries_counts_and_rates(as_role, stream):
    sheet = _sheet(as_role("province").get("/u/25/xuat/excel/?framework=qd766&period=2026-09"))
    figures = _figures(sheet)
    assert len(figures) == 148
    assert figures[LAM_THAO] == LAM_THAO_SEPT
    assert figures[PHU_MY] == PHU_MY_SEPT
    others = {code: values for code, values in figures.items() if code not in (LAM_THAO, PHU_MY)}
    assert {tuple(values) for values in others.values()} == {tuple(NOTHING)}
    # Counts are whole numbers with a thousands separator, the rate has one decimal.
    row = [sheet.cell(row=4, column=sheet.max_column - 5 + i) for i in range(6)]
    assert [cell.number_format for cell in row] == ["#,##0", "#,##0", "#,##0", "#,##0", "0.0", "#,##0"]


def test_the_national_ranking_carries_each_provinces_counts(as_role, stream):
    sheet = _sheet(as_role("viewer").get("/u/VN/xuat/excel/?framework=qd766&period=2026-09"))
    figures = _figures(sheet)
    assert len(figures) == 34
    assert figures["25"] == PHU_THO_SEPT
    assert figures["79"] == NOTHING


def test_a_past_period_counts_the_dossiers_overdue_at_its_end(as_role, stream):
    """Week 37 (7–13 September): Lâm Thao's LT-3 was overdue on the 13th (due the 12th), LT-4 not yet received."""
    sheet = _sheet(as_role("commune").get(f"/u/{LAM_THAO}/xuat/excel/?framework=qd766&period=2026-W37"))
    # Received LT-3 (8th); LT-2 resolved on time on the 10th; nothing late.
    assert _figures(sheet) == {LAM_THAO: [1, 1, 1, 0, 100, 1]}

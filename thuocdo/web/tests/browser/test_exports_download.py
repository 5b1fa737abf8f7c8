"""Both exports downloaded from the province page: the ranking as .xlsx and the weekly report as PDF."""

import json
import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from thuocdo.web.tests.browser.conftest import log_in, screenshot

pytestmark = pytest.mark.browser

MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"


def _download(page, selector: str):
    with page.expect_download() as info:
        page.locator(selector).first.click()
    download = info.value
    return download.suggested_filename, open(download.path(), "rb").read()  # noqa: SIM115 — small file


def test_excel_ranking_of_the_province(page, site):
    log_in(page, "phutho")
    screenshot(page, "province-exports")
    name, content = _download(page, "a[href*='/xuat/excel/']")
    assert re.fullmatch(r"xep-hang-25-qd766-\d{4}-\d{2}\.xlsx", name)
    sheet = load_workbook(BytesIO(content)).active
    assert sheet["A1"].value == "Xếp hạng các xã, phường, đặc khu — Tỉnh Phú Thọ"
    assert [c.value for c in sheet[3]][:8] == ["Hạng", "Mã đơn vị", "Tên đơn vị", "Tổng điểm",
                                               "Trên số điểm có số liệu", "Phạm vi số liệu", "Xếp loại",
                                               "Thay đổi so với kỳ trước"]
    assert sheet.max_row == 3 + 148
    ranked = [(row[0].value, row[1].value) for row in sheet.iter_rows(min_row=4)]
    assert ranked[0][0] == 1
    assert len({code for _rank, code in ranked}) == 148
    # The workbook is the page's own ranking: same period, same leader. Units are ranked within their coverage
    # (issue 11), so each coverage set has its own rank 1: the page's first row is one of the workbook's.
    leaders = {code for rank, code in ranked if rank == 1}
    assert page.locator("#ranking tr[data-unit]").first.get_attribute("data-unit") in leaders


def test_weekly_report_of_the_province(page, site):
    log_in(page, "phutho")
    name, content = _download(page, "a[href*='/xuat/bao-cao-tuan.pdf']")
    week = re.fullmatch(r"bao-cao-tuan-25-(\d{4}-W\d{2})\.pdf", name).group(1)
    text = "\n".join(p.extract_text() for p in PdfReader(BytesIO(content)).pages)
    lines = text.splitlines()
    assert MOTTO in lines[0] and lines[1] == "Độc lập - Tự do - Hạnh phúc"
    assert f"THỦ TỤC HÀNH CHÍNH TUẦN {int(week[-2:])}/{week[:4]}" in " ".join(text.split())
    # The week's figures, as the metrics API gives them for the same days.
    from thuocdo.evaluation.periods import parse_period

    span = parse_period(week)
    answer = page.request.get(f"/api/v1/metrics?unit=25&from={span.start}&to={span.end}")
    assert answer.status == 200
    metrics = json.loads(answer.body())["metrics"]
    this_week = {line.rsplit(" ", 2)[0]: line.rsplit(" ", 2)[1] for line in lines
                 if line.startswith(("Hồ sơ tiếp nhận ", "Hồ sơ đã giải quyết ", "giải quyết quá hạn "))}
    assert this_week == {
        "Hồ sơ tiếp nhận": _vi(metrics["dossier.received"]),
        "Hồ sơ đã giải quyết": _vi(metrics["dossier.resolved"]),
        "giải quyết quá hạn": _vi(metrics["dossier.resolved.late"]),
    }


def _vi(number) -> str:
    return f"{int(number):,}".replace(",", ".")

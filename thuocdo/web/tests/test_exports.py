"""Exports: the ranking as .xlsx (read back with openpyxl), the weekly report as PDF (read back with pypdf)."""

from datetime import datetime
from io import BytesIO

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from thuocdo.accounts.choices import Role
from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.accounts.tests.conftest import make_user
from thuocdo.alerts.choices import AlertKind
from thuocdo.alerts.models import AlertRule
from thuocdo.dossiers.actions import ingest_dossier_events
from thuocdo.dossiers.ontime import Status
from thuocdo.dossiers.tests.factories import ICT, LAM_THAO, PHU_MY, accepted, at, event
from thuocdo.evaluation.actions import load_frameworks

pytestmark = pytest.mark.django_db

HEADERS = ["Hạng", "Mã đơn vị", "Tên đơn vị", "Tổng điểm", "Trên số điểm có số liệu", "Phạm vi số liệu", "Xếp loại",
           "Thay đổi so với kỳ trước",
           "Công khai, minh bạch (tối đa 18)", "Tiến độ giải quyết (tối đa 20)", "Dịch vụ công trực tuyến (tối đa 12)",
           "Thanh toán trực tuyến (tối đa 10)", "Số hóa hồ sơ (tối đa 22)", "Mức độ hài lòng (tối đa 18)",
           "Hồ sơ tiếp nhận", "Hồ sơ đã giải quyết", "Giải quyết đúng hạn (gồm trước hạn)", "Giải quyết quá hạn",
           "Tỷ lệ giải quyết đúng hạn (%)", "Đang giải quyết quá hạn (cuối kỳ)"]
# Week 37's counts beside the scores: received, resolved, in time, late, on-time rate, overdue at its end.
LAM_THAO_W37 = [5, 3, 2, 1, 66.7, 1]
PHU_MY_W37 = [1, 1, 1, 0, 100, 0]
# Progress (Tiến độ giải quyết, 20 points) and DOSSIER_SYNC (6 of Công khai, minh bạch: the fixture's events
# reach us long after they occurred, so 0 points) have data: a score out of 26, never out of 100.
PARTIAL = ("2/6 nhóm; Chưa có số liệu: Dịch vụ công trực tuyến; "
           "Thanh toán trực tuyến; Số hóa hồ sơ; Mức độ hài lòng")
MOTTO = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_LINE = "Độc lập - Tự do - Hạnh phúc"
# Monday 14 September 2026: the default weekly report is week 37 (7–13 September).
REPORT_DAY = datetime(2026, 9, 14, 8, 0, tzinfo=ICT)


@pytest.fixture
def week_37():
    """Xã Lâm Thao in week 37: 5 received (3 online), 1 early, 1 on time, 1 late, 2 pending (1 overdue);
    week 36: 1 received, resolved early. Xã Phú Mỹ in week 37: 1 received, resolved early."""
    load_frameworks(Actor.system())
    rows = [
        accepted("LT-0", at("2026-09-01"), at("2026-09-05", "17:00")),
        event("LT-0", Status.PROCESSED, at("2026-09-02")),
        accepted("LT-1", at("2026-09-07"), at("2026-09-10", "17:00")),
        event("LT-1", Status.PROCESSED, at("2026-09-09")),
        accepted("LT-2", at("2026-09-07"), at("2026-09-08", "17:00"), channel=2),
        event("LT-2", Status.PROCESSED, at("2026-09-08", "16:00")),
        accepted("LT-3", at("2026-09-08"), at("2026-09-09", "17:00"), channel=2),
        event("LT-3", Status.PROCESSED, at("2026-09-11")),
        accepted("LT-4", at("2026-09-09"), at("2026-09-10", "17:00")),
        accepted("LT-5", at("2026-09-11"), at("2026-09-25", "17:00"), channel=2),
        accepted("PM-1", at("2026-09-08"), at("2026-09-12", "17:00"), unit=PHU_MY),
        event("PM-1", Status.PROCESSED, at("2026-09-10"), unit=PHU_MY),
    ]
    with time_machine.travel(REPORT_DAY, tick=False):
        summary = ingest_dossier_events(Actor.system(), rows)
    assert (summary.accepted, summary.rejected) == (12, [])


@pytest.fixture
def province_officer(client):
    client.force_login(make_user("tinh1", Role.PROVINCE_OFFICER, "25"))
    return client


@pytest.fixture
def commune_officer(client):
    client.force_login(make_user("xa1", Role.COMMUNE_OFFICER, LAM_THAO))
    return client


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(BytesIO(response.content)).active


def _values(sheet, row: int) -> list:
    return [cell.value for cell in sheet[row]]


def test_province_ranking_as_excel(week_37, province_officer):
    response = province_officer.get("/u/25/xuat/excel/?framework=qd766&period=2026-W37")
    sheet = _sheet(response)
    assert response["Content-Disposition"] == 'attachment; filename="xep-hang-25-qd766-2026-W37.xlsx"'
    assert sheet.title == "Xếp hạng"
    assert sheet["A1"].value == "Xếp hạng các xã, phường, đặc khu — Tỉnh Phú Thọ"
    assert sheet["A2"].value == ("Bộ chỉ số: Bộ chỉ số phục vụ người dân, doanh nghiệp (QĐ 766/QĐ-TTg), phiên bản 1 · "
                                 "Kỳ: Tuần 37/2026 (07/09/2026–13/09/2026)")
    assert _values(sheet, 3) == HEADERS
    # Only progress (TDGQ) has data. Phú Mỹ resolved its one dossier early: 20 of 20; nothing was scored
    # the week before, so no change. Lâm Thao resolved 2 of 3 in time: 12, against 20 in week 36.
    assert _values(sheet, 4) == [1, PHU_MY, "Xã Phú Mỹ", 20, 26, PARTIAL, None, None, 0, 20, None, None, None,
                                 None, *PHU_MY_W37]
    assert _values(sheet, 5) == [2, LAM_THAO, "Xã Lâm Thao", 12, 26, PARTIAL, None, -8, 0, 12, None, None, None,
                                 None, *LAM_THAO_W37]
    # The 146 other communes of Phú Thọ resolved nothing: không phát sinh, no points shown and no rank.
    assert sheet.max_row == 3 + 148
    apart = [_values(sheet, row) for row in range(6, 152)]
    assert {(v[0], v[3], v[4], v[5], v[6], v[7]) for v in apart} == {(None, None, None, "không phát sinh", None, None)}
    assert sheet.freeze_panes == "D4"


def test_a_commune_officer_exports_only_its_own_line(week_37, commune_officer):
    sheet = _sheet(commune_officer.get("/u/08494/xuat/excel/?period=2026-W37"))
    assert sheet["A1"].value == "Xếp hạng các xã, phường, đặc khu — Tỉnh Phú Thọ"
    assert sheet.max_row == 4
    assert _values(sheet, 4) == [2, LAM_THAO, "Xã Lâm Thao", 12, 26, PARTIAL, None, -8, 0, 12, None, None, None,
                                 None, *LAM_THAO_W37]


def test_exports_of_another_commune_are_denied(week_37, commune_officer):
    audit_rows = AuditEntry.objects.count()
    for path in ("/u/08236/xuat/excel/?period=2026-W37", "/u/08236/xuat/bao-cao-tuan.pdf?week=2026-W37",
                 "/u/25/xuat/excel/", "/u/VN/xuat/bao-cao-tuan.pdf"):
        response = commune_officer.get(path)
        assert response.status_code == 403, path
        assert "application/" not in response["Content-Type"]
    assert AuditEntry.objects.count() == audit_rows


def test_anonymous_visitors_are_sent_to_log_in(week_37, client):
    response = client.get("/u/25/xuat/excel/")
    assert (response.status_code, response["Location"]) == (302, "/tai-khoan/dang-nhap/?next=/u/25/xuat/excel/")


def test_bad_parameters_are_a_400(week_37, province_officer):
    assert province_officer.get("/u/25/xuat/excel/?period=2026-13").status_code == 400
    assert province_officer.get("/u/25/xuat/excel/?framework=khong-co").status_code == 400
    assert province_officer.get("/u/25/xuat/excel/?level=province").status_code == 400
    response = province_officer.get("/u/25/xuat/bao-cao-tuan.pdf?week=2026-09")
    assert response.status_code == 400
    assert ("<p>Tham số <code>week</code>: Cần một tuần ISO, ví dụ 2026-W33, không phải &#x27;2026-09&#x27;</p>"
            in response.content.decode())


def _pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)


def test_weekly_report_of_a_commune(week_37, commune_officer):
    with time_machine.travel(REPORT_DAY, tick=False):
        response = commune_officer.get("/u/08494/xuat/bao-cao-tuan.pdf")
    text = _pdf_text(response)
    assert response["Content-Disposition"] == 'attachment; filename="bao-cao-tuan-08494-2026-W37.pdf"'
    lines = text.splitlines()
    assert lines[:4] == ["TỈNH PHÚ THỌ", "UBND XÃ LÂM THAO", MOTTO, MOTTO_LINE]
    assert " ".join(lines[4].split()) == "Số: /BC-UBND Lâm Thao, ngày 14 tháng 9 năm 2026"
    # Where a long line wraps depends on the font: compare wrapped text with spaces for line breaks.
    flat = " ".join(text.split())
    assert "BÁO CÁO TÌNH HÌNH GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TUẦN 37/2026" in flat
    assert "(Từ ngày 07/09/2026 đến ngày 13/09/2026)" in text
    figures = [
        "Hồ sơ tiếp nhận 5 1",
        "trong đó: tiếp nhận trực tuyến 3 0",
        "Hồ sơ đã giải quyết 3 1",
        "giải quyết trước hạn 1 1",
        "giải quyết đúng hạn 1 0",
        "giải quyết quá hạn 1 0",
        "Hồ sơ đang giải quyết (cuối tuần) 2 0",
        "trong đó: đang giải quyết quá hạn 1 0",
    ]
    start = lines.index("Chỉ tiêu Tuần này Tuần trước") + 1
    assert lines[start:start + len(figures)] == figures
    assert "Tỷ lệ hồ sơ tiếp nhận trực tuyến trong tuần: 60,0%." in text
    # Its line in the province's ranking (the other communes are not this officer's to read).
    assert "thứ hạng trong 148 đơn vị." in flat
    assert lines[lines.index("Hạng Đơn vị Tổng điểm Xếp loại Thay đổi") + 1] == (
        "2 Xã Lâm Thao (*) 12,00 / 26 điểm có số liệu · 2/6 nhóm — -8,00")
    assert "Phú Mỹ" not in text
    assert lines[lines.index("III. Cảnh báo trong tuần") + 1] == "Không có cảnh báo nào trong tuần."


def test_weekly_report_lists_the_weeks_alerts(week_37, commune_officer):
    # An administrator lowers the overdue threshold to 0: Lâm Thao's one overdue dossier (LT-4) fires it.
    AlertRule.objects.filter(kind=AlertKind.PENDING_OVERDUE).update(threshold=0)
    with time_machine.travel(REPORT_DAY, tick=False):
        text = _pdf_text(commune_officer.get("/u/08494/xuat/bao-cao-tuan.pdf?week=2026-W37"))
    lines = text.splitlines()
    start = lines.index("III. Cảnh báo trong tuần") + 1
    assert lines[start:start + 2] == [
        "Đơn vị Cảnh báo Chi tiết",
        "Xã Lâm Thao Hồ sơ đang quá hạn vượt ngưỡng 1 hồ sơ đang quá hạn (ngưỡng 0).",
    ]


def test_weekly_report_of_a_province(week_37, province_officer):
    with time_machine.travel(REPORT_DAY, tick=False):
        text = _pdf_text(province_officer.get("/u/25/xuat/bao-cao-tuan.pdf?week=2026-W37"))
    lines = text.splitlines()
    assert lines[:2] == [f"UBND TỈNH PHÚ THỌ {MOTTO}", MOTTO_LINE]
    assert " ".join(lines[2].split()) == "Số: /BC-UBND Phú Thọ, ngày 14 tháng 9 năm 2026"
    for line in ("Hồ sơ tiếp nhận 6 1", "Hồ sơ đã giải quyết 4 1", "giải quyết trước hạn 2 1",
                 "trong đó: đang giải quyết quá hạn 1 0"):
        assert line in lines
    assert "II. Xếp hạng các xã, phường, đặc khu — Tỉnh Phú Thọ" in lines
    first = lines.index("Hạng Đơn vị Tổng điểm Xếp loại Thay đổi") + 1
    # Out of the 26 points with data (progress, sync); the communes that resolved nothing are ranked apart.
    assert lines[first:first + 3] == ["1 Xã Phú Mỹ 20,00 / 26 điểm có số liệu · 2/6 nhóm — —",
                                      "2 Xã Lâm Thao 12,00 / 26 điểm có số liệu · 2/6 nhóm — -8,00",
                                      "— Phường Tân Hòa không phát sinh — —"]

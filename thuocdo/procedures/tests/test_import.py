"""`thuocdo import procedures FILE`: csv, xlsx and jsonl; idempotent; bad rows named, good rows kept."""

import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from thuocdo.accounts.models import AuditEntry
from thuocdo.accounts.permissions import Actor
from thuocdo.metrics.models import Change
from thuocdo.procedures.actions import import_procedures
from thuocdo.procedures.models import Procedure, Publication

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "danh-muc-thu-tuc.csv"
HEADER = ("code,name,field,level,processing_days,online_level,has_fee,data_replaceable,certified_copy,"
          "province,publish_due,published_on,update_due,updated_on,content_full")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_example_file_loads_then_changes_nothing_on_reimport():
    first = import_procedures(Actor.system(), EXAMPLE)
    assert (first.rows, first.rejected, first.errors) == (6, 0, [])
    assert (first.procedures_created, first.procedures_updated, first.procedures_unchanged) == (5, 0, 0)
    assert (first.publications_created, first.publications_updated, first.publications_unchanged) == (5, 0, 0)
    birth = Procedure.objects.get(code="1.001193")
    assert (birth.name, birth.field, birth.level, birth.processing_days, birth.online_level) == (
        "Đăng ký khai sinh", "Hộ tịch", "commune", 0, "full")
    assert (birth.has_fee, birth.data_replaceable, birth.certified_copy) == (False, True, False)
    assert birth.search_key == "1 001193 dang ky khai sinh"
    pub = Publication.objects.get(province_code="25", procedure_id="1.001193")
    assert (pub.publish_due, pub.published_on, pub.update_due, pub.updated_on, pub.content_full) == (
        date(2025, 7, 1), date(2025, 6, 30), date(2025, 10, 1), date(2025, 10, 3), True)
    hcm = Publication.objects.get(province_code="79", procedure_id="1.001193")
    assert (hcm.published_on, hcm.update_due, hcm.content_full) == (None, None, False)
    audits = AuditEntry.objects.filter(action="procedures.import")
    assert audits.count() == 1 and audits.get().after["procedures_created"] == 5
    marked = set(Change.objects.values_list("unit_code", flat=True))
    assert {"VN", "25", "79", "08494", "26704"} <= marked

    again = import_procedures(Actor.system(), EXAMPLE)
    assert (again.procedures_created, again.procedures_updated, again.procedures_unchanged) == (0, 0, 5)
    assert (again.publications_created, again.publications_updated, again.publications_unchanged) == (0, 0, 5)
    assert Procedure.objects.count() == 5 and Publication.objects.count() == 5


def test_a_changed_row_updates_and_blank_procedure_columns_keep_values(tmp_path):
    import_procedures(Actor.system(), EXAMPLE)
    changed = write(tmp_path, "sua.csv", HEADER + "\n"
                    "1.001193,,,,,partial,,,,25,2025-07-01,2025-07-05,,,1\n")
    result = import_procedures(Actor.system(), changed)
    assert (result.procedures_updated, result.publications_updated, result.rejected) == (1, 1, 0)
    birth = Procedure.objects.get(code="1.001193")
    assert (birth.name, birth.online_level, birth.data_replaceable) == ("Đăng ký khai sinh", "partial", True)
    pub = Publication.objects.get(province_code="25", procedure_id="1.001193")
    assert (pub.published_on, pub.update_due, pub.updated_on) == (date(2025, 7, 5), None, None)


def test_bad_rows_are_named_and_the_good_rows_kept(tmp_path):
    path = write(tmp_path, "loi.csv", "\n".join([
        HEADER,
        "1.000001,Thủ tục một,Hộ tịch,commune,3,full,1,0,0,,,,,,",
        "1.000002,Thủ tục hai,Hộ tịch,commune,3,online,1,0,0,,,,,,",
        "abc,Thủ tục ba,Hộ tịch,tinh,-2,full,có,0,0,,,,,,",
        "1.000004,Thủ tục bốn,Hộ tịch,province,,none,không,0,0,99,2025-13-01,,,,",
        "1.000005,,,,,,,,,,,,,,",
        "1.000001,Thủ tục khác tên,Hộ tịch,commune,3,full,1,0,0,,,,,,",
        "1.000006,Thủ tục sáu,Đất đai,province,20,partial,perhaps,0,0,,,2025-08-01,,,",
        "1.000007,Thủ tục bảy,Đất đai,province,20,partial,0,0,0,25,15/08/2025,20/08/2025,,,x",
    ]) + "\n")
    result = import_procedures(Actor.system(), path)
    assert result.errors == [
        "dòng 3, online_level: phải là full, partial hoặc none",
        "dòng 4, code: mã thủ tục không hợp lệ “abc” (dạng 1.001612)",
        "dòng 4, level: phải là province hoặc commune",
        "dòng 4, processing_days: phải là số ngày làm việc từ 0 đến 3650, không phải “-2”",
        "dòng 5, province: không có tỉnh mã “99”",
        "dòng 5, publish_due: ngày không hợp lệ “2025-13-01” (dạng 2025-07-15 hoặc 15/07/2025)",
        "dòng 6, name: bắt buộc với thủ tục chưa có trong danh mục",
        "dòng 6, field: bắt buộc với thủ tục chưa có trong danh mục",
        "dòng 6, level: bắt buộc với thủ tục chưa có trong danh mục",
        "dòng 6, online_level: bắt buộc với thủ tục chưa có trong danh mục",
        "dòng 7, name: khác dòng 2 của cùng mã 1.000001",
        "dòng 8, has_fee: phải là có/không (1/0, true/false), không phải “perhaps”",
        "dòng 8, published_on: chỉ dùng khi có province (mã tỉnh công bố)",
    ]
    assert (result.rows, result.rejected, result.procedures_created, result.publications_created) == (8, 6, 2, 1)
    assert sorted(Procedure.objects.values_list("code", flat=True)) == ["1.000001", "1.000007"]
    pub = Publication.objects.get()
    assert (pub.publish_due, pub.published_on, pub.content_full) == (date(2025, 8, 15), date(2025, 8, 20), True)


def test_xlsx_with_dates_numbers_and_a_code_excel_made_a_number(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append([2.00072, "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "Kinh doanh", "commune", 3.0,
                  "full", True, False, False, "25", date(2025, 7, 1), date(2025, 7, 1), None, None, 1])
    sheet.append(["1.001612", "Đăng ký thành lập hộ kinh doanh", "Kinh doanh", "commune", 3, "bad", 1, 0, 0])
    path = tmp_path / "danh-muc.xlsx"
    book.save(path)
    result = import_procedures(Actor.system(), path)
    assert result.errors == ["dòng 3, online_level: phải là full, partial hoặc none"]
    procedure = Procedure.objects.get()
    assert (procedure.code, procedure.processing_days, procedure.has_fee) == ("2.000720", 3, True)
    pub = Publication.objects.get()
    assert (pub.province_code, pub.publish_due, pub.content_full) == ("25", date(2025, 7, 1), True)
    assert import_procedures(Actor.system(), path).procedures_unchanged == 1


def test_jsonl_counts_every_line(tmp_path):
    rows = [
        {"code": "1.004227", "name": "Đăng ký biến động đất đai", "field": "Đất đai", "level": "commune",
         "processing_days": 10, "online_level": "partial", "has_fee": True},
        {"code": "1.004227", "province": "25", "publish_due": "2025-07-01", "published_on": "2025-07-02"},
    ]
    text = json.dumps(rows[0], ensure_ascii=False) + "\n\n" + json.dumps(rows[1]) + "\n{không phải json\n[1]\n"
    path = write(tmp_path, "danh-muc.jsonl", text)
    result = import_procedures(Actor.system(), path)
    assert result.errors == ["dòng 4: không phải JSON hợp lệ (cột 2: unexpected character, expected a string key)",
                             "dòng 5: không phải đối tượng JSON"]
    assert (result.procedures_created, result.publications_created) == (1, 1)
    assert Publication.objects.get().published_on == date(2025, 7, 2)


def test_a_province_row_that_contradicts_an_earlier_one_is_rejected(tmp_path):
    path = write(tmp_path, "trung.csv", "\n".join([
        HEADER,
        "1.000001,Thủ tục một,Hộ tịch,commune,3,full,1,0,0,25,2025-07-01,,,,",
        "1.000001,,,,,,,,,25,2025-07-01,,,,",
        "1.000001,,,,,,,,,25,2025-07-02,,,,",
    ]) + "\n")
    result = import_procedures(Actor.system(), path)
    assert result.errors == ["dòng 4, province: tỉnh 25 đã công bố mã 1.000001 ở dòng 2 với ngày khác"]
    assert Publication.objects.get().publish_due == date(2025, 7, 1)


def test_command_prints_the_summary_and_refuses_unknown_files(tmp_path):
    out = StringIO()
    call_command("import", "procedures", str(EXAMPLE), stdout=out)
    assert out.getvalue().splitlines() == [
        "Tệp danh-muc-thu-tuc.csv: 6 dòng, 0 dòng bị từ chối",
        "Thủ tục: mới 5, cập nhật 0, không đổi 0",
        "Công bố: mới 5, cập nhật 0, không đổi 0",
    ]
    out = StringIO()
    call_command("import", "procedures", str(EXAMPLE), "--json", stdout=out)
    assert json.loads(out.getvalue())["procedures_unchanged"] == 5
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="chỉ nhận .csv, .xlsx hoặc .jsonl"):
        call_command("import", "procedures", str(write(tmp_path, "a.txt", "x")))
    with pytest.raises(CommandError, match="thiếu cột code"):
        call_command("import", "procedures", str(write(tmp_path, "a.csv", "ma,ten\n1,2\n")))


def test_a_long_file_prints_progress(tmp_path):
    lines = [HEADER, "1.000001,Thủ tục một,Hộ tịch,commune,3,full,1,0,0,,,,,,"]
    lines += [f"1.{n:06d},Thủ tục {n},Hộ tịch,province,5,partial,0,0,0,25,2025-07-01,2025-07-01,,,1"
              for n in range(2, 10_002)]
    path = write(tmp_path, "dai.csv", "\n".join(lines) + "\n")
    out = StringIO()
    call_command("import", "procedures", str(path), stdout=out)
    assert out.getvalue().splitlines() == [
        "  đã đọc 5.000 dòng…",
        "  đã đọc 10.000 dòng…",
        "Tệp dai.csv: 10.001 dòng, 0 dòng bị từ chối",
        "Thủ tục: mới 10.001, cập nhật 0, không đổi 0",
        "Công bố: mới 10.000, cập nhật 0, không đổi 0",
    ]

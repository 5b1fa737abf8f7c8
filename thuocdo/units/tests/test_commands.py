"""`thuocdo units search|convert` and `thuocdo load_units`."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

UNIT_KEYS = ["code", "name", "type", "level", "province_code", "lat", "lon", "area_km2"]


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_search_json_is_the_exact_public_shape(db):
    rows = json.loads(run("units", "search", "bo ngoong", "--json"))
    assert rows == [
        {
            "code": "23947",
            "name": "Xã Bờ Ngoong",
            "type": "xa",
            "level": "commune",
            "province_code": "52",
            "lat": 13.81,
            "lon": 108.086,
            "area_km2": 172.11,
        }
    ]
    assert list(rows[0]) == UNIT_KEYS


def test_search_with_province_json(db):
    rows = json.loads(run("units", "search", "phu my", "--province", "79", "--json"))
    assert [r["code"] for r in rows] == ["26704", "27487", "26956", "26785"]
    assert rows[0]["name"] == "Phường Phú Mỹ"


def test_search_table(db):
    lines = run("units", "search", "lam thao").splitlines()
    assert lines == [
        "Mã     Tên          Loại  Tỉnh, thành phố",
        "-----  -----------  ----  ---------------",
        "08494  Xã Lâm Thao  Xã    Phú Thọ",
        "09529  Xã Lâm Thao  Xã    Bắc Ninh",
    ]


def test_search_nothing_found_fails(db):
    with pytest.raises(CommandError) as excinfo:
        run("units", "search", "zzzz")
    assert str(excinfo.value) == "Không tìm thấy đơn vị nào khớp với “zzzz”."
    with pytest.raises(CommandError) as excinfo:
        run("units", "search", "bo ngoong", "--province", "79")
    assert str(excinfo.value) == "Không tìm thấy đơn vị nào khớp với “bo ngoong” trong tỉnh 79."


def test_convert_json(db):
    rows = json.loads(run("units", "convert", "Phường Phú Mỹ, Quận 7, Thành phố Hồ Chí Minh", "--json"))
    assert [(r["code"], r["name"]) for r in rows] == [
        ("27487", "Phường Tân Mỹ"),
        ("27484", "Phường Phú Thuận"),
    ]
    rows = json.loads(run("units", "convert", "Phường Phú Mỹ, Thị xã Phú Mỹ, Tỉnh Bà Rịa - Vũng Tàu", "--json"))
    assert [(r["code"], r["province_code"]) for r in rows] == [("26704", "79")]


def test_convert_table(db):
    lines = run("units", "convert", "Phường Phú Mỹ, Quận 7, Thành phố Hồ Chí Minh").splitlines()
    assert lines == [
        "Đơn vị cũ: Phường Phú Mỹ, Quận 7, Thành phố Hồ Chí Minh",
        "Đơn vị cũ này bị chia cho nhiều xã mới; dòng đầu là phần mặc định.",
        "Mã     Tên               Loại    Tỉnh, thành phố",
        "-----  ----------------  ------  ---------------",
        "27487  Phường Tân Mỹ     Phường  Hồ Chí Minh",
        "27484  Phường Phú Thuận  Phường  Hồ Chí Minh",
    ]


def test_convert_bad_address_fails(db):
    with pytest.raises(CommandError) as excinfo:
        run("units", "convert", "xyz", "--json")
    assert str(excinfo.value) == "Không nhận ra tỉnh, thành phố (cũ) trong địa chỉ “xyz”."


def test_load_units_reports_counts_and_no_changes(db):
    lines = run("load_units").splitlines()
    assert lines == [
        "Đơn vị: 1 quốc gia / 34 tỉnh / 3.321 xã (2.621 xã, 687 phường, 13 đặc khu); "
        "đơn vị cũ: 10.040 (9.569 nguyên vẹn, 471 bị chia; 10.602 phần)",
        "Đơn vị: tạo mới 0, cập nhật 0; đơn vị cũ: tạo mới 0, cập nhật 0; phần: tạo mới 0, cập nhật 0, xoá 0",
        "Danh mục đã khớp với dữ liệu tham chiếu; không có thay đổi.",
    ]


def test_load_units_json(db):
    result = json.loads(run("load_units", "--json"))
    assert (result["communes"], result["legacy"], result["units_created"], result["units_updated"]) == (
        3321,
        10040,
        0,
        0,
    )

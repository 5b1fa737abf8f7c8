"""The registry as loaded from the packages: counts, mapping integrity, idempotence."""

import datetime

from django.db.models import Count, F, Q

from thuocdo.units.choices import Level, UnitType
from thuocdo.units.loader import load_units
from thuocdo.units.models import LegacyUnit, LegacyUnitPart, Unit

UNIT_COLUMNS = [f.attname for f in Unit._meta.concrete_fields]
LEGACY_COLUMNS = [f.attname for f in LegacyUnit._meta.concrete_fields]
PART_COLUMNS = [f.attname for f in LegacyUnitPart._meta.concrete_fields]


def _snapshot() -> tuple[list, list, list]:
    return (
        list(Unit.objects.order_by("code").values_list(*UNIT_COLUMNS)),
        list(LegacyUnit.objects.order_by("pk").values_list(*LEGACY_COLUMNS)),
        list(LegacyUnitPart.objects.order_by("pk").values_list(*PART_COLUMNS)),
    )


def test_unit_counts_by_level_and_type(db):
    assert Unit.objects.filter(level=Level.NATIONAL).count() == 1
    assert Unit.objects.filter(level=Level.PROVINCE).count() == 34
    assert Unit.objects.filter(level=Level.COMMUNE).count() == 3321
    by_type = dict(Unit.objects.order_by().values_list("type").annotate(n=Count("pk")))
    assert by_type == {
        UnitType.NATIONAL: 1,
        UnitType.PROVINCE: 28,
        UnitType.CENTRAL_CITY: 6,
        UnitType.COMMUNE: 2621,
        UnitType.WARD: 687,
        UnitType.SPECIAL_ZONE: 13,
    }


def test_national_root_and_a_province_and_a_commune(db):
    vn = Unit.objects.get(code="VN")
    assert (vn.name, vn.level, vn.type, vn.parent_id, vn.province_code) == (
        "Việt Nam",
        "national",
        "quoc_gia",
        None,
        "",
    )
    hcmc = Unit.objects.get(code="79")
    assert (hcmc.name, hcmc.short_name, hcmc.type, hcmc.parent_id, hcmc.province_code) == (
        "Thành phố Hồ Chí Minh",
        "Hồ Chí Minh",
        "thanh_pho_trung_uong",
        "VN",
        "79",
    )
    assert Unit.objects.get(code="52").type == "tinh"
    commune = Unit.objects.get(code="23947")
    assert (commune.name, commune.short_name, commune.type, commune.level) == (
        "Xã Bờ Ngoong",
        "Bờ Ngoong",
        "xa",
        "commune",
    )
    assert (commune.parent_id, commune.province_code, commune.search_key) == ("52", "52", "xa bo ngoong")
    assert (commune.lat, commune.lon, commune.area_km2) == (13.81, 108.086, 172.11)
    assert (commune.valid_from, commune.valid_to) == (datetime.date(2025, 7, 1), None)


def test_every_commune_hangs_under_its_province(db):
    communes = Unit.objects.filter(level=Level.COMMUNE)
    assert communes.exclude(parent_id__in=Unit.objects.filter(level=Level.PROVINCE).values("code")).count() == 0
    assert communes.exclude(parent_id=F("province_code")).count() == 0
    assert Unit.objects.filter(level=Level.PROVINCE).exclude(parent_id="VN").count() == 0
    assert Unit.objects.filter(level=Level.COMMUNE, lat__isnull=True).count() == 0
    # Two communes of Quảng Trị have no area in the package.
    missing_area = Unit.objects.filter(area_km2__isnull=True).order_by("code").values_list("code", flat=True)
    assert list(missing_area) == ["19147", "19159"]


def test_legacy_counts_and_parts(db):
    assert LegacyUnit.objects.count() == 10040
    assert LegacyUnit.objects.filter(is_divided=False).count() == 9569
    assert LegacyUnit.objects.filter(is_divided=True).count() == 471
    assert LegacyUnitPart.objects.count() == 10602
    parts = LegacyUnit.objects.annotate(
        n_parts=Count("parts"), n_default=Count("parts", filter=Q(parts__is_default=True))
    )
    assert parts.filter(is_divided=False).exclude(n_parts=1).count() == 0
    assert parts.filter(is_divided=True, n_parts__lt=2).count() == 0
    assert parts.exclude(n_default=1).count() == 0
    # `unit` is the default part.
    assert LegacyUnitPart.objects.filter(is_default=True).exclude(unit_id=F("legacy__unit_id")).count() == 0


def test_every_legacy_unit_maps_to_an_existing_commune(db):
    communes = Unit.objects.filter(level=Level.COMMUNE).values("code")
    assert LegacyUnit.objects.exclude(unit_id__in=communes).count() == 0
    assert LegacyUnitPart.objects.exclude(unit_id__in=communes).count() == 0


def test_island_districts_without_wards_map_to_their_special_zones(db):
    islands = LegacyUnit.objects.filter(ward_code="").order_by("district_code")
    assert [(x.district_name, x.ward_key, x.unit_id, x.unit.name) for x in islands] == [
        ("Huyện Bạch Long Vĩ", "", "11948", "Đặc khu Bạch Long Vĩ"),
        ("Huyện Cồn Cỏ", "", "19742", "Đặc khu Cồn Cỏ"),
        ("Huyện Hoàng Sa", "", "20333", "Đặc khu Hoàng Sa"),
        ("Huyện Lý Sơn", "", "21548", "Đặc khu Lý Sơn"),
        ("Huyện Côn Đảo", "", "26732", "Đặc khu Côn Đảo"),
    ]


def test_accented_converter_keys_are_kept_distinct(db):
    """ "xãhoằngquỳ" and "xãhoằngquý" are two communes; folding accents would merge them."""
    rows = LegacyUnit.objects.filter(district_key="huyenhoanghoa", ward_key__in=["xãhoằngquỳ", "xãhoằngquý"])
    assert sorted(rows.values_list("ward_code", "ward_name", "unit_id")) == [
        ("15886", "Xã Hoằng Quỳ", "15880"),
        ("15916", "Xã Hoằng Quý", "15889"),
    ]


def test_a_divided_legacy_commune_keeps_all_its_parts(db):
    legacy = LegacyUnit.objects.get(province_key="thanhphohochiminh", district_key="quan7", ward_key="phuongphumy")
    assert (legacy.ward_code, legacy.is_divided, legacy.unit_id) == ("27493", True, "27487")
    parts = legacy.parts.order_by("-is_default", "unit_id").values_list("unit_id", "is_default")
    assert list(parts) == [("27487", True), ("27484", False)]


def test_second_load_changes_nothing(db):
    before = _snapshot()
    result = load_units()
    assert _snapshot() == before
    assert result.as_dict() == {
        "national": 1, "provinces": 34, "communes": 3321, "xa": 2621, "phuong": 687, "dac_khu": 13,
        "legacy": 10040, "legacy_whole": 9569, "legacy_divided": 471, "legacy_parts": 10602,
        "units_created": 0, "units_updated": 0, "legacy_created": 0, "legacy_updated": 0,
        "parts_created": 0, "parts_updated": 0, "parts_deleted": 0,
    }  # fmt: skip


def test_load_repairs_exactly_the_rows_that_drifted(db):
    before = _snapshot()
    Unit.objects.filter(code="23947").update(name="Xã Bờ Ngoong (sửa tay)")
    LegacyUnit.objects.filter(ward_code="27493").update(is_divided=False)
    LegacyUnitPart.objects.filter(legacy__ward_code="27493", unit_id="27484").delete()
    LegacyUnitPart.objects.filter(legacy__ward_code="00088").update(is_default=False)
    result = load_units()
    assert (result.units_created, result.units_updated) == (0, 1)
    assert (result.legacy_created, result.legacy_updated) == (0, 1)
    assert (result.parts_created, result.parts_updated, result.parts_deleted) == (1, 1, 0)
    after = _snapshot()
    assert after[0] == before[0]
    assert after[1] == before[1]
    # The re-created part has a new id; everything else is as before.
    assert sorted(p[1:] for p in after[2]) == sorted(p[1:] for p in before[2])

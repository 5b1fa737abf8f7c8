"""Read the unit registry out of the installed reference packages, without touching the database.

`vietnamadminunits` (its SQLite `dataset.db` and `converter_2025.json`) gives the
3,321 communes with codes, coordinates and areas, the 10,040 pre-2025 communes and
the old→new mapping; `vietnam_provinces` gives the provinces' division types and
is used as a cross-check of the commune list (same names in the same provinces).

The two packages disagree on the code of 123 communes; the codes here are
`vietnamadminunits`', which agree with Decision 19/2025/QĐ-TTg where the two were
checked (e.g. Xã Ia Mơ, Gia Lai = 23938 after the statistics office's correction of
30 June 2025; `vietnam_provinces` still has the draft code 23737).
"""

import datetime
import json
import sqlite3
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from thuocdo.units.choices import NATIONAL_CODE, REFORM_DATE, Level, UnitType
from thuocdo.units.text import search_key

VALID_FROM = datetime.date.fromisoformat(REFORM_DATE)
NATIONAL_NAME = "Việt Nam"

# A new commune's type is the word its official name opens with.
COMMUNE_TYPE_PREFIXES = {"Xã ": UnitType.COMMUNE, "Phường ": UnitType.WARD, "Đặc khu ": UnitType.SPECIAL_ZONE}

LegacyKey = tuple[str, str, str]  # (province_key, district_key, ward_key); ward_key "" for island districts


class RegistrySourceError(RuntimeError):
    """The reference packages do not describe a consistent registry (wrong version installed?)."""


@dataclass
class RegistrySource:
    """Everything the loader writes, as plain field dicts: units parents-first, legacy units by key."""

    units: dict[str, dict] = field(default_factory=dict)
    legacy: dict[LegacyKey, dict] = field(default_factory=dict)
    # Legacy key → [(new commune code, is_default)], the default part first.
    parts: dict[LegacyKey, list[tuple[str, bool]]] = field(default_factory=dict)


def _package_data_dir() -> Path:
    import vietnamadminunits

    return Path(vietnamadminunits.__file__).parent / "data"


def _clean(name: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", name or "").split())


def _commune_type(name: str) -> str:
    for prefix, unit_type in COMMUNE_TYPE_PREFIXES.items():
        if name.startswith(prefix):
            return unit_type.value
    raise RegistrySourceError(f"Không xác định được loại của đơn vị “{name}”.")


def _province_types() -> dict[str, str]:
    """Province code → UnitType, from vietnam_provinces' division type."""
    from vietnam_provinces import Province, VietNamDivisionType

    types = {}
    for province in Province.iter_all():
        central = province.division_type == VietNamDivisionType.THANH_PHO_TRUNG_UONG
        types[f"{province.code.value:02d}"] = (UnitType.CENTRAL_CITY if central else UnitType.PROVINCE).value
    return types


def _cross_check_communes(units: dict[str, dict]) -> None:
    """Fail unless vietnam_provinces lists the same communes (by province and accent-free name)."""
    from vietnam_provinces import Ward

    ours = Counter((u["province_code"], u["search_key"]) for u in units.values() if u["level"] == Level.COMMUNE)
    theirs = Counter((f"{w.province_code.value:02d}", search_key(w.name)) for w in Ward.iter_all())
    if ours != theirs:
        missing = sorted((theirs - ours).elements())[:5]
        extra = sorted((ours - theirs).elements())[:5]
        raise RegistrySourceError(f"Hai gói dữ liệu không khớp danh sách xã: thiếu {missing}, thừa {extra}.")


def _read_units(db: sqlite3.Connection) -> tuple[dict[str, dict], dict[tuple[str, str], str]]:
    """Units (nation, provinces, communes) and the converter's (province key, ward key) → code."""
    province_types = _province_types()
    national = {
        "code": NATIONAL_CODE,
        "name": NATIONAL_NAME,
        "short_name": NATIONAL_NAME,
        "type": UnitType.NATIONAL.value,
        "level": Level.NATIONAL.value,
        "parent_id": None,
        "province_code": "",
        "search_key": search_key(NATIONAL_NAME),
        "lat": None,
        "lon": None,
        "area_km2": None,
        "valid_from": VALID_FROM,
        "valid_to": None,
    }
    provinces: dict[str, dict] = {}
    communes: dict[str, dict] = {}
    new_codes: dict[tuple[str, str], str] = {}
    areas: Counter = Counter()
    for row in db.execute("SELECT * FROM admin_units ORDER BY provinceCode, wardCode"):
        p_code, code, name = row["provinceCode"], row["wardCode"], _clean(row["ward"])
        if p_code not in province_types:
            raise RegistrySourceError(f"Tỉnh {p_code} không có trong vietnam_provinces.")
        if p_code not in provinces:
            provinces[p_code] = {
                **national,
                "code": p_code,
                "name": _clean(row["province"]),
                "short_name": _clean(row["provinceShort"]),
                "type": province_types[p_code],
                "level": Level.PROVINCE.value,
                "parent_id": NATIONAL_CODE,
                "province_code": p_code,
                "search_key": search_key(row["province"]),
                "lat": row["provinceLat"],
                "lon": row["provinceLon"],
            }
        communes[code] = {
            **national,
            "code": code,
            "name": name,
            "short_name": _clean(row["wardShort"]),
            "type": _commune_type(name),
            "level": Level.COMMUNE.value,
            "parent_id": p_code,
            "province_code": p_code,
            "search_key": search_key(name),
            "lat": row["wardLat"],
            "lon": row["wardLon"],
            "area_km2": row["wardAreaKm2"],
        }
        new_codes[(row["provinceKey"], row["wardKey"])] = code
        areas[p_code] += row["wardAreaKm2"] or 0
    for p_code, province in provinces.items():
        province["area_km2"] = round(areas[p_code], 2)
    national["area_km2"] = round(sum(areas.values()), 2)
    if set(provinces) != set(province_types):
        raise RegistrySourceError("Danh sách tỉnh của hai gói dữ liệu không khớp.")
    return {NATIONAL_CODE: national, **provinces, **communes}, new_codes


def _read_parts(new_codes: dict[tuple[str, str], str]) -> dict[LegacyKey, list[tuple[str, bool]]]:
    """Old commune key → the new communes it went into, default first."""
    with open(_package_data_dir() / "converter_2025.json", encoding="utf-8") as f:
        converter = json.load(f)
    parts: dict[LegacyKey, list[tuple[str, bool]]] = {}

    def new_code(province_key: str, ward_key: str) -> str:
        try:
            return new_codes[(province_key, ward_key)]
        except KeyError:
            raise RegistrySourceError(f"Bộ chuyển đổi trỏ tới xã mới không tồn tại: {ward_key}") from None

    def legacy_key(joined: str) -> LegacyKey:
        province_key, district_key, ward_key = joined.split("_")
        return (province_key, district_key, ward_key)

    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, olds in wards.items():
            for old in olds:
                parts[legacy_key(old)] = [(new_code(province_key, ward_key), True)]
    for province_key, olds in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for old, pieces in olds.items():
            entries = [(new_code(province_key, p["newWardKey"]), bool(p["isDefaultNewWard"])) for p in pieces]
            if sum(is_default for _, is_default in entries) != 1:
                raise RegistrySourceError(f"Xã cũ bị chia {old} không có đúng một phần mặc định.")
            parts[legacy_key(old)] = sorted(entries, key=lambda e: (not e[1], e[0]))
    return parts


def _read_legacy(db: sqlite3.Connection, parts: dict[LegacyKey, list[tuple[str, bool]]]) -> dict:
    """Legacy key → LegacyUnit fields; `unit_id` is the default part."""
    legacy: dict[LegacyKey, dict] = {}
    for row in db.execute("SELECT * FROM admin_units_legacy ORDER BY provinceCode, districtCode, wardCode"):
        key = (row["provinceKey"], row["districtKey"], row["wardKey"] or "")
        if key not in parts:
            raise RegistrySourceError(f"Xã cũ {key} không có trong bộ chuyển đổi.")
        ward, district, province = _clean(row["ward"]), _clean(row["district"]), _clean(row["province"])
        # The five island districts have no wards: the district's own centre stands in.
        has_ward = bool(row["wardCode"])
        legacy[key] = {
            "ward_code": row["wardCode"] or "",
            "ward_name": ward,
            "district_code": row["districtCode"],
            "district_name": district,
            "province_code": row["provinceCode"],
            "province_name": province,
            "province_key": key[0],
            "district_key": key[1],
            "ward_key": key[2],
            "search_key": search_key(" ".join(n for n in (ward, district, province) if n)),
            "lat": row["wardLat"] if has_ward else row["districtLat"],
            "lon": row["wardLon"] if has_ward else row["districtLon"],
            "unit_id": parts[key][0][0],
            "is_divided": len(parts[key]) > 1,
        }
    if len(legacy) != len(parts):
        raise RegistrySourceError("Bộ chuyển đổi có xã cũ không có trong danh sách xã cũ.")
    return legacy


def read_registry_source() -> RegistrySource:
    """Read and cross-check both packages; raises RegistrySourceError when they do not fit together."""
    db = sqlite3.connect(f"file:{_package_data_dir() / 'dataset.db'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        units, new_codes = _read_units(db)
        _cross_check_communes(units)
        parts = _read_parts(new_codes)
        legacy = _read_legacy(db, parts)
    finally:
        db.close()
    return RegistrySource(units=units, legacy=legacy, parts=parts)

"""Reads on the unit registry: name search and old-address conversion."""

from dataclasses import dataclass

from django.db.models import QuerySet

from thuocdo.units.choices import Level
from thuocdo.units.models import LegacyUnit, Unit
from thuocdo.units.text import TYPE_WORDS, fold_case, search_key, split_type_word

LEVEL_ORDER = {Level.NATIONAL: 0, Level.PROVINCE: 1, Level.AGENCY: 2, Level.COMMUNE: 3}
# Match quality, best first.
EXACT, STARTS_WITH, WORD_PREFIXES, SUBSTRING = range(4)


class AddressNotUnderstood(ValueError):
    """An old-style address in which the old province, district or commune cannot be recognised."""


def _match_rank(unit_key: str, short_key: str, full: str, core: str) -> int | None:
    """How well a unit's keys match the query (full = as typed, core = without its type word)."""
    if short_key in (full, core) or unit_key == full:
        return EXACT
    if short_key.startswith(core) or unit_key.startswith(full):
        return STARTS_WITH
    words = unit_key.split()
    if all(any(w.startswith(q) for w in words) for q in core.split()):
        return WORD_PREFIXES
    if core in unit_key:
        return SUBSTRING
    return None


def search_units(
    query: str, province: str | None = None, limit: int = 20, units_qs: QuerySet[Unit] | None = None
) -> list[Unit]:
    """Units whose name matches `query`, best first; accents, case and a leading type word are ignored.

    "Bờ Ngoong", "bo ngoong" and "xa bo ngoong" all find Xã Bờ Ngoong. Ranking: exact
    short-name match, then names starting with the query, then names holding every
    query word as a word prefix, then names containing it. A type word in the query
    ("xã", "phường") breaks ties in favour of that type; so does exact spelling with
    accents ("Phú Mỹ" before "Phù Mỹ"). Then provinces before communes, then by name.
    """
    full = search_key(query)
    if not full:
        return []
    type_word, core = split_type_word(full)
    wanted_type = TYPE_WORDS.get(type_word) if type_word else None
    accented = fold_case(query) if fold_case(query) != full else None
    qs = units_qs if units_qs is not None else Unit.objects.all()
    if province:
        qs = qs.filter(province_code=province)
    for word in core.split():
        qs = qs.filter(search_key__contains=word)
    ranked = []
    for unit in qs.only("code", "name", "short_name", "type", "level", "province_code", "search_key"):
        rank = _match_rank(unit.search_key, search_key(unit.short_name), full, core)
        if rank is None:
            continue
        type_miss = wanted_type is not None and unit.type != wanted_type
        accent_miss = accented is not None and accented not in (
            fold_case(unit.name),
            fold_case(unit.short_name),
        )
        ranked.append(((rank, type_miss, accent_miss, LEVEL_ORDER.get(unit.level, 9), unit.search_key), unit))
    ranked.sort(key=lambda pair: (pair[0], pair[1].code))
    codes = [unit.code for _, unit in ranked[:limit]]
    # Re-read the winners in full (the scan above loaded only the columns it needed).
    full_rows = Unit.objects.in_bulk(codes)
    return [full_rows[code] for code in codes]


@dataclass
class Conversion:
    """An old address resolved: the legacy commune and the new communes it went into, default first."""

    legacy: LegacyUnit
    units: list[Unit]


def _parse_legacy(address: str):
    # Imported here: the package pulls in shapely and geopy (~0.5 s), needed only for this.
    from vietnamadminunits import parse_address

    try:
        return parse_address(address, mode="LEGACY", keep_street=False, level=3)
    except Exception as exc:  # the parser raises bare exceptions on odd input
        raise AddressNotUnderstood(f"Không đọc được địa chỉ “{address}”.") from exc


def find_legacy_unit(address: str) -> LegacyUnit:
    """The pre-2025 commune named in an old-style address ("Phường Phú Mỹ, Quận 7, TP Hồ Chí Minh")."""
    if not search_key(address):
        raise AddressNotUnderstood("Địa chỉ trống.")
    parsed = _parse_legacy(address)
    if not parsed.province_key:
        raise AddressNotUnderstood(f"Không nhận ra tỉnh, thành phố (cũ) trong địa chỉ “{address}”.")
    if not parsed.district_key:
        raise AddressNotUnderstood(f"Không nhận ra quận, huyện (cũ) trong địa chỉ “{address}”.")
    in_district = LegacyUnit.objects.filter(province_key=parsed.province_key, district_key=parsed.district_key)
    if parsed.ward_key:
        legacy = in_district.filter(ward_key=parsed.ward_key).first()
    else:
        # The five island districts had no communes: the district itself is the legacy unit.
        legacy = in_district.filter(ward_key="").first()
    if legacy is None:
        raise AddressNotUnderstood(f"Không nhận ra xã, phường, thị trấn (cũ) trong địa chỉ “{address}”.")
    return legacy


def convert_address(address: str) -> list[Unit]:
    """The new communes an old-style address now belongs to, best first (a divided one's default part first).

    Uses only vietnamadminunits' offline parser and our LegacyUnit tables, never its
    converter (which may call an online geocoder). Raises AddressNotUnderstood.
    """
    return convert_address_full(address).units


def convert_address_full(address: str) -> Conversion:
    """Like convert_address, also returning the legacy commune that was recognised."""
    legacy = find_legacy_unit(address)
    parts = legacy.parts.select_related("unit").order_by("-is_default", "unit__code")
    return Conversion(legacy=legacy, units=[part.unit for part in parts])


def registry_row(unit: Unit) -> dict:
    """The public shape of a unit in the CLI's and API's JSON."""
    return {
        "code": unit.code,
        "name": unit.name,
        "type": unit.type,
        "level": unit.level,
        "province_code": unit.province_code,
        "lat": unit.lat,
        "lon": unit.lon,
        "area_km2": unit.area_km2,
    }

"""search_units: accent-, case- and type-word-insensitive, best match first."""

import pytest

from thuocdo.units.models import Unit
from thuocdo.units.queries import search_units


def codes(query: str, province: str | None = None, limit: int = 20, **kwargs) -> list[str]:
    return [unit.code for unit in search_units(query, province=province, limit=limit, **kwargs)]


@pytest.mark.parametrize("query", ["bo ngoong", "Bờ Ngoong", "xa bo ngoong", "Xã Bờ Ngoong", "BO NGOONG", "bo ngo"])
def test_bo_ngoong_in_gia_lai_whichever_way_it_is_typed(db, query):
    assert codes(query) == ["23947"]
    assert Unit.objects.get(code="23947").province_code == "52"


def test_phu_my_in_ho_chi_minh_city_comes_first(db):
    assert codes("phu my", province="79") == ["26704", "27487", "26956", "26785"]


def test_phu_my_nationwide_exact_accents_first(db):
    # Exact short-name matches first; typed with accents, "Phú Mỹ" beats "Phù Mỹ".
    assert codes("Phú Mỹ", limit=4) == ["26704", "08236", "32214", "21730"]
    assert codes("phu my", limit=4) == ["26704", "08236", "21730", "32214"]


def test_type_word_prefers_that_type(db):
    assert codes("xa phu my", limit=4) == ["08236", "21730", "32214", "26704"]
    assert codes("phuong phu my", limit=1) == ["26704"]


def test_provinces_before_communes_on_a_tie(db):
    assert codes("hue", limit=2) == ["46", "17944"]
    assert codes("thanh pho hue", limit=1) == ["46"]
    assert codes("ho chi minh") == ["79"]
    assert codes("hung yen") == ["33"]


def test_seed_communes(db):
    assert codes("Phường 1 Bảo Lộc") == ["24823"]
    assert codes("bao loc") == ["24823", "24820", "24841"]
    assert codes("bac lieu") == ["31825"]
    assert codes("Nậm Lầu") == ["03784"]
    # "Tân Khánh" contains "an khanh": a substring match, ranked last.
    assert codes("an khanh", province="79") == ["27094", "25891"]
    assert codes("an khanh", limit=4) == ["27094", "05809", "09877", "11668"]
    assert codes("lam thao") == ["08494", "09529"]
    assert codes("lam thao", province="25") == ["08494"]
    assert codes("pho hien") == ["11953"]


def test_word_prefixes_and_substrings_rank_below_whole_names(db):
    # Two exact short-name matches: the ward of HCMC and the commune of An Giang, by name.
    assert codes("thanh my tay") == ["26956", "30481"]
    assert codes("my tay", province="79") == ["26956", "26785"]


def test_no_match_and_empty_query(db):
    assert codes("zzzz") == []
    assert codes("  ,. ") == []
    assert codes("bo ngoong", province="79") == []


def test_limit_and_restricted_queryset(db):
    assert len(codes("xa", limit=7)) == 7
    only_hcmc = Unit.objects.filter(province_code="79")
    assert codes("phu my", units_qs=only_hcmc, limit=1) == ["26704"]

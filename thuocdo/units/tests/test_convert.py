"""convert_address: old (pre-2025) addresses to new communes, through our LegacyUnit tables.

Every expected answer was checked against vietnamadminunits' own converter.
"""

import pytest

from thuocdo.units.queries import AddressNotUnderstood, convert_address, convert_address_full


def codes(address: str) -> list[str]:
    return [unit.code for unit in convert_address(address)]


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        # domain.md's two examples: same old name, different new communes.
        ("Phường Phú Mỹ, Quận 7, Thành phố Hồ Chí Minh", ["27487", "27484"]),
        ("Phường Phú Mỹ, Thị xã Phú Mỹ, Tỉnh Bà Rịa - Vũng Tàu", ["26704"]),
        ("phuong phu my, quan 7, tp hcm", ["27487", "27484"]),
        # Communes named in the seeds.
        ("Phường 1, Thành phố Bảo Lộc, Tỉnh Lâm Đồng", ["24823"]),
        ("Phường 1, Thành phố Bạc Liêu, Tỉnh Bạc Liêu", ["31825"]),
        ("Xã Nậm Lầu, Huyện Thuận Châu, Tỉnh Sơn La", ["03784"]),
        ("Phường An Khánh, Thành phố Thủ Đức, Thành phố Hồ Chí Minh", ["27094"]),
        ("Xã Bờ Ngoong, Huyện Chư Sê, Tỉnh Gia Lai", ["23947"]),
        ("Thị trấn Lâm Thao, Huyện Lâm Thao, Tỉnh Phú Thọ", ["08494"]),
        ("Phường Gia Cẩm, Thành phố Việt Trì, Tỉnh Phú Thọ", ["07900"]),
        ("Xã Phú Mỹ, Huyện Phù Ninh, Tỉnh Phú Thọ", ["08236"]),
        ("Phường Phú Hội, Quận Thuận Hóa, Thành phố Huế", ["19789"]),
        ("Phường Lê Lợi, Thành phố Hưng Yên, Tỉnh Hưng Yên", ["11953"]),
        ("Phường Hàng Bài, Quận Hoàn Kiếm, Hà Nội", ["00082"]),
        ("Phường Bến Nghé, Quận 1, Thành phố Hồ Chí Minh", ["26740"]),
        # Island districts with no communes.
        ("Huyện Côn Đảo, Tỉnh Bà Rịa - Vũng Tàu", ["26732"]),
        ("Huyện Lý Sơn, Tỉnh Quảng Ngãi", ["21548"]),
        # Names that differ only by accents, kept apart by the converter's accented keys.
        ("Xã Hoằng Quỳ, Huyện Hoằng Hóa, Tỉnh Thanh Hóa", ["15880"]),
        ("Xã Hoằng Quý, Huyện Hoằng Hóa, Tỉnh Thanh Hóa", ["15889"]),
        ("Phường Sa Pả, Thị xã Sa Pa, Tỉnh Lào Cai", ["03006"]),
    ],
)
def test_old_address_to_new_communes(db, address, expected):
    assert codes(address) == expected


def test_conversion_names_the_legacy_commune(db):
    conversion = convert_address_full("Phường Phú Mỹ, Quận 7, Thành phố Hồ Chí Minh")
    assert str(conversion.legacy) == "Phường Phú Mỹ, Quận 7, Thành phố Hồ Chí Minh"
    assert (conversion.legacy.ward_code, conversion.legacy.is_divided) == ("27493", True)
    assert [u.name for u in conversion.units] == ["Phường Tân Mỹ", "Phường Phú Thuận"]


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("", "Địa chỉ trống."),
        ("xyz", "Không nhận ra tỉnh, thành phố (cũ) trong địa chỉ “xyz”."),
        ("Tỉnh Bà Rịa - Vũng Tàu", "Không nhận ra quận, huyện (cũ) trong địa chỉ “Tỉnh Bà Rịa - Vũng Tàu”."),
        ("Quận 7, TP HCM", "Không nhận ra xã, phường, thị trấn (cũ) trong địa chỉ “Quận 7, TP HCM”."),
    ],
)
def test_unparseable_address_raises_a_clear_error(db, address, message):
    with pytest.raises(AddressNotUnderstood) as excinfo:
        convert_address(address)
    assert str(excinfo.value) == message
    assert isinstance(excinfo.value, ValueError)

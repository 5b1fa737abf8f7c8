"""Choices for administrative units."""

from django.db import models


class Level(models.TextChoices):
    """Cấp: national root, province, agency (a province department), commune."""

    NATIONAL = "national", "Trung ương"
    PROVINCE = "province", "Tỉnh"
    AGENCY = "agency", "Sở, ngành"
    COMMUNE = "commune", "Xã"


class UnitType(models.TextChoices):
    """Loại đơn vị, as the statistics office names them."""

    NATIONAL = "quoc_gia", "Quốc gia"
    PROVINCE = "tinh", "Tỉnh"
    CENTRAL_CITY = "thanh_pho_trung_uong", "Thành phố trung ương"
    AGENCY = "co_quan", "Cơ quan"
    COMMUNE = "xa", "Xã"
    WARD = "phuong", "Phường"
    SPECIAL_ZONE = "dac_khu", "Đặc khu"


NATIONAL_CODE = "VN"
REFORM_DATE = "2025-07-01"

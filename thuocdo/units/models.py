"""Administrative units after the 1 July 2025 reform, and the legacy units they absorbed."""

from django.db import models

from thuocdo.units.choices import NATIONAL_CODE, Level, UnitType


class Unit(models.Model):
    """One administrative unit: the nation (VN), a province (2-digit code) or a commune (5-digit code).

    Đơn vị hành chính. Codes are the statistics office's, zero-padded strings; the
    code is the primary key so that fact tables carry it directly.
    """

    code = models.CharField("mã", max_length=16, primary_key=True)
    name = models.CharField("tên", max_length=200)
    short_name = models.CharField("tên ngắn", max_length=200)
    type = models.CharField("loại", max_length=32, choices=UnitType.choices)
    level = models.CharField("cấp", max_length=16, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name="đơn vị cấp trên",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Denormalised: the province a unit belongs to ("" for the nation), for scoping and sharding.
    province_code = models.CharField("mã tỉnh", max_length=2, blank=True, db_index=True)
    search_key = models.CharField("khoá tìm kiếm", max_length=300, db_index=True)
    lat = models.FloatField("vĩ độ", null=True, blank=True)
    lon = models.FloatField("kinh độ", null=True, blank=True)
    area_km2 = models.FloatField("diện tích (km²)", null=True, blank=True)
    valid_from = models.DateField("hiệu lực từ")
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)

    class Meta:
        verbose_name = "đơn vị hành chính"
        verbose_name_plural = "đơn vị hành chính"
        ordering = ["code"]
        indexes = [models.Index(fields=["province_code", "level"], name="unit_province_level")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_national(self) -> bool:
        return self.code == NATIONAL_CODE

    def covers(self, other: "Unit") -> bool:
        """True when this unit is `other` or an ancestor of it (nation ⊃ province ⊃ commune/agency)."""
        if self.code == other.code or self.level == Level.NATIONAL:
            return True
        return self.level == Level.PROVINCE and other.province_code == self.code


class LegacyUnit(models.Model):
    """One pre-2025 commune (xã/phường/thị trấn cũ) with its district and province.

    Đơn vị cũ. `unit` is the new commune that absorbed it (for a divided commune,
    the default part); every part is in `parts`.
    """

    ward_code = models.CharField("mã xã cũ", max_length=5, blank=True, db_index=True)
    ward_name = models.CharField("tên xã cũ", max_length=200, blank=True)
    district_code = models.CharField("mã huyện cũ", max_length=3)
    district_name = models.CharField("tên huyện cũ", max_length=200)
    province_code = models.CharField("mã tỉnh cũ", max_length=2)
    province_name = models.CharField("tên tỉnh cũ", max_length=200)
    # The converter's keys ("thanhphohochiminh", "quan7", "phuongphumy"), unique together.
    province_key = models.CharField(max_length=100)
    district_key = models.CharField(max_length=100)
    ward_key = models.CharField(max_length=100, blank=True)
    search_key = models.CharField("khoá tìm kiếm", max_length=400)
    lat = models.FloatField("vĩ độ", null=True, blank=True)
    lon = models.FloatField("kinh độ", null=True, blank=True)
    unit = models.ForeignKey(Unit, verbose_name="đơn vị mới", on_delete=models.PROTECT, related_name="legacy_units")
    is_divided = models.BooleanField("bị chia cho nhiều xã mới", default=False)

    class Meta:
        verbose_name = "đơn vị cũ"
        verbose_name_plural = "đơn vị cũ"
        ordering = ["province_code", "district_code", "ward_code"]
        constraints = [
            models.UniqueConstraint(fields=["province_key", "district_key", "ward_key"], name="legacy_unit_unique_keys")
        ]

    def __str__(self) -> str:
        parts = [self.ward_name, self.district_name, self.province_name]
        return ", ".join(p for p in parts if p)


class LegacyUnitPart(models.Model):
    """One new commune that received (part of) a legacy commune; a divided commune has several."""

    legacy = models.ForeignKey(LegacyUnit, on_delete=models.CASCADE, related_name="parts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="legacy_parts")
    is_default = models.BooleanField("phần mặc định", default=False)

    class Meta:
        verbose_name = "phần của đơn vị cũ"
        verbose_name_plural = "phần của đơn vị cũ"
        constraints = [models.UniqueConstraint(fields=["legacy", "unit"], name="legacy_part_unique")]

    def __str__(self) -> str:
        return f"{self.legacy} → {self.unit}"


class UnitProfile(models.Model):
    """A unit's contact card, kept by the unit itself (thông tin liên hệ của đơn vị).

    The one thing a commune edits about itself in the registry; the registry rows
    (codes, names, boundaries) come from the reference packages only.
    """

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, primary_key=True, related_name="profile")
    office_address = models.CharField("địa chỉ trụ sở", max_length=300, blank=True)
    phone = models.CharField("điện thoại", max_length=40, blank=True)
    email = models.EmailField("thư điện tử", blank=True)
    head_name = models.CharField("chủ tịch / người đứng đầu", max_length=150, blank=True)
    office_hours = models.CharField("giờ tiếp nhận hồ sơ", max_length=150, blank=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "thông tin liên hệ"
        verbose_name_plural = "thông tin liên hệ"

    def __str__(self) -> str:
        return f"Thông tin liên hệ — {self.unit}"

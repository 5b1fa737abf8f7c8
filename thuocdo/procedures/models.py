"""The procedure catalogue (TTHC): procedures, their publication per province, certified-copy communes."""

from django.db import models

from thuocdo.procedures.choices import OnlineLevel, ProcedureLevel
from thuocdo.units.models import Unit


class Procedure(models.Model):
    """One administrative procedure of the national catalogue (thủ tục hành chính), e.g. 1.001612.

    `search_key` is the accent-free code and name ("1.001193 dang ky khai sinh") for searching.
    """

    code = models.CharField("mã thủ tục", max_length=40, primary_key=True)
    name = models.CharField("tên thủ tục", max_length=500)
    field = models.CharField("lĩnh vực", max_length=200)
    level = models.CharField("cấp thực hiện", max_length=16, choices=ProcedureLevel.choices, db_index=True)
    processing_days = models.PositiveIntegerField("thời hạn giải quyết (ngày làm việc)", null=True, blank=True)
    online_level = models.CharField("mức độ trực tuyến", max_length=8, choices=OnlineLevel.choices)
    has_fee = models.BooleanField("có phí, lệ phí", default=False)
    data_replaceable = models.BooleanField("thành phần hồ sơ thay được bằng dữ liệu", default=False)
    certified_copy = models.BooleanField("chứng thực bản sao điện tử từ bản chính", default=False)
    search_key = models.CharField("khoá tìm kiếm", max_length=600, db_index=True)

    class Meta:
        verbose_name = "thủ tục hành chính"
        verbose_name_plural = "thủ tục hành chính"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Publication(models.Model):
    """One province's publication of one procedure (công bố, công khai TTHC): due and done dates.

    `published_on` null = not yet published; `update_due` null = no update owed. `content_full` says
    whether the published content is complete (PUBLIC_CONTENT_FULL).
    """

    province_code = models.CharField("mã tỉnh", max_length=2)
    procedure = models.ForeignKey(
        Procedure, verbose_name="thủ tục", on_delete=models.CASCADE, related_name="publications"
    )
    publish_due = models.DateField("hạn công bố")
    published_on = models.DateField("ngày công bố", null=True, blank=True)
    update_due = models.DateField("hạn cập nhật", null=True, blank=True)
    updated_on = models.DateField("ngày cập nhật", null=True, blank=True)
    content_full = models.BooleanField("nội dung công khai đầy đủ", default=False)

    class Meta:
        verbose_name = "công bố thủ tục"
        verbose_name_plural = "công bố thủ tục"
        ordering = ["province_code", "procedure"]
        constraints = [
            models.UniqueConstraint(fields=["province_code", "procedure"], name="publication_province_procedure")
        ]

    def __str__(self) -> str:
        return f"{self.province_code}: {self.procedure_id}"


class CertifiedCopyOffering(models.Model):
    """One commune that offers electronic certified copies from originals (chứng thực bản sao điện tử).

    A row means the commune offers the service since `since`; no row means it does not (yet).
    """

    unit = models.OneToOneField(
        Unit, verbose_name="xã", on_delete=models.PROTECT, primary_key=True, related_name="certified_copy"
    )
    province_code = models.CharField("mã tỉnh", max_length=2, db_index=True)
    since = models.DateField("cung cấp từ ngày")

    class Meta:
        verbose_name = "xã cung cấp chứng thực điện tử"
        verbose_name_plural = "xã cung cấp chứng thực điện tử"

    def __str__(self) -> str:
        return f"{self.unit_id} từ {self.since:%d/%m/%Y}"

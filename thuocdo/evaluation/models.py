"""Framework versions, published (official) scores and data-quality flags."""

from django.conf import settings
from django.db import models


class FrameworkVersion(models.Model):
    """One version of an indicator framework (bộ chỉ số), kept as its YAML text.

    Frameworks are data: an edit never changes a stored version, it adds the next one, so a score
    can always name the version it used.
    """

    code = models.CharField("mã bộ chỉ số", max_length=40)
    version = models.PositiveIntegerField("phiên bản")
    name = models.CharField("tên", max_length=300)
    valid_from = models.DateField("áp dụng từ")
    definition = models.TextField("định nghĩa (YAML)")
    note = models.CharField("ghi chú thay đổi", max_length=300, blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="người tạo", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "phiên bản bộ chỉ số"
        verbose_name_plural = "phiên bản bộ chỉ số"
        ordering = ["code", "-version"]
        constraints = [models.UniqueConstraint(fields=["code", "version"], name="framework_version_key")]

    def __str__(self) -> str:
        return f"{self.code} v{self.version} — {self.name}"


class OfficialScore(models.Model):
    """A score somebody else published (the national portal's), shown next to ours (điểm chính thức)."""

    unit_code = models.CharField("mã đơn vị", max_length=16, db_index=True)
    framework_code = models.CharField("bộ chỉ số", max_length=40)
    group_code = models.CharField("nhóm", max_length=40)
    indicator_code = models.CharField("chỉ số", max_length=80, blank=True)
    procedure_code = models.CharField("mã thủ tục", max_length=40, blank=True)
    start = models.DateField("từ ngày")
    end = models.DateField("đến ngày")
    points = models.FloatField("điểm")
    source = models.CharField("nguồn", max_length=100)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "điểm chính thức"
        verbose_name_plural = "điểm chính thức"
        constraints = [
            models.UniqueConstraint(
                fields=["unit_code", "framework_code", "group_code", "indicator_code", "procedure_code", "start",
                        "end", "source"],
                name="official_score_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.framework_code}/{self.group_code} {self.start}..{self.end} = {self.points}"


class DataQualityIssue(models.Model):
    """A difference between our score and the official one over 0.01 points, or a row we could not use."""

    unit_code = models.CharField("mã đơn vị", max_length=16, blank=True, db_index=True)
    framework_code = models.CharField("bộ chỉ số", max_length=40)
    group_code = models.CharField("nhóm", max_length=40, blank=True)
    procedure_code = models.CharField("mã thủ tục", max_length=40, blank=True)
    start = models.DateField("từ ngày")
    end = models.DateField("đến ngày")
    ours = models.FloatField("điểm của Thước Đo", null=True, blank=True)
    official = models.FloatField("điểm chính thức", null=True, blank=True)
    message = models.CharField("mô tả", max_length=500)
    source = models.CharField("nguồn", max_length=100)
    created_at = models.DateTimeField("phát hiện lúc", auto_now_add=True)

    class Meta:
        verbose_name = "vấn đề chất lượng dữ liệu"
        verbose_name_plural = "vấn đề chất lượng dữ liệu"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message


class Score(models.Model):
    """A unit's maintained score for one period under one framework version (ADR 0010).

    Kept current by the score refresher (`evaluation.score_rows`) from the change marks written with
    the figures: pages, the API, exports and the public board read these rows instead of scoring
    3,321 communes per request, and a restarted server serves them at once. `values` holds the metric
    values the score was computed from, so the full breakdown (every indicator) is the pure
    `score_unit(framework, level, values)`, and `scores check` can recompute and compare any row.
    `rank` is among the units of the same `level` and `peer_group` (a province's communes; the 34
    provinces: peer group "VN"), set by a window query after each refresh; no total, no rank.
    """

    framework_code = models.CharField("bộ chỉ số", max_length=40)
    version = models.PositiveIntegerField("phiên bản")
    unit_code = models.CharField("mã đơn vị", max_length=16)
    level = models.CharField("cấp", max_length=10)
    peer_group = models.CharField("nhóm xếp hạng", max_length=16)
    start = models.DateField("từ ngày")
    end = models.DateField("đến ngày")
    total = models.DecimalField("tổng điểm", max_digits=20, decimal_places=6, null=True)
    max_points = models.DecimalField("điểm tối đa", max_digits=20, decimal_places=6)
    grade = models.CharField("xếp loại", max_length=40, blank=True)
    complete = models.BooleanField("đủ các nhóm", default=False)
    scored = models.BooleanField("có chỉ số được chấm", default=False)
    coverage = models.DecimalField("phần điểm có số liệu", max_digits=8, decimal_places=6, default=0)
    groups = models.JSONField("điểm theo nhóm", default=dict)
    values = models.JSONField("số liệu đã dùng", default=dict)
    rank = models.PositiveIntegerField("thứ hạng", null=True)
    peers = models.PositiveIntegerField("số đơn vị cùng nhóm", default=0)
    hot = models.BooleanField("kỳ luôn giữ nóng", default=False)
    computed_at = models.DateTimeField("tính lúc")

    class Meta:
        verbose_name = "điểm duy trì"
        verbose_name_plural = "điểm duy trì"
        constraints = [
            models.UniqueConstraint(fields=["framework_code", "version", "start", "end", "unit_code"],
                                    name="score_key"),
        ]
        indexes = [
            models.Index(fields=["framework_code", "version", "start", "end", "peer_group", "level"],
                         name="score_peers"),
            models.Index(fields=["unit_code", "hot"], name="score_unit_hot"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_code} {self.framework_code} v{self.version} {self.start}..{self.end} = {self.total}"

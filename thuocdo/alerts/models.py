"""Alert rules: the thresholds are data, changed by an administrator in the admin."""

from django.db import models

from thuocdo.alerts.choices import AlertKind


class AlertRule(models.Model):
    """One alert rule (quy tắc cảnh báo), checked for every commune and agency whenever a page asks.

    `threshold` means, by kind: ontime_drop — points of on-time rate lost in the last 7 days against
    the 7 days before (fires at ≥ threshold); pending_overdue — dossiers pending past their due time
    now (fires above it); load_spike — today's received dossiers as a multiple of the unit's median
    day over the previous 30 days (fires above it). `min_volume` keeps tiny counts quiet: the
    dossiers resolved in each week (ontime_drop) or received today (load_spike) must reach it.
    """

    kind = models.CharField("loại", max_length=32, choices=AlertKind.choices)
    threshold = models.FloatField("ngưỡng", help_text="Đúng hạn giảm: số điểm phần trăm; quá hạn: số hồ sơ; "
                                  "đột biến: số lần so với trung vị 30 ngày.")
    min_volume = models.PositiveIntegerField(
        "số hồ sơ tối thiểu", default=0,
        help_text="Đúng hạn giảm: hồ sơ giải quyết mỗi tuần; đột biến: hồ sơ tiếp nhận hôm nay.")
    active = models.BooleanField("đang áp dụng", default=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    class Meta:
        verbose_name = "quy tắc cảnh báo"
        verbose_name_plural = "quy tắc cảnh báo"
        ordering = ["kind", "threshold"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (ngưỡng {self.threshold:g})"

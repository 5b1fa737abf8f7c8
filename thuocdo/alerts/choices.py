"""Kinds of alert rule."""

from django.db import models


class AlertKind(models.TextChoices):
    """What a rule watches; the threshold's meaning depends on the kind (see AlertRule)."""

    ONTIME_DROP = "ontime_drop", "Tỷ lệ giải quyết đúng hạn giảm so với tuần trước"
    PENDING_OVERDUE = "pending_overdue", "Hồ sơ đang quá hạn vượt ngưỡng"
    LOAD_SPIKE = "load_spike", "Hồ sơ tiếp nhận trong ngày tăng đột biến"

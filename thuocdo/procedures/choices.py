"""Choices for the procedure catalogue."""

from django.db import models


class ProcedureLevel(models.TextChoices):
    """Cấp thực hiện: the province (sở, ngành) or the commune (UBND xã)."""

    PROVINCE = "province", "Cấp tỉnh"
    COMMUNE = "commune", "Cấp xã"


class OnlineLevel(models.TextChoices):
    """Mức độ dịch vụ công trực tuyến."""

    FULL = "full", "Toàn trình"
    PARTIAL = "partial", "Một phần"
    NONE = "none", "Không trực tuyến"


ONLINE_LEVELS = (OnlineLevel.FULL, OnlineLevel.PARTIAL)

"""Roles and token scopes."""

from django.db import models


class Role(models.TextChoices):
    """Vai trò of a user; what it may read and write is decided in `permissions.py`."""

    CENTRAL_ADMIN = "central_admin", "Quản trị trung ương"
    CENTRAL_VIEWER = "central_viewer", "Theo dõi trung ương"
    PROVINCE_OFFICER = "province_officer", "Cán bộ tỉnh"
    COMMUNE_OFFICER = "commune_officer", "Cán bộ xã"
    INSPECTOR = "inspector", "Tổ công tác"


class Scope(models.TextChoices):
    """What an API token may write. Reading with a token is limited to its units."""

    DOSSIERS_WRITE = "dossiers:write", "Gửi sự kiện hồ sơ"
    METRICS_WRITE = "metrics:write", "Gửi số liệu chỉ tiêu"
    UNITS_WRITE = "units:write", "Cập nhật thông tin đơn vị"


class ActorKind(models.TextChoices):
    USER = "user", "Người dùng"
    TOKEN = "token", "Mã truy cập API"
    SYSTEM = "system", "Hệ thống"

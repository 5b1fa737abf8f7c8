"""Users, inspector assignments, API tokens and the audit log."""

from django.contrib.auth.models import AbstractUser
from django.db import models

from thuocdo.accounts.choices import ActorKind, Role


class User(AbstractUser):
    """A person who logs in: belongs to one unit and has one role (người dùng)."""

    unit = models.ForeignKey(
        "units.Unit", verbose_name="đơn vị", on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField("vai trò", max_length=32, choices=Role.choices, default=Role.CENTRAL_VIEWER)
    # Inspectors (tổ công tác) read the units they are assigned, nothing else.
    assigned_units = models.ManyToManyField(
        "units.Unit", verbose_name="đơn vị được giao theo dõi", blank=True, related_name="inspectors"
    )

    class Meta:
        verbose_name = "người dùng"
        verbose_name_plural = "người dùng"

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    SCOPE_NAMES_SHOWN = 3

    def header_label(self) -> str:
        """Who is logged in, as the page header says it: name, role (unless the name already says it), and the
        units the account answers for — a working group's assigned units, not the nation it is filed under."""
        name = self.get_full_name() or self.username
        parts = [name]
        role = str(self.get_role_display())
        if role.casefold() != name.casefold():
            parts.append(role)
        if self.role == Role.INSPECTOR:
            names = [u.name for u in self.assigned_units.order_by("code")]
            if names:
                shown = ", ".join(names[: self.SCOPE_NAMES_SHOWN])
                more = len(names) - self.SCOPE_NAMES_SHOWN
                parts.append(f"{shown} và {more} đơn vị khác" if more > 0 else shown)
        elif self.unit is not None:
            parts.append(self.unit.name)
        return " · ".join(parts)


class ApiToken(models.Model):
    """A source system's credential (mã truy cập API): hashed, scoped to units and write scopes.

    The secret is shown once at creation; only its SHA-256 is stored. `prefix` (the
    first characters) lets an operator recognise a token without revealing it.
    """

    name = models.CharField("tên", max_length=100, unique=True)
    prefix = models.CharField("tiền tố", max_length=12)
    token_hash = models.CharField("băm", max_length=64, unique=True)
    units = models.ManyToManyField("units.Unit", verbose_name="đơn vị", related_name="api_tokens")
    scopes = models.JSONField("quyền ghi", default=list)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    created_by = models.ForeignKey(
        User, verbose_name="người tạo", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField("thu hồi lúc", null=True, blank=True)
    last_used_at = models.DateTimeField("dùng lần cuối", null=True, blank=True)

    class Meta:
        verbose_name = "mã truy cập API"
        verbose_name_plural = "mã truy cập API"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class AuditEntry(models.Model):
    """One write made through an action: who, when, what, before and after (nhật ký thao tác).

    Written in the same transaction as the change it records, so a change without
    its audit row cannot exist.
    """

    at = models.DateTimeField("thời điểm", auto_now_add=True, db_index=True)
    actor_kind = models.CharField("loại chủ thể", max_length=16, choices=ActorKind.choices)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    token = models.ForeignKey(ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField("chủ thể", max_length=150)
    action = models.CharField("thao tác", max_length=100, db_index=True)
    object_type = models.CharField("loại đối tượng", max_length=100)
    object_id = models.CharField("mã đối tượng", max_length=100)
    unit_code = models.CharField("đơn vị", max_length=16, blank=True, db_index=True)
    before = models.JSONField("trước", null=True, blank=True)
    after = models.JSONField("sau", null=True, blank=True)

    class Meta:
        verbose_name = "nhật ký thao tác"
        verbose_name_plural = "nhật ký thao tác"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"
